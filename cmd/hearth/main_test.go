package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	pwhash "github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/models"
)

// harness runs hearth against its own SQLite file in a temp dir.
type harness struct {
	t   *testing.T
	env map[string]string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return &harness{t: t, env: map[string]string{
		"HEARTH_DATABASE": filepath.Join(t.TempDir(), "hearth.db"),
	}}
}

func (h *harness) getenv(k string) string { return h.env[k] }

// exec runs hearth with args and stdin and returns the exit code and output.
func (h *harness) exec(stdin string, args ...string) (code int, stdout, stderr string) {
	h.t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb, h.getenv)
	return code, out.String(), errb.String()
}

// succeed runs hearth and fails the test unless it exits 0 with an empty
// stderr; it returns stdout.
func (h *harness) succeed(stdin string, args ...string) string {
	h.t.Helper()
	code, out, errs := h.exec(stdin, args...)
	if code != 0 || errs != "" {
		h.t.Fatalf("hearth %q: exit %d, stderr %q, stdout %q", args, code, errs, out)
	}
	return out
}

// fail runs hearth and checks the failure contract: a non-zero exit and
// exactly one stderr line starting "hearth: " that contains want.
func (h *harness) fail(want, stdin string, args ...string) string {
	h.t.Helper()
	code, _, errs := h.exec(stdin, args...)
	checkFailure(h.t, fmt.Sprintf("hearth %q", args), code, errs, want)
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

// openDB opens the harness database (the test closes it when done).
func (h *harness) openDB() *models.DB {
	h.t.Helper()
	db, err := models.Open(h.env["HEARTH_DATABASE"])
	if err != nil {
		h.t.Fatalf("models.Open: %v", err)
	}
	h.t.Cleanup(func() { db.Close() })
	return db
}

// lookup returns the stored user, or nil when there is none.
func (h *harness) lookup(email string) *models.User {
	h.t.Helper()
	db := h.openDB()
	u, err := models.UserByEmail(context.Background(), db, email)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		h.t.Fatalf("UserByEmail %s: %v", email, err)
	}
	return u
}

func (h *harness) signsIn(email, password string) bool {
	h.t.Helper()
	db := h.openDB()
	u, err := models.Authenticate(context.Background(), db, pwhash.NewHasher(1, time.Minute), email, password)
	return err == nil && u != nil
}

func TestRunHelp(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, arg := range []string{"help", "-h", "--help"} {
		out := h.succeed("", arg)
		for _, want := range []string{"hearth [serve]", "hearth migrate [up|down|status]", "hearth user create --email", "hearth user set-role --email"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: usage lacks %q:\n%s", arg, want, out)
			}
		}
	}
	if _, err := os.Stat(h.env["HEARTH_DATABASE"]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("help touched the database: %v", err)
	}
}

func TestRunUnknownCommand(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, cmd := range []string{"frobnicate", "Serve", "--version", ""} {
		code, out, errs := h.exec("", cmd)
		checkFailure(t, fmt.Sprintf("hearth %q", cmd), code, errs, "unknown command")
		if code != 1 {
			t.Errorf("hearth %q: exit %d, want 1", cmd, code)
		}
		if out != "" {
			t.Errorf("hearth %q: stdout %q, want nothing", cmd, out)
		}
	}
}

func TestRunMigrate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	// A fresh database: everything is pending.
	status := h.succeed("", "migrate", "status")
	lines := strings.Split(strings.TrimSuffix(status, "\n"), "\n")
	if len(lines) == 0 || strings.Contains(status, "applied") {
		t.Fatalf("status of a fresh database: %q", status)
	}
	for _, l := range lines {
		if !strings.HasSuffix(l, "pending") {
			t.Errorf("fresh status line %q is not pending", l)
		}
	}
	total := len(lines)

	if out := h.succeed("", "migrate"); out != fmt.Sprintf("applied %d migration(s)\n", total) {
		t.Errorf("migrate: %q, want %d applied", out, total)
	}
	if out := h.succeed("", "migrate", "up"); out != "applied 0 migration(s)\n" {
		t.Errorf("migrate up again: %q", out)
	}

	status = h.succeed("", "migrate", "status")
	lines = strings.Split(strings.TrimSuffix(status, "\n"), "\n")
	if len(lines) != total {
		t.Errorf("status has %d lines, want %d: %q", len(lines), total, status)
	}
	applied := regexp.MustCompile(`^\d{5}  \S+\s+applied \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$`)
	for _, l := range lines {
		if !applied.MatchString(l) {
			t.Errorf("status line after up %q is not applied", l)
		}
	}

	if out := h.succeed("", "migrate", "down"); out != "rolled back 1 migration\n" {
		t.Errorf("migrate down: %q", out)
	}
	status = h.succeed("", "migrate", "status")
	lines = strings.Split(strings.TrimSuffix(status, "\n"), "\n")
	if len(lines) != total || !strings.HasSuffix(lines[total-1], "pending") {
		t.Fatalf("status after down: %q", status)
	}
	if n := strings.Count(status, "pending"); n != 1 {
		t.Errorf("status after one down has %d pending, want 1: %q", n, status)
	}
	for _, l := range lines[:total-1] {
		if !applied.MatchString(l) {
			t.Errorf("status line %q should still be applied", l)
		}
	}

	// Up again re-applies exactly the rolled-back one.
	if out := h.succeed("", "migrate", "up"); out != "applied 1 migration(s)\n" {
		t.Errorf("migrate up after down: %q", out)
	}

	h.fail(`unknown action "sideways"`, "", "migrate", "sideways")
	h.fail(`unexpected argument "now"`, "", "migrate", "up", "now")
}

