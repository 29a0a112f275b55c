package handlers_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/models"
)

// Email sign-in: a code for the browser that asked, a link for any browser
// after a click (issue #18).

const (
	codeMailTemplate      = "email_signin_code"
	noAccountMailTemplate = "email_signin_no_account"
)

// requestCode asks for a sign-in code from the sign-in page, as its
// "Email me a sign-in code" button does.
func (c *client) requestCode(email string) *response {
	c.t.Helper()
	page := c.get("/login")
	if page.Doc.Find(`form[action='/login'] button[formaction='/login/email']`).Length() != 1 {
		c.t.Fatal("the sign-in page has no “Email me a sign-in code” button in its form")
	}
	return c.post("/login/email", url.Values{"email": {email}, "remember": {"yes"}})
}

var codeLineRE = regexp.MustCompile(`(?m)^    ([0-9]{6})$`)

// mailedCode returns the code and the link's path of the newest sign-in
// mail to email.
func mailedCode(t *testing.T, ta *testApp, email string) (code, link string) {
	t.Helper()
	m := lastMail(t, ta, email, codeMailTemplate)
	match := codeLineRE.FindStringSubmatch(m.TextBody)
	if match == nil {
		t.Fatalf("no code in the mail:\n%s", m.TextBody)
	}
	if !strings.Contains(m.HTMLBody, match[1]) || !strings.Contains(m.Subject, match[1]) {
		t.Error("the code is not in the HTML part and the subject")
	}
	return match[1], linkIn(t, m)
}

// verifiedUser is an account with a proven address and no password.
func passwordlessVerifiedUser(t *testing.T, ta *testApp, email string) *models.User {
	t.Helper()
	u := insertUser(t, ta, email, models.RoleMember)
	if err := ta.DB.Write.Exec("UPDATE users SET email_verified_at = ? WHERE id = ?", ta.clock.Now(), u.ID).Error; err != nil {
		t.Fatal(err)
	}
	return u
}

// otherCode is a well-formed code that is not code.
func otherCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

func TestEmailSignInWithTheCode(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	u := passwordlessVerifiedUser(t, ta, "coder@example.com")
	c := ta.client(t)
	expectRedirect(t, c.requestCode(" Coder@Example.com "), "/login/code")
	page := c.get("/login/code")
	expectStatus(t, page, http.StatusOK)
	if !strings.Contains(page.Doc.Find("[data-testid=email-code-sent]").Text(), "coder@example.com") {
		t.Errorf("the code page does not say where the mail went: %q", page.Doc.Find("main").Text())
	}
	if in := page.Doc.Find("input[name=code]"); in.AttrOr("autocomplete", "") != "one-time-code" || in.AttrOr("inputmode", "") != "numeric" {
		t.Error("the code field is not a one-time-code numeric field")
	}
	anon := c.cookie()
	code, _ := mailedCode(t, ta, "coder@example.com")
	if strings.Contains(ta.Logs.String(), code) {
		t.Error("the log holds the code")
	}
	// Spaces or a dash between the digits are fine.
	res := c.post("/login/code", url.Values{"code": {code[:3] + " " + code[3:]}})
	expectRedirect(t, res, "/account")
	c.expectSignedIn()
	if ck := c.cookie(); ck == nil || (anon != nil && ck.Value == anon.Value) {
		t.Error("signing in kept the session token")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND target_id = ?", models.AuditSignIn, u.ID); n != 1 {
		t.Errorf("%d sign-in audit rows", n)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND target_id = ? AND detail = ?", models.AuditSignIn, u.ID, models.EmailSignInByCode); n != 1 {
		t.Error("the sign-in is not audited as an email code sign-in")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM email_signins"); n != 0 {
		t.Errorf("%d email sign-ins left after use", n)
	}
	// Used once: signed out, the same browser's code no longer works (and
	// its state is gone).
	expectRedirect(t, c.post("/logout", nil), "/")
	expectRedirect(t, c.get("/login/code"), "/login")
	expectStatus(t, c.post("/login/code", url.Values{"code": {code}}), http.StatusUnauthorized)
	c.expectSignedOut()
}

