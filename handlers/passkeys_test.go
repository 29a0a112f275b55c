package handlers_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/hearth-app/hearth/handlers"
	"github.com/hearth-app/hearth/models"
)

// passkeyOrigin is the base URL of the passkey tests' app: browsers refuse
// an IP address (the test server's) as a relying party id.
const (
	passkeyOrigin = "https://app.example.com"
	passkeyRPID   = "app.example.com"
)

var passkeyRP = virtualwebauthn.RelyingParty{ID: passkeyRPID, Name: "Hearth", Origin: passkeyOrigin}

func newPasskeyApp(t testing.TB, opts ...func(*appOptions)) *testApp {
	t.Helper()
	return newTestApp(t, append([]func(*appOptions){withEnv("HEARTH_BASE_URL", passkeyOrigin)}, opts...)...)
}

// device is a software authenticator holding one passkey for one user.
type device struct {
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
}

// newCredential is a software passkey. virtualwebauthn writes the key's
// coordinates without their leading zero bytes, which makes one key in 64
// invalid: only keys whose coordinates fill 32 bytes are used.
func newCredential(t testing.TB) virtualwebauthn.Credential {
	t.Helper()
	for {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if len(k.X.Bytes()) != 32 || len(k.Y.Bytes()) != 32 {
			continue
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return virtualwebauthn.NewCredentialWithImportedKey(virtualwebauthn.KeyTypeEC2, der)
	}
}

// postJSON sends body to path as the page script does: fetch from one of
// the app's pages (same origin).
func (c *client) postJSON(path, body string) *response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.app.URL+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", passkeyOrigin)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// passkeyCookie is the session cookie the jar keeps for the base URL's
// host, which the client's requests name (a reverse proxy's view).
func (c *client) passkeyCookie() *http.Cookie {
	u, _ := url.Parse(passkeyOrigin)
	for _, ck := range c.http.Jar.Cookies(&url.URL{Scheme: "http", Host: u.Host, Path: "/"}) {
		if ck.Name == handlers.SessionCookieName {
			return ck
		}
	}
	return nil
}

// verifiedUser signs up email on c and marks the address proven.
func verifiedUser(t testing.TB, ta *testApp, c *client, email string) *models.User {
	t.Helper()
	c.signUp(email, goodPassword)
	if err := ta.DB.Write.Exec("UPDATE users SET email_verified_at = ? WHERE email = ?", time.Now().UTC(), email).Error; err != nil {
		t.Fatal(err)
	}
	if err := ta.Store.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	u, err := models.UserByEmail(t.Context(), ta.DB, email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// beginRegistration asks for creation options; the response is returned
// with the options parsed when it is a 200.
func beginRegistration(t testing.TB, c *client, name string) (*response, *virtualwebauthn.AttestationOptions) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name})
	res := c.postJSON("/webauthn/register/begin", string(body))
	if res.StatusCode != http.StatusOK {
		return res, nil
	}
	opts, err := virtualwebauthn.ParseAttestationOptions(res.Body)
	if err != nil {
		t.Fatalf("creation options: %v\n%s", err, res.Body)
	}
	return res, opts
}

// addPasskey registers a new passkey for u through the two JSON calls.
func addPasskey(t testing.TB, c *client, u *models.User, name string) *device {
	t.Helper()
	_, opts := beginRegistration(t, c, name)
	if opts == nil {
		t.Fatal("registration did not begin")
	}
	if opts.RelyingPartyID != passkeyRPID || opts.UserID != u.ID {
		t.Fatalf("options for rp %q, user %q", opts.RelyingPartyID, opts.UserID)
	}
	d := &device{auth: virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(u.ID)}),
		cred: newCredential(t)}
	d.cred.Counter = 1
	res := c.postJSON("/webauthn/register/finish", virtualwebauthn.CreateAttestationResponse(passkeyRP, d.auth, d.cred, *opts))
	expectStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, `"/account/security#passkeys"`) {
		t.Fatalf("finish: %s", res.Body)
	}
	d.auth.AddCredential(d.cred)
	return d
}

// beginSignIn asks for request options.
func beginSignIn(t testing.TB, c *client) *virtualwebauthn.AssertionOptions {
	t.Helper()
	res := c.postJSON("/webauthn/login/begin", "{}")
	expectStatus(t, res, http.StatusOK)
	opts, err := virtualwebauthn.ParseAssertionOptions(res.Body)
	if err != nil {
		t.Fatalf("request options: %v\n%s", err, res.Body)
	}
	if len(opts.AllowCredentials) != 0 {
		t.Fatal("a discoverable sign-in names credentials")
	}
	return opts
}

