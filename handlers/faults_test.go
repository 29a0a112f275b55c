package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/hearth-app/hearth/handlers"
	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

// failingStore is the app's session store whose commits fail while fail is
// set: a database that cannot take the session's row (an outage, a full
// disk).
type failingStore struct {
	scs.CtxStore
	fail atomic.Bool
}

var errCommitFailed = errors.New("disk full")

func (s *failingStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if s.fail.Load() {
		return errCommitFailed
	}
	return s.CtxStore.CommitCtx(ctx, token, b, expiry)
}

func (s *failingStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s *failingStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s *failingStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// withFailingCommits puts a failingStore in front of the app's sessions.
func withFailingCommits(ta *testApp) *failingStore {
	fs := &failingStore{CtxStore: ta.Store}
	ta.App.Sessions.Store = fs
	return fs
}

func expectTryAgain(t *testing.T, res *response) {
	t.Helper()
	expectStatus(t, res, http.StatusServiceUnavailable)
	if res.Header.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After")
	}
	if !strings.Contains(res.Doc.Find("main").Text(), "try again") {
		t.Errorf("503 page does not say to try again: %q", res.Doc.Find("main").Text())
	}
}

// A sign-in whose session cannot be saved is not a sign-in: 503, no
// session cookie, no redirect into the account.
func TestFailedSessionCommitFailsTheRequest(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("commit@example.com", goodPassword)
	c.post("/logout", nil)
	fs := withFailingCommits(ta)

	fresh := ta.client(t)
	page := fresh.get("/login")
	expectStatus(t, page, http.StatusOK)
	fs.fail.Store(true)
	res := fresh.signIn("commit@example.com", goodPassword)
	expectTryAgain(t, res)
	if loc := res.Header.Get("Location"); loc != "" {
		t.Errorf("Location %q on a failed commit", loc)
	}
	for _, ck := range res.Cookies() {
		if strings.HasSuffix(ck.Name, handlers.SessionCookieName) {
			t.Errorf("session cookie set on a failed commit: %v", ck)
		}
	}
	if !strings.Contains(ta.Logs.String(), "commit session") {
		t.Errorf("the failed commit is not logged")
	}

	fs.fail.Store(false) // recovered: the same client signs in
	res = fresh.signIn("commit@example.com", goodPassword)
	expectRedirect(t, res, "/account")
	expectStatus(t, fresh.get("/account"), http.StatusOK)
}

