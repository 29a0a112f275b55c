package migrations

import (
	"context"
	"database/sql"
	"io"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// riverVersion is the River schema version migration 00021 creates: the
// latest of the River release in go.mod (v0.51). A River upgrade that
// brings a new schema version gets a new goose migration to it.
const riverVersion = 8

// riverMigration creates River's tables (the job queue of mail and
// webhook deliveries) with River's own migrator, so that the schema still
// comes from migrations alone; River records its versions in
// river_migration. On PostgreSQL it runs outside a goose transaction:
// River applies each of its versions in a transaction of its own (version
// 006 uses an enum value 005 adds, which one transaction refuses). On
// SQLite it runs in goose's transaction, on the one connection of the
// writer pool, which goose holds.
func riverMigration(postgres bool) *goose.Migration {
	opts := func(target int) *rivermigrate.MigrateOpts { return &rivermigrate.MigrateOpts{TargetVersion: target} }
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var up, down *goose.GoFunc
	if postgres {
		run := func(target int, dir rivermigrate.Direction) *goose.GoFunc {
			return &goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error {
				m, err := rivermigrate.New(riverdatabasesql.New(db), &rivermigrate.Config{Logger: logger})
				if err != nil {
					return err
				}
				_, err = m.Migrate(ctx, dir, opts(target))
				return err
			}}
		}
		up, down = run(riverVersion, rivermigrate.DirectionUp), run(-1, rivermigrate.DirectionDown)
	} else {
		run := func(target int, dir rivermigrate.Direction) *goose.GoFunc {
			return &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
				m, err := rivermigrate.New(riversqlite.New(nil), &rivermigrate.Config{Logger: logger})
				if err != nil {
					return err
				}
				_, err = m.MigrateTx(ctx, tx, dir, opts(target))
				return err
			}}
		}
		up, down = run(riverVersion, rivermigrate.DirectionUp), run(-1, rivermigrate.DirectionDown)
	}
	m := goose.NewGoMigration(21, up, down)
	m.Source = "00021_river.go"
	return m
}