// assertion is d's answer to opts, its counter moved on.
func (d *device) assertion(opts *virtualwebauthn.AssertionOptions) string {
	d.cred.Counter++
	return virtualwebauthn.CreateAssertionResponse(passkeyRP, d.auth, d.cred, *opts)
}

// signInWith signs c in with d, and returns the finish's answer.
func signInWith(t testing.TB, c *client, d *device, next string) *response {
	t.Helper()
	opts := beginSignIn(t, c)
	path := "/webauthn/login/finish"
	if next != "" {
		path += "?next=" + url.QueryEscape(next)
	}
	return c.postJSON(path, d.assertion(opts))
}

func signedInAs(t testing.TB, c *client, email string) {
	t.Helper()
	res := c.get("/account")
	expectStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, email) {
		t.Fatalf("/account does not show %s", email)
	}
}

// Registration through the JSON endpoints stores the passkey, audited and
// mailed; the security page lists it; signing in with it from a new
// browser, without an email, signs in fully on a new session token, is
// audited, and moves the counter on.
func TestPasskeyRegistrationAndSignIn(t *testing.T) {
	t.Parallel()
	ta := newPasskeyApp(t)
	c := ta.client(t)
	u := verifiedUser(t, ta, c, "ada@example.com")
	d := addPasskey(t, c, u, "MacBook")

	if n := countRows(t, ta.DB, "SELECT count(*) FROM passkeys WHERE user_id = ? AND name = 'MacBook' AND sign_count = 1", u.ID); n != 1 {
		t.Fatalf("%d passkeys stored", n)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND target_id = ?", models.AuditPasskeyAdd, u.ID); n != 1 {
		t.Fatalf("%d passkey_add events", n)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM outbox WHERE template = 'passkey_added' AND to_addr = 'ada@example.com'"); n != 1 {
		t.Fatalf("%d passkey_added mails", n)
	}
	page := c.get("/account/security")
	expectStatus(t, page, http.StatusOK)
	if got := page.Doc.Find("[data-testid=passkey-name]").Text(); got != "MacBook" {
		t.Fatalf("security page lists %q", got)
	}
	if page.Doc.Find("script[src='/static/js/passkeys.js']").Length() != 1 || page.Doc.Find("[data-passkey-register][hidden]").Length() != 1 {
		t.Fatal("the add button is not there, hidden until the script shows it")
	}

	if export := c.get("/account/export"); !strings.Contains(strings.Join(strings.Fields(export.Body), ""), `"passkeys":[{"name":"MacBook"`) {
		t.Fatalf("the export does not list the passkey: %.300s", export.Body)
	}

	other := ta.client(t)
	login := other.get("/login")
	if ac, _ := login.Doc.Find("input[name=email]").Attr("autocomplete"); ac != "username webauthn" {
		t.Fatalf("email autocomplete %q: no passkey autofill", ac)
	}
	if login.Doc.Find("[data-testid=passkey-signin]").Length() != 1 {
		t.Fatal("no passkey button on /login")
	}
	opts := beginSignIn(t, other)
	before := other.passkeyCookie() // the signed-out session holding the challenge
	if before == nil {
		t.Fatal("no session holds the challenge")
	}
	res := other.postJSON("/webauthn/login/finish?next="+url.QueryEscape("/account/sessions"), d.assertion(opts))
	expectStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, `"redirect":"/account/sessions"`) {
		t.Fatalf("finish: %s", res.Body)
	}
	if after := other.passkeyCookie(); after == nil || after.Value == before.Value {
		t.Fatal("the session token was not renewed")
	}
	signedInAs(t, other, "ada@example.com")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND target_id = ? AND detail = 'passkey'", models.AuditSignIn, u.ID); n != 1 {
		t.Fatalf("%d passkey sign-in events", n)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM passkeys WHERE sign_count = 2 AND last_used_at IS NOT NULL"); n != 1 {
		t.Fatal("the counter or last use was not recorded")
	}
	admin := ta.client(t)
	admin.signUpAdmin("boss@example.com")
	if got := admin.get("/admin/users/" + u.ID).Doc.Find("[data-testid=user-passkeys]").Text(); got != "1 passkey" {
		t.Fatalf("the admin's user page says %q", got)
	}
	if has, err := models.HasMultiFactor(t.Context(), ta.DB, u.ID); err != nil || !has {
		t.Fatalf("a passkey is not multi-factor: %v %v", has, err)
	}
	if has, err := models.HasSecondFactor(t.Context(), ta.DB, u.ID); err != nil || has {
		t.Fatalf("a passkey would make password sign-ins ask for a code: %v %v", has, err)
	}
	if other.get("/account/security").Doc.Find("[data-testid=passkey-row] time").Length() != 2 {
		t.Fatalf("the last use is not shown: %s", other.get("/account/security").Doc.Find("#passkeys").Text())
	}
}

