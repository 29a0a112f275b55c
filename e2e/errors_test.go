package e2e_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// focusedInView reports the focused element's id, and whether it and the
// error under it are inside the viewport.
func (tb *tab) focusedInView() (string, bool) {
	tb.t.Helper()
	type state struct {
		ID     string `json:"id"`
		InView bool   `json:"inView"`
	}
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[state](`(() => {
		const e = document.activeElement;
		const field = e.closest('.field') || e;
		const r = field.getBoundingClientRect();
		return {id: e.id, inView: r.top >= 0 && r.bottom <= window.innerHeight};
	})()`))
	if err != nil {
		tb.t.Fatalf("focused element: %v", err)
	}
	return s.ID, s.InView
}

// TestBrowserFailedFormOpensOnItsError: a wrong password in a form far down
// the account or security page (or the admin user page) reloads the page
// the form is on, scrolled to that form, with its first invalid field
// focused and every error shown.
func TestBrowserFailedFormOpensOnItsError(t *testing.T) {
	srv := startServer(t)
	b := newTab(t)
	b.signUp(srv, "Ada", "ada@example.com", "analytical engine")

	for _, tc := range []struct {
		name    string
		page    string // where the form is, and its region's data-testid
		region  string
		fill    map[string]string // selector → text
		submit  string
		focused string
		errors  []string
	}{
		{"delete account", "/account/security", "security", map[string]string{"#delete-current-password": "not my password"}, "[data-testid=delete-account]",
			"delete-current-password", []string{"current_password"}},
		{"change email", "/account", "account", map[string]string{"#new-email": "nope", "#email-current-password": "not my password"}, "[data-testid=change-email]",
			"new-email", []string{"email", "current_password"}},
		{"change password", "/account/security", "security", map[string]string{"#password-current-password": "not my password", "#field-new_password": "short"}, "[data-testid=change-password]",
			"password-current-password", []string{"current_password", "new_password"}},
	} {
		b.do(chromedp.Navigate(srv.URL+tc.page), chromedp.WaitVisible("[data-testid="+tc.region+"]"))
		for sel, text := range tc.fill {
			b.do(chromedp.SendKeys(sel, text))
		}
		b.do(chromedp.Click(tc.submit), chromedp.WaitVisible(".field-error"))
		if !b.exists("[data-testid=" + tc.region + "]") {
			t.Errorf("%s: the refusal is not the page the form is on (%s)", tc.name, tc.page)
		}
		id, inView := b.focusedInView()
		if id != tc.focused || !inView {
			t.Errorf("%s: focused #%s (in view: %v), want #%s in view", tc.name, id, inView, tc.focused)
		}
		for _, f := range tc.errors {
			if !b.exists("[data-testid=error-" + f + "]") {
				t.Errorf("%s: no error for %s", tc.name, f)
			}
		}
	}
	b.checkAccessibility("security page with errors")

	// The admin user page's lower form.
	b.makeAdmin(srv, "ada@example.com", "analytical engine")
	other := newTab(t)
	other.signUp(srv, "Bob", "bob@example.com", "bob's long password")
	bob := userByEmail(t, srv, "bob@example.com")
	b.do(chromedp.Navigate(srv.URL+"/admin/users/"+bob.ID), chromedp.WaitVisible("[data-testid=delete-form]"),
		chromedp.SendKeys("[data-testid=delete-form] input[name=confirm]", "someone-else@example.com"),
		chromedp.Click("[data-testid=delete-form] button"), chromedp.WaitVisible("[data-testid=error-confirm]"))
	if id, inView := b.focusedInView(); id != "field-confirm" || !inView {
		t.Errorf("admin delete: focused #%s (in view: %v), want #field-confirm in view", id, inView)
	}
}

// TestBrowserSignInAndSignUpStartFocused: the cursor is in the first field.
func TestBrowserSignInAndSignUpStartFocused(t *testing.T) {
	srv := startServer(t)
	b := newTab(t)
	for path, want := range map[string]string{"/login": "field-email", "/signup": "field-name"} {
		b.do(chromedp.Navigate(srv.URL+path), chromedp.WaitVisible("#"+want))
		if id, inView := b.focusedInView(); id != want || !inView {
			t.Errorf("%s: focused #%s (in view: %v), want #%s", path, id, inView, want)
		}
	}
}
