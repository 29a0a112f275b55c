package models

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/hearth-app/hearth/migrations"
)

// migrator builds a goose provider over the embedded migrations, without
// goose's package globals. On PostgreSQL an advisory lock makes concurrent
// starts of several instances migrate once.
func (db *DB) migrator() (*goose.Provider, error) {
	dialect, other := goose.DialectSQLite3, ".postgres.sql"
	var opts []goose.ProviderOption
	if db.Dialect == "postgres" {
		dialect, other = goose.DialectPostgres, ".sqlite.sql"
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300)) // retry every second for 5 minutes
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	opts = append(opts, goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(normalizeEmailsMigration(db.Dialect)))
	return goose.NewProvider(dialect, db.SQL(), dialectFS{migrations.FS, other}, opts...)
}

// dialectFS hides the migrations written for the other database. Most files
// serve both; NNNNN_name.postgres.sql runs on PostgreSQL only and
// NNNNN_name.sqlite.sql on SQLite only.
type dialectFS struct {
	fsys  fs.FS
	other string // the suffix of the files to hide
}

func (d dialectFS) Open(name string) (fs.File, error) {
	if strings.HasSuffix(name, d.other) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return d.fsys.Open(name)
}

func (d dialectFS) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(d.fsys, name)
	kept := entries[:0]
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), d.other) {
			kept = append(kept, e)
		}
	}
	return kept, err
}

// MigrateUp applies every pending migration and returns how many ran.
func (db *DB) MigrateUp(ctx context.Context) (int, error) {
	p, err := db.migrator()
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate up: %w", err)
	}
	return len(res), nil
}

// MigrateDown rolls back the most recent migration.
func (db *DB) MigrateDown(ctx context.Context) error {
	p, err := db.migrator()
	if err != nil {
		return err
	}
	if _, err := p.Down(ctx); err != nil {
		return fmt.Errorf("migrate down: %w", err)
	}
	return nil
}

// MigrationStatus writes one line per migration: applied or pending.
func (db *DB) MigrationStatus(ctx context.Context, w io.Writer) error {
	p, err := db.migrator()
	if err != nil {
		return err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return fmt.Errorf("migrate status: %w", err)
	}
	for _, s := range st {
		when := "pending"
		if s.State == goose.StateApplied {
			when = "applied " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05") + " UTC"
		}
		fmt.Fprintf(w, "%05d  %-40s %s\n", s.Source.Version, s.Source.Path, when)
	}
	return nil
}