// An authenticator whose counter went back (a cloned key) is refused, and
// the sign-in with it does not happen.
func TestPasskeyCounterRegressionIsRefused(t *testing.T) {
	t.Parallel()
	ta := newPasskeyApp(t)
	c := ta.client(t)
	u := verifiedUser(t, ta, c, "ada@example.com")
	d := addPasskey(t, c, u, "")
	d.cred.Counter = 10
	expectStatus(t, signInWith(t, ta.client(t), d, ""), http.StatusOK)

	clone := ta.client(t)
	d.cred.Counter = 5 // the copy's counter is behind
	res := signInWith(t, clone, d, "")
	expectStatus(t, res, http.StatusUnauthorized)
	if !strings.Contains(res.Header.Get("Content-Type"), "application/problem+json") || !strings.Contains(res.Body, "not accepted") {
		t.Fatalf("refusal: %s %s", res.Header.Get("Content-Type"), res.Body)
	}
	expectRedirect(t, clone.get("/account"), "/login?next=%2Faccount")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM passkeys WHERE sign_count = 11"); n != 1 {
		t.Fatal("the refused sign-in changed the counter")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND detail = 'passkey refused'", models.AuditSignInFailed); n != 1 {
		t.Fatalf("%d refused sign-ins audited", n)
	}
}

// A challenge answers once: the same assertion sent again, or a second
// answer to a used challenge, is refused; so is one older than five
// minutes, and one begun in another browser.
func TestPasskeyChallengesAreSingleUseAndExpire(t *testing.T) {
	t.Parallel()
	ta := newPasskeyApp(t)
	c := ta.client(t)
	u := verifiedUser(t, ta, c, "ada@example.com")
	d := addPasskey(t, c, u, "")

	b := ta.client(t)
	opts := beginSignIn(t, b)
	answer := d.assertion(opts)
	expectStatus(t, b.postJSON("/webauthn/login/finish", answer), http.StatusOK)
	// Replayed from another browser (whose session holds no challenge), and
	// from the same one (whose challenge was used).
	thief := ta.client(t)
	expectStatus(t, thief.postJSON("/webauthn/login/finish", answer), http.StatusBadRequest)
	beginSignIn(t, thief) // a live challenge of the thief's own: still not this answer's
	expectStatus(t, thief.postJSON("/webauthn/login/finish", answer), http.StatusUnauthorized)
	expectRedirect(t, thief.get("/account"), "/login?next=%2Faccount")
	// A failed answer uses the challenge up too: the right one after it is
	// refused.
	b2 := ta.client(t)
	opts = beginSignIn(t, b2)
	expectStatus(t, b2.postJSON("/webauthn/login/finish", `{"id":"x","rawId":"eA","type":"public-key","response":{}}`), http.StatusUnauthorized)
	expectStatus(t, b2.postJSON("/webauthn/login/finish", d.assertion(opts)), http.StatusBadRequest)
	// Once signed in, the browser is sent away (409) rather than signed in again.
	expectStatus(t, b.postJSON("/webauthn/login/begin", "{}"), http.StatusConflict)

	late := ta.client(t)
	opts = beginSignIn(t, late)
	ta.clock.Advance(models.ChallengeTTL + time.Second)
	res := late.postJSON("/webauthn/login/finish", d.assertion(opts))
	expectStatus(t, res, http.StatusBadRequest)
	if !strings.Contains(res.Body, "expired") {
		t.Fatalf("expired challenge: %s", res.Body)
	}
	expectRedirect(t, late.get("/account"), "/login?next=%2Faccount")

	// Registration too: the same attestation twice is refused.
	_, ropts := beginRegistration(t, c, "Second")
	second := &device{auth: virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(u.ID)}),
		cred: newCredential(t)}
	att := virtualwebauthn.CreateAttestationResponse(passkeyRP, second.auth, second.cred, *ropts)
	expectStatus(t, c.postJSON("/webauthn/register/finish", att), http.StatusOK)
	expectStatus(t, c.postJSON("/webauthn/register/finish", att), http.StatusBadRequest)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM passkeys"); n != 2 {
		t.Fatalf("%d passkeys", n)
	}
}

