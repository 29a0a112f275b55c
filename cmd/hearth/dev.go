package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/internal/devseed"
	"github.com/hearth-app/hearth/internal/password"
)

// dev runs the development helpers: `hearth dev seed --users N [--orgs N]
// [--org-members N]`.
func dev(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "seed" {
		return errors.New("dev: unknown or missing subcommand (use seed)")
	}
	fs := flag.NewFlagSet("dev seed", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := fs.Int("users", 1000, "how many fake users to add")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same users")
	admins := fs.Bool("admins", false, "also make about 1 in 5,000 seeded users an admin (with the public seed password)")
	orgs := fs.Int("orgs", 0, "how many organizations to add among the users (each with an owner and up to 4 members)")
	orgMembers := fs.Int("org-members", 0, "also add one organization with this many members (the oldest users)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *n < 0 || *n > 10_000_000 || (*n == 0 && *orgs == 0 && *orgMembers == 0) {
		return fmt.Errorf("dev seed: --users must be between 1 and 10000000 (0 with --orgs or --org-members), not %d", *n)
	}
	if *orgs < 0 || *orgs > 1_000_000 || *orgMembers < 0 || *orgMembers > 1_000_000 {
		return errors.New("dev seed: --orgs and --org-members must be between 0 and 1000000")
	}
	if strings.TrimSpace(getenv("HEARTH_ENV")) == config.Production {
		return errors.New("dev seed: refused with HEARTH_ENV=production (it adds fake users)")
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

	start := time.Now()
	hash, err := password.NewHasher(1, time.Minute).Hash(ctx, devseed.Password)
	if err != nil {
		return err
	}
	res, err := devseed.Users(ctx, db, devseed.Options{Users: *n, PasswordHash: hash, Now: time.Now().UTC(), Seed: *seed, Admins: *admins})
	if err != nil {
		return err
	}
	ores, err := devseed.Orgs(ctx, db, devseed.OrgOptions{Orgs: *orgs, BigOrgMembers: *orgMembers, Now: time.Now().UTC(), Seed: *seed})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %d users and %d audit events in %s; every seeded user's password is %q\n",
		res.Users, res.Events, time.Since(start).Round(time.Millisecond), devseed.Password)
	if ores.Orgs > 0 {
		fmt.Fprintf(stdout, "added %d organizations with %d memberships", ores.Orgs, ores.Memberships)
		if ores.BigOrgSlug != "" {
			fmt.Fprintf(stdout, "; the big one is /orgs/%s", ores.BigOrgSlug)
		}
		fmt.Fprintln(stdout)
	}
	return nil
}
