package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pwhash "github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

// The command's tests run hearth in-process through run, with the
// environment in a map: one suite, one file per command (migrate_test.go,
// user_test.go, serve_test.go, dev_test.go) sharing this harness.

// cli runs hearth against its own database.
type cli struct {
	t   *testing.T
	env map[string]string
}

// newCLI gives hearth a fresh database of its own (testdb: SQLite, or a
// PostgreSQL schema with HEARTH_TEST_POSTGRES_URL).
func newCLI(t *testing.T) *cli {
	t.Helper()
	// The key is set: a development start on PostgreSQL would otherwise
	// generate one into data/ in the working directory (this package's).
	return &cli{t: t, env: map[string]string{"HEARTH_DATABASE": testdb.DSN(t), "HEARTH_SECRET_KEY": testSecretKey}}
}

// newSQLiteCLI gives hearth a SQLite file that does not exist yet, for the
// tests that look at whether and where it is created.
func newSQLiteCLI(t *testing.T) *cli {
	t.Helper()
	return &cli{t: t, env: map[string]string{"HEARTH_DATABASE": filepath.Join(t.TempDir(), "hearth.db")}}
}

// testSecretKey is a HEARTH_SECRET_KEY: "0123456789abcdef0123456789abcdef".
const testSecretKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func (c *cli) getenv(k string) string { return c.env[k] }

// run executes hearth with args and stdin; it returns the exit code and output.
func (c *cli) run(stdin string, args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb, c.getenv)
	return code, out.String(), errb.String()
}

// ok runs hearth and fails the test unless it exits 0 with an empty
// stderr; it returns stdout.
func (c *cli) ok(stdin string, args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(stdin, args...)
	if code != 0 || errs != "" {
		c.t.Fatalf("hearth %q: exit %d, stderr %q, stdout %q", args, code, errs, out)
	}
	return out
}

// fails runs hearth and checks the failure contract: a non-zero exit and
// exactly one stderr line starting "hearth: " that contains want. It
// returns stderr.
func (c *cli) fails(want, stdin string, args ...string) string {
	c.t.Helper()
	code, _, errs := c.run(stdin, args...)
	checkFailure(c.t, fmt.Sprintf("hearth %q", args), code, errs, want)
	return errs
}

func checkFailure(t *testing.T, what string, code int, stderr, want string) {
	t.Helper()
	if code == 0 {
		t.Errorf("%s: exit 0, want a failure", what)
	}
	if !strings.HasPrefix(stderr, "hearth: ") || !strings.HasSuffix(stderr, "\n") || strings.Count(stderr, "\n") != 1 || strings.Contains(stderr, "\r") {
		t.Errorf("%s: stderr %q, want exactly one line starting %q", what, stderr, "hearth: ")
	}
	if !strings.Contains(stderr, want) {
		t.Errorf("%s: stderr %q does not mention %q", what, stderr, want)
	}
}

// openDB opens hearth's database (closed when the test ends).
func (c *cli) openDB() *models.DB {
	c.t.Helper()
	db, err := models.Open(c.env["HEARTH_DATABASE"])
	if err != nil {
		c.t.Fatalf("models.Open: %v", err)
	}
	c.t.Cleanup(func() { db.Close() })
	return db
}

// user returns the stored user, or nil when there is none.
func (c *cli) user(email string) *models.User {
	c.t.Helper()
	u, err := models.UserByEmail(context.Background(), c.openDB(), email)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		c.t.Fatalf("UserByEmail %s: %v", email, err)
	}
	return u
}

func (c *cli) signsIn(email, password string) bool {
	c.t.Helper()
	u, err := models.Authenticate(context.Background(), c.openDB(), pwhash.NewHasher(1, time.Minute), email, password)
	return err == nil && u != nil
}

// noDatabaseFile fails the test if the SQLite file of a newSQLiteCLI exists.
func (c *cli) noDatabaseFile(why string) {
	c.t.Helper()
	if _, err := os.Stat(c.env["HEARTH_DATABASE"]); !errors.Is(err, os.ErrNotExist) {
		c.t.Errorf("%s: %v", why, err)
	}
}

