package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/syncbuf"
	"github.com/hearth-app/hearth/models"
)

func TestCLIUserCreate(t *testing.T) {
	t.Parallel()
	c := newCLI(t)

	out := c.ok("correct horse battery\n", "user", "create", "--email", "a@example.com", "--name", "A", "--password-stdin")
	if !strings.HasPrefix(out, "created member a@example.com (id ") || strings.Contains(out, "generated password") || strings.Count(out, "\n") != 1 {
		t.Errorf("stdout %q", out)
	}
	if strings.Contains(out, "correct horse") {
		t.Errorf("stdout echoes the password: %q", out)
	}
	u := c.user("a@example.com")
	if u == nil {
		t.Fatal("user a@example.com was not stored")
	}
	if u.Role != models.RoleMember || u.Name != "A" || u.Email != "a@example.com" || u.PasswordHash == "" {
		t.Errorf("stored user %+v", u)
	}
	if !c.signsIn("a@example.com", "correct horse battery") {
		t.Error("the password from stdin does not authenticate")
	}
	if c.signsIn("a@example.com", "correct horse battery\n") || c.signsIn("a@example.com", "wrong password here") {
		t.Error("a wrong password authenticates")
	}

	// --admin gives the admin role; the email is normalized.
	out = c.ok("another good secret\n", "user", "create", "--email", " Root@Example.COM ", "--admin", "--password-stdin")
	if !strings.HasPrefix(out, "created admin root@example.com") {
		t.Errorf("admin stdout %q", out)
	}
	if u := c.user("root@example.com"); u == nil || u.Role != models.RoleAdmin {
		t.Errorf("--admin stored %+v", u)
	}

	// Without --password-stdin a password is generated and printed once.
	out = c.ok("ignored stdin\n", "user", "create", "--email", "gen@example.com")
	m := regexp.MustCompile(`(?m)^generated password \(shown once\): (\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no generated password in %q", out)
	}
	if len(m[1]) < models.MinPasswordLen {
		t.Errorf("generated password %q is too short", m[1])
	}
	if !c.signsIn("gen@example.com", m[1]) {
		t.Error("the generated password does not authenticate")
	}
	if c.signsIn("gen@example.com", "ignored stdin") {
		t.Error("stdin was used as the password without --password-stdin")
	}

	// Two generated passwords differ.
	out2 := c.ok("", "user", "create", "--email", "gen2@example.com")
	if m2 := regexp.MustCompile(`shown once\): (\S+)`).FindStringSubmatch(out2); m2 == nil || m2[1] == m[1] {
		t.Errorf("second generated password %q vs %q", out2, m[1])
	}
}

func TestCLIUserCreatePasswordFromStdin(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ stdin, password string }{
		"no trailing newline": {"no newline at all", "no newline at all"},
		"CRLF line ending":    {"windows line end\r\n", "windows line end"},
		"only the first line": {"first line secret\nsecond line\n", "first line secret"},
		"inner spaces kept":   {"  spaced  out  pass  \n", "  spaced  out  pass  "},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t)
			c.ok(tc.stdin, "user", "create", "--email", "p@example.com", "--password-stdin")
			if !c.signsIn("p@example.com", tc.password) {
				t.Errorf("stdin %q: password %q does not authenticate", tc.stdin, tc.password)
			}
		})
	}
}

func TestCLIUserCreateFailures(t *testing.T) {
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
		{"no flags at all", "", nil, "--email is required", ""},
		{"blank email", "good password\n", []string{"--email", "", "--password-stdin"}, "--email is required", ""},
		{"invalid email", "good password\n", []string{"--email", "not-an-email", "--password-stdin"}, "valid email address", "not-an-email"},
		{"invalid email, generated password", "", []string{"--email", "not-an-email"}, "valid email address", "not-an-email"},
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
			c := newCLI(t)
			c.ok("the first password\n", "user", "create", "--email", "taken@example.com", "--password-stdin")
			c.fails(tc.want, tc.stdin, append([]string{"user", "create"}, tc.args...)...)
			if tc.email != "" {
				if u := c.user(tc.email); u != nil {
					t.Errorf("a failed create stored %+v", u)
				}
			}
			// The existing user is untouched by a duplicate attempt.
			if !c.signsIn("taken@example.com", "the first password") {
				t.Error("the first user's password changed")
			}
		})
	}
}

func TestCLIUserSetRole(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.ok("bobs good password\n", "user", "create", "--email", "bob@example.com", "--password-stdin")
	if u := c.user("bob@example.com"); u == nil || u.Role != models.RoleMember {
		t.Fatalf("before: %+v", u)
	}

	if out := c.ok("", "user", "set-role", "--email", "bob@example.com", "--role", "admin"); out != "bob@example.com is now admin\n" {
		t.Errorf("stdout %q", out)
	}
	if u := c.user("bob@example.com"); u == nil || u.Role != models.RoleAdmin {
		t.Errorf("after set-role admin: %+v", u)
	}
	// Setting the same role again is fine, and the email is matched case-insensitively.
	c.ok("", "user", "set-role", "--email", "BOB@Example.com", "--role", "admin")
	c.ok("", "user", "set-role", "--email", "bob@example.com", "--role", "member")
	if u := c.user("bob@example.com"); u == nil || u.Role != models.RoleMember {
		t.Errorf("after set-role member: %+v", u)
	}
	if !c.signsIn("bob@example.com", "bobs good password") {
		t.Error("set-role broke the password")
	}

	c.fails("no user with email nobody@example.com", "", "user", "set-role", "--email", "Nobody@example.com", "--role", "admin")
	c.fails(`--role must be admin or member, not "owner"`, "", "user", "set-role", "--email", "bob@example.com", "--role", "owner")
	c.fails(`--role must be admin or member, not "Admin"`, "", "user", "set-role", "--email", "bob@example.com", "--role", "Admin")
	c.fails("--email and --role are required", "", "user", "set-role", "--email", "bob@example.com")
	c.fails("--email and --role are required", "", "user", "set-role", "--role", "admin")
	c.fails("flag provided but not defined", "", "user", "set-role", "--email", "bob@example.com", "--role", "admin", "--force")
	c.fails(`unexpected argument "now"`, "", "user", "set-role", "--email", "bob@example.com", "--role", "admin", "now")
	if u := c.user("bob@example.com"); u == nil || u.Role != models.RoleMember {
		t.Errorf("a failed set-role changed the user: %+v", u)
	}
}

func TestCLIUserWithoutSubcommand(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.fails("missing subcommand", "", "user")
	c.fails(`unknown subcommand "delete"`, "", "user", "delete")
	c.fails(`unknown subcommand "--email"`, "", "user", "--email", "a@example.com")
}

// TestCLIUserCreateAdminIsVerified: `hearth user create --admin` makes an
// admin whose address counts as verified (an operator typed it; no link was
// mailed), so signing in shows no "we sent a link" notice and the admin
// panel opens. The accented name is found by the admin search unaccented.
func TestCLIUserCreateAdminIsVerified(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.ok("a long admin password\n", "user", "create", "--email", "root@example.com", "--name", "Zoë Root", "--admin", "--password-stdin")
	u := c.user("root@example.com")
	if u == nil || u.Role != models.RoleAdmin || u.EmailVerifiedAt == nil || u.PasswordUnproven {
		t.Fatalf("stored %+v, want a verified admin with a proven password", u)
	}
	db := c.openDB()
	var mails int64
	if err := db.Read.Table("outbox").Count(&mails).Error; err != nil || mails != 0 {
		t.Errorf("%d mails queued (%v), want none", mails, err)
	}
	if list, err := models.ListUsers(t.Context(), db, models.UserQuery{Search: "zoe root"}); err != nil || list.Total != 1 {
		t.Errorf("the search for the unaccented name: %+v, %v", list.Total, err)
	}

	addr := freeAddr(t)
	c.env["HEARTH_ADDR"], c.env["HEARTH_BASE_URL"] = addr, "http://"+addr
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out, errb syncbuf.Buffer
	go func() { done <- run(ctx, []string{"serve"}, strings.NewReader(""), &out, &errb, c.getenv) }()
	defer func() { cancel(); <-done }()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if res, err := browser.Get("http://" + addr + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s %s", out.String(), errb.String())
		}
	}
	res, err := browser.PostForm("http://"+addr+"/login", url.Values{"email": {"root@example.com"}, "password": {"a long admin password"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
		t.Fatalf("sign-in: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	for _, path := range []string{"/account", "/admin"} {
		res, err := browser.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", path, res.StatusCode)
		}
		if strings.Contains(string(body), "unverified-notice") || strings.Contains(string(body), "we sent a link") {
			t.Errorf("%s tells the admin a link was sent", path)
		}
	}
}
