package handlers_test

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/oauth2-proxy/mockoidc"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/hearth-app/hearth/models"
)

// TestSecurityPageIsTwoClicksFromAnywhere: the account page's menu links
// to /account/security, which holds the change-password form and links
// (its menu) to the sessions and tokens pages; signed out, it sends to the
// sign-in page.
func TestSecurityPageIsTwoClicksFromAnywhere(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	expectRedirect(t, c.get("/account/security"), "/login?next=%2Faccount%2Fsecurity")
	c.signUp("sec@example.com", goodPassword)
	if href, _ := c.get("/account").Doc.Find("[data-testid=account-nav] a[data-testid=account-nav-security]").Attr("href"); href != "/account/security" {
		t.Fatalf("the account page's menu links to %q, want /account/security", href)
	}
	res := c.get("/account/security")
	expectStatus(t, res, http.StatusOK)
	for _, sel := range []string{"[data-testid=account-nav] a[href='/account/sessions']", "[data-testid=account-nav] a[href='/account/tokens']", "[data-testid=security-password] form[action='/account/password'] input[name=new_password]", "[data-testid=two-factor]"} {
		if res.Doc.Find(sel).Length() == 0 {
			t.Errorf("the security page lacks %s", sel)
		}
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
}

// withSecretKey gives the app a HEARTH_SECRET_KEY, as hearth serve always
// has one.
func withSecretKey() func(*appOptions) { return withEnv("HEARTH_SECRET_KEY", testSecretKey) }

// totpCode is the authenticator app's code for secret at t.
func totpCode(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// enrolTOTP signs email up in c, confirms the address, and turns on
// two-factor authentication from the security page, as a user would: the
// secret is read from the setup page. It returns the secret and the
// recovery codes, and moves the clock to the next time step (the
// confirming code's step is used up).
func enrolTOTP(t *testing.T, ta *testApp, c *client, email string) (string, []string) {
	t.Helper()
	c.signUp(email, goodPassword)
	confirmVerification(t, ta, c, email)
	return enrolSignedIn(t, ta, c)
}

func enrolSignedIn(t *testing.T, ta *testApp, c *client) (string, []string) {
	t.Helper()
	res := c.submit("/account/security", "form[data-testid=setup-two-factor]", nil)
	expectStatus(t, res, http.StatusOK)
	secret := res.Doc.Find("[data-testid=totp-secret]").AttrOr("value", "")
	if len(secret) < 32 {
		t.Fatalf("setup page secret %q", secret)
	}
	res = c.post("/account/2fa/totp/confirm", url.Values{"code": {totpCode(t, secret, ta.clock.Now())}})
	expectStatus(t, res, http.StatusOK)
	var codes []string
	res.Doc.Find("[data-testid=recovery-code]").Each(func(_ int, s *goquery.Selection) { codes = append(codes, s.Text()) })
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown, want 10", len(codes))
	}
	ta.clock.Advance(30 * time.Second)
	return secret, codes
}

// signInToSecondStep signs out and passes the password: the browser is at
// /login/2fa, not signed in.
func signInToSecondStep(t *testing.T, c *client, email string) {
	t.Helper()
	c.post("/logout", nil)
	expectRedirect(t, c.signIn(email, goodPassword), "/login/2fa")
}

func secondStep(c *client, code string) *response {
	c.t.Helper()
	return c.submit("/login/2fa", "form[action='/login/2fa']", url.Values{"code": {code}})
}

// TestTOTPEnrolmentThenSignInTakesTheCode: enrolment shows a QR code made
// on the server (a data: PNG, no image service) with the otpauth URI and the
// base32 secret; the first code enables it and shows ten recovery codes;
// it is audited and mailed. The secret is sealed in the database. From
// then on a password alone does not sign in: protected pages still send
// to /login until the code, whose success renews the session token.
func TestTOTPEnrolmentThenSignInTakesTheCode(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withSecretKey())
	c := ta.client(t)
	c.signUp("totp@example.com", goodPassword)
	confirmVerification(t, ta, c, "totp@example.com")
	res := c.submit("/account/security", "form[data-testid=setup-two-factor]", nil)
	expectStatus(t, res, http.StatusOK)
	if src := res.Doc.Find("img[data-testid=totp-qr]").AttrOr("src", ""); !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Fatalf("QR code src %.40q: want a server-made PNG", src)
	}
	secret := res.Doc.Find("[data-testid=totp-secret]").AttrOr("value", "")
	if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret); err != nil || len(secret) < 32 {
		t.Fatalf("secret %q is not base32 of 160 bits", secret)
	}
	var stored string
	if err := ta.DB.Read.Raw("SELECT secret_enc FROM totp_secrets").Scan(&stored).Error; err != nil || stored == "" {
		t.Fatalf("no pending secret stored: %v", err)
	}
	for _, form := range []string{secret, strings.ToLower(secret)} {
		if strings.Contains(stored, form) {
			t.Fatal("the TOTP secret is readable in the database")
		}
	}
	if raw, _ := base64.StdEncoding.DecodeString(stored); bytes.Contains(raw, []byte(secret)) {
		t.Fatal("the stored value holds the secret in clear")
	}
	// Not yet on: a pending enrolment asks nothing at sign-in.
	if on := countRows(t, ta.DB, "SELECT count(*) FROM totp_secrets WHERE enabled_at IS NOT NULL"); on != 0 {
		t.Fatal("enabled before the first code")
	}

	// A wrong code: the same secret again, with the error.
	res = c.post("/account/2fa/totp/confirm", url.Values{"code": {"000000"}})
	if totpCode(t, secret, ta.clock.Now()) != "000000" {
		expectStatus(t, res, http.StatusUnprocessableEntity)
		if got := res.Doc.Find("[data-testid=totp-secret]").AttrOr("value", ""); got != secret {
			t.Fatalf("after a wrong code the page shows secret %q, want the same", got)
		}
	}
	res = c.post("/account/2fa/totp/confirm", url.Values{"code": {totpCode(t, secret, ta.clock.Now())}})
	expectStatus(t, res, http.StatusOK)
	if n := res.Doc.Find("[data-testid=recovery-code]").Length(); n != 10 {
		t.Fatalf("%d recovery codes shown, want 10", n)
	}
	first := res.Doc.Find("[data-testid=recovery-code]").First().Text()
	if got := countRows(t, ta.DB, "SELECT count(*) FROM recovery_codes WHERE code_hash = ?", models.HashToken(strings.ReplaceAll(first, "-", ""))); got != 1 {
		t.Fatal("a recovery code is not stored as its SHA-256")
	}
	if got := countRows(t, ta.DB, "SELECT count(*) FROM recovery_codes WHERE code_hash LIKE ?", "%"+strings.ReplaceAll(first, "-", "")+"%"); got != 0 {
		t.Fatal("a recovery code is stored in clear")
	}
	if got := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ?", models.AuditTwoFactorEnable); got != 1 {
		t.Fatalf("enable audit rows: %d", got)
	}
	lastMail(t, ta, "totp@example.com", "two_factor_enabled")
	sec := c.get("/account/security")
	if sec.Doc.Find("[data-testid=two-factor-on]").Length() != 1 || !strings.Contains(sec.Doc.Find("[data-testid=recovery-left]").Text(), "10") {
		t.Fatalf("security page after enabling: %s", sec.Doc.Find("[data-testid=two-factor]").Text())
	}
	since := "(since " + ta.clock.Now().UTC().Format("2 Jan 2006") + ")."
	if got := strings.Join(strings.Fields(sec.Doc.Find("[data-testid=two-factor] p").First().Text()), " "); !strings.HasSuffix(got, since) {
		t.Errorf("the two-factor card says %q, want it to end %q", got, since)
	}
	ta.clock.Advance(30 * time.Second)

	// Sign in: the password leads to the second step, not into the account.
	c.post("/logout", nil)
	res = c.submit("/login?next=%2Faccount%2Ftokens", "form[action='/login']", url.Values{"email": {"totp@example.com"}, "password": {goodPassword}})
	expectRedirect(t, res, "/login/2fa")
	before := c.cookie()
	if before == nil {
		t.Fatal("no session cookie for the pending step")
	}
	expectRedirect(t, c.get("/account"), "/login?next=%2Faccount")
	expectRedirect(t, c.get("/account/security"), "/login?next=%2Faccount%2Fsecurity")
	expectStatus(t, c.get("/login/2fa"), http.StatusOK)

	res = secondStep(c, "12345x")
	expectStatus(t, res, http.StatusUnauthorized)
	if !strings.Contains(res.Doc.Find("[data-testid=form-error]").Text(), "not valid") {
		t.Fatalf("wrong code page: %q", res.Doc.Find("main").Text())
	}
	c.expectSignedOut()

	res = secondStep(c, totpCode(t, secret, ta.clock.Now()))
	expectRedirect(t, res, "/account/tokens")
	after := c.cookie()
	if after == nil || after.Value == before.Value {
		t.Fatal("the session token was not renewed by the second step")
	}
	c.expectSignedIn()
	if got := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND detail = ?", models.AuditSignIn, "password + authenticator app"); got != 1 {
		t.Fatalf("sign-in audit rows naming both factors: %d", got)
	}
	// The old token (from before the second step) is worth nothing.
	old := ta.client(t)
	u, _ := url.Parse(ta.URL)
	old.http.Jar.SetCookies(u, []*http.Cookie{{Name: before.Name, Value: before.Value, Path: "/"}})
	old.expectSignedOut()
}

