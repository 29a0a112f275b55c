package models_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/internal/syncbuf"
	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
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
	logs := &syncbuf.Buffer{}
	db.LogSessionCache(slog.New(slog.NewTextHandler(logs, nil)))
	ctx := context.Background()
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the listener", db.SessionCacheLive)

	u, err := models.CreateUser(ctx, db, password.NewHasher(1, time.Second), models.NewUser{Email: "listen@example.com", Password: "long enough password"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	store := models.NewSessionStore(db, time.Hour, func() time.Time { return now })
	data, _ := models.JSONCodec{}.Encode(now.Add(time.Hour), map[string]any{models.SessionUserKey: u.ID})
	if err := store.CommitCtx(ctx, "tok", data, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	find := func() *models.User {
		t.Helper()
		c := &models.Client{}
		if _, found, err := store.FindCtx(models.WithClient(ctx, c), "tok"); !found || err != nil {
			t.Fatalf("find: %v %v", found, err)
		}
		return c.User
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
	waitFor(t, "the listener to reconnect", func() bool {
		var n int
		_ = out.QueryRow(`SELECT count(*) FROM pg_stat_activity
			WHERE application_name = 'hearth_cache_' || md5(current_schema())`).Scan(&n)
		return n == 1 && db.SessionCacheLive()
	})

	if !strings.Contains(logs.String(), "session cache off") {
		t.Errorf("no warning logged for the lost listener:\n%s", logs.String())
	}
	find()
	hits, _ := db.SessionCacheStats()
	if find(); func() int64 { h, _ := db.SessionCacheStats(); return h }() != hits+1 {
		t.Fatal("the session was not served from the cache after reconnecting")
	}
	if _, err := out.Exec("UPDATE users SET name = 'Changed Outside' WHERE id = $1", u.ID); err != nil {
		t.Fatal(err)
	}
	for err := db.SyncSessionCache(ctx); err != nil; err = db.SyncSessionCache(ctx) {
		if !errors.Is(err, models.ErrCacheSyncSlow) {
			t.Fatal(err)
		}
	}
	if got := find().Name; got != "Changed Outside" {
		t.Fatalf("after an outside write the cache still says name %q", got)
	}
}

// TestSessionCodecHandsOutItsOwnCopies: the memoizing codec decodes like
// JSONCodec, and a caller changing its map changes no one else's.
func TestSessionCodecHandsOutItsOwnCopies(t *testing.T) {
	t.Parallel()
	c := models.NewSessionCodec(2)
	deadline := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	data, err := c.Encode(deadline, map[string]any{models.SessionUserKey: "u1", "flash": "hi"})
	if err != nil {
		t.Fatal(err)
	}
	d1, v1, err := c.Decode(data)
	if err != nil || !d1.Equal(deadline) || v1[models.SessionUserKey] != "u1" {
		t.Fatalf("decode: %v %v %v", d1, v1, err)
	}
	v1["flash"] = "changed"
	delete(v1, models.SessionUserKey)
	_, v2, err := c.Decode(data)
	if err != nil || v2[models.SessionUserKey] != "u1" || v2["flash"] != "hi" {
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
