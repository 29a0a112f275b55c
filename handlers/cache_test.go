package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestCachedSessionsStillEndAtOnce warms the in-memory session cache, then
// ends or changes the session in every way a person or admin can: the very
// next request must see it.
func TestCachedSessionsStillEndAtOnce(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c, other := ta.client(t), ta.client(t)
	c.signUp("cached@example.com", goodPassword)
	other.signIn("cached@example.com", goodPassword)

	warm := func() {
		t.Helper()
		for range 3 {
			expectStatus(t, c.get("/account"), http.StatusOK)
		}
	}
	warm()
	for i := 0; ; i++ { // on PostgreSQL, notices of the sign-ups may still be arriving
		if hits, _ := ta.Store.Stats(); hits > 0 {
			break
		}
		if i == 50 {
			t.Fatal("the session cache was never hit")
		}
		expectStatus(t, c.get("/account"), http.StatusOK)
	}

	// Revoked from another browser.
	expectRedirect(t, other.post("/account/sessions/revoke-others", nil), "/account/sessions")
	expectRedirect(t, c.get("/account"), "/login?next=%2Faccount")

	// A profile change shows at once.
	c.signIn("cached@example.com", goodPassword)
	warm()
	expectRedirect(t, c.post("/account/profile", url.Values{"name": {"Fresh Name"}}), "/account")
	if got := c.get("/account").Doc.Find("[data-testid=account-name]").Text(); strings.TrimSpace(got) != "Fresh Name" {
		t.Errorf("name after change = %q", got)
	}

	// A ban written by any code path through the app's database handle.
	warm()
	if err := ta.DB.Write.Exec("UPDATE users SET banned_at = ? WHERE email = 'cached@example.com'", time.Now().UTC()).Error; err != nil {
		t.Fatal(err)
	}
	expectRedirect(t, c.get("/account"), "/login?next=%2Faccount")
}
