package migrations

import (
	"context"
	"database/sql"
	"io"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver"
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
// comes from migrations alone. It runs outside a goose transaction: River
// applies each of its versions in a transaction of its own (on PostgreSQL
// one of them adds an enum value that the next uses, which one transaction
// cannot do). River records its versions in river_migration.
func riverMigration(postgres bool) *goose.Migration {
	run := func(target int, dir rivermigrate.Direction) func(context.Context, *sql.DB) error {
		return func(ctx context.Context, db *sql.DB) error {
			var drv riverdriver.Driver[*sql.Tx] = riversqlite.New(db)
			if postgres {
				drv = riverdatabasesql.New(db)
			}
			m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				return err
			}
			_, err = m.Migrate(ctx, dir, &rivermigrate.MigrateOpts{TargetVersion: target})
			return err
		}
	}
	m := goose.NewGoMigration(21, &goose.GoFunc{RunDB: run(riverVersion, rivermigrate.DirectionUp)},
		&goose.GoFunc{RunDB: run(-1, rivermigrate.DirectionDown)})
	m.Source = "00021_river.go"
	return m
}