// TestEmailSignInAnswersAlikeForUnknownAddresses: the request's answer and
// the code page are the same, word for word (the address aside), the
// database work is the same (one row, one mail), and a wrong code is
// answered alike. The unknown address is mailed that it has no account.
func TestEmailSignInAnswersAlikeForUnknownAddresses(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	passwordlessVerifiedUser(t, ta, "known@example.com")
	type answer struct {
		status          int
		location, page  string
		wrong           string
		wrongStatus     int
		rows, mails     int64
		throttleBuckets int64
	}
	ask := func(email string) answer {
		c := ta.client(t)
		rowsBefore := countRows(t, ta.DB, "SELECT count(*) FROM outbox")
		res := c.requestCode(email)
		a := answer{status: res.StatusCode, location: res.Header.Get("Location")}
		a.page = strings.ReplaceAll(c.get("/login/code").Doc.Find("main").Text(), email, "ADDRESS")
		a.rows = countRows(t, ta.DB, "SELECT count(*) FROM email_signins WHERE email = ?", email)
		a.mails = countRows(t, ta.DB, "SELECT count(*) FROM outbox") - rowsBefore
		w := c.post("/login/code", url.Values{"code": {"123456"}})
		a.wrongStatus, a.wrong = w.StatusCode, strings.ReplaceAll(w.Doc.Find("main").Text(), email, "ADDRESS")
		return a
	}
	known, unknown := ask("known@example.com"), ask("nobody@example.com")
	if known.status != http.StatusSeeOther || known.location != "/login/code" {
		t.Fatalf("known address: %d %s", known.status, known.location)
	}
	if known != unknown {
		t.Errorf("known and unknown addresses answered differently:\nknown   %+v\nunknown %+v", known, unknown)
	}
	m := lastMail(t, ta, "nobody@example.com", noAccountMailTemplate)
	if !strings.Contains(m.TextBody, "no account") || !strings.Contains(linkIn(t, m), "/signup") || codeLineRE.MatchString(m.TextBody) {
		t.Errorf("the mail to an unknown address: %q", m.TextBody)
	}
	if m.UserID != nil {
		t.Error("the mail to an unknown address names a user")
	}
}

// TestEmailCodeWorksOnlyInTheBrowserThatAsked: another client with the
// right code is refused, and that changes nothing for the browser that
// asked.
func TestEmailCodeWorksOnlyInTheBrowserThatAsked(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	passwordlessVerifiedUser(t, ta, "bound@example.com")
	asker := ta.client(t)
	expectRedirect(t, asker.requestCode("bound@example.com"), "/login/code")
	code, _ := mailedCode(t, ta, "bound@example.com")

	thief := ta.client(t)
	res := thief.post("/login/code", url.Values{"code": {code}})
	expectStatus(t, res, http.StatusUnauthorized)
	if !strings.Contains(res.Doc.Find("[data-testid=form-error]").Text(), "another browser") {
		t.Errorf("refusal: %q", res.Doc.Find("main").Text())
	}
	thief.expectSignedOut()
	// A browser that asked for its own code for another address cannot use
	// this one either.
	passwordlessVerifiedUser(t, ta, "thief@example.com")
	expectRedirect(t, thief.requestCode("thief@example.com"), "/login/code")
	expectStatus(t, thief.post("/login/code", url.Values{"code": {code}}), http.StatusUnauthorized)
	thief.expectSignedOut()

	expectRedirect(t, asker.post("/login/code", url.Values{"code": {code}}), "/account")
	asker.expectSignedIn()
}

