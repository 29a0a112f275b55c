// Package testdb gives each test its own empty database: a SQLite file in
// the test's temp dir by default, or, when HEARTH_TEST_POSTGRES_URL is set, a
// fresh schema in that PostgreSQL database (dropped when the test ends).
// The whole suite runs against either; `make test` runs both.
package testdb

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for schema set-up
)

// EnvPostgresURL names the variable that switches tests to PostgreSQL,
// e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvPostgresURL = "HEARTH_TEST_POSTGRES_URL"

// Postgres reports whether tests run against PostgreSQL.
func Postgres() bool { return os.Getenv(EnvPostgresURL) != "" }

// DSN returns a HEARTH_DATABASE value for a new, empty database.
func DSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgresURL)
	if base == "" {
		return filepath.Join(t.TempDir(), "hearth.db")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)

	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("testdb: create schema (is PostgreSQL at %s up?): %v", EnvPostgresURL, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
	})

	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testdb: %s: %v", EnvPostgresURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