// The JSON endpoints are refused cross-origin like every POST, and change
// nothing.
func TestPasskeyEndpointsRefuseCrossOrigin(t *testing.T) {
	t.Parallel()
	ta := newPasskeyApp(t)
	c := ta.client(t)
	verifiedUser(t, ta, c, "ada@example.com")
	for _, path := range []string{"/webauthn/register/begin", "/webauthn/register/finish", "/webauthn/login/begin", "/webauthn/login/finish"} {
		req, _ := http.NewRequest(http.MethodPost, ta.URL+path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		res := c.do(req)
		expectStatus(t, res, http.StatusForbidden)
		if !strings.Contains(res.Header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("%s: %s", path, res.Header.Get("Content-Type"))
		}
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM webauthn_challenges"); n != 0 {
		t.Fatalf("a cross-site request stored %d challenges", n)
	}
}

// The last way to sign in cannot be removed: a passkey of an account
// without a password or provider stays (422, in place), while a second
// passkey, or a password, lets it go (audited, mailed). Providers count
// passkeys too.
func TestPasskeyLastSignInMethodStays(t *testing.T) {
	t.Parallel()
	// Email sign-in is a way in every account has; without it, the last
	// passkey of an account without a password must stay.
	ta := newPasskeyApp(t, withEnv("HEARTH_EMAIL_SIGNIN", "off"))
	c := ta.client(t)
	u := verifiedUser(t, ta, c, "ada@example.com")
	first := addPasskey(t, c, u, "First")
	_ = first
	addPasskey(t, c, u, "Second")
	var ids []string
	if err := ta.DB.Read.Raw("SELECT id FROM passkeys ORDER BY created_at, id").Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}

	// With a password, every passkey may go; without one, all but the last.
	if err := ta.DB.Write.Exec("UPDATE users SET password_hash = '' WHERE id = ?", u.ID).Error; err != nil {
		t.Fatal(err)
	}
	_ = ta.Store.Sync(t.Context())
	expectRedirect(t, c.post("/account/passkeys/"+ids[0]+"/delete", nil), "/account/security#passkeys")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM outbox WHERE template = 'passkey_removed'"); n != 1 {
		t.Fatalf("%d passkey_removed mails", n)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ?", models.AuditPasskeyRemove); n != 1 {
		t.Fatalf("%d passkey_remove events", n)
	}
	res := c.post("/account/passkeys/"+ids[1]+"/delete", nil)
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Doc.Find("[data-testid=error-delete-passkey]").Text(), "only way to sign in") {
		t.Fatalf("no error in place: %s", res.Doc.Find("#passkeys").Text())
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM passkeys"); n != 1 {
		t.Fatal("the last passkey was removed")
	}

	// A provider identity may go while a passkey remains.
	if err := ta.DB.Write.Exec(`INSERT INTO identities (id, user_id, provider, provider_user_id, email, email_verified, created_at)
		VALUES ('id-1', ?, 'github', '42', 'ada@example.com', true, ?)`, u.ID, time.Now().UTC()).Error; err != nil {
		t.Fatal(err)
	}
	_ = ta.Store.Sync(t.Context())
	expectRedirect(t, c.post("/account/identities/id-1/disconnect", nil), "/account")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM identities"); n != 0 {
		t.Fatal("a provider could not be disconnected while a passkey remains")
	}
	// And then the passkey, with no password nor provider, stays.
	expectStatus(t, c.post("/account/passkeys/"+ids[1]+"/delete", nil), http.StatusUnprocessableEntity)
}

