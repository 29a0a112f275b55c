package handlers_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-app/hearth/handlers"
	"github.com/hearth-app/hearth/internal/oauth/oauthtest"
	"github.com/hearth-app/hearth/internal/photo"
	"github.com/hearth-app/hearth/models"
)

// pngOf is a w×h PNG, half orange, half teal.
func pngOf(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{230, 120, 20, 255}
			if x >= w/2 {
				c = color.NRGBA{20, 140, 140, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bombPNG is a small, valid PNG whose header claims w×h pixels.
func bombPNG(t testing.TB, w, h uint32) []byte {
	t.Helper()
	data := pngOf(t, 1, 1)
	binary.BigEndian.PutUint32(data[16:], w)
	binary.BigEndian.PutUint32(data[20:], h)
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	return data
}

// postMultipart posts a multipart form built by fill, as a browser does
// from one of the app's pages.
func (c *client) postMultipart(path string, fill func(*multipart.Writer)) *response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fill(mw)
	if err := mw.Close(); err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.app.URL+path, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.app.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// uploadPhoto sends the account page's photo form with one file.
func (c *client) uploadPhoto(filename string, data []byte) *response {
	c.t.Helper()
	return c.postMultipart("/account/photo", func(mw *multipart.Writer) {
		fw, err := mw.CreateFormFile("photo", filename)
		if err != nil {
			c.t.Fatal(err)
		}
		fw.Write(data)
	})
}

// photoOf is the user's avatar_version and how many photo rows they have.
func photoOf(t *testing.T, ta *testApp, userID string) (string, int64) {
	t.Helper()
	var version string
	if err := ta.DB.Read.Raw("SELECT avatar_version FROM users WHERE id = ?", userID).Scan(&version).Error; err != nil {
		t.Fatal(err)
	}
	return version, countRows(t, ta.DB, "SELECT count(*) FROM user_photos WHERE user_id = ?", userID)
}

// headerAvatar is the account menu's avatar on page.
func headerAvatar(t *testing.T, page *response) (src string, isPhoto bool) {
	t.Helper()
	a := page.Doc.Find("[data-testid=account-menu-button] [data-testid=avatar]")
	if a.Length() != 1 {
		t.Fatalf("%d avatars in the account menu", a.Length())
	}
	return a.AttrOr("src", ""), a.Is("img")
}

// fetchPhoto loads a photo's address and checks how it is served.
func fetchPhoto(t *testing.T, c *client, src string) image.Image {
	t.Helper()
	res := c.get(src)
	expectStatus(t, res, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != "image/jpeg" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("Cache-Control %q", cc)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff")
	}
	if res.Header.Get("Set-Cookie") != "" {
		t.Error("serving a photo wrote a cookie")
	}
	img, err := jpeg.Decode(strings.NewReader(res.Body))
	if err != nil {
		t.Fatalf("the photo is not a JPEG: %v", err)
	}
	return img
}

func TestPhotoUploadShowsWhereverTheUserAppears(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c, u := verifiedClient(t, ta, "ada@example.com")
	if _, isPhoto := headerAvatar(t, c.get("/account")); isPhoto {
		t.Fatal("a photo before any upload")
	}
	if c.get("/account").Doc.Find("[data-testid=remove-photo]").Length() != 0 {
		t.Error("Remove photo offered without a photo")
	}

	expectRedirect(t, c.uploadPhoto("me.png", pngOf(t, 400, 300)), "/account#photo")
	version, rows := photoOf(t, ta, u.ID)
	if version == "" || rows != 1 {
		t.Fatalf("after the upload: version %q, %d rows", version, rows)
	}
	page := c.get("/account")
	if !strings.Contains(page.Doc.Find("[data-testid=flash]").Text(), "photo was saved") {
		t.Error("no confirmation")
	}
	src, isPhoto := headerAvatar(t, page)
	if !isPhoto || src != models.PhotoURL(u.ID, version) {
		t.Fatalf("header avatar: photo %v at %q, want %q", isPhoto, src, models.PhotoURL(u.ID, version))
	}
	if page.Doc.Find("[data-testid=photo] img[data-testid=avatar]").AttrOr("src", "") != src || page.Doc.Find("[data-testid=remove-photo]").Length() != 1 {
		t.Error("the photo form does not show the photo and its Remove button")
	}
	img := fetchPhoto(t, c, src)
	if b := img.Bounds(); b.Dx() != photo.Size || b.Dy() != photo.Size {
		t.Errorf("served photo is %v", b)
	}
	// Without a session too: anyone shown the address may load it.
	expectStatus(t, ta.client(t).get(src), http.StatusOK)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND target_id = ? AND detail = 'photo changed'", models.AuditProfileUpdate, u.ID); n != 1 {
		t.Errorf("%d audit events for the new photo", n)
	}

	// Admins see it in the list and on the user's page.
	adm := ta.client(t)
	adm.signUpAdmin("boss@example.com")
	list := adm.get("/admin/users?q=ada")
	if got := list.Doc.Find("[data-testid=user-row] img[data-testid=avatar]").AttrOr("src", ""); got != src {
		t.Errorf("admin list avatar %q", got)
	}
	if got := adm.get("/admin/users/"+u.ID).Doc.Find("[data-testid=user-heading] img[data-testid=avatar]").AttrOr("src", ""); got != src {
		t.Errorf("admin user page avatar %q", got)
	}
	// Teammates see it on the members page; others keep their initials.
	org, err := models.CreateOrg(t.Context(), ta.DB, ta.clock.Now(), models.AuditEvent{}, u, "Analytical Engines", "")
	if err != nil {
		t.Fatal(err)
	}
	mate, mateU := verifiedClient(t, ta, "mate@example.com")
	addOrgMember(t, ta, org, mateU, models.OrgMember)
	members := mate.get("/orgs/" + org.Slug + "/members")
	expectStatus(t, members, http.StatusOK)
	if got := members.Doc.Find("[data-testid=member-row][data-user-id='"+u.ID+"'] img[data-testid=avatar]").AttrOr("src", ""); got != src {
		t.Errorf("members page avatar %q", got)
	}
	if members.Doc.Find("[data-testid=member-row][data-user-id='"+mateU.ID+"'] span[data-testid=avatar]").Length() != 1 {
		t.Error("a member without a photo has no initials")
	}
}

func TestPhotoReplaceBumpsTheVersionAndRemoveBringsInitialsBack(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	u := c.signUpMember("grace@example.com")
	expectRedirect(t, c.uploadPhoto("one.png", pngOf(t, 64, 64)), "/account#photo")
	first, _ := photoOf(t, ta, u.ID)
	expectRedirect(t, c.uploadPhoto("two.png", pngOf(t, 300, 900)), "/account#photo")
	second, rows := photoOf(t, ta, u.ID)
	if second == "" || second == first || rows != 1 {
		t.Fatalf("versions %q then %q, %d rows", first, second, rows)
	}
	expectStatus(t, c.get(models.PhotoURL(u.ID, first)), http.StatusNotFound)
	fetchPhoto(t, c, models.PhotoURL(u.ID, second))
	if src, _ := headerAvatar(t, c.get("/account")); src != models.PhotoURL(u.ID, second) {
		t.Errorf("header shows %q after the replacement", src)
	}

	expectRedirect(t, c.submit("/account", "form[action='/account/photo/delete']", nil), "/account#photo")
	if v, rows := photoOf(t, ta, u.ID); v != "" || rows != 0 {
		t.Fatalf("after removal: version %q, %d rows", v, rows)
	}
	expectStatus(t, c.get(models.PhotoURL(u.ID, second)), http.StatusNotFound)
	page := c.get("/account")
	if _, isPhoto := headerAvatar(t, page); isPhoto {
		t.Error("the header still shows a photo")
	}
	if page.Doc.Find("[data-testid=remove-photo]").Length() != 0 {
		t.Error("Remove photo offered after removal")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND target_id = ? AND detail = 'photo removed'", models.AuditProfileUpdate, u.ID); n != 1 {
		t.Errorf("%d audit events for the removal", n)
	}
	// Removing nothing is no event.
	expectRedirect(t, c.post("/account/photo/delete", nil), "/account#photo")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE detail = 'photo removed'"); n != 1 {
		t.Errorf("%d removal events after removing nothing", n)
	}
}

func TestPhotoBadUploadsAreRefusedOnThePage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	u := c.signUpMember("linus@example.com")
	expectRedirect(t, c.uploadPhoto("keep.png", pngOf(t, 80, 80)), "/account#photo")
	kept, _ := photoOf(t, ta, u.ID)
	good := pngOf(t, 200, 200)
	oversized := append(bytes.Clone(good), make([]byte, photo.MaxBytes)...)

	file := func(name string, data []byte) func(*multipart.Writer) {
		return func(mw *multipart.Writer) {
			fw, _ := mw.CreateFormFile("photo", name)
			fw.Write(data)
		}
	}
	for _, tc := range []struct {
		name   string
		fill   func(*multipart.Writer)
		status int
		msg    string
	}{
		{"no file chosen", file("", nil), http.StatusUnprocessableEntity, "Choose a picture"},
		{"no file field", func(mw *multipart.Writer) { mw.WriteField("other", "x") }, http.StatusUnprocessableEntity, "Choose a picture"},
		{"an empty file", file("empty.png", nil), http.StatusUnprocessableEntity, "file is empty"},
		{"a text file named .png", file("notes.png", []byte("these are my notes, not a picture\n")), http.StatusUnprocessableEntity, "not a picture we can use"},
		{"an SVG", file("logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><script>alert(1)</script></svg>`)), http.StatusUnprocessableEntity, "not a picture we can use"},
		{"a truncated PNG", file("half.png", good[:len(good)/2]), http.StatusUnprocessableEntity, "damaged or incomplete"},
		{"a 20000×20000 PNG header", file("bomb.png", bombPNG(t, 20000, 20000)), http.StatusUnprocessableEntity, "too many pixels"},
		{"a file over 5 MB", file("big.png", oversized), http.StatusRequestEntityTooLarge, "larger than 5 MB"},
	} {
		res := c.postMultipart("/account/photo", tc.fill)
		if res.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, res.StatusCode, tc.status)
			continue
		}
		if got := res.Doc.Find("[data-testid=photo-form] [data-testid=error-photo]").Text(); !strings.Contains(got, tc.msg) {
			t.Errorf("%s: message %q, want %q", tc.name, got, tc.msg)
		}
		if res.Doc.Find("#photo-file[aria-invalid=true]").Length() != 1 || res.Doc.Find("[data-testid=account]").Length() != 1 {
			t.Errorf("%s: not the account page with the input marked invalid", tc.name)
		}
		if v, rows := photoOf(t, ta, u.ID); v != kept || rows != 1 {
			t.Errorf("%s: the photo changed (version %q, %d rows)", tc.name, v, rows)
		}
	}

	// A plain form post (not multipart) is the same as no file.
	res := c.post("/account/photo", url.Values{"photo": {"x"}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Doc.Find("[data-testid=error-photo]").Text(), "Choose a picture") {
		t.Error("a non-multipart post is not refused on the page")
	}
	// A body beyond what the route reads at all gets the 413 page, not a 500.
	req, _ := http.NewRequest(http.MethodPost, ta.URL+"/account/photo", bytes.NewReader(make([]byte, handlers.MaxPhotoBodyBytes+1)))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	req.Header.Set("Origin", ta.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	expectStatus(t, c.do(req), http.StatusRequestEntityTooLarge)
	// Other forms keep the usual limit.
	res = c.post("/account/profile", url.Values{"name": {strings.Repeat("a", handlers.MaxBodyBytes)}})
	expectStatus(t, res, http.StatusRequestEntityTooLarge)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE detail = 'photo changed'"); n != 1 {
		t.Errorf("%d photo events: refused uploads were audited", n)
	}
}

func TestPhotoGoesWithTheAccountAndIntoTheExport(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	u := c.signUpMember("del@example.com")
	expectRedirect(t, c.uploadPhoto("me.png", pngOf(t, 120, 120)), "/account#photo")

	res := c.get("/account/export")
	expectStatus(t, res, http.StatusOK)
	var ex struct {
		Photo *struct {
			ContentType string `json:"content_type"`
			Source      string `json:"source"`
			Data        []byte `json:"data"`
		} `json:"photo"`
	}
	if err := json.Unmarshal([]byte(res.Body), &ex); err != nil {
		t.Fatal(err)
	}
	if ex.Photo == nil || ex.Photo.ContentType != "image/jpeg" || ex.Photo.Source != models.PhotoUploaded {
		t.Fatalf("export photo: %+v", ex.Photo)
	}
	if _, err := jpeg.Decode(bytes.NewReader(ex.Photo.Data)); err != nil {
		t.Errorf("the exported photo is not a JPEG: %v", err)
	}

	version, _ := photoOf(t, ta, u.ID)
	expectRedirect(t, c.submit("/account/security", "form[action='/account/delete']", url.Values{"current_password": {goodPassword}}), "/")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM user_photos"); n != 0 {
		t.Errorf("%d photos left after the account was deleted", n)
	}
	expectStatus(t, ta.client(t).get(models.PhotoURL(u.ID, version)), http.StatusNotFound)
}

