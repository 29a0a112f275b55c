package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/models"
)

// user runs `hearth user create|set-role`.
func user(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return errors.New("user: missing subcommand (create or set-role)")
	}
	switch args[0] {
	case "create":
		return userCreate(ctx, args[1:], stdin, stdout, getenv)
	case "set-role":
		return userSetRole(ctx, args[1:], stdout, getenv)
	}
	return fmt.Errorf("user: unknown subcommand %q (use create or set-role)", args[0])
}

func userCreate(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "display name")
	admin := fs.Bool("admin", false, "give the user the admin role")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("user create: --email is required")
	}
	pw, generated := "", false
	if *fromStdin {
		line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("user create: read password from stdin: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
		if pw == "" {
			return errors.New("user create: --password-stdin given but stdin held no password")
		}
	} else {
		pw, generated = rand.Text(), true
	}
	role := models.RoleMember
	if *admin {
		role = models.RoleAdmin
	}

	db, err := openFromEnv(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := models.CreateUser(ctx, db, password.NewHasher(1, time.Minute), models.NewUser{Email: *email, Name: *name, Password: pw, Role: role, Verified: true}, nil)
	if err != nil {
		return fmt.Errorf("user create: %w", err)
	}
	fmt.Fprintf(stdout, "created %s %s (id %s)\n", u.Role, u.Email, u.ID)
	if generated {
		fmt.Fprintf(stdout, "generated password (shown once): %s\n", pw)
	}
	return nil
}

func userSetRole(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("user set-role", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "email address (required)")
	role := fs.String("role", "", "admin or member (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *email == "" || *role == "" {
		return errors.New("user set-role: --email and --role are required")
	}
	if *role != models.RoleAdmin && *role != models.RoleMember {
		return fmt.Errorf("user set-role: --role must be admin or member, not %q", *role)
	}
	db, err := openFromEnv(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := models.UserByEmail(ctx, db, *email)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("user set-role: no user with email %s", models.NormalizeEmail(*email))
	} else if err != nil {
		return err
	}
	// The operator's change is audited like an admin's, with no actor; as
	// the way to put a panel without admins right, it may demote the last
	// admin (models.SetRole).
	by := models.AuditEvent{UserAgent: "hearth user set-role", CreatedAt: time.Now()}
	if _, _, err := models.SetRole(ctx, db, time.Now(), by, u.ID, *role, ""); err != nil {
		return fmt.Errorf("user set-role: %w", err)
	}
	fmt.Fprintf(stdout, "%s is now %s\n", u.Email, *role)
	return nil
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

func openFromEnv(ctx context.Context, getenv func(string) string) (*models.DB, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, err
	}
	return openMigrated(ctx, cfg, nil)
}
