package config

import (
	"os"
	"strings"
	"testing"
)

// prodEnv is the least a production start needs.
var prodEnv = map[string]string{
	"HEARTH_ENV":        "production",
	"HEARTH_BASE_URL":   "https://app.example.com",
	"HEARTH_SMTP_URL":   "smtp://user:pass@smtp.example.com:587",
	"HEARTH_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
}

// In development the server listens on this machine only unless told
// otherwise; in production (a container, behind a load balancer) on every
// interface.
func TestListenAddressDefaultsToLoopbackInDevelopment(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"development", nil, "127.0.0.1:8080"},
		{"production", prodEnv, ":8080"},
		{"development, set", map[string]string{"HEARTH_ADDR": "0.0.0.0:9000"}, "0.0.0.0:9000"},
		{"production, set", merged(prodEnv, map[string]string{"HEARTH_ADDR": "10.0.0.5:8080"}), "10.0.0.5:8080"},
	} {
		c, err := Load(mapEnv(tc.env))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if c.Addr != tc.want {
			t.Errorf("%s: Addr = %q, want %q", tc.name, c.Addr, tc.want)
		}
	}
}

// A development server reachable from other machines (its mailbox is not,
// but nothing else of it is meant for the internet) is warned about, naming
// the variable.
func TestWarningsForADevelopmentServerOthersCanReach(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string // the variables warned about
	}{
		{"defaults", nil, nil},
		{"loopback names", map[string]string{"HEARTH_ADDR": "localhost:3000", "HEARTH_BASE_URL": "http://127.0.0.1:3000"}, nil},
		{"IPv6 loopback", map[string]string{"HEARTH_ADDR": "[::1]:8080", "HEARTH_BASE_URL": "http://[::1]:8080"}, nil},
		{"all interfaces", map[string]string{"HEARTH_ADDR": ":8080"}, []string{"HEARTH_ADDR"}},
		{"all IPv4 interfaces", map[string]string{"HEARTH_ADDR": "0.0.0.0:8080"}, []string{"HEARTH_ADDR"}},
		{"all IPv6 interfaces", map[string]string{"HEARTH_ADDR": "[::]:8080"}, []string{"HEARTH_ADDR"}},
		{"a LAN address", map[string]string{"HEARTH_ADDR": "192.168.1.5:8080"}, []string{"HEARTH_ADDR"}},
		{"a host name", map[string]string{"HEARTH_ADDR": "devbox.example:8080"}, []string{"HEARTH_ADDR"}},
		{"public base URL", map[string]string{"HEARTH_BASE_URL": "https://app.example.com"}, []string{"HEARTH_BASE_URL"}},
		{"LAN base URL and address", map[string]string{"HEARTH_ADDR": "0.0.0.0:8080", "HEARTH_BASE_URL": "http://192.168.1.5:8080"}, []string{"HEARTH_ADDR", "HEARTH_BASE_URL"}},
		{"production", merged(prodEnv, map[string]string{"HEARTH_ADDR": "0.0.0.0:8080"}), nil},
		// Links point at the base URL: on this machine, at another port than
		// the server's, they lead nowhere.
		{"address alone, another port", map[string]string{"HEARTH_ADDR": "127.0.0.1:3000"}, []string{"HEARTH_BASE_URL"}},
		{"base URL alone, another port", map[string]string{"HEARTH_BASE_URL": "http://localhost:3000"}, []string{"HEARTH_BASE_URL"}},
		{"both, same port", map[string]string{"HEARTH_ADDR": "127.0.0.1:3000", "HEARTH_BASE_URL": "http://localhost:3000"}, nil},
		{"base URL without a port", map[string]string{"HEARTH_ADDR": "127.0.0.1:80", "HEARTH_BASE_URL": "http://localhost"}, nil},
		{"https base URL without a port", map[string]string{"HEARTH_ADDR": "127.0.0.1:8443", "HEARTH_BASE_URL": "https://localhost"}, []string{"HEARTH_BASE_URL"}},
		{"all interfaces, another port", map[string]string{"HEARTH_ADDR": ":3000"}, []string{"HEARTH_ADDR", "HEARTH_BASE_URL"}},
		{"production, another port", merged(prodEnv, map[string]string{"HEARTH_ADDR": ":9000"}), nil}, // behind its proxy
	} {
		c, err := Load(mapEnv(tc.env))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := c.Warnings()
		if len(got) != len(tc.want) {
			t.Errorf("%s: warnings %q, want one for each of %v", tc.name, got, tc.want)
			continue
		}
		for i, w := range got {
			if !strings.HasPrefix(w, tc.want[i]+":") || strings.ContainsAny(w, "\r\n") {
				t.Errorf("%s: warning %q does not name %s in one line", tc.name, w, tc.want[i])
			}
		}
	}
}

// The container image runs in production unless told otherwise, so a
// forgotten HEARTH_ENV fails closed: without an https base URL and SMTP it
// does not start, and there is no dev mailbox.
func TestDockerImageRunsInProduction(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != "ENV" {
			continue
		}
		for _, kv := range fields[1:] {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
	}
	if env["HEARTH_ENV"] != Production {
		t.Errorf("the Dockerfile sets HEARTH_ENV=%q, want production", env["HEARTH_ENV"])
	}
	if _, err := Load(mapEnv(env)); err == nil {
		t.Error("the image starts with nothing but its own ENV: no https base URL or SMTP was asked for")
	}
	c, err := Load(mapEnv(merged(env, prodEnv)))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" {
		t.Errorf("the container listens on %q, want every interface (:8080)", c.Addr)
	}
}