// Rename: a good name is saved; a bad one is shown again next to its field
// (422); someone else's passkey is a 404.
func TestPasskeyRename(t *testing.T) {
	t.Parallel()
	ta := newPasskeyApp(t)
	c := ta.client(t)
	u := verifiedUser(t, ta, c, "ada@example.com")
	addPasskey(t, c, u, "")
	var id string
	if err := ta.DB.Read.Raw("SELECT id FROM passkeys").Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	res := c.submit("/account/security", "form[action='/account/passkeys/"+id+"/rename']", url.Values{"name": {"Phone ☎"}})
	expectRedirect(t, res, "/account/security#passkeys")
	if got := c.get("/account/security").Doc.Find("[data-testid=passkey-name]").Text(); got != "Phone ☎" {
		t.Fatalf("name %q", got)
	}
	long := strings.Repeat("x", models.MaxPasskeyNameLen+1)
	for _, bad := range []string{long, "tab\tname"} {
		res = c.post("/account/passkeys/"+id+"/rename", url.Values{"name": {bad}})
		expectStatus(t, res, http.StatusUnprocessableEntity)
		if res.Doc.Find("[data-testid=error-name]").Length() != 1 {
			t.Fatalf("no error next to the field: %s", res.Doc.Find("#passkeys").Text())
		}
		if v, _ := res.Doc.Find("#passkey-name-" + id).Attr("value"); v != bad {
			t.Fatalf("the typed name was not kept: %q", v)
		}
	}
	expectStatus(t, c.post("/account/passkeys/"+id+"/rename", url.Values{"name": {"bad\xffutf8"}}), http.StatusBadRequest)

	eve := ta.client(t)
	verifiedUser(t, ta, eve, "eve@example.com")
	expectStatus(t, eve.post("/account/passkeys/"+id+"/rename", url.Values{"name": {"Mine"}}), http.StatusNotFound)
	expectStatus(t, eve.post("/account/passkeys/"+id+"/delete", nil), http.StatusNotFound)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM passkeys WHERE name = 'Phone ☎'"); n != 1 {
		t.Fatal("someone else changed the passkey")
	}
}

// An account whose address is not proven cannot add a passkey; signed
// out, registration is a 401, not a redirect.
func TestPasskeyNeedsAVerifiedAccount(t *testing.T) {
	t.Parallel()
	ta := newPasskeyApp(t)
	c := ta.client(t)
	c.signUp("new@example.com", goodPassword)
	page := c.get("/account/security")
	if page.Doc.Find("[data-testid=passkeys-needs-verification]").Length() != 1 || page.Doc.Find("[data-passkey-register]").Length() != 0 {
		t.Fatal("the add button is offered to an unverified account")
	}
	res, _ := beginRegistration(t, c, "")
	expectStatus(t, res, http.StatusForbidden)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM webauthn_challenges"); n != 0 {
		t.Fatal("a challenge was stored")
	}
	res, _ = beginRegistration(t, ta.client(t), "")
	expectStatus(t, res, http.StatusUnauthorized)
}

// A banned account does not sign in with its passkey.
func TestPasskeyOfABannedAccountIsRefused(t *testing.T) {
	t.Parallel()
	ta := newPasskeyApp(t)
	c := ta.client(t)
	u := verifiedUser(t, ta, c, "ada@example.com")
	d := addPasskey(t, c, u, "")
	if err := ta.DB.Write.Exec("UPDATE users SET banned_at = ? WHERE id = ?", time.Now().UTC(), u.ID).Error; err != nil {
		t.Fatal(err)
	}
	_ = ta.Store.Sync(t.Context())
	b := ta.client(t)
	res := signInWith(t, b, d, "")
	expectStatus(t, res, http.StatusForbidden)
	if !strings.Contains(res.Body, "suspended") {
		t.Fatalf("ban: %s", res.Body)
	}
	expectRedirect(t, b.get("/account"), "/login?next=%2Faccount")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND detail = 'account banned'", models.AuditSignInFailed); n != 1 {
		t.Fatal("the refused sign-in is not audited")
	}
}

// Bad input is a clear 4xx, never a 500: garbage, empty, huge bodies, an
// unknown credential, a registration answer signed for another site.
func TestPasskeyBadInput(t *testing.T) {
	t.Parallel()
	ta := newPasskeyApp(t)
	c := ta.client(t)
	u := verifiedUser(t, ta, c, "ada@example.com")
	out := ta.client(t)
	for _, body := range []string{"", "{", `{"id": 5}`, `{"rawId":"!!!","response":{}}`, strings.Repeat("a", 70<<10)} {
		beginSignIn(t, out)
		if res := out.postJSON("/webauthn/login/finish", body); res.StatusCode >= 500 || res.StatusCode < 400 {
			t.Fatalf("login finish %.20q: %d", body, res.StatusCode)
		}
		beginRegistration(t, c, "")
		if res := c.postJSON("/webauthn/register/finish", body); res.StatusCode >= 500 || res.StatusCode < 400 {
			t.Fatalf("register finish %.20q: %d", body, res.StatusCode)
		}
	}
	for _, body := range []string{"{", `{"name": 7}`, `{"name": "` + strings.Repeat("x", 101) + `"}`, `{"name": "a\u0000b"}`} {
		if res := c.postJSON("/webauthn/register/begin", body); res.StatusCode >= 500 || res.StatusCode < 400 {
			t.Fatalf("register begin %.20q: %d", body, res.StatusCode)
		}
	}
	// A passkey nobody registered.
	stranger := &device{auth: virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(u.ID)}),
		cred: newCredential(t)}
	expectStatus(t, signInWith(t, ta.client(t), stranger, ""), http.StatusUnauthorized)
	// An attestation made for another site.
	_, opts := beginRegistration(t, c, "")
	evil := virtualwebauthn.RelyingParty{ID: "evil.example", Name: "Evil", Origin: "https://evil.example"}
	expectStatus(t, c.postJSON("/webauthn/register/finish", virtualwebauthn.CreateAttestationResponse(evil, stranger.auth, stranger.cred, *opts)), http.StatusBadRequest)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM passkeys"); n != 0 {
		t.Fatalf("%d passkeys stored from bad input", n)
	}
}

