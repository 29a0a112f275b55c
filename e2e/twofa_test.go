package e2e_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TestBrowserTurnOnTwoFactorThenSignInWithACode: a person turns on
// two-factor authentication from the security page, typing the secret
// shown on the page into their "app" (totp.GenerateCode here), saves the
// recovery codes, signs out, and signs in through /login/2fa. axe checks
// every new page, light and dark.
func TestBrowserTurnOnTwoFactorThenSignInWithACode(t *testing.T) {
	srv := startServer(t, "HEARTH_SECRET_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	b := newTab(t)
	b.signUp(srv, "Tess", "tess@example.com", "two factors please")
	b.followLatestMail(srv)
	b.do(chromedp.WaitVisible("[data-testid=confirm-button]"), chromedp.Click("[data-testid=confirm-button]"), chromedp.WaitVisible("[data-testid=email-verified]"))

	b.do(chromedp.Click("[data-testid=account-nav-security]"), chromedp.WaitVisible("[data-testid=security]"))
	b.checkAccessibility("security page")
	b.do(chromedp.Click("[data-testid=setup-two-factor-submit]"), chromedp.WaitVisible("[data-testid=totp-qr]"))
	b.checkAccessibility("authenticator setup page")
	secret, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.getElementById("totp-secret").value`))
	if err != nil || len(secret) < 32 {
		t.Fatalf("secret on the page: %q, %v", secret, err)
	}
	code := func() string {
		c, err := totp.GenerateCodeCustom(secret, srv.Clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	b.do(chromedp.SendKeys("#field-code", code()), chromedp.Click("[data-testid=totp-confirm-submit]"), chromedp.WaitVisible("[data-testid=recovery-code-list]"))
	b.checkAccessibility("recovery codes page")
	b.do(chromedp.Click("[data-testid=recovery-codes-done]"), chromedp.WaitVisible("[data-testid=two-factor-on]"))
	b.checkAccessibility("security page, two-factor on")
	b.screenshot("security") // make screenshots: docs/screenshots/security*.png

	b.signOut()
	srv.Clock.Advance(30 * time.Second) // the enrolment's code is used up
	b.do(
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.SendKeys("#field-email", "tess@example.com"),
		chromedp.SendKeys("#field-password", "two factors please"),
		chromedp.Click("[data-testid=login-submit]"),
		chromedp.WaitVisible("[data-testid=login-2fa]"),
	)
	b.checkAccessibility("sign-in second step")
	b.do(chromedp.SendKeys("#field-code", "000000"), chromedp.Click("[data-testid=login-2fa-submit]"), chromedp.WaitVisible("[data-testid=form-error]"))
	b.checkAccessibility("sign-in second step, wrong code")
	b.do(chromedp.SendKeys("#field-code", code()), chromedp.Click("[data-testid=login-2fa-submit]"), chromedp.WaitVisible("[data-testid=account]"))
}