// TestEmailLinkSignsInAnyBrowserAfterTheClick: GETs of the link (a mail
// scanner's, or the person's) neither sign in nor use it up; the page
// says when it is another browser than the one that asked; the click signs
// in there; the link works once and takes the code with it.
func TestEmailLinkSignsInAnyBrowserAfterTheClick(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	u := passwordlessVerifiedUser(t, ta, "linked@example.com")
	asker := ta.client(t)
	expectRedirect(t, asker.requestCode("linked@example.com"), "/login/code")
	code, link := mailedCode(t, ta, "linked@example.com")
	if !strings.HasPrefix(link, "/login/link?token=") {
		t.Fatalf("link %q", link)
	}
	token := tokenOf(t, link)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM email_signins WHERE link_hash = ?", models.HashToken(token)); n != 1 {
		t.Fatal("the link's token is not stored as its SHA-256")
	}

	for range 3 {
		scanner := ta.client(t)
		expectStatus(t, scanner.get(link), http.StatusOK)
		scanner.expectSignedOut()
	}
	same := asker.get(link)
	if same.Doc.Find("[data-testid=email-link-other-browser]").Length() != 0 {
		t.Error("the browser that asked is told it is another one")
	}

	phone := ta.client(t)
	page := phone.get(link)
	expectStatus(t, page, http.StatusOK)
	if page.Doc.Find("[data-testid=email-link-other-browser]").Length() != 1 || page.Doc.Find("[data-testid=email-link-address]").Text() != "linked@example.com" {
		t.Errorf("the link's page in another browser: %q", page.Doc.Find("main").Text())
	}
	phone.expectSignedOut()
	res := phone.submit(link, "form[action='/login/link']", nil)
	expectRedirect(t, res, "/account")
	if f := phone.flash(); !strings.Contains(f, "this browser") {
		t.Errorf("the flash does not say which browser is signed in: %q", f)
	}
	phone.expectSignedIn()
	asker.expectSignedOut()
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND target_id = ? AND detail = ?", models.AuditSignIn, u.ID, models.EmailSignInByLink); n != 1 {
		t.Error("the sign-in is not audited as an email link sign-in")
	}

	if strings.Contains(ta.Logs.String(), token) {
		t.Error("the log holds the link's token")
	}

	// Once: the link and the code of the same mail are dead.
	other := ta.client(t)
	expectStatus(t, other.get(link), http.StatusNotFound)
	expectStatus(t, other.post("/login/link", url.Values{"token": {token}}), http.StatusNotFound)
	expectStatus(t, asker.post("/login/code", url.Values{"code": {code}}), http.StatusUnauthorized)
	asker.expectSignedOut()
	other.expectSignedOut()
}

// TestEmailSignInExpiresAfterTenMinutes, code and link alike.
func TestEmailSignInExpiresAfterTenMinutes(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	passwordlessVerifiedUser(t, ta, "late@example.com")
	c := ta.client(t)
	expectRedirect(t, c.requestCode("late@example.com"), "/login/code")
	code, link := mailedCode(t, ta, "late@example.com")
	ta.clock.Advance(models.EmailSignInTTL)
	expectStatus(t, ta.client(t).get(link), http.StatusNotFound)
	res := c.post("/login/code", url.Values{"code": {code}})
	expectStatus(t, res, http.StatusUnauthorized)
	if res.Doc.Find("[data-testid=email-code-again]").Length() != 1 || res.Doc.Find("input[name=code]").Length() != 0 {
		t.Error("an expired code's page does not offer a new one")
	}
	c.expectSignedOut()

	// Just within the ten minutes it works.
	expectRedirect(t, c.requestCode("late@example.com"), "/login/code")
	code, _ = mailedCode(t, ta, "late@example.com")
	ta.clock.Advance(models.EmailSignInTTL - time.Second)
	expectRedirect(t, c.post("/login/code", url.Values{"code": {code}}), "/account")
}

// TestFiveWrongCodesEndTheEmailSignIn: four wrong codes say how many tries
// are left; the fifth ends the sign-in, link included.
func TestFiveWrongCodesEndTheEmailSignIn(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	passwordlessVerifiedUser(t, ta, "guess@example.com")
	c := ta.client(t)
	expectRedirect(t, c.requestCode("guess@example.com"), "/login/code")
	code, link := mailedCode(t, ta, "guess@example.com")
	for i := 1; i < models.EmailSignInMaxAttempts; i++ {
		res := c.post("/login/code", url.Values{"code": {otherCode(code)}})
		expectStatus(t, res, http.StatusUnauthorized)
		if msg := res.Doc.Find("[data-testid=error-code]").Text(); !strings.Contains(msg, "not right") || res.Doc.Find("input[name=code]").Length() != 1 {
			t.Fatalf("wrong code %d: %q", i, msg)
		}
	}
	res := c.post("/login/code", url.Values{"code": {otherCode(code)}})
	expectStatus(t, res, http.StatusUnauthorized)
	if res.Doc.Find("[data-testid=email-code-again]").Length() != 1 {
		t.Error("the fifth wrong code does not end the sign-in")
	}
	expectStatus(t, c.post("/login/code", url.Values{"code": {code}}), http.StatusUnauthorized)
	expectStatus(t, ta.client(t).get(link), http.StatusNotFound)
	c.expectSignedOut()
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND detail = 'wrong email code'", models.AuditSignInFailed); n != models.EmailSignInMaxAttempts {
		t.Errorf("%d failed attempts audited, want %d", n, models.EmailSignInMaxAttempts)
	}
}

