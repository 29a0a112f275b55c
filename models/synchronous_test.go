package models_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearth-app/hearth/models"
)

// openSQLiteWith opens a migrated SQLite database of the test's own with o.
func openSQLiteWith(tb testing.TB, o models.Options) *models.DB {
	tb.Helper()
	db, err := models.OpenWith(filepath.Join(tb.TempDir(), "hearth.db"), o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.MigrateUp(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}

// HEARTH_SQLITE_SYNCHRONOUS reaches every connection of both pools.
func TestSQLiteSynchronousSetting(t *testing.T) {
	t.Parallel()
	for setting, want := range map[string]int{"": 1, "normal": 1, "NORMAL": 1, "full": 2} {
		db := openSQLiteWith(t, models.Options{SQLiteSynchronous: setting})
		for name, pool := range map[string]func() (int, error){
			"writer": func() (n int, err error) { return n, db.Write.Raw("PRAGMA synchronous").Scan(&n).Error },
			"reader": func() (n int, err error) { return n, db.Read.Raw("PRAGMA synchronous").Scan(&n).Error },
		} {
			if got, err := pool(); err != nil || got != want {
				t.Errorf("synchronous %q, %s: %d (%v), want %d", setting, name, got, err, want)
			}
		}
	}
	if _, err := models.OpenWith(filepath.Join(t.TempDir(), "x.db"), models.Options{SQLiteSynchronous: "off"}); err == nil {
		t.Error("synchronous=off accepted")
	}
}

// BenchmarkSQLiteSynchronous measures what FULL costs on a write-heavy
// path: one audit row per transaction, as sign-ins and sign-outs write.
//
//	go test -run '^$' -bench SQLiteSynchronous -benchtime 2000x ./models/
func BenchmarkSQLiteSynchronous(b *testing.B) {
	for _, setting := range []string{"normal", "full"} {
		b.Run(setting, func(b *testing.B) {
			db := openSQLiteWith(b, models.Options{SQLiteSynchronous: setting})
			ctx := context.Background()
			now := time.Now().UTC()
			for b.Loop() {
				if err := models.RecordEvent(ctx, db, models.AuditEvent{Action: models.AuditSignIn, Email: "bench@example.com", IP: "127.0.0.1", CreatedAt: now}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
