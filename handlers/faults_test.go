package handlers_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

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
		if strings.HasSuffix(ck.Name, "hearth_session") {
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
