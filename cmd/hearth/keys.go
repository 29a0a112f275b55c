package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/models"
)

// keys runs `hearth keys rotate`: a new JWT signing key signs from now on;
// the old one stays in the JWKS until the tokens it signed have expired.
func keys(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	if len(args) != 1 || args[0] != "rotate" {
		return fmt.Errorf("keys: usage: hearth keys rotate")
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	// In development, the key hearth serve uses: the one in the data folder.
	if _, err := ensureSecretKey(cfg); err != nil {
		return err
	}
	k, err := models.RotateSigningKey(ctx, db, cfg.SecretKey, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "new signing key %s; the previous one stays published for %s\n", k.Kid, models.JWTLifetime+time.Minute)
	return nil
}