// TestANewEmailSignInReplacesTheOldOne: the first mail's code and link die
// when a second is asked for.
func TestANewEmailSignInReplacesTheOldOne(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	passwordlessVerifiedUser(t, ta, "twice@example.com")
	c := ta.client(t)
	expectRedirect(t, c.requestCode("twice@example.com"), "/login/code")
	first, firstLink := mailedCode(t, ta, "twice@example.com")
	ta.clock.Advance(time.Second)
	expectRedirect(t, c.requestCode("twice@example.com"), "/login/code")
	second, _ := mailedCode(t, ta, "twice@example.com")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM email_signins"); n != 1 {
		t.Fatalf("%d pending sign-ins, want 1", n)
	}
	expectStatus(t, ta.client(t).get(firstLink), http.StatusNotFound)
	if first != second {
		expectStatus(t, c.post("/login/code", url.Values{"code": {first}}), http.StatusUnauthorized)
	}
	expectRedirect(t, c.post("/login/code", url.Values{"code": {second}}), "/account")
}

// TestEmailSignInIsThrottledPerAddressAndPerEmail: requests count per
// client address and per email; over either limit the answer is 429 with
// Retry-After, and no mail goes out.
func TestEmailSignInIsThrottledPerAddressAndPerEmail(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_RATE_EMAIL_SIGNIN", "2/15m"), withEnv("HEARTH_TRUSTED_PROXIES", "127.0.0.1/32"))
	passwordlessVerifiedUser(t, ta, "flood@example.com")
	from := func(ip, email string) *response {
		req, _ := http.NewRequest(http.MethodPost, ta.URL+"/login/email", strings.NewReader(url.Values{"email": {email}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", ta.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("X-Forwarded-For", ip)
		return ta.client(t).do(req)
	}
	expect429 := func(res *response, what string) {
		t.Helper()
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Errorf("%s: %d, Retry-After %q; want 429 with Retry-After", what, res.StatusCode, res.Header.Get("Retry-After"))
		}
	}
	// Per email, from ever new addresses.
	expectRedirect(t, from("198.51.100.1", "flood@example.com"), "/login/code")
	expectRedirect(t, from("198.51.100.2", "flood@example.com"), "/login/code")
	expect429(from("198.51.100.3", "flood@example.com"), "a third code for one email")
	// Per client address, for ever new emails.
	expectRedirect(t, from("203.0.113.9", "a@example.com"), "/login/code")
	expectRedirect(t, from("203.0.113.9", "b@example.com"), "/login/code")
	expect429(from("203.0.113.9", "c@example.com"), "a third code from one address")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM outbox WHERE template IN (?, ?)", codeMailTemplate, noAccountMailTemplate); n != 4 {
		t.Errorf("%d sign-in mails, want 4", n)
	}
}

// TestEmailSignInProvesTheAddress: signing in with the mailed code verifies
// the address and applies the first proof's rule: the pre-hijacker who
// signed up with the address loses their session and their password (an
// unproven one, dropped as at an auto-link), and the owner is told.
func TestEmailSignInProvesTheAddress(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	attacker := ta.client(t)
	attacker.signUp("owner@example.com", goodPassword)
	id := userID(t, ta, "owner@example.com")

	owner := ta.client(t)
	expectRedirect(t, owner.requestCode("owner@example.com"), "/login/code")
	code, _ := mailedCode(t, ta, "owner@example.com")
	expectRedirect(t, owner.post("/login/code", url.Values{"code": {code}}), "/account")
	owner.expectSignedIn()

	u := userByID(t, ta, id)
	if u.EmailVerifiedAt == nil {
		t.Error("the address is not verified")
	}
	if u.PasswordHash != "" {
		t.Error("the password chosen before the address was proven survived")
	}
	attacker.expectSignedOut()
	expectStatus(t, ta.client(t).signIn("owner@example.com", goodPassword), http.StatusUnauthorized)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND target_id = ?", models.AuditEmailVerified, id); n != 1 {
		t.Errorf("%d email_verified audit rows, want 1", n)
	}
	lastMail(t, ta, "owner@example.com", "password_removed")
	lastMail(t, ta, "owner@example.com", "signin_methods_removed")
	// The security page offers to set a password to an account without one.
	if owner.get("/account").Doc.Find("[data-testid=email-verified]").Length() != 1 {
		t.Error("the account page does not show the address confirmed")
	}
	sec := owner.get("/account/security")
	if sec.Doc.Find("[data-testid=security-set-password]").Length() != 1 {
		t.Error("the security page of an email-only account does not offer a password")
	}
	if !strings.Contains(sec.Doc.Find("#password").Text(), "code we email you") {
		t.Errorf("the security page does not say how this account signs in: %q", sec.Doc.Find("#password").Text())
	}
}

