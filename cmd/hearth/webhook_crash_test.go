package main

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

// TestCrashKeepsQueuedWebhooks: the built binary commits a sign-up (and
// with it the user.created event and its delivery job), makes a first
// attempt that fails, and is killed with SIGKILL before its retry; a new
// instance on the same database delivers the event, with the same
// webhook-id. The event lives in the database from the commit on, not in
// the process.
func TestCrashKeepsQueuedWebhooks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := filepath.Join(t.TempDir(), "hearth")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i + 1)
	}
	dsn := testdb.DSN(t)

	var mu sync.Mutex
	var ids []string
	first := make(chan struct{})
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		ids = append(ids, r.Header.Get("webhook-id"))
		if len(ids) == 1 {
			close(first)
			w.WriteHeader(http.StatusServiceUnavailable) // retried in about 5 s
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()

	db, err := models.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.MigrateUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	ep, err := models.CreateWebhookEndpoint(t.Context(), db, key, time.Now(), models.AuditEvent{}, models.WebhookInput{URL: recv.URL, EventTypes: []string{"user.created"}})
	if err != nil {
		t.Fatal(err)
	}

	start := func() (*exec.Cmd, string) {
		addr := freeAddr(t)
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(os.Environ(), "HEARTH_ENV=development", "HEARTH_ADDR="+addr, "HEARTH_BASE_URL=http://"+addr,
			"HEARTH_DATABASE="+dsn, "HEARTH_SIGNUP_MIN_FILL=0", "HEARTH_SECRET_KEY="+base64.StdEncoding.EncodeToString(key))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, addr)
		return cmd, addr
	}
	cmd, addr := start()
	form := url.Values{"name": {"Crash"}, "email": {"crash@example.com"}, "password": {"correct horse battery staple"}}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/signup", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+addr)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-up: %d", res.StatusCode)
	}
	select {
	case <-first:
	case <-time.After(20 * time.Second):
		t.Fatal("no first attempt")
	}
	// Once River has recorded the failed attempt (the job waits for its
	// retry: retryable, or available at a later time when the retry is
	// near), kill. (A kill during an attempt leaves the job running, to be
	// rescued after jobs.RescueStuckJobsAfter.)
	t0 := time.Now()
	last := ""
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var state string
		if err := db.Write.Raw("SELECT state || ':' || attempt FROM river_job WHERE kind = 'webhook'").Scan(&state).Error; err != nil {
			t.Fatal(err)
		}

		if state != last {
			t.Logf("%v: %s", time.Since(t0), state)
			last = state
		}
		if state == "retryable:1" || state == "available:1" {
			break
		}
		if time.Now().After(deadline) {
			var all []string
			db.Write.Raw("SELECT kind || ':' || state || ':' || attempt FROM river_job").Scan(&all)
			mu.Lock()
			t.Fatalf("the job is %q, not waiting for its retry: %v, requests %v", state, all, ids)
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL, before the retry
		t.Fatal(err)
	}
	_ = cmd.Wait()

	cmd, _ = start()
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for {
		mu.Lock()
		n := len(ids)
		mu.Unlock()
		if n >= 2 {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the event was not delivered after the restart")
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if ids[0] != ids[1] || len(ids) != 2 {
		t.Fatalf("webhook-ids %v: want the same message twice", ids)
	}
	// The worker logs the attempt once the receiver has answered: wait for
	// the row, not only for the request.
	var ds []models.WebhookDelivery
	for {
		ds, err = models.WebhookDeliveries(t.Context(), db, ep.ID, 10)
		if err != nil || len(ds) >= 2 || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || len(ds) != 2 || ds[0].StatusCode != http.StatusNoContent || ds[1].StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("delivery log %+v, %v", ds, err)
	}
}
