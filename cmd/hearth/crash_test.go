package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

// TestCrashKeepsAcknowledgedWrites is the kill -9 durability check (make
// crashtest; HEARTH_CRASHTEST=1, it takes a minute or so): the built binary
// serves sign-ups from several clients at once and is killed with SIGKILL
// mid-load, several times, restarting on the same database; every sign-up
// that was answered 303 must be there afterwards. It runs on SQLite, and on
// PostgreSQL when HEARTH_TEST_POSTGRES_URL is set.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if os.Getenv("HEARTH_CRASHTEST") != "1" {
		t.Skip("the kill -9 durability check: make crashtest (HEARTH_CRASHTEST=1)")
	}
	bin := filepath.Join(t.TempDir(), "hearth")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dsn := testdb.DSN(t)
	const rounds, clients = 5, 8
	acked := map[string]bool{}
	var mu sync.Mutex
	for round := range rounds {
		addr := freeAddr(t)
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(os.Environ(), "HEARTH_ENV=development", "HEARTH_ADDR="+addr, "HEARTH_BASE_URL=http://"+addr,
			"HEARTH_DATABASE="+dsn, "HEARTH_SIGNUP_MIN_FILL=0", "HEARTH_RATE_SIGNUP_IP=off", "HEARTH_RATE_SIGNIN_IP=off",
			"HEARTH_RATE_SIGNIN_ACCOUNT=off", "HEARTH_SECRET_KEY="+testSecretKey)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, addr)
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		var n atomic.Int64
		for w := range clients {
			wg.Go(func() {
				client := &http.Client{Timeout: 10 * time.Second,
					CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				for i := 0; ctx.Err() == nil; i++ {
					email := fmt.Sprintf("r%d-w%d-%d@example.com", round, w, i)
					form := url.Values{"name": {"Crash"}, "email": {email}, "password": {"correct horse battery staple"}}
					req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/signup", strings.NewReader(form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("Origin", "http://"+addr)
					req.Header.Set("Sec-Fetch-Site", "same-origin")
					res, err := client.Do(req)
					if err != nil {
						continue // killed mid-request: not acknowledged
					}
					res.Body.Close()
					if res.StatusCode == http.StatusSeeOther {
						mu.Lock()
						acked[email] = true
						mu.Unlock()
						n.Add(1)
					}
				}
			})
		}
		time.Sleep(2*time.Second + time.Duration(round)*300*time.Millisecond)
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		_ = cmd.Wait()
		stop()
		wg.Wait()
		t.Logf("round %d: %d sign-ups acknowledged before kill -9", round, n.Load())
	}

	db, err := models.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stored []string
	if err := db.Read.Raw("SELECT email FROM users").Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, e := range stored {
		have[e] = true
	}
	missing := 0
	for e := range acked {
		if !have[e] {
			missing++
			if missing <= 5 {
				t.Errorf("acknowledged sign-up %s is missing after kill -9", e)
			}
		}
	}
	t.Logf("%d acknowledged sign-ups across %d kills, %d missing (%s)", len(acked), rounds, missing, db.Dialect)
	if len(acked) == 0 {
		t.Fatal("no sign-up was acknowledged: the load did not run")
	}
}

// waitHealthy waits for /healthz at addr to answer 200.
func waitHealthy(t *testing.T, addr string) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if res, err := client.Get("http://" + addr + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("hearth at %s never became healthy", addr)
}
