package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	pwhash "github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/internal/syncbuf"
	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

type cli struct {
	t   *testing.T
	env map[string]string
}

func newCLI(t *testing.T) *cli {
	return &cli{t: t, env: map[string]string{"HEARTH_DATABASE": testdb.DSN(t)}}
}

// run executes hearth with args and stdin; it returns the exit code and output.
func (c *cli) run(stdin string, args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(k string) string { return c.env[k] })
	return code, out.String(), errb.String()
}

func (c *cli) ok(stdin string, args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(stdin, args...)
	if code != 0 || errs != "" {
		c.t.Fatalf("hearth %v: exit %d, stderr %q", args, code, errs)
	}
	return out
}

// fails asserts a non-zero exit with exactly one "hearth: " line on stderr
// that contains want.
func (c *cli) fails(want, stdin string, args ...string) {
	c.t.Helper()
	code, _, errs := c.run(stdin, args...)
	if code == 0 {
		c.t.Fatalf("hearth %v succeeded, want failure", args)
	}
	if !strings.HasPrefix(errs, "hearth: ") || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, want) {
		c.t.Errorf("hearth %v: stderr %q, want one line containing %q", args, errs, want)
	}
}

func (c *cli) user(email string) *models.User {
	c.t.Helper()
	db, err := models.Open(c.env["HEARTH_DATABASE"])
	if err != nil {
		c.t.Fatal(err)
	}
	defer db.Close()
	u, err := models.UserByEmail(context.Background(), db, email)
	if err != nil {
		c.t.Fatalf("user %s: %v", email, err)
	}
	return u
}

func (c *cli) authenticates(email, password string) bool {
	c.t.Helper()
	db, _ := models.Open(c.env["HEARTH_DATABASE"])
	defer db.Close()
	_, err := models.Authenticate(context.Background(), db, pwhash.NewHasher(1, time.Minute), email, password)
	return err == nil
}

func TestCLIHelpAndUnknownCommands(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	if out := c.ok("", "help"); !strings.Contains(out, "hearth user create") {
		t.Errorf("help: %q", out)
	}
	c.fails(`unknown command "frobnicate"`, "", "frobnicate")
	c.fails("missing subcommand", "", "user")
	c.fails(`unknown subcommand "delete-everything"`, "", "user", "delete-everything")
}

func TestCLIMigrate(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	if out := c.ok("", "migrate"); !regexp.MustCompile(`applied [1-9]\d* migration`).MatchString(out) {
		t.Errorf("migrate: %q", out)
	}
	if out := c.ok("", "migrate", "up"); out != "applied 0 migration(s)\n" {
		t.Errorf("second migrate up: %q", out)
	}
	if out := c.ok("", "migrate", "status"); !strings.Contains(out, "applied") || strings.Contains(out, "pending") {
		t.Errorf("status after up: %q", out)
	}
	c.ok("", "migrate", "down")
	if out := c.ok("", "migrate", "status"); !strings.Contains(out, "pending") {
		t.Errorf("status after down: %q", out)
	}
	c.fails(`unknown action "sideways"`, "", "migrate", "sideways")
	c.fails("unexpected argument", "", "migrate", "up", "now")
}

func TestCLIUserCreate(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	out := c.ok("a sturdy passphrase\n", "user", "create", "--email", " Ada@Example.com ", "--name", "Ada", "--password-stdin")
	if !strings.Contains(out, "created member ada@example.com") {
		t.Errorf("stdout %q", out)
	}
	if u := c.user("ada@example.com"); u.Role != models.RoleMember || u.Name != "Ada" {
		t.Errorf("stored %+v", u)
	}
	if !c.authenticates("ada@example.com", "a sturdy passphrase") {
		t.Error("the stdin password does not sign in")
	}

	c.ok("another sturdy one\n", "user", "create", "--email", "root@example.com", "--admin", "--password-stdin")
	if c.user("root@example.com").Role != models.RoleAdmin {
		t.Error("--admin did not make an admin")
	}

	out = c.ok("", "user", "create", "--email", "gen@example.com")
	m := regexp.MustCompile(`generated password \(shown once\): (\S+)`).FindStringSubmatch(out)
	if m == nil || !c.authenticates("gen@example.com", m[1]) {
		t.Errorf("generated password missing or not working: %q", out)
	}

	c.fails("already exists", "x sturdy passphrase\n", "user", "create", "--email", "ADA@example.com", "--password-stdin")
	c.fails("--email is required", "", "user", "create")
	c.fails("valid email", "", "user", "create", "--email", "not-an-email")
	c.fails("stdin held no password", "", "user", "create", "--email", "empty@example.com", "--password-stdin")
	c.fails("at least 8", "short\n", "user", "create", "--email", "short@example.com", "--password-stdin")
	c.fails("flag provided but not defined", "", "user", "create", "--email", "x@example.com", "--superuser")
}

