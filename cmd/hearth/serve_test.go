package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/syncbuf"
)

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

func TestCLIServe(t *testing.T) {
	t.Parallel()
	for name, args := range map[string][]string{"serve": {"serve"}, "no arguments": nil} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t)
			addr := freeAddr(t)
			c.env["HEARTH_ADDR"], c.env["HEARTH_BASE_URL"] = addr, "http://"+addr

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			type result struct {
				code        int
				out, stderr string
			}
			done := make(chan result, 1)
			go func() {
				var out, errb bytes.Buffer
				code := run(ctx, args, strings.NewReader(""), &out, &errb, c.getenv)
				done <- result{code, out.String(), errb.String()}
			}()

			client := &http.Client{Timeout: 2 * time.Second}
			healthy := false
			deadline := time.Now().Add(15 * time.Second)
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
				if strings.Contains(r.out, "level=WARN") {
					t.Errorf("a development server on this machine is warned about:\n%s", r.out)
				}
			case <-time.After(15 * time.Second):
				t.Fatal("serve did not return within 15s of its context being cancelled (SIGTERM)")
			}
			if !healthy {
				t.Fatal("serve never answered GET /healthz with 200 within 15s")
			}
			// The port is released once serve has returned.
			if ln, err := net.Listen("tcp", addr); err != nil {
				t.Errorf("port still held after serve returned: %v", err)
			} else {
				ln.Close()
			}
			// serve ran the migrations first.
			if status := c.ok("", "migrate", "status"); strings.Contains(status, "pending") {
				t.Errorf("serve left migrations pending: %q", status)
			}
		})
	}
}

func TestCLIServeFailures(t *testing.T) {
	t.Parallel()
	t.Run("extra argument", func(t *testing.T) {
		t.Parallel()
		c := newSQLiteCLI(t)
		c.env["HEARTH_ADDR"] = freeAddr(t)
		c.fails(`unexpected argument "extra-arg"`, "", "serve", "extra-arg")
		c.fails(`unexpected argument "extra"`, "", "serve", "extra")
		c.noDatabaseFile("serve with a bad argument still opened the database")
	})
	t.Run("address in use", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		c.env["HEARTH_ADDR"] = ln.Addr().String()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var out, errb bytes.Buffer
		code := run(ctx, []string{"serve"}, strings.NewReader(""), &out, &errb, c.getenv)
		checkFailure(t, "serve on a busy port", code, errb.String(), "HEARTH_ADDR")
	})
	t.Run("bad address", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		c.env["HEARTH_ADDR"] = "nonsense"
		c.fails("HEARTH_ADDR", "", "serve")
	})
}

// A development start that other machines can reach says so loudly, naming
// the variables.
func TestCLIServeWarnsWhenDevelopmentFacesTheNetwork(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.env["HEARTH_ADDR"] = "0.0.0.0:0"
	c.env["HEARTH_BASE_URL"] = "http://192.0.2.10:8080"
	out := startLog(t, c)
	for _, variable := range []string{"HEARTH_ADDR", "HEARTH_BASE_URL"} {
		if !regexp.MustCompile(`level=WARN msg="` + variable + `: `).MatchString(out) {
			t.Errorf("no WARN line about %s in:\n%s", variable, out)
		}
	}
}

// HEARTH_ADDR set alone to another port: the links in mail still point at
// http://localhost:8080, where nothing answers. The start says so, naming
// the variable to set.
func TestCLIServeWarnsWhenLinksMissTheServer(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	c.env["HEARTH_ADDR"] = addr
	out := startLog(t, c)
	if !regexp.MustCompile(`level=WARN msg="HEARTH_BASE_URL: .*localhost:8080.* port 8080 .*` + regexp.QuoteMeta(addr) + `.*HEARTH_BASE_URL=http://localhost:` + port).MatchString(out) {
		t.Errorf("no WARN line about the base URL's port in:\n%s", out)
	}
	if strings.Contains(out, `msg="HEARTH_ADDR:`) {
		t.Errorf("a loopback address is warned about:\n%s", out)
	}
}

// startLog starts hearth serve, stops it once it listens, and returns its log.
func startLog(t *testing.T, c *cli) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	var out, errb syncbuf.Buffer
	go func() {
		done <- run(ctx, []string{"serve"}, strings.NewReader(""), &out, &errb, c.getenv)
	}()
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(out.String(), "hearth listening"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s %s", out.String(), errb.String())
		}
	}
	cancel()
	<-done
	return out.String()
}

// On SIGTERM, serve first turns keep-alives off and keeps answering for
// drainGrace, so that a client's next request on a kept-alive connection
// (which Shutdown would close under it) is answered, with Connection:
// close, on a new connection; then it shuts down.
func TestCLIServeDrainsKeepAlivesFirst(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	addr := freeAddr(t)
	c.env["HEARTH_ADDR"] = addr
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		var out, errb bytes.Buffer
		done <- run(ctx, []string{"serve"}, strings.NewReader(""), &out, &errb, c.getenv)
	}()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK && !res.Close {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("serve never answered /healthz")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	time.Sleep(drainGrace / 4)
	res, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("a request right after SIGTERM: %v", err)
	}
	res.Body.Close()
	if !res.Close {
		t.Errorf("a response while draining keeps the connection alive")
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d", code)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not return after SIGTERM")
	}
}
