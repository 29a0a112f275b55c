package sessionstore_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/internal/sessionstore"
	"github.com/hearth-app/hearth/internal/syncbuf"
	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

// openTestDB returns a migrated database of the test's own.
func openTestDB(t testing.TB) *models.DB {
	t.Helper()
	return testdb.Open(t)
}

// newStore returns a store on db whose cache is in use.
func newStore(t testing.TB, db *models.DB, idle time.Duration, now func() time.Time) *sessionstore.Store {
	t.Helper()
	return newStoreLogging(t, db, idle, now, nil)
}

func newStoreLogging(t testing.TB, db *models.DB, idle time.Duration, now func() time.Time, logger *slog.Logger) *sessionstore.Store {
	t.Helper()
	s, err := sessionstore.New(db, sessionstore.Options{IdleTimeout: idle, Now: now, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	waitFor(t, "the session cache", s.Live)
	return s
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func newUser(t testing.TB, db *models.DB, email string) *models.User {
	t.Helper()
	u, err := models.CreateUser(context.Background(), db, password.NewHasher(1, time.Second), models.NewUser{Email: email, Name: "Name", Password: "long enough password"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// syncStore waits until s has heard every change committed so far.
func syncStore(t testing.TB, s *sessionstore.Store) {
	t.Helper()
	for err := s.Sync(context.Background()); err != nil; err = s.Sync(context.Background()) {
		if !errors.Is(err, sessionstore.ErrSyncSlow) {
			t.Fatal(err)
		}
	}
}

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// A session may carry an idle limit of its own, shorter than the store's (a
// sign-in without "Keep me signed in"): it ends after that long unused, and
// use within it keeps it alive, from the cache and from the database alike.
func TestASessionsOwnIdleLimit(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	clk := &clock{now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	store := newStore(t, db, 8*time.Hour, clk.Now)
	u := newUser(t, db, "short@example.com")
	short, _ := sessionstore.JSONCodec{}.Encode(clk.now.Add(24*time.Hour), map[string]any{sessionstore.UserKey: u.ID, sessionstore.IdleLimitKey: "1800"})
	long, _ := sessionstore.JSONCodec{}.Encode(clk.now.Add(24*time.Hour), map[string]any{sessionstore.UserKey: u.ID})
	for tok, data := range map[string][]byte{"short": short, "long": long} {
		if err := store.CommitCtx(ctx, tok, data, clk.now.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	// Used every 25 minutes, the short one lives on past 30 minutes.
	for range 4 {
		clk.now = clk.now.Add(25 * time.Minute)
		if _, found, err := store.FindCtx(ctx, "short"); !found || err != nil {
			t.Fatalf("a short-idle session in use was lost at %v: %v", clk.now, err)
		}
	}
	clk.now = clk.now.Add(31 * time.Minute)
	if _, found, _ := store.FindCtx(ctx, "short"); found {
		t.Error("a session unused for longer than its own idle limit was found")
	}
	if _, found, _ := store.FindCtx(ctx, "long"); !found {
		t.Error("a session without a limit of its own ended at the short limit")
	}
	// A fresh store (another instance, an empty cache) reads the limit too.
	other := newStore(t, db, 8*time.Hour, clk.Now)
	if _, found, _ := other.FindCtx(ctx, "short"); found {
		t.Error("another instance found the idle short session")
	}
}

func TestSessionStoreLifetimeIdleAndRevocation(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	clk := &clock{now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	store := newStore(t, db, time.Hour, clk.Now)
	u, err := models.CreateUser(ctx, db, password.NewHasher(1, time.Second), models.NewUser{Email: "idle@example.com", Password: "long enough password"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := sessionstore.JSONCodec{}.Encode(clk.now.Add(24*time.Hour), map[string]any{sessionstore.UserKey: u.ID})

	if err := store.CommitCtx(ctx, "tok-1", data, clk.now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := store.FindCtx(ctx, "tok-1"); !found {
		t.Fatal("fresh session not found")
	}
	// Used every 50 minutes, it stays alive past the idle timeout.
	for range 3 {
		clk.now = clk.now.Add(50 * time.Minute)
		if _, found, err := store.FindCtx(ctx, "tok-1"); !found || err != nil {
			t.Fatalf("active session lost after %v: %v", clk.now, err)
		}
	}
	// Idle for over an hour: gone.
	clk.now = clk.now.Add(61 * time.Minute)
	if _, found, _ := store.FindCtx(ctx, "tok-1"); found {
		t.Fatal("idle session still found")
	}

	// Absolute lifetime.
	store.CommitCtx(ctx, "tok-2", data, clk.now.Add(30*time.Minute))
	clk.now = clk.now.Add(31 * time.Minute)
	if _, found, _ := store.FindCtx(ctx, "tok-2"); found {
		t.Fatal("session found after its expiry")
	}

	// A session without a user lasts minutes, whatever its deadline.
	guest, _ := sessionstore.JSONCodec{}.Encode(clk.now.Add(24*time.Hour), map[string]any{"k": "v"})
	store.CommitCtx(ctx, "tok-guest", guest, clk.now.Add(24*time.Hour))
	clk.now = clk.now.Add(sessionstore.AnonymousTimeout + time.Second)
	if _, found, _ := store.FindCtx(ctx, "tok-guest"); found {
		t.Fatal("a guest session outlived AnonymousTimeout")
	}

	// A revoked session stays revoked even if a request still in flight
	// commits it afterwards.
	store.CommitCtx(ctx, "tok-3", data, clk.now.Add(time.Hour))
	if err := store.DeleteCtx(ctx, "tok-3"); err != nil {
		t.Fatal(err)
	}
	if err := store.CommitCtx(ctx, "tok-3", data, clk.now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := store.FindCtx(ctx, "tok-3"); found {
		t.Fatal("a late commit brought a revoked session back")
	}

	// Cleanup removes expired rows and old tombstones.
	clk.now = clk.now.Add(2 * time.Hour)
	n, err := models.DeleteExpiredSessions(ctx, db, clk.now, time.Hour)
	if err != nil || n != 4 {
		t.Errorf("cleanup deleted %d rows (%v), want 4", n, err)
	}
}

// TestSignOutEverywhereKeepsTheCurrentSession: every other session of the
// user ends at once; the one whose token hash is kept stays.
func TestSignOutEverywhereKeepsTheCurrentSession(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	u := newUser(t, db, "r@example.com")
	now := time.Now().UTC()
	store := newStore(t, db, time.Hour, func() time.Time { return now })
	data, _ := sessionstore.JSONCodec{}.Encode(now.Add(time.Hour), map[string]any{sessionstore.UserKey: u.ID})
	for _, tok := range []string{"a", "b", "c"} {
		if err := store.CommitCtx(ctx, tok, data, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if sum, _ := models.SummarizeAccount(ctx, db, now, u.ID); sum.ActiveSessions != 3 {
		t.Fatalf("active = %d, want 3", sum.ActiveSessions)
	}
	if err := models.SignOutEverywhere(ctx, db, now, models.AuditEvent{}, u, models.HashToken("b")); err != nil {
		t.Fatal(err)
	}
	for tok, want := range map[string]bool{"a": false, "b": true, "c": false} {
		if _, found, _ := store.FindCtx(ctx, tok); found != want {
			t.Errorf("session %s found = %v, want %v", tok, found, want)
		}
	}
}

func TestFindLoadsTheSessionsUserInTheSameQuery(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	u, err := models.CreateUser(ctx, db, password.NewHasher(1, time.Second), models.NewUser{Email: "join@example.com", Name: "Join", Password: "long enough password"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	store := newStore(t, db, time.Hour, func() time.Time { return now })
	signedIn, _ := sessionstore.JSONCodec{}.Encode(now.Add(time.Hour), map[string]any{sessionstore.UserKey: u.ID})
	guest, _ := sessionstore.JSONCodec{}.Encode(now.Add(time.Hour), map[string]any{"flash": "x"})
	store.CommitCtx(ctx, "signed-in", signedIn, now.Add(time.Hour))
	store.CommitCtx(ctx, "guest", guest, now.Add(time.Hour))

	rctx := sessionstore.WithClient(ctx, "192.0.2.1", "test")
	if _, found, err := store.FindCtx(rctx, "signed-in"); !found || err != nil {
		t.Fatalf("find: %v %v", found, err)
	}
	if got := sessionstore.UserFrom(rctx); got == nil || got.ID != u.ID || got.Email != "join@example.com" || got.Name != "Join" || got.CreatedAt.IsZero() {
		t.Fatalf("the session's user was not loaded with it: %+v", got)
	}
	gctx := sessionstore.WithClient(ctx, "192.0.2.1", "test")
	if _, found, err := store.FindCtx(gctx, "guest"); !found || err != nil || sessionstore.UserFrom(gctx) != nil {
		t.Fatalf("guest session: found %v, err %v, user %+v", found, err, sessionstore.UserFrom(gctx))
	}
}

// TestCacheListenerSurvivesALostConnection kills the PostgreSQL connection
// the session cache listens on: the listener connects again, and a write
// from outside the instance is still seen through the cache afterwards.
func TestCacheListenerSurvivesALostConnection(t *testing.T) {
	t.Parallel()
	if !testdb.Postgres() {
		t.Skip("needs PostgreSQL (" + testdb.EnvPostgresURL + "): the listener is PostgreSQL's")
	}
	dsn := testdb.DSN(t)
	db, err := models.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	logs := &syncbuf.Buffer{}
	now := time.Now().UTC()
	store := newStoreLogging(t, db, time.Hour, func() time.Time { return now }, slog.New(slog.NewTextHandler(logs, nil)))

	u := newUser(t, db, "listen@example.com")
	data, _ := sessionstore.JSONCodec{}.Encode(now.Add(time.Hour), map[string]any{sessionstore.UserKey: u.ID})
	if err := store.CommitCtx(ctx, "tok", data, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	find := func() *models.User {
		t.Helper()
		rctx := sessionstore.WithClient(ctx, "", "")
		if _, found, err := store.FindCtx(rctx, "tok"); !found || err != nil {
			t.Fatalf("find: %v %v", found, err)
		}
		return sessionstore.UserFrom(rctx)
	}

	out, err := sql.Open("pgx", dsn) // another process's connection: psql, a script
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	var killed bool
	if err := out.QueryRow(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'hearth_cache_' || md5(current_schema())`).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate the listener's connection: %v %v", killed, err)
	}
	// The listener notices (and says so), then connects again.
	waitFor(t, "a warning for the lost listener", func() bool { return strings.Contains(logs.String(), "session cache off") })
	waitFor(t, "the listener to reconnect", func() bool {
		var n int
		_ = out.QueryRow(`SELECT count(*) FROM pg_stat_activity
			WHERE application_name = 'hearth_cache_' || md5(current_schema())`).Scan(&n)
		return n == 1 && store.Live()
	})

	find()
	hits, _ := store.Stats()
	if find(); func() int64 { h, _ := store.Stats(); return h }() != hits+1 {
		t.Fatal("the session was not served from the cache after reconnecting")
	}
	if _, err := out.Exec("UPDATE users SET name = 'Changed Outside' WHERE id = $1", u.ID); err != nil {
		t.Fatal(err)
	}
	syncStore(t, store)
	if got := find().Name; got != "Changed Outside" {
		t.Fatalf("after an outside write the cache still says name %q", got)
	}
}

// TestSessionCodecHandsOutItsOwnCopies: the memoizing codec decodes like
// JSONCodec, and a caller changing its map changes no one else's.
func TestSessionCodecHandsOutItsOwnCopies(t *testing.T) {
	t.Parallel()
	c := sessionstore.NewCodec(2)
	deadline := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	data, err := c.Encode(deadline, map[string]any{sessionstore.UserKey: "u1", "flash": "hi"})
	if err != nil {
		t.Fatal(err)
	}
	d1, v1, err := c.Decode(data)
	if err != nil || !d1.Equal(deadline) || v1[sessionstore.UserKey] != "u1" {
		t.Fatalf("decode: %v %v %v", d1, v1, err)
	}
	v1["flash"] = "changed"
	delete(v1, sessionstore.UserKey)
	_, v2, err := c.Decode(data)
	if err != nil || v2[sessionstore.UserKey] != "u1" || v2["flash"] != "hi" {
		t.Fatalf("a caller's change leaked into the next decoding: %v %v", v2, err)
	}
	for i := range 5 { // more distinct sessions than the memo holds
		b, _ := c.Encode(deadline, map[string]any{"n": float64(i)})
		if _, v, err := c.Decode(b); err != nil || v["n"] != float64(i) {
			t.Fatalf("decode %d: %v %v", i, v, err)
		}
	}
	if _, _, err := c.Decode([]byte("not json")); err == nil {
		t.Fatal("garbage decoded without an error")
	}
}
