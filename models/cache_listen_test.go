package models_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

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
	ctx := context.Background()
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the listener", db.SessionCacheLive)

	u, err := models.CreateUser(ctx, db, models.NewHasher(1, time.Second), models.NewUser{Email: "listen@example.com", Password: "long enough password"})
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

	find()
	hits, _ := db.SessionCacheStats()
	if find(); func() int64 { h, _ := db.SessionCacheStats(); return h }() != hits+1 {
		t.Fatal("the session was not served from the cache after reconnecting")
	}
	if _, err := out.Exec("UPDATE users SET name = 'Changed Outside' WHERE id = $1", u.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.SyncSessionCache(ctx); err != nil {
		t.Fatal(err)
	}
	if got := find().Name; got != "Changed Outside" {
		t.Fatalf("after an outside write the cache still says name %q", got)
	}
}
