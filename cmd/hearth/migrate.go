package main

import (
	"context"
	"fmt"
	"io"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/models"
)

// migrate runs `hearth migrate [up|down|status]`.
func migrate(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	action := "up"
	if len(args) > 0 {
		action = args[0]
	}
	if len(args) > 1 {
		return fmt.Errorf("migrate: unexpected argument %q", args[1])
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	db, err := models.OpenWith(cfg.Database, models.Options{SQLiteSynchronous: cfg.SQLiteSynchronous})
	if err != nil {
		return fmt.Errorf("HEARTH_DATABASE: %w", err)
	}
	defer db.Close()
	switch action {
	case "up":
		n, err := db.MigrateUp(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
		return nil
	case "down":
		if err := db.MigrateDown(ctx); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "rolled back 1 migration")
		return nil
	case "status":
		return db.MigrationStatus(ctx, stdout)
	}
	return fmt.Errorf("migrate: unknown action %q (use up, down or status)", action)
}