func TestRunMigrateDownOnEmptyDatabaseFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fail("migrate down", "", "migrate", "down")
}

func TestRunUserCreate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	out := h.succeed("correct horse battery\n", "user", "create", "--email", "a@example.com", "--name", "A", "--password-stdin")
	if !strings.HasPrefix(out, "created member a@example.com (id ") || strings.Contains(out, "generated password") || strings.Count(out, "\n") != 1 {
		t.Errorf("stdout %q", out)
	}
	if strings.Contains(out, "correct horse") {
		t.Errorf("stdout echoes the password: %q", out)
	}
	u := h.lookup("a@example.com")
	if u == nil {
		t.Fatal("user a@example.com was not stored")
	}
	if u.Role != models.RoleMember || u.Name != "A" || u.Email != "a@example.com" || u.PasswordHash == "" {
		t.Errorf("stored user %+v", u)
	}
	if !h.signsIn("a@example.com", "correct horse battery") {
		t.Error("the password from stdin does not authenticate")
	}
	if h.signsIn("a@example.com", "correct horse battery\n") || h.signsIn("a@example.com", "wrong password here") {
		t.Error("a wrong password authenticates")
	}

	// --admin gives the admin role; the email is normalized.
	out = h.succeed("another good secret\n", "user", "create", "--email", " Root@Example.COM ", "--admin", "--password-stdin")
	if !strings.HasPrefix(out, "created admin root@example.com") {
		t.Errorf("admin stdout %q", out)
	}
	if u := h.lookup("root@example.com"); u == nil || u.Role != models.RoleAdmin {
		t.Errorf("--admin stored %+v", u)
	}

	// Without --password-stdin a password is generated and printed once.
	out = h.succeed("ignored stdin\n", "user", "create", "--email", "gen@example.com")
	m := regexp.MustCompile(`(?m)^generated password \(shown once\): (\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no generated password in %q", out)
	}
	if len(m[1]) < models.MinPasswordLen {
		t.Errorf("generated password %q is too short", m[1])
	}
	if !h.signsIn("gen@example.com", m[1]) {
		t.Error("the generated password does not authenticate")
	}
	if h.signsIn("gen@example.com", "ignored stdin") {
		t.Error("stdin was used as the password without --password-stdin")
	}

	// Two generated passwords differ.
	out2 := h.succeed("", "user", "create", "--email", "gen2@example.com")
	if m2 := regexp.MustCompile(`shown once\): (\S+)`).FindStringSubmatch(out2); m2 == nil || m2[1] == m[1] {
		t.Errorf("second generated password %q vs %q", out2, m[1])
	}
}

func TestRunUserCreatePasswordFromStdin(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ stdin, password string }{
		"no trailing newline": {"no newline at all", "no newline at all"},
		"CRLF line ending":    {"windows line end\r\n", "windows line end"},
		"only the first line": {"first line secret\nsecond line\n", "first line secret"},
		"inner spaces kept":   {"  spaced  out  pass  \n", "  spaced  out  pass  "},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.succeed(tc.stdin, "user", "create", "--email", "p@example.com", "--password-stdin")
			if !h.signsIn("p@example.com", tc.password) {
				t.Errorf("stdin %q: password %q does not authenticate", tc.stdin, tc.password)
			}
		})
	}
}

func TestRunUserCreateFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
		email string // must not exist afterwards (unless it was the duplicate)
	}{
		{"duplicate email", "a different pass\n", []string{"--email", "taken@example.com", "--password-stdin"}, "already exists", ""},
		{"duplicate email other case", "a different pass\n", []string{"--email", "TAKEN@example.com", "--password-stdin"}, "already exists", ""},
		{"missing email", "good password\n", []string{"--password-stdin"}, "--email is required", ""},
		{"blank email", "good password\n", []string{"--email", "", "--password-stdin"}, "--email is required", ""},
		{"invalid email", "good password\n", []string{"--email", "not-an-email", "--password-stdin"}, "valid email address", "not-an-email"},
		{"email with display name", "good password\n", []string{"--email", "Bob <bob@example.com>", "--password-stdin"}, "valid email address", "bob@example.com"},
		{"empty stdin", "", []string{"--email", "empty@example.com", "--password-stdin"}, "stdin held no password", "empty@example.com"},
		{"stdin blank line", "\n", []string{"--email", "blank@example.com", "--password-stdin"}, "stdin held no password", "blank@example.com"},
		{"short password", "short\n", []string{"--email", "short@example.com", "--password-stdin"}, "at least 8", "short@example.com"},
		{"common password", "password\n", []string{"--email", "common@example.com", "--password-stdin"}, "too common", "common@example.com"},
		{"unknown flag", "", []string{"--email", "flag@example.com", "--superuser"}, "flag provided but not defined", "flag@example.com"},
		{"stray argument", "", []string{"--email", "stray@example.com", "extra"}, `unexpected argument "extra"`, "stray@example.com"},
		{"flag missing value", "", []string{"--email"}, "flag needs an argument", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.succeed("the first password\n", "user", "create", "--email", "taken@example.com", "--password-stdin")
			h.fail(tc.want, tc.stdin, append([]string{"user", "create"}, tc.args...)...)
			if tc.email != "" {
				if u := h.lookup(tc.email); u != nil {
					t.Errorf("a failed create stored %+v", u)
				}
			}
			// The existing user is untouched by a duplicate attempt.
			if !h.signsIn("taken@example.com", "the first password") {
				t.Error("the first user's password changed")
			}
		})
	}
}

func TestRunUserSetRole(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.succeed("bobs good password\n", "user", "create", "--email", "bob@example.com", "--password-stdin")
	if u := h.lookup("bob@example.com"); u == nil || u.Role != models.RoleMember {
		t.Fatalf("before: %+v", u)
	}

	if out := h.succeed("", "user", "set-role", "--email", "bob@example.com", "--role", "admin"); out != "bob@example.com is now admin\n" {
		t.Errorf("stdout %q", out)
	}
	if u := h.lookup("bob@example.com"); u == nil || u.Role != models.RoleAdmin {
		t.Errorf("after set-role admin: %+v", u)
	}
	// Setting the same role again is fine, and the email is matched case-insensitively.
	h.succeed("", "user", "set-role", "--email", "BOB@Example.com", "--role", "admin")
	h.succeed("", "user", "set-role", "--email", "bob@example.com", "--role", "member")
	if u := h.lookup("bob@example.com"); u == nil || u.Role != models.RoleMember {
		t.Errorf("after set-role member: %+v", u)
	}
	if !h.signsIn("bob@example.com", "bobs good password") {
		t.Error("set-role broke the password")
	}

	h.fail("no user with email nobody@example.com", "", "user", "set-role", "--email", "Nobody@example.com", "--role", "admin")
	h.fail(`--role must be admin or member, not "owner"`, "", "user", "set-role", "--email", "bob@example.com", "--role", "owner")
	h.fail(`--role must be admin or member, not "Admin"`, "", "user", "set-role", "--email", "bob@example.com", "--role", "Admin")
	h.fail("--email and --role are required", "", "user", "set-role", "--email", "bob@example.com")
	h.fail("--email and --role are required", "", "user", "set-role", "--role", "admin")
	h.fail("flag provided but not defined", "", "user", "set-role", "--email", "bob@example.com", "--role", "admin", "--force")
	h.fail(`unexpected argument "now"`, "", "user", "set-role", "--email", "bob@example.com", "--role", "admin", "now")
	if u := h.lookup("bob@example.com"); u == nil || u.Role != models.RoleMember {
		t.Errorf("a failed set-role changed the user: %+v", u)
	}
}

func TestRunUserWithoutSubcommand(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fail("missing subcommand", "", "user")
	h.fail(`unknown subcommand "delete"`, "", "user", "delete")
	h.fail(`unknown subcommand "--email"`, "", "user", "--email", "a@example.com")
}

func TestRunBadConfigNamesTheVariable(t *testing.T) {
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
	}
	for _, args := range commands {
		t.Run(fmt.Sprintf("%q", args), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.env["HEARTH_SESSION_LIFETIME"] = "banana"
			errs := h.fail("HEARTH_SESSION_LIFETIME", "good password\n", args...)
			if !strings.HasPrefix(errs, "hearth: HEARTH_SESSION_LIFETIME: ") {
				t.Errorf("stderr %q: the variable should lead the message", errs)
			}
			if _, err := os.Stat(h.env["HEARTH_DATABASE"]); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused configuration still created the database: %v", err)
			}
		})
	}
}

func TestRunDatabaseThatCannotBeOpened(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// A directory is not a SQLite file.
	h.env["HEARTH_DATABASE"] = t.TempDir()
	h.fail("HEARTH_DATABASE", "", "migrate")
	h.fail("HEARTH_DATABASE", "good password\n", "user", "create", "--email", "a@example.com", "--password-stdin")
}

// HEARTH_DATABASE is documented as a SQLite file path: the file must be
// created at exactly that path, whatever characters the name holds.
func TestRunDatabasePathIsTakenLiterally(t *testing.T) {
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
			h := newHarness(t)
			dir := t.TempDir()
			h.env["HEARTH_DATABASE"] = filepath.Join(dir, tc.file)
			h.succeed("", "migrate")
			if _, err := os.Stat(h.env["HEARTH_DATABASE"]); err != nil {
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

// freeAddr returns a 127.0.0.1 address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestRunServe(t *testing.T) {
	t.Parallel()
	for name, args := range map[string][]string{"serve": {"serve"}, "no arguments": nil} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			addr := freeAddr(t)
			h.env["HEARTH_ADDR"] = addr

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			type result struct {
				code        int
				out, stderr string
			}
			done := make(chan result, 1)
			go func() {
				var out, errb bytes.Buffer
				code := run(ctx, args, strings.NewReader(""), &out, &errb, h.getenv)
				done <- result{code, out.String(), errb.String()}
			}()

			client := &http.Client{Timeout: 2 * time.Second}
			healthy := false
			deadline := time.Now().Add(10 * time.Second)
		poll:
			for time.Now().Before(deadline) {
				select {
				case r := <-done:
					t.Fatalf("serve exited %d before answering /healthz: stderr %q", r.code, r.stderr)
				default:
				}
				res, err := client.Get("http://" + addr + "/healthz")
				if err == nil {
					res.Body.Close()
					if res.StatusCode == http.StatusOK {
						healthy = true
						break poll
					}
				}
				time.Sleep(50 * time.Millisecond)
			}
			cancel()
			select {
			case r := <-done:
				if r.code != 0 || r.stderr != "" {
					t.Errorf("serve after cancel: exit %d, stderr %q", r.code, r.stderr)
				}
				if !strings.Contains(r.out, "hearth listening") {
					t.Errorf("serve log lacks the listening line: %q", r.out)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("serve did not return within 5s of its context being cancelled")
			}
			if !healthy {
				t.Fatal("serve never answered GET /healthz with 200 within 10s")
			}
			// The port is released once serve has returned.
			if ln, err := net.Listen("tcp", addr); err != nil {
				t.Errorf("port still held after serve returned: %v", err)
			} else {
				ln.Close()
			}
			// serve ran the migrations first.
			if status := h.succeed("", "migrate", "status"); strings.Contains(status, "pending") {
				t.Errorf("serve left migrations pending: %q", status)
			}
		})
	}
}

func TestRunServeFailures(t *testing.T) {
	t.Parallel()
	t.Run("extra argument", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.env["HEARTH_ADDR"] = freeAddr(t)
		h.fail(`unexpected argument "extra-arg"`, "", "serve", "extra-arg")
		if _, err := os.Stat(h.env["HEARTH_DATABASE"]); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("serve with a bad argument still opened the database: %v", err)
		}
	})
	t.Run("address in use", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		h.env["HEARTH_ADDR"] = ln.Addr().String()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var out, errb bytes.Buffer
		code := run(ctx, []string{"serve"}, strings.NewReader(""), &out, &errb, h.getenv)
		checkFailure(t, "serve on a busy port", code, errb.String(), "HEARTH_ADDR")
	})
	t.Run("bad address", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.env["HEARTH_ADDR"] = "nonsense"
		h.fail("HEARTH_ADDR", "", "serve")
	})
}
