package migrations_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/hearth-app/hearth/migrations"
)

// Two migrations creating pg_trgm at once in a database that lacks it (two
// instances, or two test packages in their own schemas): the one that loses
// the race on pg_extension's unique index goes on with the winner's.
func TestCreatingPgTrgmTwiceAtOnce(t *testing.T) {
	base := os.Getenv("HEARTH_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("needs PostgreSQL (HEARTH_TEST_POSTGRES_URL)")
	}
	create := createExtensionStatement(t)
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() }) // after the database is dropped (cleanups run last first)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "hearth_trgm_" + hex.EncodeToString(b) // a database of its own: an extension is per database
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
	if _, err := first.ExecContext(ctx, create); err != nil {
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
		if _, err := tx.ExecContext(ctx, create); err != nil { // waits for the first to commit, then loses
			second <- err
			return
		}
		second <- tx.Commit()
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
	var schema string
	if err := db.QueryRow("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'").Scan(&schema); err != nil || schema != "public" {
		t.Errorf("pg_trgm is in schema %q (%v), want public", schema, err)
	}
}

// createExtensionStatement returns the statement of migration 00008 that
// creates pg_trgm.
func createExtensionStatement(t *testing.T) string {
	t.Helper()
	src, err := migrations.FS.ReadFile("00008_admin_list_indexes.postgres.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range strings.Split(string(src), "-- +goose StatementBegin") {
		if stmt, _, ok := strings.Cut(part, "-- +goose StatementEnd"); ok && strings.Contains(stmt, "CREATE EXTENSION") {
			return stmt
		}
	}
	t.Fatal("no statement creates pg_trgm")
	return ""
}
