package models_test

import (
	"context"
	"testing"

	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

func TestMigrationsGoDownAndUpAgain(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	if err := db.MigrateDown(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := db.MigrateUp(ctx); err != nil || n != 1 {
		t.Fatalf("up again: %d, %v", n, err)
	}
}

func TestConcurrentStartsMigrateOnce(t *testing.T) {
	t.Parallel()
	if !testdb.Postgres() {
		t.Skip("needs PostgreSQL (" + testdb.EnvPostgresURL + "): one SQLite file has one process")
	}
	dsn := testdb.DSN(t)
	const instances = 4
	type result struct {
		applied int
		err     error
	}
	results := make(chan result, instances)
	for range instances {
		go func() {
			db, err := models.Open(dsn)
			if err != nil {
				results <- result{err: err}
				return
			}
			defer db.Close()
			n, err := db.MigrateUp(context.Background())
			results <- result{n, err}
		}()
	}
	total := 0
	for range instances {
		r := <-results
		if r.err != nil {
			t.Fatalf("concurrent migrate: %v", r.err)
		}
		total += r.applied
	}
	db, _ := models.Open(dsn)
	defer db.Close()
	var versions int64
	db.Read.Raw("SELECT count(*) FROM goose_db_version WHERE version_id > 0").Scan(&versions)
	if int(versions) != total {
		t.Errorf("%d migrations recorded, %d applied in all: some ran twice or not at all", versions, total)
	}
}