// Where HEARTH_BASE_URL is an IP address, passkeys are off: nothing
// offered, the endpoints 404.
func TestPasskeysOffForAnIPAddress(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t) // http://127.0.0.1:port
	c := ta.client(t)
	if c.get("/login").Doc.Find("[data-testid=passkey-signin]").Length() != 0 {
		t.Fatal("a passkey button on a server that cannot use them")
	}
	expectStatus(t, c.postJSON("/webauthn/login/begin", "{}"), http.StatusNotFound)
}

// A passkey sign-in is multi-factor by itself: a user with an
// authenticator app signs in with the passkey without a code, while the
// password still asks for one.
func TestPasskeySignInSkipsTheCodeStep(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_BASE_URL", passkeyOrigin), withSecretKey())
	c := ta.client(t)
	u := verifiedUser(t, ta, c, "ada@example.com")
	enrolSignedIn(t, ta, c)
	d := addPasskey(t, c, u, "")

	b := ta.client(t)
	expectRedirect(t, b.signIn("ada@example.com", goodPassword), "/login/2fa")
	p := ta.client(t)
	res := signInWith(t, p, d, "")
	expectStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, `"redirect":"/account"`) {
		t.Fatalf("finish: %s", res.Body)
	}
	signedInAs(t, p, "ada@example.com")
}

// HEARTH_REQUIRE_ADMIN_2FA accepts a passkey: an admin with one (and no
// authenticator app) reaches the admin area, which counts them among the
// users with two-factor or a passkey.
func TestRequireAdmin2FAAcceptsAPasskey(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_BASE_URL", passkeyOrigin), withEnv("HEARTH_REQUIRE_ADMIN_2FA", "true"))
	admin := ta.client(t)
	me := admin.signUpAdmin("strict-admin@example.com")
	expectRedirect(t, admin.get("/admin"), "/account/security")
	if err := ta.DB.Write.Exec("UPDATE users SET email_verified_at = ? WHERE id = ?", time.Now().UTC(), me.ID).Error; err != nil {
		t.Fatal(err)
	}
	_ = ta.Store.Sync(t.Context())
	addPasskey(t, admin, me, "Admin key")
	res := admin.get("/admin")
	expectStatus(t, res, http.StatusOK)
	if got := strings.TrimSpace(res.Doc.Find("[data-testid=stat-two-factor]").Text()); !strings.Contains(got, "100") {
		t.Fatalf("dashboard share with a passkey: %q", got)
	}
	expectStatus(t, admin.get("/admin/users"), http.StatusOK)
}

