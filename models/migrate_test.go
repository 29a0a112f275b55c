package models_test

import (
	"context"
	"fmt"
	"slices"
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

// TestSearchTextMigrationFoldsExistingNames: migration 00024 fills
// users.search_text for the users already there, accents folded, so the
// admin search finds "José" as "jose" right after an upgrade; going down
// removes the column and leaves the search working as before.
func TestSearchTextMigrationFoldsExistingNames(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	hasColumn := func() bool {
		var cols []string
		q := "SELECT name FROM pragma_table_info('users')"
		if db.Dialect == models.Postgres {
			q = "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'users'"
		}
		if err := db.Read.Raw(q).Scan(&cols).Error; err != nil {
			t.Fatal(err)
		}
		return slices.Contains(cols, "search_text")
	}
	downs := 0
	for ; hasColumn(); downs++ {
		if downs == 5 {
			t.Fatal("users.search_text is still there after 5 migrations down")
		}
		if err := db.MigrateDown(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i, name := range []string{"José García", "Zoë Müller", "Plain Ascii", ""} {
		if err := db.Write.Exec("INSERT INTO users (id, email, name, created_at, updated_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
			fmt.Sprintf("u%d", i), fmt.Sprintf("u%d@example.com", i), name).Error; err != nil {
			t.Fatal(err)
		}
	}
	if n, err := db.MigrateUp(ctx); err != nil || n != downs {
		t.Fatalf("up again: %d of %d, %v", n, downs, err)
	}
	var texts []string
	if err := db.Read.Raw("SELECT search_text FROM users ORDER BY id").Scan(&texts).Error; err != nil {
		t.Fatal(err)
	}
	want := []string{"u0@example.com jose garcia", "u1@example.com zoe muller", "u2@example.com plain ascii", "u3@example.com "}
	if !slices.Equal(texts, want) {
		t.Errorf("search texts %q, want %q", texts, want)
	}
	for search, want := range map[string]int64{"jose": 1, "MULLER": 1, "zoë": 1, "garcía": 1, "ascii": 1, "example": 4} {
		if list, err := models.ListUsers(ctx, db, models.UserQuery{Search: search}); err != nil || list.Total != want {
			t.Errorf("search %q after 00024: %d users, %v; want %d", search, list.Total, err, want)
		}
	}
}

// TestRefoldMigrationSpellsLettersWithAStroke: migration 00025 writes
// again the search texts that 00024 folded before Fold knew "ł", "ø" and
// "æ", so that "lukasz" finds "Łukasz" right after the upgrade.
func TestRefoldMigrationSpellsLettersWithAStroke(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	if err := db.MigrateDown(ctx); err != nil {
		t.Fatal(err)
	}
	// As 00024 stored them: the letters kept.
	for i, u := range [][2]string{{"Łukasz Søren", "łukasz søren"}, {"Ærø Þór", "ærø þór"}, {"José", "jose"}} {
		email := fmt.Sprintf("r%d@example.com", i)
		if err := db.Write.Exec("INSERT INTO users (id, email, name, search_text, created_at, updated_at) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
			fmt.Sprintf("r%d", i), email, u[0], email+" "+u[1]).Error; err != nil {
			t.Fatal(err)
		}
	}
	if list, err := models.ListUsers(ctx, db, models.UserQuery{Search: "lukasz"}); err != nil || list.Total != 0 {
		t.Fatalf("before 00025: %d users for lukasz, %v (the test did not set up the old texts)", list.Total, err)
	}
	if n, err := db.MigrateUp(ctx); err != nil || n != 1 {
		t.Fatalf("up again: %d, %v", n, err)
	}
	var texts []string
	if err := db.Read.Raw("SELECT search_text FROM users ORDER BY id").Scan(&texts).Error; err != nil {
		t.Fatal(err)
	}
	want := []string{"r0@example.com lukasz soren", "r1@example.com aero thor", "r2@example.com jose"}
	if !slices.Equal(texts, want) {
		t.Errorf("search texts %q, want %q", texts, want)
	}
	for search, want := range map[string]int64{"lukasz": 1, "Łukasz": 1, "soren": 1, "SØREN": 1, "aero": 1, "thor": 1, "jose": 1} {
		if list, err := models.ListUsers(ctx, db, models.UserQuery{Search: search}); err != nil || list.Total != want {
			t.Errorf("search %q after 00025: %d users, %v; want %d", search, list.Total, err, want)
		}
	}
}