func TestPhotoChangesAreRefusedWhileImpersonating(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	member := ta.client(t)
	m := member.signUpMember("member@example.com")
	expectRedirect(t, member.uploadPhoto("me.png", pngOf(t, 50, 50)), "/account#photo")
	kept, _ := photoOf(t, ta, m.ID)

	admin := ta.client(t)
	admin.signUpAdmin("boss@example.com")
	expectRedirect(t, admin.submit("/admin/users/"+m.ID, "[data-testid=impersonate-form]", nil), "/account")
	expectStatus(t, admin.uploadPhoto("other.png", pngOf(t, 50, 50)), http.StatusForbidden)
	expectStatus(t, admin.post("/account/photo/delete", nil), http.StatusForbidden)
	if v, rows := photoOf(t, ta, m.ID); v != kept || rows != 1 {
		t.Errorf("the member's photo changed while impersonated: %q, %d rows", v, rows)
	}
}

func TestAvatarAddressesThatAreNotAPhotoAre404(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	u := c.signUpMember("x@example.com")
	expectRedirect(t, c.uploadPhoto("me.png", pngOf(t, 50, 50)), "/account#photo")
	version, _ := photoOf(t, ta, u.ID)
	for _, path := range []string{
		models.PhotoURL(u.ID, "aaaaaaaaaaaaaaaaaaaaaaaaaa"),
		models.PhotoURL("0190aaaa-0000-7000-8000-000000000000", version),
		"/avatars/" + u.ID + "/" + version + ".png",
		"/avatars/" + u.ID + "/" + version,
		"/avatars/" + u.ID + "/..%2f" + version + ".jpg",
		"/avatars/" + u.ID,
	} {
		if res := c.get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, res.StatusCode)
		}
	}
}