// TestSignInWithoutTwoFactorHasNoSecondStep: an account without 2FA (or
// with an enrolment never confirmed) signs in on the password alone.
func TestSignInWithoutTwoFactorHasNoSecondStep(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withSecretKey())
	c := ta.client(t)
	c.signUp("plain@example.com", goodPassword)
	confirmVerification(t, ta, c, "plain@example.com")
	expectStatus(t, c.submit("/account/security", "form[data-testid=setup-two-factor]", nil), http.StatusOK)
	c.post("/logout", nil)
	expectRedirect(t, c.signIn("plain@example.com", goodPassword), "/account")
	c.expectSignedIn()
	// No pending step to pass: /login/2fa sends to /login.
	fresh := ta.client(t)
	expectRedirect(t, fresh.get("/login/2fa"), "/login")
	expectRedirect(t, fresh.post("/login/2fa", url.Values{"code": {"123456"}}), "/login")
}

// TestTOTPCodeIsAcceptedOnceWithinItsWindow: a code that signed in is
// refused when replayed within its window, as is a code of an earlier step
// still inside the skew; RFC 6238 skew: a code one step early or late is
// accepted, two steps off refused.
func TestTOTPCodeIsAcceptedOnceWithinItsWindow(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withSecretKey())
	c := ta.client(t)
	secret, _ := enrolTOTP(t, ta, c, "replay@example.com")
	ta.clock.Advance(2 * time.Minute) // clear of the steps enrolment used

	signInToSecondStep(t, c, "replay@example.com")
	now := ta.clock.Now()
	for _, off := range []time.Duration{-60 * time.Second, 60 * time.Second} {
		if res := secondStep(c, totpCode(t, secret, now.Add(off))); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a code %v off: status %d, want 401", off, res.StatusCode)
		}
	}
	code := totpCode(t, secret, now.Add(-30*time.Second)) // one step early
	expectRedirect(t, secondStep(c, code), "/account")

	signInToSecondStep(t, c, "replay@example.com")
	expectStatus(t, secondStep(c, code), http.StatusUnauthorized) // replayed
	// The code of the step before the one used: inside the skew, but older.
	expectStatus(t, secondStep(c, totpCode(t, secret, now.Add(-60*time.Second))), http.StatusUnauthorized)
	expectRedirect(t, secondStep(c, totpCode(t, secret, now.Add(30*time.Second))), "/account") // one step late
	signInToSecondStep(t, c, "replay@example.com")
	expectStatus(t, secondStep(c, totpCode(t, secret, now.Add(30*time.Second))), http.StatusUnauthorized)
	expectStatus(t, secondStep(c, totpCode(t, secret, now)), http.StatusUnauthorized) // older than the last used
}