// failTouches makes the database refuse the last-seen touch (an update of
// a live session that leaves its data as it was), as a full disk would,
// while other writes still work.
func failTouches(t *testing.T, ta *testApp) {
	t.Helper()
	stmts := []string{`CREATE TRIGGER fail_touch BEFORE UPDATE ON sessions
WHEN NEW.revoked_at IS NULL AND NEW.data = OLD.data
BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`}
	if ta.DB.Dialect == models.Postgres {
		stmts = []string{`CREATE FUNCTION fail_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$`,
			`CREATE TRIGGER fail_touch BEFORE UPDATE ON sessions FOR EACH ROW
WHEN (NEW.revoked_at IS NULL AND NEW.data = OLD.data) EXECUTE FUNCTION fail_touch()`}
	}
	for _, q := range stmts {
		if err := ta.DB.Write.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// The once-a-minute last-seen touch failing is logged and skipped: pages
// still load and signing out still works.
func TestFailedTouchIsSkipped(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("touch@example.com", goodPassword)
	failTouches(t, ta)
	ta.clock.Advance(2 * time.Minute) // past the touch interval
	expectStatus(t, c.get("/account"), http.StatusOK)
	if !strings.Contains(ta.Logs.String(), "touch session") {
		t.Errorf("the failed touch is not logged")
	}
	ta.clock.Advance(2 * time.Minute)
	expectRedirect(t, c.post("/logout", nil), "/")
	expectRedirect(t, c.get("/account"), "/login?next=%2Faccount")
}

// breakWrites makes the database refuse writes as a full disk does, while
// reads still work, and returns the repair. On SQLite another connection
// holds the write lock and the app's writer waits only briefly (SQLITE_BUSY);
// on PostgreSQL triggers raise disk_full (53100) on the users and sessions
// tables.
func breakWrites(t *testing.T, ta *testApp) (repair func()) {
	t.Helper()
	if ta.DB.Dialect == models.Postgres {
		for _, q := range []string{`CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$`,
			`CREATE TRIGGER users_disk_full BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION disk_full()`,
			`CREATE TRIGGER sessions_disk_full BEFORE INSERT OR UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION disk_full()`} {
			if err := ta.DB.Write.Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}
		return func() {
			for _, q := range []string{`DROP TRIGGER users_disk_full ON users`, `DROP TRIGGER sessions_disk_full ON sessions`} {
				if err := ta.DB.Write.Exec(q).Error; err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := ta.DB.Write.Exec("PRAGMA busy_timeout = 100").Error; err != nil {
		t.Fatal(err)
	}
	other, err := models.Open(ta.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := other.SQL().Begin() // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	return func() {
		_ = tx.Rollback()
		other.Close()
		if err := ta.DB.Write.Exec("PRAGMA busy_timeout = 5000").Error; err != nil {
			t.Fatal(err)
		}
	}
}

// Writes failing (a full disk, a lost writer) answer 503 with Retry-After
// and the try-again page, /healthz says writes fail while the database
// still reads, and all is well again once writes work, without a restart.
func TestWriteOutageAnswers503AndRecovers(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("outage@example.com", goodPassword)
	expectStatus(t, c.get("/account"), http.StatusOK)
	c.post("/logout", nil)
	page := ta.client(t)
	expectStatus(t, page.get("/signup"), http.StatusOK)

	repair := breakWrites(t, ta)
	res := page.submit("/signup", "form[action='/signup']", url.Values{"name": {"New"}, "email": {"new@example.com"}, "password": {goodPassword}})
	expectTryAgain(t, res)
	if strings.Contains(ta.Logs.String(), "level=ERROR msg=\"internal error\"") {
		t.Errorf("an outage logged as an internal error:\n%s", ta.Logs.String())
	}
	res = c.signIn("outage@example.com", goodPassword)
	expectTryAgain(t, res)
	health := c.get("/healthz")
	expectStatus(t, health, http.StatusServiceUnavailable)
	if !strings.Contains(health.Body, `"database":"ok"`) || !strings.Contains(health.Body, `"writes":"failing"`) {
		t.Errorf("/healthz during a write outage: %s", health.Body)
	}

	repair()
	ta.clock.Advance(time.Minute) // past the window of the last failure
	expectStatus(t, c.get("/healthz"), http.StatusOK)
	expectRedirect(t, c.signIn("outage@example.com", goodPassword), "/account")
	expectStatus(t, c.get("/account"), http.StatusOK)
	res = page.submit("/signup", "form[action='/signup']", url.Values{"name": {"New"}, "email": {"new@example.com"}, "password": {goodPassword}})
	expectStatus(t, res, http.StatusSeeOther)
}

// A database that is down (its handle closed) answers 503 and /healthz
// says the database is down.
func TestDatabaseDownAnswers503(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("down@example.com", goodPassword)
	c.post("/logout", nil)
	expectStatus(t, c.get("/login"), http.StatusOK)
	ta.DB.Close()
	expectTryAgain(t, c.signIn("down@example.com", goodPassword))
	health := c.get("/healthz")
	expectStatus(t, health, http.StatusServiceUnavailable)
	if !strings.Contains(health.Body, `"database":"down"`) {
		t.Errorf("/healthz with the database down: %s", health.Body)
	}
}

// On PostgreSQL, the app's connections killed (a server restart, a
// failover) give 503s at worst, never a 500, and the app recovers on its
// own.
func TestPostgresConnectionsTerminated(t *testing.T) {
	t.Parallel()
	if os.Getenv(testdb.EnvPostgresURL) == "" {
		t.Skip("PostgreSQL only (HEARTH_TEST_POSTGRES_URL)")
	}
	// Tests share the server: the app's connections carry a name of their own.
	name := fmt.Sprintf("hearth_terminated_%d", time.Now().UnixNano())
	dsn := testdb.DSN(t)
	if strings.Contains(dsn, "?") {
		dsn += "&application_name=" + name
	} else {
		dsn += "?application_name=" + name
	}
	ta := newTestApp(t, withDBPath(dsn))
	c := ta.client(t)
	c.signUp("terminated@example.com", goodPassword)
	c.post("/logout", nil)
	other, err := models.Open(ta.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	terminate := func() {
		t.Helper()
		if err := other.Write.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE application_name = ? AND pid <> pg_backend_pid()`, name).Error; err != nil {
			t.Fatal(err)
		}
	}
	unavailable := 0
	for i := range 10 {
		terminate()
		res := c.signIn("terminated@example.com", goodPassword)
		switch res.StatusCode {
		case http.StatusServiceUnavailable:
			expectTryAgain(t, res)
			unavailable++
		case http.StatusSeeOther:
			c.post("/logout", nil)
		default:
			t.Fatalf("sign-in %d after the connections were terminated: %d\n%s", i, res.StatusCode, res.Doc.Find("main").Text())
		}
	}
	t.Logf("%d of 10 sign-ins answered 503", unavailable)
	ta.clock.Advance(time.Minute)
	expectStatus(t, c.get("/healthz"), http.StatusOK)
	expectRedirect(t, c.signIn("terminated@example.com", goodPassword), "/account")
	expectStatus(t, c.get("/account"), http.StatusOK)
}

// failInserts makes every insert into table fail.
func failInserts(t *testing.T, ta *testApp, table string) {
	t.Helper()
	stmts := []string{`CREATE TRIGGER fail_` + table + ` BEFORE INSERT ON ` + table + `
BEGIN SELECT RAISE(ABORT, 'insert refused by the test'); END`}
	if ta.DB.Dialect == models.Postgres {
		stmts = []string{`CREATE FUNCTION fail_` + table + `() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'insert refused by the test'; END $$`,
			`CREATE TRIGGER fail_` + table + ` BEFORE INSERT ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION fail_` + table + `()`}
	}
	for _, q := range stmts {
		if err := ta.DB.Write.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// A sign-up is one transaction: when its verification mail or its audit
// row cannot be stored, there is no account (and no half of one).
func TestSignupIsAtomic(t *testing.T) {
	t.Parallel()
	for _, table := range []string{"outbox", "audit_events", "user_tokens"} {
		t.Run(table, func(t *testing.T) {
			t.Parallel()
			ta := newTestApp(t)
			failInserts(t, ta, table)
			c := ta.client(t)
			res := c.submit("/signup", "form[action='/signup']", url.Values{"name": {"Half"}, "email": {"half@example.com"}, "password": {goodPassword}})
			if res.StatusCode < 500 {
				t.Fatalf("sign-up with %s failing: %d, want a 5xx", table, res.StatusCode)
			}
			for _, q := range []string{"SELECT count(*) FROM users", "SELECT count(*) FROM user_tokens", "SELECT count(*) FROM outbox", "SELECT count(*) FROM audit_events WHERE action = 'signup'"} {
				if n := countRows(t, ta.DB, q); n != 0 {
					t.Errorf("%s: %d after a failed sign-up", q, n)
				}
			}
		})
	}
}

// A sign-up whose session cannot be saved answers 503; the account and its
// verification mail were stored together, so signing in later works (the
// step that failed is the one a retry repeats).
func TestSignupWithFailedSessionCanSignInLater(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fs := withFailingCommits(ta)
	c := ta.client(t)
	expectStatus(t, c.get("/signup"), http.StatusOK)
	fs.fail.Store(true)
	res := c.submit("/signup", "form[action='/signup']", url.Values{"name": {"Later"}, "email": {"later@example.com"}, "password": {goodPassword}})
	expectTryAgain(t, res)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM outbox"); n != 1 {
		t.Errorf("outbox: %d mails, want the verification mail", n)
	}
	fs.fail.Store(false)
	expectRedirect(t, c.signIn("later@example.com", goodPassword), "/account")
}

// A client that goes away mid-request (a body cut short, then a
// half-close) is no error of the server's: no 500, no ERROR line.
func TestClientGoneIsNoError(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	host := ta.App.Config.BaseURL.Host
	for _, req := range []string{
		"POST /login HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/x-www-form-urlencoded\r\nSec-Fetch-Site: same-origin\r\nContent-Length: 100\r\n\r\nemail=a%40",
		"POST /signup HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/x-www-form-urlencoded\r\nSec-Fetch-Site: same-origin\r\nContent-Length: 100\r\n\r\nname=x",
		"GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n",
		"GET /login HTTP/1.1\r\nHost: " + host + "\r\n\r\n",
	} {
		conn, err := net.Dial("tcp", ta.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		_ = conn.(*net.TCPConn).CloseWrite()
		answer, _ := io.ReadAll(conn)
		conn.Close()
		if strings.HasPrefix(string(answer), "HTTP/1.1 500") {
			t.Errorf("%q: %s", req[:20], answer)
		}
	}
	time.Sleep(100 * time.Millisecond) // the handlers finish after the connection closed
	if logs := ta.Logs.String(); strings.Contains(logs, "level=ERROR") {
		t.Errorf("a client that went away logged an error:\n%s", logs)
	}
}

// A page whose session change (here, the flash it shows) cannot be saved
// becomes the 503 page: none of the page is sent.
func TestFailedSessionCommitReplacesThePage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	fs := withFailingCommits(ta)
	c := ta.client(t)
	c.signUp("page@example.com", goodPassword) // leaves a welcome flash
	fs.fail.Store(true)
	res := c.get("/account")
	expectTryAgain(t, res)
	if strings.Contains(res.Body, "Welcome to") || res.Doc.Find("[data-testid=error-page]").Length() != 1 {
		t.Errorf("the account page leaked into the 503 page:\n%s", res.Body)
	}
	if res.ContentLength != int64(len(res.Body)) {
		t.Errorf("Content-Length %d, body %d bytes", res.ContentLength, len(res.Body))
	}
	fs.fail.Store(false)
	expectStatus(t, c.get("/account"), http.StatusOK)
}

// TestAccountChangesAreAtomicWithTheirAuditRow: a user's own change and its
// audit row (and so its webhook event) are one transaction. When the row
// cannot be stored, the change does not happen either.
func TestAccountChangesAreAtomicWithTheirAuditRow(t *testing.T) {
	t.Parallel()
	type change struct {
		name      string
		do        func(c, other *client) *response
		unchanged string // a query counting 1 while the change has not happened
	}
	const liveSessions = "SELECT count(*) / 2 FROM sessions WHERE revoked_at IS NULL AND user_id IS NOT NULL" // both
	for _, ch := range []change{
		{"name", func(c, _ *client) *response { return c.post("/account/profile", url.Values{"name": {"New Name"}}) },
			"SELECT count(*) FROM users WHERE name = 'Test User'"},
		{"time zone", func(c, _ *client) *response {
			return c.post("/account/time-zone", url.Values{"time_zone": {"Asia/Tokyo"}})
		}, "SELECT count(*) FROM users WHERE time_zone = ''"},
		{"password", func(c, _ *client) *response {
			return c.post("/account/password", url.Values{"current_password": {goodPassword}, "new_password": {"another good passphrase"}})
		}, liveSessions},
		{"delete", func(c, _ *client) *response {
			return c.post("/account/delete", url.Values{"current_password": {goodPassword}})
		}, "SELECT count(*) FROM users"},
		{"sign out", func(c, _ *client) *response { return c.post("/logout", nil) },
			liveSessions},
		{"sign out everywhere", func(c, _ *client) *response { return c.post("/account/sessions/revoke-others", nil) },
			liveSessions},
		{"revoke one", func(c, other *client) *response {
			return c.post("/account/sessions/"+models.HashToken(other.cookie().Value)[:16]+"/revoke", nil)
		}, liveSessions},
	} {
		t.Run(ch.name, func(t *testing.T) {
			t.Parallel()
			ta := newTestApp(t)
			c, other := ta.client(t), ta.client(t)
			c.signUp("atomic@example.com", goodPassword)
			expectRedirect(t, other.signIn("atomic@example.com", goodPassword), "/account")
			if n := countRows(t, ta.DB, ch.unchanged); n != 1 {
				t.Fatalf("before: %s = %d", ch.unchanged, n)
			}
			failInserts(t, ta, "audit_events")
			if res := ch.do(c, other); res.StatusCode < 500 {
				t.Fatalf("%s with the audit failing: %d, want a 5xx", ch.name, res.StatusCode)
			}
			if n := countRows(t, ta.DB, ch.unchanged); n != 1 {
				t.Errorf("the %s happened without its audit row", ch.name)
			}
		})
	}
}

// TestAdminSendResetIsAtomicWithItsAuditRow: an admin's "send password-reset
// link" issues the link, queues its mail and records who sent it in one
// transaction: with any of the three refused, none of them is there.
func TestAdminSendResetIsAtomicWithItsAuditRow(t *testing.T) {
	t.Parallel()
	for _, table := range []string{"audit_events", "outbox", "user_tokens"} {
		t.Run(table, func(t *testing.T) {
			t.Parallel()
			ta := newTestApp(t)
			adm := ta.client(t)
			adm.signUpAdmin("boss@example.com")
			target := ta.client(t).signUpMember("member@example.com")
			failInserts(t, ta, table)
			if res := adm.post("/admin/users/"+target.ID+"/send-reset", url.Values{}); res.StatusCode < 500 {
				t.Fatalf("send-reset with %s refused: %d, want a 5xx", table, res.StatusCode)
			}
			if got := resetRows(t, ta, target); got != [3]int64{} {
				t.Errorf("with %s refused: audit, mail, token = %v, want none", table, got)
			}
		})
	}
	// And when nothing fails, all three are there.
	ta := newTestApp(t)
	adm := ta.client(t)
	boss := adm.signUpAdmin("boss@example.com")
	target := ta.client(t).signUpMember("member@example.com")
	expectRedirect(t, adm.post("/admin/users/"+target.ID+"/send-reset", url.Values{}), "/admin/users/"+target.ID)
	if got := resetRows(t, ta, target); got != [3]int64{1, 1, 1} {
		t.Errorf("audit, mail, token = %v, want one each", got)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND target_id = ? AND actor_id = ? AND detail = 'by an admin'", models.AuditPasswordResetSent, target.ID, boss.ID); n != 1 {
		t.Errorf("%d audit rows naming the admin", n)
	}
}

// resetRows counts what a reset link sent to target leaves: its audit rows,
// its mails and its tokens.
func resetRows(t *testing.T, ta *testApp, target *models.User) [3]int64 {
	t.Helper()
	return [3]int64{
		countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND target_id = ?", models.AuditPasswordResetSent, target.ID),
		countRows(t, ta.DB, "SELECT count(*) FROM outbox WHERE to_addr = ? AND template = ?", target.Email, models.TokenResetPassword),
		countRows(t, ta.DB, "SELECT count(*) FROM user_tokens WHERE user_id = ? AND purpose = ?", target.ID, models.TokenResetPassword),
	}
}
