package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAccountFormsShowEveryErrorAtOnce: a form with two wrong fields reports
// both, on the page the form lives on (the email form on /account, the
// password and delete forms on /account/security) with that page marked in
// the account menu, and its first invalid field carries autofocus, inside
// the form's section, so the page opens on the failed form (which may sit
// far below the top) with the cursor in it.
func TestAccountFormsShowEveryErrorAtOnce(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("many@example.com", goodPassword)

	for _, tc := range []struct {
		name, path string
		form       url.Values
		errors     map[string]string // data-testid error-<field> → text
		focused    string            // id of the one autofocused input
		page       string            // the page rendered again: its menu entry
		section    string            // id of the form's section on it
	}{
		{"change email: bad address and wrong password", "/account/email",
			url.Values{"email": {"not-an-email"}, "current_password": {"wrong password!"}},
			map[string]string{"email": "valid email", "current_password": "not your current password"}, "new-email", "/account", "email"},
		{"change email: wrong password only", "/account/email",
			url.Values{"email": {"fresh@example.com"}, "current_password": {"wrong password!"}},
			map[string]string{"current_password": "not your current password"}, "email-current-password", "/account", "email"},
		{"change password: wrong current and too short new", "/account/password",
			url.Values{"current_password": {"wrong password!"}, "new_password": {"short"}},
			map[string]string{"current_password": "not your current password", "new_password": "8"}, "password-current-password", "/account/security", "password"},
		{"change password: new one refused only", "/account/password",
			url.Values{"current_password": {goodPassword}, "new_password": {"password"}},
			map[string]string{"new_password": ""}, "field-new_password", "/account/security", "password"},
		{"delete: wrong password", "/account/delete",
			url.Values{"current_password": {"wrong password!"}},
			map[string]string{"current_password": "not your current password"}, "delete-current-password", "/account/security", "delete"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := c.post(tc.path, tc.form)
			expectStatus(t, res, http.StatusUnprocessableEntity)
			if got := currentSection(res); got != tc.page {
				t.Errorf("rendered with %q marked in the account menu, want %q", got, tc.page)
			}
			if res.Doc.Find("#"+tc.section+" #"+tc.focused+"[autofocus]").Length() != 1 {
				t.Errorf("#%s is not the autofocused field inside #%s", tc.focused, tc.section)
			}
			for field, want := range tc.errors {
				got := res.Doc.Find("[data-testid=error-" + field + "]")
				if got.Length() == 0 || !strings.Contains(got.Text(), want) {
					t.Errorf("error for %s: got %q, want it to contain %q", field, got.Text(), want)
				}
			}
			if n := res.Doc.Find(".field-error").Length(); n != len(tc.errors) {
				t.Errorf("%d errors on the page, want %d", n, len(tc.errors))
			}
			auto := res.Doc.Find("input[autofocus]")
			if auto.Length() != 1 {
				t.Fatalf("%d autofocused inputs, want 1", auto.Length())
			}
			if id, _ := auto.Attr("id"); id != tc.focused {
				t.Errorf("autofocus on #%s, want #%s", id, tc.focused)
			}
			if v, _ := res.Doc.Find("input[type=password]").Attr("value"); v != "" {
				t.Error("a password was sent back in the page")
			}
		})
	}
	// Nothing changed.
	expectRedirect(t, ta.client(t).signIn("many@example.com", goodPassword), "/account")
	expectStatus(t, c.get("/account"), http.StatusOK)
	if c.get("/account").Doc.Find("input[autofocus]").Length() != 0 {
		t.Error("the account page without errors autofocuses a field")
	}
}
