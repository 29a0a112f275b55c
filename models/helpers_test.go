package models_test

import (
	"testing"

	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

// openTestDB returns a migrated database of the test's own (testdb.Open):
// a SQLite file, or a PostgreSQL schema with HEARTH_TEST_POSTGRES_URL.
func openTestDB(t testing.TB) *models.DB {
	t.Helper()
	return testdb.Open(t)
}
