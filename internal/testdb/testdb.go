// Package testdb gives each test its own empty database: a SQLite file in
// the test's temp dir by default, or, when HEARTH_TEST_POSTGRES_URL is set, a
// fresh schema in that PostgreSQL database (dropped when the test ends).
// The whole suite runs against either; `make test` runs both.
//
// The tests of package models itself cannot import it (it imports models);
// every other package's tests, the test harness (internal/testapp) and the
// load benchmark (internal/bench) get their databases here.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for schema set-up

	"github.com/hearth-app/hearth/models"
)

// EnvPostgresURL names the variable that switches tests to PostgreSQL,
// e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvPostgresURL = "HEARTH_TEST_POSTGRES_URL"

// Postgres reports whether tests run against PostgreSQL.
func Postgres() bool { return os.Getenv(EnvPostgresURL) != "" }

// Create makes a new, empty database and returns its HEARTH_DATABASE value
// and the function that removes it: with postgresURL empty, a SQLite file in
// dir (it goes with dir: drop does nothing); otherwise a schema of its own in
// the PostgreSQL database postgresURL names (the value selects it with
// search_path).
func Create(postgresURL, dir string) (dsn string, drop func() error, err error) {
	if postgresURL == "" {
		return filepath.Join(dir, "hearth.db"), func() error { return nil }, nil
	}
	u, err := url.Parse(postgresURL)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", EnvPostgresURL, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if err := execPostgres(postgresURL, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("create schema (is PostgreSQL at %s up?): %w", EnvPostgresURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() error { return execPostgres(postgresURL, "DROP SCHEMA "+schema+" CASCADE") }, nil
}

func execPostgres(url, statement string) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(statement)
	return err
}

// DSN returns a HEARTH_DATABASE value for a new, empty database of the
// test's own, removed when the test ends.
func DSN(t testing.TB) string {
	t.Helper()
	dsn, drop, err := Create(os.Getenv(EnvPostgresURL), t.TempDir())
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { _ = drop() })
	return dsn
}

// Open returns a migrated database of the test's own, closed when the test
// ends.
func Open(t testing.TB) *models.DB {
	t.Helper()
	db, err := models.Open(DSN(t))
	if err != nil {
		t.Fatalf("testdb: open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.MigrateUp(context.Background()); err != nil {
		t.Fatalf("testdb: migrate: %v", err)
	}
	return db
}
