package handlers_test

import (
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/internal/sessionstore"
	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

// TestInstancesSharingOneDatabase runs two Hearth servers on one database,
// as behind a load balancer: a session started on one is good on the other,
// and an ending on either is seen by both on the very next request, though
// each keeps sessions in its in-memory cache.
func TestInstancesSharingOneDatabase(t *testing.T) {
	t.Parallel()
	if !testdb.Postgres() {
		t.Skip("needs PostgreSQL (" + testdb.EnvPostgresURL + "): SQLite is one machine's database")
	}
	limit := withEnv("HEARTH_RATE_SIGNIN_ACCOUNT", "3/1h")
	a := newTestApp(t, limit)
	b := newTestApp(t, withDBPath(a.DBPath), limit)
	c := a.client(t)
	hitsOn := func(ta *testApp) int64 { h, _ := ta.Store.Stats(); return h }
	// warm loads the account page on ta until its cache serves it (notices
	// of earlier writes may still be arriving on a loaded machine).
	warm := func(ta *testApp) {
		t.Helper()
		c.app = ta
		before := hitsOn(ta)
		for range 50 {
			expectStatus(t, c.get("/account"), http.StatusOK)
			if hitsOn(ta) > before {
				return
			}
		}
		t.Fatal("the session cache never served the page")
	}

	c.signUp("multi@example.com", goodPassword) // on A
	warm(a)
	warm(b) // the cookie works on B, and both caches hold the session

	expectRedirect(t, c.post("/logout", nil), "/") // sign out on B
	c.app = a
	expectRedirect(t, c.get("/account"), "/login?next=%2Faccount") // A sees it at once

	// A profile change on A shows on B's next page.
	expectRedirect(t, c.signIn("multi@example.com", goodPassword), "/account")
	warm(b)
	c.app = a
	expectRedirect(t, c.post("/account/profile", url.Values{"name": {"Renamed On A"}}), "/account")
	c.app = b
	if got := strings.TrimSpace(c.get("/account").Doc.Find("[data-testid=account-name]").Text()); got != "Renamed On A" {
		t.Errorf("B shows name %q after a change on A", got)
	}

	// Banned by an admin on A: B refuses the member's next request.
	admin := a.client(t)
	admin.signUpAdmin("multi-admin@example.com")
	u, err := models.UserByEmail(t.Context(), a.DB, "multi@example.com")
	if err != nil {
		t.Fatal(err)
	}
	warm(b)
	expectRedirect(t, admin.adminPost("/admin/users/"+u.ID+"/ban", nil), "/admin/users/"+u.ID)
	c.app = b
	expectRedirect(t, c.get("/account"), "/login?next=%2Faccount")

	// A write from outside any instance (psql, a script) reaches B's cache
	// through the database's notification: once B has heard what was
	// committed before (SyncAfterWrites waits for that), it is seen.
	if err := a.DB.Write.Exec("UPDATE users SET banned_at = NULL WHERE id = ?", u.ID).Error; err != nil {
		t.Fatal(err)
	}
	expectRedirect(t, c.signIn("multi@example.com", goodPassword), "/account")
	warm(b)
	out, err := sql.Open("pgx", a.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := out.Exec("UPDATE users SET banned_at = now() WHERE id = $1", u.ID); err != nil {
		t.Fatal(err)
	}
	for { // no local invalidation: only the notice can make B reload
		err := b.Store.Sync(t.Context())
		if err == nil {
			break
		}
		if !errors.Is(err, sessionstore.ErrSyncSlow) {
			t.Fatal(err)
		}
	}
	expectRedirect(t, c.get("/account"), "/login?next=%2Faccount")

	// Throttling counts across instances: two failures on A, one on B, and
	// the next attempt, on either, waits.
	ta := a.client(t)
	for _, inst := range []*testApp{a, a, b} {
		ta.app = inst
		expectStatus(t, ta.signIn("multi@example.com", "wrong password!"), http.StatusUnauthorized)
	}
	ta.app = a
	retryAfter(t, ta.signIn("multi@example.com", "wrong password!"))
}
