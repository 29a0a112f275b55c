package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearth-app/hearth/models"
)

// lastMail returns the newest mail of a template queued for an address,
// once the mails requests queue in the background are queued.
func lastMail(t *testing.T, ta *testApp, to, template string) models.OutboxMail {
	t.Helper()
	if err := ta.App.WaitBackground(t.Context()); err != nil {
		t.Fatal(err)
	}
	var m models.OutboxMail
	err := ta.DB.Read.Where("to_addr = ? AND template = ?", to, template).Order("created_at DESC, id DESC").Take(&m).Error
	if err != nil {
		t.Fatalf("no %s mail to %s: %v", template, to, err)
	}
	return m
}

var linkRE = regexp.MustCompile(`https?://[^\s"<>]+`)

// linkIn returns the path and query of the link in a mail's text part.
func linkIn(t *testing.T, m models.OutboxMail) string {
	t.Helper()
	raw := linkRE.FindString(m.TextBody)
	if raw == "" {
		t.Fatalf("no link in mail %q", m.TextBody)
	}
	if !strings.Contains(m.HTMLBody, strings.ReplaceAll(raw, "&", "&amp;")) {
		t.Errorf("the HTML part lacks the link of the text part")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

func tokenOf(t *testing.T, link string) string {
	u, _ := url.Parse(link)
	return u.Query().Get("token")
}

func TestEmailVerification(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("verify@example.com", goodPassword)
	if c.get("/account").Doc.Find("[data-testid=unverified-notice]").Length() != 1 {
		t.Error("no unverified notice")
	}
	m := lastMail(t, ta, "verify@example.com", models.TokenVerifyEmail)
	link := linkIn(t, m)
	token := tokenOf(t, link)
	if strings.Contains(ta.Logs.String(), token) || !strings.Contains(ta.Logs.String(), "mail queued") {
		t.Error("the log holds the token, or no line says a mail was queued")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM user_tokens WHERE token_hash = ?", token); n != 0 {
		t.Error("the raw token is stored")
	}

	// A scanner prefetching the link (a GET, signed out) changes nothing.
	for range 3 {
		expectStatus(t, ta.client(t).get(link), http.StatusOK)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE email_verified_at IS NOT NULL"); n != 0 {
		t.Fatal("a GET verified the address")
	}
	page := c.get(link)
	expectRedirect(t, c.submit(link, "form[action='/verify-email']", nil), "/account")
	if page.Doc.Find("[data-testid=confirm-button]").Length() != 1 {
		t.Error("no confirm button")
	}
	acc := c.get("/account")
	if acc.Doc.Find("[data-testid=email-verified]").Length() != 1 || acc.Doc.Find("[data-testid=unverified-notice]").Length() != 0 {
		t.Error("the address does not show as verified")
	}
	// Used once: the link is dead, and tampering never worked.
	expectStatus(t, c.post("/verify-email", url.Values{"token": {token}}), http.StatusNotFound)
	expectStatus(t, c.post("/verify-email", url.Values{"token": {token[:60] + "ffff"}}), http.StatusNotFound)
	expectStatus(t, c.get("/verify-email?token=nonsense"), http.StatusNotFound)
}

func TestVerificationLinkExpiresAndResendIsThrottled(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_RATE_VERIFY_RESEND", "1/15m"))
	c := ta.client(t)
	c.signUp("late@example.com", goodPassword)
	link := linkIn(t, lastMail(t, ta, "late@example.com", models.TokenVerifyEmail))
	ta.clock.Advance(49 * time.Hour)
	expectStatus(t, c.get(link), http.StatusNotFound)
	expectStatus(t, c.post("/verify-email", url.Values{"token": {tokenOf(t, link)}}), http.StatusNotFound)

	expectRedirect(t, c.post("/account/verify-email/resend", nil), "/account")
	fresh := linkIn(t, lastMail(t, ta, "late@example.com", models.TokenVerifyEmail))
	if fresh == link {
		t.Fatal("resend sent the old link")
	}
	retryAfter(t, c.post("/account/verify-email/resend", nil))
	expectRedirect(t, c.post("/verify-email", url.Values{"token": {tokenOf(t, fresh)}}), "/account")
}

func TestForgotAndResetPassword(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	laptop, phone := ta.client(t), ta.client(t)
	laptop.signUp("forgetful@example.com", goodPassword)
	phone.signIn("forgetful@example.com", goodPassword)

	known := ta.client(t).submit("/forgot-password", "form[action='/forgot-password']", url.Values{"email": {"Forgetful@example.com"}})
	unknown := ta.client(t).submit("/forgot-password", "form[action='/forgot-password']", url.Values{"email": {"nobody@example.com"}})
	expectStatus(t, known, http.StatusOK)
	expectStatus(t, unknown, http.StatusOK)
	strip := func(r *response) string {
		return strings.NewReplacer("forgetful@example.com", "", "nobody@example.com", "").Replace(r.Doc.Find("main").Text())
	}
	if strip(known) != strip(unknown) || known.Doc.Find("[data-testid=forgot-sent]").Length() != 1 {
		t.Error("the answer differs between a known and an unknown address")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM outbox WHERE to_addr = 'nobody@example.com'"); n != 0 {
		t.Error("mail sent to an unknown address")
	}

	link := linkIn(t, lastMail(t, ta, "forgetful@example.com", models.TokenResetPassword))
	token := tokenOf(t, link)
	c := ta.client(t)
	expectStatus(t, c.get(link), http.StatusOK)
	res := c.post("/reset-password", url.Values{"token": {token}, "password": {"short"}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Doc.Find("[data-testid=error-password]").Text(), "at least 8") {
		t.Error("no password error on reset")
	}
	expectRedirect(t, c.post("/reset-password", url.Values{"token": {token}, "password": {"a brand new passphrase"}}), "/login")

	// Every session of the user has ended; the new password works, the old not.
	expectRedirect(t, laptop.get("/account"), "/login?next=%2Faccount")
	expectRedirect(t, phone.get("/account"), "/login?next=%2Faccount")
	expectStatus(t, ta.client(t).signIn("forgetful@example.com", goodPassword), http.StatusUnauthorized)
	expectRedirect(t, ta.client(t).signIn("forgetful@example.com", "a brand new passphrase"), "/account")
	lastMail(t, ta, "forgetful@example.com", "password_changed")

	// Single use.
	expectStatus(t, c.post("/reset-password", url.Values{"token": {token}, "password": {"yet another passphrase"}}), http.StatusNotFound)
	expectStatus(t, c.get(link), http.StatusNotFound)
}

func TestResetLinkExpiresAndDiesWithAPasswordChange(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("stale@example.com", goodPassword)
	ask := func() string {
		ta.client(t).post("/forgot-password", url.Values{"email": {"stale@example.com"}})
		return tokenOf(t, linkIn(t, lastMail(t, ta, "stale@example.com", models.TokenResetPassword)))
	}
	token := ask()
	ta.clock.Advance(61 * time.Minute)
	expectStatus(t, ta.client(t).post("/reset-password", url.Values{"token": {token}, "password": {"too late passphrase"}}), http.StatusNotFound)

	token = ask()
	expectRedirect(t, c.post("/account/password", url.Values{"current_password": {goodPassword}, "new_password": {"changed in between"}}), "/account/security")
	expectStatus(t, ta.client(t).post("/reset-password", url.Values{"token": {token}, "password": {"should not work now"}}), http.StatusNotFound)
}

func TestChangePasswordEndsOtherSessionsOnly(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	here, there := ta.client(t), ta.client(t)
	here.signUp("mover@example.com", goodPassword)
	there.signIn("mover@example.com", goodPassword)
	before := here.cookie().Value

	res := here.post("/account/password", url.Values{"current_password": {"not it at all"}, "new_password": {"new secret phrase"}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Doc.Find("[data-testid=error-current_password]").Text(), "not your current password") {
		t.Error("wrong current password not reported next to its field")
	}
	res = here.post("/account/password", url.Values{"current_password": {goodPassword}, "new_password": {"password"}})
	expectStatus(t, res, http.StatusUnprocessableEntity)

	expectRedirect(t, here.post("/account/password", url.Values{"current_password": {goodPassword}, "new_password": {"new secret phrase"}}), "/account/security")
	if here.cookie().Value == before {
		t.Error("the current session kept its token after a password change")
	}
	expectStatus(t, here.get("/account"), http.StatusOK)
	expectRedirect(t, there.get("/account"), "/login?next=%2Faccount")
	lastMail(t, ta, "mover@example.com", "password_changed")
}

func TestChangeEmail(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.client(t).signUp("taken@example.com", goodPassword)
	c := ta.client(t)
	c.signUp("old@example.com", goodPassword)

	for _, tc := range []struct{ email, password, field, want string }{
		{"new@example.com", "wrong password!", "current_password", "not your current password"},
		{"not-an-email", goodPassword, "email", "valid email"},
		{"OLD@example.com", goodPassword, "email", "already your address"},
	} {
		res := c.post("/account/email", url.Values{"email": {tc.email}, "current_password": {tc.password}})
		expectStatus(t, res, http.StatusUnprocessableEntity)
		if got := res.Doc.Find("[data-testid=error-" + tc.field + "]").Text(); !strings.Contains(got, tc.want) {
			t.Errorf("%s: error %q, want %q", tc.email, got, tc.want)
		}
	}
	expectRedirect(t, c.post("/account/email", url.Values{"email": {"New@Example.com"}, "current_password": {goodPassword}}), "/account")
	acc := c.get("/account")
	if acc.Doc.Find("[data-testid=account-email]").Text() != "old@example.com" || !strings.Contains(acc.Doc.Find("[data-testid=pending-email]").Text(), "new@example.com") {
		t.Error("the address changed before its link was used, or the pending change is not shown")
	}
	link := linkIn(t, lastMail(t, ta, "new@example.com", models.TokenChangeEmail))
	expectRedirect(t, c.submit(link, "form[action='/verify-email/change']", nil), "/account")
	acc = c.get("/account")
	if acc.Doc.Find("[data-testid=account-email]").Text() != "new@example.com" || acc.Doc.Find("[data-testid=email-verified]").Length() != 1 {
		t.Error("the new address did not replace the old one, verified")
	}
	lastMail(t, ta, "old@example.com", "email_changed") // the old address is told
	expectRedirect(t, ta.client(t).signIn("new@example.com", goodPassword), "/account")
	expectStatus(t, c.post("/verify-email/change", url.Values{"token": {tokenOf(t, link)}}), http.StatusNotFound)
}

func TestEditName(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("name@example.com", goodPassword)
	res := c.post("/account/profile", url.Values{"name": {strings.Repeat("n", 101)}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if v, _ := res.Doc.Find("input[name=name]").Attr("value"); v != strings.Repeat("n", 101) {
		t.Error("the typed name was not kept")
	}
	expectRedirect(t, c.post("/account/profile", url.Values{"name": {"  Renée   Descartes "}}), "/account")
	if got := c.get("/account").Doc.Find("[data-testid=account-name]").Text(); strings.TrimSpace(got) != "Renée Descartes" {
		t.Errorf("name = %q", got)
	}
}

func TestSessionsPage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	laptop, phone, stranger := ta.client(t), ta.client(t), ta.client(t)
	laptop.signUp("many@example.com", goodPassword)
	phone.signIn("many@example.com", goodPassword)
	stranger.signUp("stranger@example.com", goodPassword)

	req, _ := http.NewRequest(http.MethodGet, ta.URL+"/account/sessions", nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
	page := laptop.do(req)
	expectStatus(t, page, http.StatusOK)
	rows := page.Doc.Find("[data-testid=session-row]")
	if rows.Length() != 2 || page.Doc.Find("[data-testid=current-session]").Length() != 1 {
		t.Fatalf("%d sessions listed, want 2 with the current one marked", rows.Length())
	}
	if !strings.Contains(page.Body, "127.0.0.1") {
		t.Error("no IP address shown")
	}
	var phoneID string
	rows.Each(func(_ int, s *goquery.Selection) {
		if s.Find("[data-testid=current-session]").Length() == 0 {
			phoneID, _ = s.Attr("data-session-id")
		}
	})

	// Someone else's session id is not ours to end.
	strangerID := stranger.get("/account/sessions").Doc.Find("[data-testid=session-row]").AttrOr("data-session-id", "")
	expectStatus(t, laptop.post("/account/sessions/"+strangerID+"/revoke", nil), http.StatusNotFound)
	expectStatus(t, stranger.get("/account"), http.StatusOK)
	expectStatus(t, laptop.post("/account/sessions/not-an-id/revoke", nil), http.StatusNotFound)

	expectRedirect(t, laptop.post("/account/sessions/"+phoneID+"/revoke", nil), "/account/sessions")
	expectRedirect(t, phone.get("/account"), "/login?next=%2Faccount")
	expectStatus(t, laptop.get("/account"), http.StatusOK)

	phone.signIn("many@example.com", goodPassword)
	expectRedirect(t, laptop.post("/account/sessions/revoke-others", nil), "/account/sessions")
	expectRedirect(t, phone.get("/account"), "/login?next=%2Faccount")
	if laptop.get("/account/sessions").Doc.Find("[data-testid=only-session]").Length() != 1 {
		t.Error("after revoking the others, more than one session is listed")
	}
}

func TestDeleteAccount(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c, other := ta.client(t), ta.client(t)
	c.signUp("bye@example.com", goodPassword)
	other.signIn("bye@example.com", goodPassword)

	res := c.post("/account/delete", url.Values{"current_password": {"wrong password!"}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users"); n != 1 {
		t.Fatal("deleted with a wrong password")
	}
	expectRedirect(t, c.post("/account/delete", url.Values{"current_password": {goodPassword}}), "/")
	if !strings.Contains(c.get("/").Doc.Find("[data-testid=flash]").Text(), "deleted") {
		t.Error("the user is not told the account was deleted")
	}
	expectRedirect(t, other.get("/account"), "/login?next=%2Faccount")
	for _, q := range []string{"SELECT count(*) FROM users", "SELECT count(*) FROM sessions WHERE user_id IS NOT NULL", "SELECT count(*) FROM user_tokens"} {
		if n := countRows(t, ta.DB, q); n != 0 {
			t.Errorf("%s = %d after deletion", q, n)
		}
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ?", models.AuditUserDelete); n != 1 {
		t.Error("deletion not audited")
	}
}

func TestDevMailbox(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("dev@example.com", goodPassword)
	box := c.get("/dev/mail")
	expectStatus(t, box, http.StatusOK)
	href, ok := box.Doc.Find("[data-testid=mail-row] a").Attr("href")
	if !ok {
		t.Fatal("the mailbox lists no mail")
	}
	mail := c.get(href)
	if !strings.Contains(mail.Doc.Find("[data-testid=mail-text]").Text(), "/verify-email?token=") {
		t.Error("the mail page does not show the text part with its link")
	}
	html := c.get(href + "/html")
	if csp := html.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") {
		t.Errorf("the HTML part is not sandboxed: %q", csp)
	}

	prod := newTestApp(t, withEnv("HEARTH_ENV", "production"), withEnv("HEARTH_SECRET_KEY", testSecretKey), withEnv("HEARTH_BASE_URL", "https://app.example.com"),
		withEnv("HEARTH_SMTP_URL", "smtp://u:p@smtp.example.com:587"))
	expectStatus(t, prod.client(t).get("/dev/mail"), http.StatusNotFound)
}

func TestPagesHaveUniqueIDsAndLabelledFields(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	pages := []*response{c.get("/"), c.get("/login"), c.get("/signup"), c.get("/forgot-password")}
	c.signUp("ids@example.com", goodPassword)
	pages = append(pages, c.get("/account"), c.get("/account/sessions"))
	for _, p := range pages {
		seen := map[string]bool{}
		p.Doc.Find("[id]").Each(func(_ int, s *goquery.Selection) {
			id, _ := s.Attr("id")
			if seen[id] {
				t.Errorf("%s: duplicate id %q", p.Request.URL.Path, id)
			}
			seen[id] = true
		})
		p.Doc.Find("input:not([type=hidden]), select, textarea").Each(func(_ int, s *goquery.Selection) {
			id, _ := s.Attr("id")
			if id == "" || p.Doc.Find("label[for='"+id+"']").Length() != 1 {
				name, _ := s.Attr("name")
				t.Errorf("%s: field %q has no label", p.Request.URL.Path, name)
			}
		})
	}
}

// TestAnEndedSessionSaysSo: a browser whose session was ended elsewhere
// (revoked from another device) is told so on the sign-in page it is sent
// to, once; its dead cookie is cleared; a browser that never signed in
// gets the plain sign-in page.
func TestAnEndedSessionSaysSo(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	laptop, phone, visitor := ta.client(t), ta.client(t), ta.client(t)
	laptop.signUp("ended@example.com", goodPassword)
	phone.signIn("ended@example.com", goodPassword)
	expectRedirect(t, laptop.post("/account/sessions/revoke-others", nil), "/account/sessions")

	res := phone.get("/account")
	expectRedirect(t, res, "/login?next=%2Faccount")
	login := phone.get("/login?next=%2Faccount")
	if msg := login.Doc.Find("[data-testid=flash]").Text(); !strings.Contains(msg, "signed out") {
		t.Errorf("the sign-in page after an ended session says %q, want that the browser was signed out", msg)
	}
	if phone.cookie() != nil {
		t.Error("the ended session's cookie is still in the browser")
	}
	expectRedirect(t, phone.get("/account"), "/login?next=%2Faccount")
	if msg := phone.get("/login").Doc.Find("[data-testid=flash]").Text(); msg != "" {
		t.Errorf("the message comes back on the next visit: %q", msg)
	}

	expectRedirect(t, visitor.get("/account"), "/login?next=%2Faccount")
	if msg := visitor.get("/login").Doc.Find("[data-testid=flash]").Text(); msg != "" {
		t.Errorf("a browser that never signed in is told %q", msg)
	}
}
