package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/password"
)

// TestConcurrentTrafficNeverFails runs 50 goroutines of sign-ups, sign-ins,
// page views and sign-outs against one SQLite database. Every request must
// get the answer it expects: no 5xx and no "database is locked". It is a
// test of the database path, so the password hasher may queue for as long
// as it takes: on a machine busy with other test packages, 50 clients'
// argon2id hashes otherwise outwait the usual 10 s and get the 429 that
// bounded hashing is designed to give (TestHasherIsBounded).
func TestConcurrentTrafficNeverFails(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withHasher(password.NewHasher(0, 10*time.Minute)))
	const workers, rounds = 50, 4

	var requests, failures atomic.Int64
	var mu sync.Mutex
	var problems []string
	fail := func(format string, args ...any) {
		failures.Add(1)
		mu.Lock()
		if len(problems) < 10 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
		mu.Unlock()
	}
	check := func(what string, res *response, want int) {
		requests.Add(1)
		if res.StatusCode != want {
			fail("%s: status %d, want %d", what, res.StatusCode, want)
		}
	}

	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, guest := ta.client(t), ta.client(t)
			email := fmt.Sprintf("worker%d@example.com", w)
			check("sign up", c.post("/signup", url.Values{"name": {"Worker"}, "email": {email}, "password": {goodPassword}}), http.StatusSeeOther)
			for r := range rounds {
				check("account", c.get("/account"), http.StatusOK)
				check("home", c.get("/"), http.StatusOK)
				check("sign out", c.post("/logout", nil), http.StatusSeeOther)
				check("account signed out", c.get("/account"), http.StatusSeeOther)
				check("sign in", c.post("/login", url.Values{"email": {email}, "password": {goodPassword}}), http.StatusSeeOther)
				if r%2 == 0 {
					check("wrong password", guest.post("/login", url.Values{"email": {email}, "password": {"wrong password!"}}), http.StatusUnauthorized)
				}
			}
		}()
	}
	wg.Wait()

	t.Logf("%d requests from %d concurrent clients, %d failures", requests.Load(), workers, failures.Load())
	if failures.Load() > 0 {
		t.Fatalf("%d of %d requests failed, first: %s", failures.Load(), requests.Load(), strings.Join(problems, "; "))
	}
	if strings.Contains(ta.Logs.String(), "locked") || strings.Contains(ta.Logs.String(), "level=ERROR") {
		t.Fatalf("errors in the log: %s", ta.Logs.String())
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users"); n != workers {
		t.Errorf("users = %d, want %d", n, workers)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM sessions WHERE user_id IS NOT NULL AND revoked_at IS NULL"); n != workers {
		t.Errorf("live signed-in sessions = %d, want one per worker (%d)", n, workers)
	}
}