// TestRecoveryCodeSignsInOnceAndANewSetKillsTheOld: a recovery code passes
// the second step once (audited, mailed with how many are left); a new set
// is shown once and the old codes stop working.
func TestRecoveryCodeSignsInOnceAndANewSetKillsTheOld(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withSecretKey())
	c := ta.client(t)
	_, codes := enrolTOTP(t, ta, c, "recover@example.com")

	signInToSecondStep(t, c, "recover@example.com")
	expectRedirect(t, secondStep(c, strings.ToUpper(codes[0])), "/account")
	m := lastMail(t, ta, "recover@example.com", "recovery_code_used")
	if !strings.Contains(m.TextBody, "9 are left") {
		t.Fatalf("recovery mail says: %s", m.TextBody)
	}
	if got := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND detail LIKE ?", models.AuditRecoveryCodeUse, "%9 left%"); got != 1 {
		t.Fatalf("recovery code audit rows: %d", got)
	}
	if !strings.Contains(c.get("/account/security").Doc.Find("[data-testid=recovery-left]").Text(), "9 recovery codes left") {
		t.Fatal("the security page does not count the used code")
	}
	signInToSecondStep(t, c, "recover@example.com")
	expectStatus(t, secondStep(c, codes[0]), http.StatusUnauthorized)
	expectRedirect(t, secondStep(c, codes[1]), "/account")

	// A new set, shown once; the old codes die.
	res := c.submit("/account/security", "form[data-testid=new-recovery-codes]", nil)
	expectStatus(t, res, http.StatusOK)
	var fresh []string
	res.Doc.Find("[data-testid=recovery-code]").Each(func(_ int, s *goquery.Selection) { fresh = append(fresh, s.Text()) })
	if len(fresh) != 10 {
		t.Fatalf("%d new codes", len(fresh))
	}
	if strings.Contains(c.get("/account/security").Body, fresh[0]) {
		t.Fatal("the security page shows a recovery code again")
	}
	lastMail(t, ta, "recover@example.com", "recovery_codes_created")
	if got := countRows(t, ta.DB, "SELECT count(*) FROM recovery_codes"); got != 10 {
		t.Fatalf("%d recovery code rows after a new set, want 10", got)
	}
	signInToSecondStep(t, c, "recover@example.com")
	expectStatus(t, secondStep(c, codes[2]), http.StatusUnauthorized)
	expectRedirect(t, secondStep(c, fresh[9]), "/account")

	// Long after signing in, a new set asks for the password.
	ta.clock.Advance(time.Hour)
	res = c.submit("/account/security", "form[data-testid=new-recovery-codes]", url.Values{"current_password": {"not it"}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	expectStatus(t, c.submit("/account/security", "form[data-testid=new-recovery-codes]", url.Values{"current_password": {goodPassword}}), http.StatusOK)
}

// TestDisableTwoFactorTakesThePassword: turning 2FA off asks for the
// current password; it is audited and mailed, and the next sign-in has no
// second step.
func TestDisableTwoFactorTakesThePassword(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withSecretKey())
	c := ta.client(t)
	enrolTOTP(t, ta, c, "off@example.com")
	res := c.submit("/account/security", "form[data-testid=disable-two-factor]", url.Values{"current_password": {"wrong password"}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if res.Doc.Find("[data-testid=error-current_password]").Length() != 1 {
		t.Fatal("no error beside the password field")
	}
	expectRedirect(t, c.submit("/account/security", "form[data-testid=disable-two-factor]", url.Values{"current_password": {goodPassword}}), "/account/security")
	if got := countRows(t, ta.DB, "SELECT count(*) FROM totp_secrets"); got != 0 {
		t.Fatal("the secret outlived disabling")
	}
	if got := countRows(t, ta.DB, "SELECT count(*) FROM recovery_codes"); got != 0 {
		t.Fatal("recovery codes outlived disabling")
	}
	if got := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ?", models.AuditTwoFactorDisable); got != 1 {
		t.Fatalf("disable audit rows: %d", got)
	}
	lastMail(t, ta, "off@example.com", "two_factor_disabled")
	c.post("/logout", nil)
	expectRedirect(t, c.signIn("off@example.com", goodPassword), "/account")
}

// TestWrongCodesShareThePasswordLockout: wrong codes count against the
// account's failed sign-in limit with wrong passwords, and a correct
// password does not clear it while the second step is pending; over the
// limit, 429 with Retry-After, even for the right code.
func TestWrongCodesShareThePasswordLockout(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withSecretKey(), withEnv("HEARTH_RATE_SIGNIN_ACCOUNT", "4/15m"))
	owner := ta.client(t)
	secret, _ := enrolTOTP(t, ta, owner, "lock@example.com")

	// Another browser: no device cookie of the account.
	c := ta.client(t)
	expectStatus(t, c.signIn("lock@example.com", "wrong password"), http.StatusUnauthorized) // 1
	expectRedirect(t, c.signIn("lock@example.com", goodPassword), "/login/2fa")              // 2
	expectStatus(t, secondStep(c, "000001"), http.StatusUnauthorized)                        // 3
	expectRedirect(t, c.signIn("lock@example.com", goodPassword), "/login/2fa")              // 4: not reset
	res := secondStep(c, totpCode(t, secret, ta.clock.Now()))
	expectStatus(t, res, http.StatusTooManyRequests)
	if res.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	c.expectSignedOut()
	res = c.signIn("lock@example.com", goodPassword)
	expectStatus(t, res, http.StatusTooManyRequests)

	// After the window the right code passes and clears the counter.
	ta.clock.Advance(16 * time.Minute)
	expectRedirect(t, c.signIn("lock@example.com", goodPassword), "/login/2fa")
	expectRedirect(t, secondStep(c, totpCode(t, secret, ta.clock.Now())), "/account")
}