// A passkey is a lasting way in: a session that signed in more than ten
// minutes ago (a stolen one, say) adds one only with the current password;
// an account without a password nor an app signs in again first.
func TestAddingAPasskeyLaterAsksWhoYouAre(t *testing.T) {
	t.Parallel()
	ta := newPasskeyApp(t)
	c := ta.client(t)
	u := verifiedUser(t, ta, c, "ada@example.com")
	if c.get("/account/security").Doc.Find("#new-passkey-password").Length() != 0 {
		t.Fatal("a recent sign-in is asked for the password")
	}
	ta.clock.Advance(11 * time.Minute)
	if c.get("/account/security").Doc.Find("#new-passkey-password").Length() != 1 {
		t.Fatal("the add box does not ask for the password")
	}
	for _, body := range []string{`{"name":"Thief"}`, `{"name":"Thief","current_password":"wrong password!"}`} {
		res := c.postJSON("/webauthn/register/begin", body)
		expectStatus(t, res, http.StatusUnauthorized)
		if !strings.Contains(res.Body, "current password") {
			t.Fatalf("refusal: %s", res.Body)
		}
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM webauthn_challenges"); n != 0 {
		t.Fatal("a refused begin stored a challenge")
	}
	res := c.postJSON("/webauthn/register/begin", `{"name":"Mine","current_password":"`+goodPassword+`"}`)
	expectStatus(t, res, http.StatusOK)

	// Without a password or an app: sign in again.
	if err := ta.DB.Write.Exec("UPDATE users SET password_hash = '' WHERE id = ?", u.ID).Error; err != nil {
		t.Fatal(err)
	}
	_ = ta.Store.Sync(t.Context())
	if c.get("/account/security").Doc.Find("[data-testid=passkeys-sign-in-again]").Length() != 1 {
		t.Fatal("a password-less account is not told to sign in again")
	}
	res, _ = beginRegistration(t, c, "")
	expectStatus(t, res, http.StatusUnauthorized)
	if !strings.Contains(res.Body, "sign in again") {
		t.Fatalf("refusal: %s", res.Body)
	}
}

// With email sign-in on, an account keeps a way in without its passkeys:
// the last one may go.
func TestLastPasskeyMayGoWhileEmailSignInIsOn(t *testing.T) {
	t.Parallel()
	ta := newPasskeyApp(t)
	c := ta.client(t)
	u := verifiedUser(t, ta, c, "eve@example.com")
	addPasskey(t, c, u, "Only")
	if err := ta.DB.Write.Exec("UPDATE users SET password_hash = '' WHERE id = ?", u.ID).Error; err != nil {
		t.Fatal(err)
	}
	_ = ta.Store.Sync(t.Context())
	var id string
	if err := ta.DB.Read.Raw("SELECT id FROM passkeys").Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	expectRedirect(t, c.post("/account/passkeys/"+id+"/delete", nil), "/account/security#passkeys")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM passkeys"); n != 0 {
		t.Errorf("%d passkeys left", n)
	}
}

// TestPasskeyStandsInForThePasswordOfAPasswordlessAccount: an account
// without a password confirms an email change or its deletion with one of
// its passkeys (POST /webauthn/confirm/…) where others type the password.
// The confirmation is this session's, single use per challenge, lasts five
// minutes, and takes only the account's own passkeys.
func TestPasskeyStandsInForThePasswordOfAPasswordlessAccount(t *testing.T) {
	t.Parallel()
	ta := newPasskeyApp(t)
	setup := ta.client(t)
	u := verifiedUser(t, ta, setup, "nopass@example.com")
	d := addPasskey(t, setup, u, "Laptop")
	if err := ta.DB.Write.Exec("UPDATE users SET password_hash = '' WHERE id = ?", u.ID).Error; err != nil {
		t.Fatal(err)
	}
	_ = ta.Store.Sync(t.Context())
	c := ta.client(t)
	expectStatus(t, signInWith(t, c, d, ""), http.StatusOK)
	ta.clock.Advance(11 * time.Minute) // the sign-in is no longer recent
	if c.get("/account").Doc.Find("[data-testid=email-passkey-confirm]").Length() != 1 ||
		c.get("/account/security").Doc.Find("[data-testid=delete-passkey-confirm]").Length() != 1 {
		t.Fatal("the forms do not offer to confirm with a passkey")
	}
	changeEmail := func() *response {
		return c.post("/account/email", url.Values{"email": {"new@example.com"}})
	}
	expectStatus(t, changeEmail(), http.StatusUnprocessableEntity)

	confirm := func(dev *device) (*response, string) {
		res := c.postJSON("/webauthn/confirm/begin", "{}")
		expectStatus(t, res, http.StatusOK)
		opts, err := virtualwebauthn.ParseAssertionOptions(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		if len(opts.AllowCredentials) != 1 {
			t.Fatalf("the confirmation allows %d credentials, want the account's one", len(opts.AllowCredentials))
		}
		body := dev.assertion(opts)
		return c.postJSON("/webauthn/confirm/finish", body), body
	}
	// Another passkey (not the account's) confirms nothing.
	stranger := &device{auth: virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(u.ID)}), cred: newCredential(t)}
	stranger.auth.AddCredential(stranger.cred)
	if res, _ := confirm(stranger); res.StatusCode < 400 || res.StatusCode >= 500 {
		t.Fatalf("a stranger's passkey: %d, want a 4xx", res.StatusCode)
	}
	expectStatus(t, changeEmail(), http.StatusUnprocessableEntity)

	res, body := confirm(d)
	expectStatus(t, res, http.StatusOK)
	expectStatus(t, c.postJSON("/webauthn/confirm/finish", body), http.StatusBadRequest) // the challenge is used up
	expectRedirect(t, changeEmail(), "/account")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM user_tokens WHERE purpose = '"+models.TokenChangeEmail+"' AND email = 'new@example.com'"); n != 1 {
		t.Fatalf("%d email-change links after the passkey confirmed it", n)
	}
	// Another browser of the same account is not confirmed by it.
	other := ta.client(t)
	expectStatus(t, signInWith(t, other, d, ""), http.StatusOK)
	ta.clock.Advance(11 * time.Minute)
	expectStatus(t, other.post("/account/delete", url.Values{}), http.StatusUnprocessableEntity)
	// Five minutes on, the confirmation is over; a new one deletes.
	ta.clock.Advance(time.Minute)
	expectStatus(t, c.post("/account/email", url.Values{"email": {"newer@example.com"}}), http.StatusUnprocessableEntity)
	res, _ = confirm(d)
	expectStatus(t, res, http.StatusOK)
	expectRedirect(t, c.post("/account/delete", url.Values{}), "/")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE email = 'nopass@example.com'"); n != 0 {
		t.Fatal("the account was not deleted")
	}
}

