package e2e_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserSignUpSignOutAndBack is a newcomer's first journey: sign up
// (after a mistake), land on the account page, sign out, press Back — and
// the old page does not come back signed in.
func TestBrowserSignUpSignOutAndBack(t *testing.T) {
	srv := startServer(t)
	b := newTab(t)

	b.do(chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("[data-testid=home]"))
	b.checkAccessibility("landing page")
	b.do(chromedp.Click("[data-testid=cta-signup]"), chromedp.WaitVisible("[data-testid=signup]"))

	// A mistake first: errors appear next to the fields, values kept.
	b.do(
		chromedp.SendKeys("#field-name", "Grace Hopper"),
		chromedp.SendKeys("#field-email", "grace@example"),
		chromedp.SendKeys("#field-password", "short"),
		chromedp.Click("[data-testid=signup-submit]"),
		chromedp.WaitVisible("[data-testid=error-email]"),
	)
	if got := b.text("[data-testid=error-password]"); !strings.Contains(got, "at least 8") {
		t.Errorf("password error %q", got)
	}
	b.checkAccessibility("sign-up page with errors")
	b.screenshot("sign-up-errors")

	b.do(
		chromedp.SetValue("#field-email", "grace@example.com"),
		chromedp.SetValue("#field-password", "cobol compilers are fun"),
		chromedp.Click("[data-testid=signup-submit]"),
		chromedp.WaitVisible("[data-testid=account]"),
	)
	if got := b.text("[data-testid=account-email]"); got != "grace@example.com" {
		t.Fatalf("account shows %q", got)
	}
	b.checkAccessibility("account page")
	b.screenshot("account")

	b.signOut()
	if !strings.Contains(b.text("[data-testid=flash]"), "signed out") {
		t.Error("no signed-out message")
	}

	// Back: the account page must not be shown from a cache, signed in.
	b.do(chromedp.NavigateBack(), chromedp.WaitReady("body"))
	if b.exists("[data-testid=account-email]") {
		t.Fatal("after sign-out, Back shows the account page")
	}
	if !strings.Contains(b.location(), "/login") && !b.exists("[data-testid=nav-login]") {
		t.Errorf("after Back, not signed out: %s", b.location())
	}

	// A protected page sends to sign-in and back after it.
	b.do(chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible("[data-testid=login]"))
	b.checkAccessibility("sign-in page")
	b.screenshot("sign-in")
	b.do(
		chromedp.SendKeys("#field-email", "grace@example.com"),
		chromedp.SendKeys("#field-password", "cobol compilers are fun"),
		chromedp.Click("[data-testid=login-submit]"),
		chromedp.WaitVisible("[data-testid=account]"),
	)
	if loc := b.location(); !strings.HasSuffix(loc, "/account") {
		t.Errorf("after sign-in, at %s, want /account", loc)
	}
}

// TestBrowserWrongPasswordAndNotFound checks the failure pages a person meets.
func TestBrowserWrongPasswordAndNotFound(t *testing.T) {
	srv := startServer(t)
	b := newTab(t)
	b.do(
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.SendKeys("#field-email", "nobody@example.com"),
		chromedp.SendKeys("#field-password", "not a password"),
		chromedp.Click("[data-testid=login-submit]"),
		chromedp.WaitVisible("[data-testid=form-error]"),
	)
	if got := b.text("[data-testid=form-error]"); got != "Incorrect email or password." {
		t.Errorf("error %q", got)
	}
	if v, _ := chromedp.Run(b.ctx, chromedp.Value("#field-password")); v != "" {
		t.Error("the password was kept in the form")
	}
	b.do(chromedp.Navigate(srv.URL+"/no/such/page"), chromedp.WaitVisible("[data-testid=error-page]"))
	b.checkAccessibility("404 page")
}