// TestPendingSecondStepExpiresAndStaysInItsBrowser: five minutes after the
// password the step is gone; another browser never had it.
func TestPendingSecondStepExpiresAndStaysInItsBrowser(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withSecretKey())
	c := ta.client(t)
	secret, _ := enrolTOTP(t, ta, c, "expire@example.com")
	signInToSecondStep(t, c, "expire@example.com")

	other := ta.client(t)
	expectRedirect(t, other.post("/login/2fa", url.Values{"code": {totpCode(t, secret, ta.clock.Now())}}), "/login")
	other.expectSignedOut()

	ta.clock.Advance(5*time.Minute + time.Second)
	expectRedirect(t, c.post("/login/2fa", url.Values{"code": {totpCode(t, secret, ta.clock.Now())}}), "/login")
	c.expectSignedOut()
	expectRedirect(t, c.get("/login/2fa"), "/login")
	// Within the window it works.
	ta.clock.Advance(30 * time.Second)
	expectRedirect(t, c.signIn("expire@example.com", goodPassword), "/login/2fa")
	ta.clock.Advance(4*time.Minute + 30*time.Second)
	expectRedirect(t, secondStep(c, totpCode(t, secret, ta.clock.Now())), "/account")
}

// TestPasswordResetEndsAPendingSecondStep: someone who knows the old
// password waits at /login/2fa; the owner resets the password (or changes
// it). The waiting step was proven by the old password and dies with it:
// even a right code no longer signs that browser in.
func TestPasswordResetEndsAPendingSecondStep(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withSecretKey())
	owner := ta.client(t)
	secret, _ := enrolTOTP(t, ta, owner, "pending@example.com")

	intruder := ta.client(t)
	expectRedirect(t, intruder.signIn("pending@example.com", goodPassword), "/login/2fa")

	expectStatus(t, ta.client(t).post("/forgot-password", url.Values{"email": {"pending@example.com"}}), http.StatusOK)
	token := tokenOf(t, linkIn(t, lastMail(t, ta, "pending@example.com", models.TokenResetPassword)))
	expectRedirect(t, ta.client(t).post("/reset-password", url.Values{"token": {token}, "password": {"a brand new passphrase"}}), "/login")

	expectRedirect(t, intruder.post("/login/2fa", url.Values{"code": {totpCode(t, secret, ta.clock.Now())}}), "/login")
	intruder.expectSignedOut()
	expectRedirect(t, intruder.get("/login/2fa"), "/login")

	// A change of password from the account page does the same.
	expectRedirect(t, intruder.signIn("pending@example.com", "a brand new passphrase"), "/login/2fa")
	ta.clock.Advance(30 * time.Second)
	expectRedirect(t, owner.signIn("pending@example.com", "a brand new passphrase"), "/login/2fa")
	expectRedirect(t, secondStep(owner, totpCode(t, secret, ta.clock.Now())), "/account")
	expectRedirect(t, owner.post("/account/password", url.Values{"current_password": {"a brand new passphrase"}, "new_password": {"the third passphrase"}}), "/account/security")
	ta.clock.Advance(30 * time.Second)
	expectRedirect(t, intruder.post("/login/2fa", url.Values{"code": {totpCode(t, secret, ta.clock.Now())}}), "/login")
	intruder.expectSignedOut()
}

