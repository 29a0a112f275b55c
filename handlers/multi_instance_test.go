package handlers_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

// TestInstancesSharingOneDatabase runs two Hearth servers on one database,
// as behind a load balancer: a session started on one is good on the other,
// and an ending on either is seen by both on the very next request.
func TestInstancesSharingOneDatabase(t *testing.T) {
	t.Parallel()
	if !testdb.Postgres() {
		t.Skip("needs PostgreSQL (" + testdb.EnvPostgresURL + "): SQLite is one machine's database")
	}
	limit := withEnv("HEARTH_RATE_SIGNIN_ACCOUNT", "3/1h")
	a := newTestApp(t, limit)
	b := newTestApp(t, withDBPath(a.DBPath), limit)
	c := a.client(t)

	c.signUp("multi@example.com", goodPassword) // on A
	c.app = b
	expectStatus(t, c.get("/account"), http.StatusOK) // the cookie works on B

	expectRedirect(t, c.post("/logout", nil), "/") // sign out on B
	c.app = a
	expectRedirect(t, c.get("/account"), "/login?next=%2Faccount") // A sees it at once

	// Signed in again on A; banned through A; B refuses on its next request.
	expectRedirect(t, c.signIn("multi@example.com", goodPassword), "/account")
	c.app = b
	expectStatus(t, c.get("/account"), http.StatusOK)
	u, err := models.UserByEmail(t.Context(), a.DB, "multi@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DB.Write.Exec("UPDATE users SET banned_at = ? WHERE id = ?", time.Now().UTC(), u.ID).Error; err != nil {
		t.Fatal(err)
	}
	if err := models.RevokeUserSessions(t.Context(), a.DB, time.Now(), u.ID, ""); err != nil {
		t.Fatal(err)
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
