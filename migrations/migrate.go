package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrator runs the embedded migrations on one database, without goose's
// package globals. On PostgreSQL an advisory lock makes concurrent starts of
// several instances migrate once.
type Migrator struct{ p *goose.Provider }

// New returns a migrator for db, a PostgreSQL database when postgres is
// true, SQLite otherwise.
func New(db *sql.DB, postgres bool) (*Migrator, error) {
	dialect, other := goose.DialectSQLite3, ".postgres.sql"
	var opts []goose.ProviderOption
	if postgres {
		dialect, other = goose.DialectPostgres, ".sqlite.sql"
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300)) // retry every second for 5 minutes
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	opts = append(opts, goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(normalizeEmailsMigration(postgres), riverMigration(postgres), searchTextMigration(postgres), refoldMigration(postgres)))
	p, err := goose.NewProvider(dialect, db, dialectFS{FS, other}, opts...)
	if err != nil {
		return nil, err
	}
	return &Migrator{p}, nil
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

// Up applies every pending migration and returns how many ran.
func (m *Migrator) Up(ctx context.Context) (int, error) {
	res, err := m.p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate up: %w", err)
	}
	return len(res), nil
}

// Down rolls back the most recent migration.
func (m *Migrator) Down(ctx context.Context) error {
	if _, err := m.p.Down(ctx); err != nil {
		return fmt.Errorf("migrate down: %w", err)
	}
	return nil
}

// Status writes one line per migration: applied or pending.
func (m *Migrator) Status(ctx context.Context, w io.Writer) error {
	st, err := m.p.Status(ctx)
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