func TestCLIUserSetRole(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.ok("a sturdy passphrase\n", "user", "create", "--email", "bob@example.com", "--password-stdin")
	if out := c.ok("", "user", "set-role", "--email", "BOB@example.com", "--role", "admin"); !strings.Contains(out, "bob@example.com is now admin") {
		t.Errorf("stdout %q", out)
	}
	if c.user("bob@example.com").Role != models.RoleAdmin {
		t.Error("role not changed")
	}
	c.fails("no user with email nobody@example.com", "", "user", "set-role", "--email", "nobody@example.com", "--role", "admin")
	c.fails("--role must be admin or member", "", "user", "set-role", "--email", "bob@example.com", "--role", "owner")
	c.fails("--email and --role are required", "", "user", "set-role", "--email", "bob@example.com")
}

func TestCLIBadConfigurationNamesTheVariable(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.env["HEARTH_SESSION_LIFETIME"] = "banana"
	for _, args := range [][]string{{"serve"}, {"migrate"}, {"user", "set-role", "--email", "a@b.co", "--role", "admin"}} {
		c.fails("HEARTH_SESSION_LIFETIME", "", args...)
	}
}

func TestCLIServeStartsAndStopsGracefully(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c.env["HEARTH_ADDR"] = addr

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out, errb bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve"}, strings.NewReader(""), &out, &errb, func(k string) string { return c.env[k] })
	}()
	healthy := false
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		res, err := http.Get(fmt.Sprintf("http://%s/healthz", addr))
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				healthy = true
				break
			}
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d after SIGTERM-like cancel: %s", code, errb.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
	if !healthy {
		t.Fatalf("serve never answered /healthz; stderr %q", errb.String())
	}
	if strings.Contains(out.String(), "level=WARN") {
		t.Errorf("a development server on this machine is warned about:\n%s", out.String())
	}
	c.fails(`unexpected argument "extra"`, "", "serve", "extra")
}

func TestCLIDevSeed(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	out := c.ok("", "dev", "seed", "--users", "300")
	if !strings.Contains(out, "300") {
		t.Errorf("stdout %q", out)
	}
	db, err := models.Open(c.env["HEARTH_DATABASE"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	db.Read.Raw("SELECT count(*) FROM users").Scan(&n)
	if n < 300 {
		t.Errorf("%d users after seeding 300", n)
	}
	// Seeded users share a public password: no admins among them unless asked.
	c.ok("", "dev", "seed", "--users", "20000", "--seed", "2")
	var admins int64
	db.Read.Raw("SELECT count(*) FROM users WHERE role = 'admin'").Scan(&admins)
	if admins != 0 {
		t.Errorf("dev seed made %d admins without --admins", admins)
	}
	c.ok("", "dev", "seed", "--users", "20000", "--seed", "3", "--admins")
	db.Read.Raw("SELECT count(*) FROM users WHERE role = 'admin'").Scan(&admins)
	if admins == 0 {
		t.Error("dev seed --admins made no admin in 20,000 users")
	}
	c.fails("--users must be between", "", "dev", "seed", "--users", "0")
	c.fails("unknown or missing subcommand", "", "dev")
	c.env["HEARTH_ENV"] = "production"
	c.env["HEARTH_BASE_URL"] = "https://app.example.com"
	c.env["HEARTH_SMTP_URL"] = "smtp://u:p@smtp.example.com:587"
	c.fails("refused with HEARTH_ENV=production", "", "dev", "seed")
}

// A development start that other machines can reach says so loudly, naming
// the variables.
func TestCLIServeWarnsWhenDevelopmentFacesTheNetwork(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.env["HEARTH_ADDR"] = "0.0.0.0:0"
	c.env["HEARTH_BASE_URL"] = "http://192.0.2.10:8080"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	var out, errb syncbuf.Buffer
	go func() {
		done <- run(ctx, []string{"serve"}, strings.NewReader(""), &out, &errb, func(k string) string { return c.env[k] })
	}()
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(out.String(), "hearth listening"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s %s", out.String(), errb.String())
		}
	}
	cancel()
	<-done
	for _, variable := range []string{"HEARTH_ADDR", "HEARTH_BASE_URL"} {
		if !regexp.MustCompile(`level=WARN msg="` + variable + `: `).MatchString(out.String()) {
			t.Errorf("no WARN line about %s in:\n%s", variable, out.String())
		}
	}
}