// TestUnverifiedAccountCannotEnrol: the address must be proven first.
func TestUnverifiedAccountCannotEnrol(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withSecretKey())
	c := ta.client(t)
	c.signUp("unproven@example.com", goodPassword)
	sec := c.get("/account/security")
	if sec.Doc.Find("form[data-testid=setup-two-factor]").Length() != 0 || sec.Doc.Find("[data-testid=two-factor-needs-verification]").Length() != 1 {
		t.Fatal("an unverified account is offered two-factor enrolment")
	}
	expectRedirect(t, c.post("/account/2fa/totp/setup", nil), "/account/security")
	if got := countRows(t, ta.DB, "SELECT count(*) FROM totp_secrets"); got != 0 {
		t.Fatal("an unverified account got a TOTP secret")
	}
}

// TestProviderSignInPassesTheSecondStepToo: a provider is a first factor
// like a password (completeFirstFactor): an account with 2FA goes to
// /login/2fa after the callback. Without a password, a current code stands
// in for it: to turn 2FA off, change the address long after signing in, and
// delete the account (where it replaces the typed DELETE).
func TestProviderSignInPassesTheSecondStepToo(t *testing.T) {
	t.Parallel()
	m := startOIDC(t)
	ta := newTestApp(t, withOIDC(m), withSecretKey())
	c := ta.client(t)
	user := &mockoidc.MockUser{Subject: "sub-2fa", Email: "sso2fa@example.com", EmailVerified: true}
	m.QueueUser(user)
	expectRedirect(t, c.socialSignIn("oidc"), "/account")
	secret, _ := enrolSignedIn(t, ta, c)

	c.post("/logout", nil)
	m.QueueUser(user)
	expectRedirect(t, c.socialSignIn("oidc"), "/login/2fa")
	c.expectSignedOut()
	expectRedirect(t, secondStep(c, totpCode(t, secret, ta.clock.Now())), "/account")
	c.expectSignedIn()
	ta.clock.Advance(30 * time.Second)

	// The forms ask for a code, not a password.
	sec := c.get("/account/security")
	if sec.Doc.Find("form[data-testid=disable-two-factor] input[name=code]").Length() != 1 {
		t.Fatal("a password-less account's disable form asks no code")
	}
	expectStatus(t, c.submit("/account/security", "form[data-testid=disable-two-factor]", url.Values{"code": {"000000x"}}), http.StatusUnprocessableEntity)

	// Long after signing in, an email change takes a code.
	ta.clock.Advance(time.Hour)
	res := c.submit("/account", "form[action='/account/email']", url.Values{"email": {"new-sso@example.com"}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	res = c.submit("/account", "form[action='/account/email']", url.Values{"email": {"new-sso@example.com"}, "code": {totpCode(t, secret, ta.clock.Now())}})
	expectRedirect(t, res, "/account")
	ta.clock.Advance(30 * time.Second)

	// Deleting takes a code; the typed DELETE alone no longer does.
	expectStatus(t, c.post("/account/delete", url.Values{"confirm": {"DELETE"}}), http.StatusUnprocessableEntity)
	if c.get("/account/security").Doc.Find("form[action='/account/delete'] input[name=code]").Length() != 1 {
		t.Fatal("the delete form asks no code")
	}

	// Turning 2FA off with a current code.
	expectRedirect(t, c.submit("/account/security", "form[data-testid=disable-two-factor]", url.Values{"code": {totpCode(t, secret, ta.clock.Now())}}), "/account/security")
	c.post("/logout", nil)
	m.QueueUser(user)
	expectRedirect(t, c.socialSignIn("oidc"), "/account")
}

// TestAdminSeesAndResetsTwoFactor: the user page shows 2FA; a reset needs
// the user's email typed, is audited as the admin's act and mailed, and
// the next sign-in takes the password alone. The dashboard shows the share
// of users with a second factor.
func TestAdminSeesAndResetsTwoFactor(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withSecretKey())
	member := ta.client(t)
	enrolTOTP(t, ta, member, "lost-phone@example.com")
	u, err := models.UserByEmail(t.Context(), ta.DB, "lost-phone@example.com")
	if err != nil {
		t.Fatal(err)
	}
	admin := ta.client(t)
	me := admin.signUpAdmin("reset-admin@example.com")

	dash := admin.get("/admin")
	if got := dash.Doc.Find("[data-testid=stat-two-factor]").Text(); !strings.HasPrefix(got, "50%") {
		t.Fatalf("dashboard two-factor share %q, want 50%% (1 of 2)", got)
	}
	page := admin.get("/admin/users/" + u.ID)
	if page.Doc.Find("[data-testid=user-two-factor-on]").Length() != 1 || !strings.Contains(page.Doc.Find("[data-testid=user-two-factor]").Text(), "10 recovery codes") {
		t.Fatalf("user page two-factor: %q", page.Doc.Find("[data-testid=user-two-factor]").Text())
	}
	// Without JavaScript the form asks on a page of its own first.
	res := admin.submit("/admin/users/"+u.ID, "form[data-testid=reset-two-factor-form]", nil)
	expectStatus(t, res, http.StatusOK)
	if got := countRows(t, ta.DB, "SELECT count(*) FROM totp_secrets WHERE user_id = ?", u.ID); got != 1 {
		t.Fatal("reset before the admin confirmed")
	}
	if dialog := page.Doc.Find("form[data-testid=reset-two-factor-form]").AttrOr("data-confirm", ""); !strings.Contains(dialog, u.Email) {
		t.Fatalf("the reset form's dialog asks %q", dialog)
	}
	expectRedirect(t, admin.post("/admin/users/"+u.ID+"/2fa/reset", url.Values{"confirmed": {"yes"}}), "/admin/users/"+u.ID)
	if got := countRows(t, ta.DB, "SELECT count(*) FROM totp_secrets WHERE user_id = ?", u.ID) + countRows(t, ta.DB, "SELECT count(*) FROM recovery_codes WHERE user_id = ?", u.ID); got != 0 {
		t.Fatal("the reset left the secret or codes")
	}
	if got := auditCount(t, ta, models.AuditTwoFactorReset, me.ID, u.ID); got != 1 {
		t.Fatalf("reset audit rows by the admin: %d", got)
	}
	lastMail(t, ta, u.Email, "two_factor_reset")
	if admin.get("/admin/users/"+u.ID).Doc.Find("[data-testid=user-two-factor-off]").Length() != 1 {
		t.Fatal("the user page still shows two-factor on")
	}
	member.post("/logout", nil)
	expectRedirect(t, member.signIn(u.Email, goodPassword), "/account")
}

// TestRequireAdmin2FASendsAdminsToTheSecurityPage: with
// HEARTH_REQUIRE_ADMIN_2FA=true no admin page answers an admin without a
// second factor: every one sends to /account/security, POSTs included;
// once enrolled, the admin area opens. Off by default.
func TestRequireAdmin2FASendsAdminsToTheSecurityPage(t *testing.T) {
	t.Parallel()
	off := newTestApp(t, withSecretKey())
	a0 := off.client(t)
	a0.signUpAdmin("free-admin@example.com")
	expectStatus(t, a0.get("/admin"), http.StatusOK)

	ta := newTestApp(t, withSecretKey(), withEnv("HEARTH_REQUIRE_ADMIN_2FA", "true"))
	admin := ta.client(t)
	me := admin.signUpAdmin("strict-admin@example.com")
	for _, path := range []string{"/admin", "/admin/users", "/admin/users/" + me.ID, "/admin/audit"} {
		expectRedirect(t, admin.get(path), "/account/security")
	}
	expectRedirect(t, admin.adminPost("/admin/users/"+me.ID+"/role", url.Values{"role": {"member"}}), "/account/security")
	if !userByID(t, ta, me.ID).IsAdmin() {
		t.Fatal("an admin without 2FA changed a role")
	}
	confirmVerification(t, ta, admin, me.Email)
	secret, _ := enrolSignedIn(t, ta, admin)
	expectStatus(t, admin.get("/admin"), http.StatusOK)
	// Signing in again passes the code, then the admin area is open.
	signInToSecondStep(t, admin, me.Email)
	expectRedirect(t, secondStep(admin, totpCode(t, secret, ta.clock.Now())), "/account")
	expectStatus(t, admin.get("/admin/users"), http.StatusOK)
}

// TestSecondStepRefusesOddInputAndConcurrentReuse: empty, huge, non-ASCII
// digits, a recovery code's shape with wrong letters: 401, never 500. The
// same code sent by two browsers at once signs in one of them.
func TestSecondStepRefusesOddInputAndConcurrentReuse(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withSecretKey())
	c := ta.client(t)
	secret, _ := enrolTOTP(t, ta, c, "odd@example.com")
	signInToSecondStep(t, c, "odd@example.com")
	for _, code := range []string{"", " ", strings.Repeat("1", 10_000), "١٢٣٤٥٦", "12345", "1234567", "zzzz-zzzz-zzzz-zzz1", "000000\x00"} {
		res := c.post("/login/2fa", url.Values{"code": {code}})
		if res.StatusCode != http.StatusUnauthorized && res.StatusCode != http.StatusBadRequest {
			t.Errorf("code %.20q: status %d, want 401 (or 400 for bytes no form holds)", code, res.StatusCode)
		}
	}
	c.expectSignedOut()

	other := ta.client(t)
	expectRedirect(t, other.signIn("odd@example.com", goodPassword), "/login/2fa")
	code := totpCode(t, secret, ta.clock.Now())
	statuses := make(chan int, 2)
	for _, b := range []*client{c, other} {
		go func() { statuses <- b.post("/login/2fa", url.Values{"code": {code}}).StatusCode }()
	}
	got := []int{<-statuses, <-statuses}
	if (got[0] == http.StatusSeeOther) == (got[1] == http.StatusSeeOther) {
		t.Fatalf("one code sent twice at once: statuses %v, want exactly one 303", got)
	}
}

// TestExportTellsTwoFactorWithoutItsSecrets: the data export says 2FA is
// on and how many recovery codes are left, and holds neither the secret
// nor a code.
func TestExportTellsTwoFactorWithoutItsSecrets(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withSecretKey())
	c := ta.client(t)
	secret, codes := enrolTOTP(t, ta, c, "export2fa@example.com")
	res := c.get("/account/export")
	expectStatus(t, res, http.StatusOK)
	var ex models.Export
	if err := json.Unmarshal([]byte(res.Body), &ex); err != nil {
		t.Fatal(err)
	}
	if !ex.TwoFactor.Enabled || ex.TwoFactor.EnabledAt == nil || ex.TwoFactor.RecoveryCodesLeft != 10 {
		t.Fatalf("export two-factor part: %+v", ex.TwoFactor)
	}
	for _, s := range append(codes, secret, strings.ToLower(secret)) {
		if strings.Contains(res.Body, s) {
			t.Fatal("the export holds a two-factor secret")
		}
	}
}