func TestCLIHelp(t *testing.T) {
	t.Parallel()
	c := newSQLiteCLI(t)
	for _, arg := range []string{"help", "-h", "--help"} {
		out := c.ok("", arg)
		for _, want := range []string{"hearth [serve]", "hearth migrate [up|down|status]", "hearth user create --email", "hearth user set-role --email"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: usage lacks %q:\n%s", arg, want, out)
			}
		}
	}
	c.noDatabaseFile("help touched the database")
}

func TestCLIUnknownCommand(t *testing.T) {
	t.Parallel()
	c := newSQLiteCLI(t)
	for _, cmd := range []string{"frobnicate", "Serve", "--version", ""} {
		code, out, errs := c.run("", cmd)
		checkFailure(t, fmt.Sprintf("hearth %q", cmd), code, errs, "unknown command")
		if code != 1 {
			t.Errorf("hearth %q: exit %d, want 1", cmd, code)
		}
		if out != "" {
			t.Errorf("hearth %q: stdout %q, want nothing", cmd, out)
		}
	}
	c.fails(`unknown command "frobnicate"`, "", "frobnicate")
	c.noDatabaseFile("an unknown command touched the database")
}

func TestCLIBadConfigNamesTheVariable(t *testing.T) {
	t.Parallel()
	commands := [][]string{
		nil, // no arguments means serve
		{"serve"},
		{"migrate"},
		{"migrate", "up"},
		{"migrate", "down"},
		{"migrate", "status"},
		{"user", "create", "--email", "a@example.com", "--password-stdin"},
		{"user", "create", "--email", "a@example.com"},
		{"user", "set-role", "--email", "a@example.com", "--role", "admin"},
		{"dev", "seed"},
	}
	for _, args := range commands {
		t.Run(fmt.Sprintf("%q", args), func(t *testing.T) {
			t.Parallel()
			c := newSQLiteCLI(t)
			c.env["HEARTH_SESSION_LIFETIME"] = "banana"
			errs := c.fails("HEARTH_SESSION_LIFETIME", "good password\n", args...)
			if !strings.HasPrefix(errs, "hearth: HEARTH_SESSION_LIFETIME: ") {
				t.Errorf("stderr %q: the variable should lead the message", errs)
			}
			c.noDatabaseFile("a refused configuration still created the database")
		})
	}
}

func TestCLIDatabaseThatCannotBeOpened(t *testing.T) {
	t.Parallel()
	c := newSQLiteCLI(t)
	// A directory is not a SQLite file.
	c.env["HEARTH_DATABASE"] = t.TempDir()
	c.fails("HEARTH_DATABASE", "", "migrate")
	c.fails("HEARTH_DATABASE", "good password\n", "user", "create", "--email", "a@example.com", "--password-stdin")
}

// HEARTH_DATABASE is documented as a SQLite file path: the file must be
// created at exactly that path, whatever characters the name holds.
func TestCLIDatabasePathIsTakenLiterally(t *testing.T) {
	t.Parallel()
	// Subtest names stay plain: t.TempDir puts them into the directory path.
	for _, tc := range []struct{ name, file string }{
		{"plain", "plain.db"},
		{"space", "with space.db"},
		{"bad_escape", "a%zz.db"},
		{"hash", "a#b.db"},
		{"question_mark", "a?b.db"},
		{"percent_escape", "a%20b.db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newSQLiteCLI(t)
			dir := t.TempDir()
			c.env["HEARTH_DATABASE"] = filepath.Join(dir, tc.file)
			c.ok("", "migrate")
			if _, err := os.Stat(c.env["HEARTH_DATABASE"]); err != nil {
				entries, _ := os.ReadDir(dir)
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("database not at %q (%v); the directory holds %q", tc.file, err, names)
			}
		})
	}
}