// pictureServer is a provider's picture host over https, answering with
// what serve writes; it counts requests.
func pictureServer(t *testing.T, serve func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		serve(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func withPictures(client *http.Client) func(*appOptions) {
	return func(o *appOptions) { o.pictures = client }
}

func withPicture(u oauthtest.User, pictureURL string) oauthtest.User {
	u.Spoil = func(claims map[string]any) { claims["picture"] = pictureURL }
	return u
}

// waitForPictures waits for the app's background imports.
func waitForPictures(t *testing.T, ta *testApp) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := ta.App.WaitBackground(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestPhotoFromTheProviderAtFirstSocialSignIn(t *testing.T) {
	t.Parallel()
	picture := pngOf(t, 460, 460)
	pics, hits := pictureServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(picture)
	})
	f := oauthtest.NewIssuer(t)
	ta := newTestApp(t, withIssuer(f), withPictures(pics.Client()))
	c := ta.client(t)
	f.Queue(withPicture(oauthtest.User{Subject: "sub-pic", Email: "pic@example.com", EmailVerified: true, Name: "Pic Person"}, pics.URL+"/me.png"))
	expectRedirect(t, c.socialSignIn("oidc"), "/account")
	waitForPictures(t, ta)

	u, err := models.UserByEmail(t.Context(), ta.DB, "pic@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.AvatarVersion == "" || countRows(t, ta.DB, "SELECT count(*) FROM user_photos WHERE user_id = ? AND source = 'oidc'", u.ID) != 1 {
		t.Fatalf("the provider's picture was not imported (version %q)", u.AvatarVersion)
	}
	src, isPhoto := headerAvatar(t, c.get("/account"))
	if !isPhoto || src != models.PhotoURL(u.ID, u.AvatarVersion) {
		t.Fatalf("header avatar %v %q", isPhoto, src)
	}
	fetchPhoto(t, c, src)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND target_id = ? AND detail = 'photo from oidc'", models.AuditProfileUpdate, u.ID); n != 1 {
		t.Errorf("%d audit events for the imported photo", n)
	}

	// A later sign-in fetches nothing: the first one chose the photo.
	c.post("/logout", nil)
	f.Queue(withPicture(oauthtest.User{Subject: "sub-pic", Email: "pic@example.com", EmailVerified: true}, pics.URL+"/other.png"))
	expectRedirect(t, c.socialSignIn("oidc"), "/account")
	waitForPictures(t, ta)
	if hits.Load() != 1 {
		t.Errorf("the picture host was asked %d times", hits.Load())
	}
	if v, _ := photoOf(t, ta, u.ID); v != u.AvatarVersion {
		t.Error("a returning sign-in replaced the photo")
	}
}

