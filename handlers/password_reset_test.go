package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/hearth-app/hearth/models"
)

// statementLog records the SQL of every statement GORM runs on behalf of an
// HTTP request (its context is the request's), in order.
type statementLog struct {
	mu   sync.Mutex
	stmt []string
}

func recordRequestStatements(t *testing.T, db *models.DB) *statementLog {
	t.Helper()
	l := &statementLog{}
	record := func(tx *gorm.DB) {
		if tx.Statement.Context == nil || tx.Statement.Context.Value(http.LocalAddrContextKey) == nil {
			return // not run by a request
		}
		l.mu.Lock()
		l.stmt = append(l.stmt, tx.Statement.SQL.String())
		l.mu.Unlock()
	}
	handles := []*gorm.DB{db.Write}
	if db.Read != db.Write {
		handles = append(handles, db.Read)
	}
	for _, g := range handles {
		cb := g.Callback()
		for _, err := range []error{
			cb.Create().After("gorm:create").Register("test:record", record),
			cb.Query().After("gorm:query").Register("test:record", record),
			cb.Update().After("gorm:update").Register("test:record", record),
			cb.Delete().After("gorm:delete").Register("test:record", record),
			cb.Row().After("gorm:row").Register("test:record", record),
			cb.Raw().After("gorm:raw").Register("test:record", record),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return l
}

func (l *statementLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stmt
	l.stmt = nil
	return s
}

// TestForgotPasswordDoesTheSameWorkForAnyAddress: the request for a known
// address runs exactly the statements of the request for an unknown one, so
// its time reveals nothing; the lookup and the mail happen after the answer.
// The mail still arrives, for the known address only.
func TestForgotPasswordDoesTheSameWorkForAnyAddress(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_RATE_FORGOT_PASSWORD", "100/1m")) // throttling on: its statements count too
	ta.client(t).signUp("known@example.com", goodPassword)
	rec := recordRequestStatements(t, ta.DB)

	ask := func(email string) []string {
		t.Helper()
		rec.take()
		expectStatus(t, ta.client(t).post("/forgot-password", url.Values{"email": {email}}), http.StatusOK)
		return rec.take()
	}
	for round := range 4 {
		known, unknown := ask("known@example.com"), ask("nobody@example.com")
		if round == 0 {
			continue // the first round creates the throttle buckets that later rounds update
		}
		if len(known) == 0 || !slices.Equal(known, unknown) {
			t.Fatalf("a known address runs other statements than an unknown one:\nknown:   %q\nunknown: %q", known, unknown)
		}
	}

	if err := ta.App.WaitBackground(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM outbox WHERE to_addr = 'known@example.com' AND template = ?", models.TokenResetPassword); n != 4 {
		t.Errorf("%d reset mails to the known address, want 4", n)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM outbox WHERE to_addr = 'nobody@example.com'"); n != 0 {
		t.Error("mail sent to an unknown address")
	}
}