// TestPasskeyConfirmationIsForSignedInOwners: the confirmation endpoints
// answer 401 signed out, and a user with no passkey gets 409.
func TestPasskeyConfirmationIsForSignedInOwners(t *testing.T) {
	t.Parallel()
	ta := newPasskeyApp(t)
	expectStatus(t, ta.client(t).postJSON("/webauthn/confirm/begin", "{}"), http.StatusUnauthorized)
	expectStatus(t, ta.client(t).postJSON("/webauthn/confirm/finish", "{}"), http.StatusUnauthorized)
	c := ta.client(t)
	verifiedUser(t, ta, c, "nokeys@example.com")
	expectStatus(t, c.postJSON("/webauthn/confirm/begin", "{}"), http.StatusConflict)
	expectStatus(t, c.postJSON("/webauthn/confirm/finish", "{}"), http.StatusBadRequest)
	expectStatus(t, c.postJSON("/webauthn/confirm/finish", "not json"), http.StatusBadRequest)
}

// TestPasskeyTurnsOffTwoFactorOfAPasswordlessAccount: turning the
// authenticator app off asks an account without a password for a current
// code, or a passkey confirmed just before (confirmIdentity, which new
// recovery codes and another passkey use too).
func TestPasskeyTurnsOffTwoFactorOfAPasswordlessAccount(t *testing.T) {
	t.Parallel()
	ta := newPasskeyApp(t, withSecretKey())
	setup := ta.client(t)
	u := verifiedUser(t, ta, setup, "app@example.com")
	d := addPasskey(t, setup, u, "Phone")
	enrolSignedIn(t, ta, setup)
	if err := ta.DB.Write.Exec("UPDATE users SET password_hash = '' WHERE id = ?", u.ID).Error; err != nil {
		t.Fatal(err)
	}
	_ = ta.Store.Sync(t.Context())
	c := ta.client(t)
	expectStatus(t, signInWith(t, c, d, ""), http.StatusOK)
	ta.clock.Advance(11 * time.Minute)
	if c.get("/account/security").Doc.Find("[data-testid=disable-passkey-confirm]").Length() != 1 {
		t.Fatal("turning two-factor off does not offer the passkey")
	}
	expectStatus(t, c.post("/account/2fa/totp/disable", url.Values{}), http.StatusUnprocessableEntity)
	res := c.postJSON("/webauthn/confirm/begin", "{}")
	expectStatus(t, res, http.StatusOK)
	opts, err := virtualwebauthn.ParseAssertionOptions(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	expectStatus(t, c.postJSON("/webauthn/confirm/finish", d.assertion(opts)), http.StatusOK)
	expectRedirect(t, c.post("/account/2fa/totp/disable", url.Values{}), "/account/security")
	if has, err := models.HasSecondFactor(t.Context(), ta.DB, u.ID); err != nil || has {
		t.Fatalf("two-factor still on after the passkey confirmed turning it off (%v)", err)
	}
}