func TestPhotoFromAProviderThatFailsLeavesSignInWorking(t *testing.T) {
	t.Parallel()
	pics, _ := pictureServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing.png":
			http.NotFound(w, r)
		case "/huge.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(pngOf(t, 8, 8))
			w.Write(make([]byte, photo.MaxBytes+1))
		case "/text.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte("not a picture at all"))
		case "/bomb.png":
			w.Write(bombPNG(t, 20000, 20000))
		case "/slow.png":
			select {
			case <-r.Context().Done():
			case <-time.After(photo.FetchTimeout + 5*time.Second):
			}
		case "/to-http":
			http.Redirect(w, r, "http://127.0.0.1:1/x.png", http.StatusFound)
		}
	})
	f := oauthtest.NewIssuer(t)
	ta := newTestApp(t, withIssuer(f), withPictures(pics.Client()))
	// The app's own client: a picture on a loopback address is never fetched.
	guarded := newTestApp(t, withIssuer(f))

	for i, tc := range []struct {
		name    string
		app     *testApp
		picture string
	}{
		{"404", ta, pics.URL + "/missing.png"},
		{"larger than 5 MB", ta, pics.URL + "/huge.png"},
		{"not an image", ta, pics.URL + "/text.png"},
		{"a decompression bomb", ta, pics.URL + "/bomb.png"},
		{"too slow", ta, pics.URL + "/slow.png"},
		{"a redirect to http", ta, pics.URL + "/to-http"},
		{"plain http", ta, strings.Replace(pics.URL, "https://", "http://", 1) + "/x.png"},
		{"not a URL", ta, "::nonsense"},
		{"a private address", guarded, pics.URL + "/missing.png"},
	} {
		email := "fail" + string(rune('a'+i)) + "@example.com"
		c := tc.app.client(t)
		f.Queue(withPicture(oauthtest.User{Subject: "sub-" + email, Email: email, EmailVerified: true}, tc.picture))
		start := time.Now()
		if res := c.socialSignIn("oidc"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
			t.Errorf("%s: sign-in answered %d to %q", tc.name, res.StatusCode, res.Header.Get("Location"))
			continue
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s: the sign-in waited %v for the picture", tc.name, d)
		}
		expectStatus(t, c.get("/account"), http.StatusOK)
		waitForPictures(t, tc.app)
		if n := countRows(t, tc.app.DB, "SELECT count(*) FROM user_photos p JOIN users u ON u.id = p.user_id WHERE u.email = ?", email); n != 0 {
			t.Errorf("%s: a photo was stored", tc.name)
		}
	}
	// Each was tried and given up, as a warning, not an error.
	if n := strings.Count(ta.Logs.String(), "provider picture not imported"); n != 8 {
		t.Errorf("%d pictures given up, want 8", n)
	}
	if logs := guarded.Logs.String(); !strings.Contains(logs, "provider picture not imported") || !strings.Contains(logs, "loopback") {
		t.Errorf("the loopback picture was not refused by the guard:\n%s", logs)
	}
	if strings.Contains(ta.Logs.String()+guarded.Logs.String(), "level=ERROR") {
		t.Error("a refused picture was logged as an error")
	}
}