// TestBannedUsersCannotSignInByEmail: the request answers as always; the
// code is refused with the suspension message and signs nobody in.
func TestBannedUsersCannotSignInByEmail(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	u := passwordlessVerifiedUser(t, ta, "banned@example.com")
	if err := ta.DB.Write.Exec("UPDATE users SET banned_at = ? WHERE id = ?", ta.clock.Now(), u.ID).Error; err != nil {
		t.Fatal(err)
	}
	c := ta.client(t)
	expectRedirect(t, c.requestCode("banned@example.com"), "/login/code")
	code, link := mailedCode(t, ta, "banned@example.com")
	res := c.post("/login/code", url.Values{"code": {code}})
	expectStatus(t, res, http.StatusForbidden)
	if !strings.Contains(res.Body, "suspended") {
		t.Errorf("refusal: %q", res.Doc.Find("main").Text())
	}
	c.expectSignedOut()
	expectStatus(t, ta.client(t).get(link), http.StatusNotFound)

	expectRedirect(t, c.requestCode("banned@example.com"), "/login/code")
	_, link = mailedCode(t, ta, "banned@example.com")
	other := ta.client(t)
	expectStatus(t, other.submit(link, "form[action='/login/link']", nil), http.StatusForbidden)
	other.expectSignedOut()
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND detail = 'account banned'", models.AuditSignInFailed); n != 2 {
		t.Errorf("%d banned sign-ins audited, want 2", n)
	}
}

// TestEmailSignInOffRemovesItsRoutesAndButton: HEARTH_EMAIL_SIGNIN=off.
func TestEmailSignInOffRemovesItsRoutesAndButton(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_EMAIL_SIGNIN", "off"))
	passwordlessVerifiedUser(t, ta, "off@example.com")
	c := ta.client(t)
	page := c.get("/login")
	expectStatus(t, page, http.StatusOK)
	if page.Doc.Find("[data-testid=email-code-request]").Length() != 0 || strings.Contains(page.Body, "/login/email") {
		t.Error("the sign-in page offers email sign-in while it is off")
	}
	expectStatus(t, c.post("/login/email", url.Values{"email": {"off@example.com"}}), http.StatusNotFound)
	expectStatus(t, c.get("/login/code"), http.StatusNotFound)
	expectStatus(t, c.post("/login/code", url.Values{"code": {"123456"}}), http.StatusNotFound)
	expectStatus(t, c.get("/login/link?token=x"), http.StatusNotFound)
	expectStatus(t, c.post("/login/link", url.Values{"token": {"x"}}), http.StatusNotFound)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM outbox"); n != 0 {
		t.Errorf("%d mails sent while email sign-in is off", n)
	}
}

