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