// TestAdminRemovesAPhoto: an admin takes a user's photo down from the
// user's page; the initials come back, the address stops answering, and
// the audit log says the admin did it. Members cannot.
func TestAdminRemovesAPhoto(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c, u := verifiedClient(t, ta, "ada@example.com")
	adm := ta.client(t)
	boss := adm.signUpAdmin("boss@example.com")
	page := "/admin/users/" + u.ID
	if adm.get(page).Doc.Find("[data-testid=remove-photo-form]").Length() != 0 {
		t.Error("Remove photo offered for a user without one")
	}
	expectRedirect(t, c.uploadPhoto("me.png", pngOf(t, 200, 200)), "/account#photo")
	version, _ := photoOf(t, ta, u.ID)

	expectStatus(t, c.post(page+"/photo/delete", url.Values{}), http.StatusForbidden)
	if v, rows := photoOf(t, ta, u.ID); v != version || rows != 1 {
		t.Fatalf("a member removed the photo: %q, %d rows", v, rows)
	}

	expectRedirect(t, adm.submit(page, "[data-testid=remove-photo-form]", nil), page)
	if v, rows := photoOf(t, ta, u.ID); v != "" || rows != 0 {
		t.Fatalf("after the admin's removal: version %q, %d rows", v, rows)
	}
	after := adm.get(page)
	if !strings.Contains(after.Doc.Find("[data-testid=flash]").Text(), "photo of ada@example.com was removed") {
		t.Errorf("flash %q", after.Doc.Find("[data-testid=flash]").Text())
	}
	if after.Doc.Find("[data-testid=user-heading] span[data-testid=avatar]").Length() != 1 || after.Doc.Find("[data-testid=remove-photo-form]").Length() != 0 {
		t.Error("the user page still shows the photo or its Remove button")
	}
	expectStatus(t, ta.client(t).get(models.PhotoURL(u.ID, version)), http.StatusNotFound)
	if _, isPhoto := headerAvatar(t, c.get("/account")); isPhoto {
		t.Error("the user's own header still shows the photo")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND target_id = ? AND actor_id = ? AND detail = 'photo removed by an admin'",
		models.AuditProfileUpdate, u.ID, boss.ID); n != 1 {
		t.Errorf("%d audit events for the admin's removal", n)
	}
	// Again (a second tab): nothing to remove, nothing recorded.
	expectRedirect(t, adm.post(page+"/photo/delete", url.Values{}), page)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE detail = 'photo removed by an admin'"); n != 1 {
		t.Errorf("%d removal events after removing nothing", n)
	}
	expectStatus(t, adm.post("/admin/users/nobody/photo/delete", url.Values{}), http.StatusNotFound)
}