// TestEmailSignInRefusesUglyInput with a clear 4xx, never a 500.
func TestEmailSignInRefusesUglyInput(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	passwordlessVerifiedUser(t, ta, "ugly@example.com")
	c := ta.client(t)
	for _, tc := range []struct {
		email string
		want  int
	}{
		{"", http.StatusUnprocessableEntity},
		{"   ", http.StatusUnprocessableEntity},
		{"not an address", http.StatusUnprocessableEntity},
		{strings.Repeat("a", MaxBodyForEmail) + "@example.com", http.StatusUnprocessableEntity},
		{"ユーザー@例え.jp", http.StatusUnprocessableEntity},
		{"ugly\xff@example.com", http.StatusBadRequest},
		{"ugly\x00@example.com", http.StatusBadRequest},
	} {
		res := c.post("/login/email", url.Values{"email": {tc.email}})
		if res.StatusCode != tc.want {
			t.Errorf("email %.40q: %d, want %d", tc.email, res.StatusCode, tc.want)
		}
		if tc.want == http.StatusUnprocessableEntity && res.Doc.Find("[data-testid=form-error]").Length() != 1 {
			t.Errorf("email %.40q: no message", tc.email)
		}
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM email_signins"); n != 0 {
		t.Errorf("%d sign-ins from refused addresses", n)
	}

	expectRedirect(t, c.requestCode("ugly@example.com"), "/login/code")
	for _, code := range []string{"", "12345", "1234567", "abcdef", "１２３４５６", "12 34 5", strings.Repeat("1", 100_000)} {
		res := c.post("/login/code", url.Values{"code": {code}})
		expectStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Doc.Find("[data-testid=error-code]").Text(), "6 digits") {
			t.Errorf("code %.20q: %q", code, res.Doc.Find("main").Text())
		}
	}
	expectStatus(t, c.post("/login/code", url.Values{"code": {"12\xff3456"}}), http.StatusBadRequest)
	// Refused formats are not counted as tries.
	if n := countRows(t, ta.DB, "SELECT attempts FROM email_signins"); n != 0 {
		t.Errorf("malformed codes counted as %d tries", n)
	}
	for _, token := range []string{"", "x", strings.Repeat("z", 5000), "%FF%FE", "ユーザー", "'; DROP TABLE users; --"} {
		expectStatus(t, c.get("/login/link?token="+url.QueryEscape(token)), http.StatusNotFound)
		expectStatus(t, c.post("/login/link", url.Values{"token": {token}}), http.StatusNotFound)
	}
	expectStatus(t, c.post("/login/link", url.Values{"token": {"\xff"}}), http.StatusBadRequest)
	c.expectSignedOut()
}

// TestWithEmailSignInTheLastProviderCanGo: email sign-in counts as a way to
// sign in, so a provider-only account may disconnect its last provider;
// it then signs in by email alone, and its account page works without a
// password (set one by mail, delete by typing DELETE).
func TestWithEmailSignInTheLastProviderCanGo(t *testing.T) {
	t.Parallel()
	g := startGitHub(t)
	ta := newTestApp(t, withGitHub(g))
	gh := ta.client(t)
	g.set(303, "", map[string]any{"email": "gh-only@example.com", "primary": true, "verified": true})
	expectRedirect(t, gh.socialSignIn("github"), "/account")
	id := strings.TrimSuffix(strings.TrimPrefix(gh.get("/account").Doc.Find("[data-testid=identity-row] form").AttrOr("action", ""), "/account/identities/"), "/disconnect")
	expectRedirect(t, gh.post("/account/identities/"+id+"/disconnect", nil), "/account")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM identities"); n != 0 {
		t.Fatalf("the last provider was not disconnected (flash %q)", gh.flash())
	}
	expectRedirect(t, gh.post("/logout", nil), "/")

	expectRedirect(t, gh.requestCode("gh-only@example.com"), "/login/code")
	code, _ := mailedCode(t, ta, "gh-only@example.com")
	expectRedirect(t, gh.post("/login/code", url.Values{"code": {code}}), "/account")
	acc := gh.get("/account")
	expectStatus(t, acc, http.StatusOK)
	if acc.Doc.Find("input[name=current_password]").Length() != 0 {
		t.Error("the account page of an email-only account asks for a password")
	}
	sec := gh.get("/account/security")
	expectStatus(t, sec, http.StatusOK)
	if sec.Doc.Find("input[name=current_password]").Length() != 0 {
		t.Error("the security page of an email-only account asks for a password")
	}
	if !strings.Contains(sec.Doc.Find("#password").Text(), "code we email you") {
		t.Errorf("the security page does not say how this account signs in: %q", sec.Doc.Find("#password").Text())
	}
	if sec.Doc.Find("[data-testid=security-email-signin]").Length() != 1 || sec.Doc.Find("[data-testid=security-set-password]").Length() != 1 {
		t.Error("the security page of an email-only account does not say how it signs in, or offers no password")
	}
	expectStatus(t, gh.post("/account/delete", url.Values{"confirm": {"no"}}), http.StatusUnprocessableEntity)
	expectRedirect(t, gh.post("/account/delete", url.Values{"confirm": {"DELETE"}}), "/")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE email = 'gh-only@example.com'"); n != 0 {
		t.Error("the email-only account was not deleted")
	}
}

