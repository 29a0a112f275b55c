package testapp_test

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/testapp"
)

// TestTheBinaryLinksNoTestCode: the hearth binary's dependencies hold
// neither this harness nor anything else built for tests (all of it
// imports package testing).
func TestTheBinaryLinksNoTestCode(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("SKIPPED: go is not on PATH, so the binary's dependencies cannot be listed")
	}
	cmd := exec.Command(goBin, "list", "-deps", "github.com/hearth-app/hearth/cmd/hearth")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps listed only %q", deps)
	}
	for _, dep := range deps {
		switch {
		case dep == "testing", dep == "net/http/httptest",
			strings.HasSuffix(dep, "/internal/testapp"), strings.HasSuffix(dep, "/internal/testdb"):
			t.Errorf("the hearth binary depends on %s", dep)
		}
	}
}

// TestAServerAndItsClient: a server answers for its base URL, a client
// keeps its cookies, posts as a same-origin browser does, and signs up and
// in; the clock stands still until moved.
func TestAServerAndItsClient(t *testing.T) {
	t.Parallel()
	s := testapp.New(t, testapp.Options{})
	c := s.Client(t)
	if res := c.Get("/"); res.StatusCode != http.StatusOK || res.Doc.Find("[data-testid=home]").Length() != 1 {
		t.Fatalf("GET /: %d", res.StatusCode)
	}
	c.SignUp("harness@example.com", "correct horse battery staple")
	if c.SessionCookie() == nil {
		t.Fatal("signed up, but no session cookie in the jar")
	}
	if res := c.Get("/account"); res.StatusCode != http.StatusOK {
		t.Fatalf("GET /account after sign-up: %d", res.StatusCode)
	}
	other := s.Client(t)
	if res := other.Get("/account"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a second client shares the first one's cookies: %d", res.StatusCode)
	}
	if res := other.SignIn("harness@example.com", "correct horse battery staple"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("sign in: %d", res.StatusCode)
	}
	before := s.Clock.Now()
	if !s.Clock.Now().Equal(before) {
		t.Error("the clock moved by itself")
	}
	s.Clock.Advance(time.Hour)
	if got := s.Clock.Now().Sub(before); got != time.Hour {
		t.Errorf("Advance(1h) moved the clock by %v", got)
	}
	if !strings.Contains(s.Logs.String(), "/account") {
		t.Error("the app's log lines are not in Logs")
	}
}

// TestEnvTurnsOffWhatTestsWouldTrip: the configuration tests start from.
func TestEnvTurnsOffWhatTestsWouldTrip(t *testing.T) {
	t.Parallel()
	if env := testapp.Env(false); env["HEARTH_SIGNUP_MIN_FILL"] != "0" || env["HEARTH_RATE_SIGNIN_IP"] != "off" || env["HEARTH_RATE_SIGNUP_IP"] != "off" {
		t.Errorf("Env(false) = %v", env)
	}
	if env := testapp.Env(true); env["HEARTH_SIGNUP_MIN_FILL"] != "0" || env["HEARTH_RATE_SIGNIN_IP"] != "" {
		t.Errorf("Env(true) = %v: the rate limits should keep their configured values", env)
	}
}
