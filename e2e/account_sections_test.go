package e2e_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// currentSection is the href of the account menu's entry marked as the
// page shown, "" when none is.
func (tb *tab) currentSection() string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`(() => {
		const a = document.querySelectorAll('[data-testid=account-nav] a[aria-current=page]');
		return a.length === 1 ? a[0].getAttribute('href') : '';
	})()`))
	if err != nil {
		tb.t.Fatalf("current section: %v", err)
	}
	return s
}

// menuFits reports whether every link of the account menu lies within the
// viewport's width (on a phone the menu wraps instead of running off).
func (tb *tab) menuFits() bool {
	tb.t.Helper()
	ok, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll('[data-testid=account-nav] a')].every(a => {
		const r = a.getBoundingClientRect();
		return r.width > 0 && r.left >= 0 && r.right <= document.documentElement.clientWidth;
	})`))
	if err != nil {
		tb.t.Fatalf("menu: %v", err)
	}
	return ok
}

// TestBrowserAccountSections: from the header's account menu to the
// account area, then through every section by its side menu, each page
// marked as current and checked by axe (light and dark, desktop and
// phone, where the menu wraps within the screen); a wrong password on the
// security page lands on the form with its field focused. Without
// JavaScript the menu is plain links.
func TestBrowserAccountSections(t *testing.T) {
	srv := startServer(t)
	b := newTab(t)
	b.signUp(srv, "Ada", "ada@example.com", "analytical engine")
	b.do(chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("[data-testid=home]"),
		chromedp.Click("[data-testid=account-menu-button]"), chromedp.WaitVisible("[data-testid=nav-account]"),
		chromedp.Click("[data-testid=nav-account]"), chromedp.WaitVisible("[data-testid=account-nav]"))
	if got := b.currentSection(); got != "/account" {
		t.Errorf("the account page marks %q", got)
	}

	for _, s := range []struct{ name, href, region string }{
		{"security", "/account/security", "security"},
		{"sessions", "/account/sessions", "sessions"},
		{"orgs", "/orgs", "orgs"},
		{"tokens", "/account/tokens", "tokens"},
		{"profile", "/account", "account"},
	} {
		b.do(chromedp.Click("[data-testid=account-nav-"+s.name+"]"), chromedp.WaitVisible("[data-testid="+s.region+"]"))
		if loc := b.location(); !strings.HasSuffix(loc, s.href) {
			t.Errorf("the menu's %s entry went to %s", s.name, loc)
		}
		if got := b.currentSection(); got != s.href {
			t.Errorf("%s: the menu marks %q", s.href, got)
		}
		b.checkAccessibility(s.href + " in the account shell")
		b.do(chromedp.EmulateViewport(390, 844))
		if !b.menuFits() {
			t.Errorf("%s: at phone width the account menu runs off the screen", s.href)
		}
		b.do(chromedp.EmulateViewport(1280, 800))
	}
	if !b.exists("[data-testid=account-nav] a[href='/account/export'][download]") {
		t.Error("the menu has no download link for the account's data")
	}

	// A wrong password on the security page: the page comes back on the
	// form, the field focused, the error shown, Security still marked.
	b.do(chromedp.Click("[data-testid=account-nav-security]"), chromedp.WaitVisible("[data-testid=security]"),
		chromedp.SendKeys("#password-current-password", "not my password"),
		chromedp.SendKeys("#field-new_password", "a brand new passphrase"),
		chromedp.Click("[data-testid=change-password]"), chromedp.WaitVisible("[data-testid=error-current_password]"))
	if id, inView := b.focusedInView(); id != "password-current-password" || !inView {
		t.Errorf("after a wrong password: focused #%s (in view: %v), want #password-current-password in view", id, inView)
	}
	if got := b.currentSection(); got != "/account/security" {
		t.Errorf("the refusal marks %q in the menu", got)
	}
	b.checkAccessibility("security page, wrong password")

	nojs := newTab(t)
	nojs.do(scriptsDisabled(true))
	nojs.signUp(srv, "Bo", "bo@example.com", "analytical engine")
	nojs.do(chromedp.Click("[data-testid=account-nav-security]"), chromedp.WaitVisible("[data-testid=security]"),
		chromedp.Click("[data-testid=account-nav-sessions]"), chromedp.WaitVisible("[data-testid=sessions]"))
	if got := nojs.currentSection(); got != "/account/sessions" {
		t.Errorf("without JavaScript, the sessions page marks %q", got)
	}
}
