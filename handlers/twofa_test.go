package handlers_test

import (
	"net/http"
	"testing"
)

// TestSecurityPageIsTwoClicksFromAnywhere: the account page links to
// /account/security, which shows the password section and links to the
// sessions and tokens pages; signed out, it sends to the sign-in page.
func TestSecurityPageIsTwoClicksFromAnywhere(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	expectRedirect(t, c.get("/account/security"), "/login?next=%2Faccount%2Fsecurity")
	c.signUp("sec@example.com", goodPassword)
	if href, _ := c.get("/account").Doc.Find("a[data-testid=account-security]").Attr("href"); href != "/account/security" {
		t.Fatalf("the account page links to %q, want /account/security", href)
	}
	res := c.get("/account/security")
	expectStatus(t, res, http.StatusOK)
	for _, sel := range []string{"a[href='/account/sessions']", "a[href='/account/tokens']", "[data-testid=security-password] a[href='/account#password']", "[data-testid=two-factor]"} {
		if res.Doc.Find(sel).Length() == 0 {
			t.Errorf("the security page lacks %s", sel)
		}
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
}