// TestThePhotoIsInTheAPI: GET /api/v1/me gives the photo's absolute
// address, which loads, and null without a photo.
func TestThePhotoIsInTheAPI(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c, u := verifiedClient(t, ta, "ada@example.com")
	secret := createToken(t, c, "cli", "7")
	picture := func() any {
		t.Helper()
		res, body := apiCall(t, ta, http.MethodGet, "/api/v1/me", secret, "")
		decodeMe(t, res, body)
		var me map[string]any
		if err := json.Unmarshal(body, &me); err != nil {
			t.Fatal(err)
		}
		p, ok := me["picture"]
		if !ok {
			t.Fatalf("no picture field: %s", body)
		}
		return p
	}
	if p := picture(); p != nil {
		t.Fatalf("picture %v without a photo, want null", p)
	}
	expectRedirect(t, c.uploadPhoto("me.png", pngOf(t, 200, 200)), "/account#photo")
	version, _ := photoOf(t, ta, u.ID)
	want := ta.App.Config.BaseURL.JoinPath(models.PhotoURL(u.ID, version)).String()
	if p := picture(); p != want {
		t.Fatalf("picture %v, want %s", p, want)
	}
	fetchPhoto(t, ta.client(t), models.PhotoURL(u.ID, version))
}

// TestPhotoFromTheProviderWhenLinkedOrConnected: an account without a
// photo takes the provider's picture when the provider joins it (linked
// at sign-in by the verified address, or connected from the account page);
// one with a photo keeps it, and the picture is not even fetched.
func TestPhotoFromTheProviderWhenLinkedOrConnected(t *testing.T) {
	t.Parallel()
	pics, hits := pictureServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(pngOf(t, 300, 300))
	})
	f := oauthtest.NewIssuer(t)
	ta := newTestApp(t, withIssuer(f), withPictures(pics.Client()))
	imported := func(u *models.User) bool {
		t.Helper()
		waitForPictures(t, ta)
		return countRows(t, ta.DB, "SELECT count(*) FROM user_photos WHERE user_id = ? AND source = 'oidc'", u.ID) == 1
	}

	// Linked at sign-in: the verified address of a verified account.
	_, linked := verifiedClient(t, ta, "linked@example.com")
	f.Queue(withPicture(oauthtest.User{Subject: "sub-linked", Email: "linked@example.com", EmailVerified: true}, pics.URL+"/linked.png"))
	expectRedirect(t, ta.client(t).socialSignIn("oidc"), "/account")
	if !imported(linked) {
		t.Error("linking at sign-in did not import the picture")
	}

	// Connected from the account page.
	c, connected := verifiedClient(t, ta, "connected@example.com")
	f.Queue(withPicture(oauthtest.User{Subject: "sub-connected", Email: "elsewhere@example.com", EmailVerified: true}, pics.URL+"/connected.png"))
	expectRedirect(t, c.get(providerRoundTrip(t, c.connect("oidc"))), "/account")
	if !imported(connected) {
		t.Error("connecting did not import the picture")
	}
	if src, isPhoto := headerAvatar(t, c.get("/account")); !isPhoto {
		t.Errorf("header shows %q, not the imported photo", src)
	}

	// A photo of the user's own is kept.
	k, keeper := verifiedClient(t, ta, "keeper@example.com")
	expectRedirect(t, k.uploadPhoto("mine.png", pngOf(t, 100, 100)), "/account#photo")
	mine, _ := photoOf(t, ta, keeper.ID)
	before := hits.Load()
	f.Queue(withPicture(oauthtest.User{Subject: "sub-keeper", Email: "keeper-elsewhere@example.com", EmailVerified: true}, pics.URL+"/keeper.png"))
	expectRedirect(t, k.get(providerRoundTrip(t, k.connect("oidc"))), "/account")
	waitForPictures(t, ta)
	if v, rows := photoOf(t, ta, keeper.ID); v != mine || rows != 1 || hits.Load() != before {
		t.Errorf("connecting replaced or fetched over the user's photo: %q (was %q), %d fetches", v, mine, hits.Load()-before)
	}
}
