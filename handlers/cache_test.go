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

// TestOtherUsersFormsLeaveASessionCached: a change drops only the cached
// entries of the users it touched. Another user's profile save (an audit
// row, a flash in their session, their user row), their sign-in elsewhere
// and their sign-out leave this user's session served from the cache.
func TestOtherUsersFormsLeaveASessionCached(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	me, other := ta.client(t), ta.client(t)
	me.signUp("me@example.com", goodPassword)
	other.signUp("other@example.com", goodPassword)
	expectStatus(t, other.get("/account"), http.StatusOK) // pop the welcome flash
	hits := func() int64 { h, _ := ta.Store.Stats(); return h }
	for i := 0; ; i++ { // on PostgreSQL, notices of the sign-ups may still be arriving
		before := hits()
		expectStatus(t, me.get("/account"), http.StatusOK)
		if hits() > before {
			break
		}
		if i == 50 {
			t.Fatal("the session cache never served the page")
		}
	}

	expectRedirect(t, other.post("/account/profile", url.Values{"name": {"Someone Else"}}), "/account")
	expectStatus(t, other.get("/account"), http.StatusOK) // shows and pops the flash
	expectRedirect(t, ta.client(t).signIn("other@example.com", goodPassword), "/account")
	expectRedirect(t, other.post("/logout", nil), "/")

	before := hits()
	expectStatus(t, me.get("/account"), http.StatusOK)
	if hits() == before {
		t.Fatal("another user's forms dropped this user's cached session")
	}
}