// TestEmailSignInPassesTheSecondStep: a code or a link is a first factor
// like a password (completeFirstFactor): an account with 2FA is not signed
// in until /login/2fa, in the browser that used the code or the link.
func TestEmailSignInPassesTheSecondStep(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withSecretKey())
	u := passwordlessVerifiedUser(t, ta, "twostep@example.com")
	c := ta.client(t)
	expectRedirect(t, c.requestCode("twostep@example.com"), "/login/code")
	code, _ := mailedCode(t, ta, "twostep@example.com")
	expectRedirect(t, c.post("/login/code", url.Values{"code": {code}}), "/account")
	secret, _ := enrolSignedIn(t, ta, c)
	expectRedirect(t, c.post("/logout", nil), "/")

	expectRedirect(t, c.requestCode("twostep@example.com"), "/login/code")
	code, _ = mailedCode(t, ta, "twostep@example.com")
	expectRedirect(t, c.post("/login/code", url.Values{"code": {code}}), "/login/2fa")
	c.expectSignedOut()
	ta.clock.Advance(30 * time.Second) // the enrolment's code is used
	expectRedirect(t, secondStep(c, totpCode(t, secret, ta.clock.Now())), "/account")
	c.expectSignedIn()
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND target_id = ? AND detail = ?", models.AuditSignIn, u.ID, models.EmailSignInByCode+" + authenticator app"); n != 1 {
		t.Error("the two-step sign-in is not audited as email code + authenticator app")
	}

	// The link, in another browser: the second step is that browser's.
	asker := ta.client(t)
	expectRedirect(t, asker.requestCode("twostep@example.com"), "/login/code")
	_, link := mailedCode(t, ta, "twostep@example.com")
	phone := ta.client(t)
	expectRedirect(t, phone.submit(link, "form[action='/login/link']", nil), "/login/2fa")
	phone.expectSignedOut()
	expectStatus(t, asker.get("/login/2fa"), http.StatusSeeOther)
	ta.clock.Advance(30 * time.Second)
	expectRedirect(t, secondStep(phone, totpCode(t, secret, ta.clock.Now())), "/account")
	phone.expectSignedIn()
	asker.expectSignedOut()
}

// TestEmailSignInKeepsWhereTheVisitorWasGoing: the sign-in page's next
// goes through the code.
func TestEmailSignInKeepsWhereTheVisitorWasGoing(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	passwordlessVerifiedUser(t, ta, "next@example.com")
	c := ta.client(t)
	expectRedirect(t, c.get("/account/sessions"), "/login?next=%2Faccount%2Fsessions")
	if c.get("/login?next=%2Faccount%2Fsessions").Doc.Find("form[action='/login'] input[name=next]").AttrOr("value", "") != "/account/sessions" {
		t.Fatal("the sign-in form does not carry next")
	}
	expectRedirect(t, c.post("/login/email", url.Values{"email": {"next@example.com"}, "next": {"/account/sessions"}}), "/login/code")
	code, _ := mailedCode(t, ta, "next@example.com")
	expectRedirect(t, c.post("/login/code", url.Values{"code": {code}}), "/account/sessions")

	// Not to another site.
	c = ta.client(t)
	expectRedirect(t, c.post("/login/email", url.Values{"email": {"next@example.com"}, "next": {"//evil.example/x"}}), "/login/code")
	code, _ = mailedCode(t, ta, "next@example.com")
	expectRedirect(t, c.post("/login/code", url.Values{"code": {code}}), "/account")
}

// BenchmarkEmailSignInRequest compares the request for a known address
// with one for an unknown address: the same work (a lookup, one row, one
// mail), so about the same time.
//
//	go test -run '^$' -bench EmailSignInRequest -benchmem ./handlers/
func BenchmarkEmailSignInRequest(b *testing.B) {
	for _, known := range []bool{false, true} {
		name := map[bool]string{true: "known", false: "unknown"}[known]
		b.Run(name, func(b *testing.B) {
			ta := newTestApp(b)
			if known {
				ta.client(b).signUp("bench@example.com", goodPassword)
			}
			ta.App.Logger = slog.New(slog.DiscardHandler)
			h := ta.App.Routes()
			body := url.Values{"email": {"bench@example.com"}}.Encode()
			serveParallel(b, h, http.StatusSeeOther, func() *http.Request {
				req := httptest.NewRequest(http.MethodPost, "/login/email", strings.NewReader(body))
				req.Host = ta.App.Config.BaseURL.Host
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Origin", ta.App.Config.BaseURL.String())
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				return req
			})
		})
	}
}
