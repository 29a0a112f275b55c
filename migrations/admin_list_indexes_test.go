package migrations

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Two migrations creating pg_trgm at once in a database that lacks it (two
// instances, or two test packages in their own schemas): the one that loses
// the race on pg_extension's unique index goes on with the winner's.
func TestCreatingPgTrgmTwiceAtOnce(t *testing.T) {
	base := os.Getenv("HEARTH_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("needs PostgreSQL (HEARTH_TEST_POSTGRES_URL)")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "hearth_trgm_" + hex.EncodeToString(b) // a database of its own: the extension is per database
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Skipf("cannot create a database to test in: %v", err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP DATABASE " + name + " WITH (FORCE)") })
	u, _ := url.Parse(base)
	u.Path = "/" + name
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	first, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback()
	if _, err := createTrigramExtension(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := make(chan error, 1)
	go func() {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			second <- err
			return
		}
		defer tx.Rollback()
		schema, err := createTrigramExtension(ctx, tx) // waits for the first to commit, then loses
		if err == nil && schema != "public" {
			t.Errorf("pg_trgm found in schema %q", schema)
		}
		if err == nil {
			err = tx.Commit()
		}
		second <- err
	}()
	// Commit the first once the second waits on its row of pg_extension.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var waiting int
		if err := admin.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", name).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second CREATE EXTENSION never waited for the first")
		}
	}
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Errorf("the second migration failed: %v", err)
	}
}
