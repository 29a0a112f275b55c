package e2e_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hearth-app/hearth/internal/testapp"
)

var mailedCodeRE = regexp.MustCompile(`(?m)^\s+([0-9]{6})\s*$`)

// readLatestMail opens the newest mail in the development mailbox and
// returns its text.
func (tb *tab) readLatestMail(srv *testapp.Server) string {
	tb.t.Helper()
	tb.do(chromedp.Navigate(srv.URL+"/dev/mail"), chromedp.WaitVisible("[data-testid=mail-row]"))
	tb.do(chromedp.Click("[data-testid=mail-row] a"), chromedp.WaitVisible("[data-testid=mail-text]"))
	return tb.text("[data-testid=mail-text]")
}

// TestBrowserEmailSignIn: "Email me a sign-in code" on the sign-in page,
// the code read from the development mailbox and typed in the same
// browser; then the link opened in another browser, whose page says so and
// signs in with a click. The new pages pass axe, light and dark.
func TestBrowserEmailSignIn(t *testing.T) {
	srv := startServer(t)
	b := newTab(t)
	b.signUp(srv, "Grace", "grace@example.com", "compiler pioneer")
	b.signOut()

	b.do(
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible("[data-testid=email-code-request]"),
	)
	b.checkAccessibility("sign-in page with email sign-in")
	b.do(
		chromedp.SendKeys("#field-email", "grace@example.com"),
		chromedp.Click("[data-testid=email-code-request]"),
		chromedp.WaitVisible("[data-testid=email-code]"),
	)
	if !strings.Contains(b.text("[data-testid=email-code-sent]"), "grace@example.com") {
		t.Error("the code page does not say where the mail went")
	}
	b.checkAccessibility("email code page")
	b.screenshot("email-code")

	m := mailedCodeRE.FindStringSubmatch(b.readLatestMail(srv))
	if m == nil {
		t.Fatal("no code in the newest mail")
	}
	b.do(
		chromedp.Navigate(srv.URL+"/login/code"),
		chromedp.WaitVisible("#field-code"),
		chromedp.SendKeys("#field-code", "000 000"),
		chromedp.Click("[data-testid=email-code-submit]"),
		chromedp.WaitVisible("[data-testid=error-code]"),
	)
	b.checkAccessibility("email code page with an error")
	b.do(
		chromedp.SendKeys("#field-code", m[1]),
		chromedp.Click("[data-testid=email-code-submit]"),
		chromedp.WaitVisible("[data-testid=account]"),
	)

	// The link, from another browser.
	b.signOut()
	b.do(
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.SendKeys("#field-email", "grace@example.com"),
		chromedp.Click("[data-testid=email-code-request]"),
		chromedp.WaitVisible("[data-testid=email-code]"),
	)
	text := b.readLatestMail(srv)
	i := strings.Index(text, srv.URL+"/login/link?token=")
	if i < 0 {
		t.Fatalf("no sign-in link in the mail:\n%s", text)
	}
	phone := newTab(t)
	phone.do(chromedp.Navigate(strings.Fields(text[i:])[0]), chromedp.WaitVisible("[data-testid=email-link-submit]"))
	if !phone.exists("[data-testid=email-link-other-browser]") {
		t.Error("the link's page in another browser does not say so")
	}
	phone.checkAccessibility("email link page")
	phone.do(chromedp.Click("[data-testid=email-link-submit]"), chromedp.WaitVisible("[data-testid=account]"))
	// Used once: in yet another browser, the page says the link is dead.
	late := newTab(t)
	late.do(chromedp.Navigate(strings.Fields(text[i:])[0]), chromedp.WaitVisible("[data-testid=link-invalid]"))
	late.checkAccessibility("used email link page")
}
