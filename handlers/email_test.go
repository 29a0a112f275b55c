package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSignUpWithALookAlikeAddress: with admin@example.com taken, the
// look-alike admİn@example.com (U+0130, which strings.ToLower turns into
// "i") is refused as invalid instead of being mapped onto the admin; the
// full-width local part too; a full-width or Unicode spelling of a taken
// domain is the same address, so taken; a Unicode domain is stored in
// punycode.
func TestSignUpWithALookAlikeAddress(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.client(t).signUp("admin@example.com", goodPassword)
	ta.client(t).signUp("bob@xn--exmple-cua.com", goodPassword)

	cases := []struct{ email, message string }{
		{"admİn@example.com", "before the @"},
		{"ADMİN@example.com", "before the @"},
		{"admın@example.com", "before the @"},
		{"ａｄｍｉｎ@example.com", "before the @"},
		{"ａｄｍｉｎ＠example.com", "valid email"},
		{"admin@ｅｘａｍｐｌｅ.com", "already exists"},
		{"bob@exämple.com", "already exists"},
	}
	for _, tc := range cases {
		res := ta.client(t).post("/signup", url.Values{"name": {"Mallory"}, "email": {tc.email}, "password": {"mallory's passphrase"}})
		expectStatus(t, res, http.StatusUnprocessableEntity)
		if got := res.Doc.Find("[data-testid=error-email]").Text(); !strings.Contains(got, tc.message) {
			t.Errorf("sign-up as %q: email error %q, want it to contain %q", tc.email, got, tc.message)
		}
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users"); n != 2 {
		t.Errorf("%d users, want 2: a look-alike got an account", n)
	}
	// The look-alike cannot sign in as the admin either.
	expectStatus(t, ta.client(t).signIn("admİn@example.com", goodPassword), http.StatusUnauthorized)

	ta.client(t).signUp("Carol@Exämple.com", goodPassword)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE email = 'carol@xn--exmple-cua.com'"); n != 1 {
		t.Error("the Unicode domain was not stored in its punycode form")
	}
	expectRedirect(t, ta.client(t).signIn("carol@exämple.com", goodPassword), "/account")
}
