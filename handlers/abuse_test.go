package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/password"
)

func retryAfter(t *testing.T, res *response) int {
	t.Helper()
	expectStatus(t, res, http.StatusTooManyRequests)
	n, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil || n < 1 {
		t.Fatalf("429 without a usable Retry-After: %q", res.Header.Get("Retry-After"))
	}
	// The error page, or for sign-in the form again with the message.
	if res.Doc.Find("[data-testid=error-page], [data-testid=login] [data-testid=form-error]").Length() != 1 || !strings.Contains(res.Body, "wait") {
		t.Error("the 429 page does not say how long to wait")
	}
	return n
}

func TestSignInThrottledPerAccountThenRecovers(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_RATE_SIGNIN_ACCOUNT", "3/3m"))
	ta.client(t).signUp("target@example.com", goodPassword)

	attacker := ta.client(t)
	for range 3 {
		expectStatus(t, attacker.signIn("TARGET@example.com", "guess guess guess"), http.StatusUnauthorized)
	}
	if wait := retryAfter(t, attacker.signIn("target@example.com", "guess guess guess")); wait > 60 {
		t.Errorf("Retry-After = %d s, want at most a minute (3 per 3 minutes)", wait)
	}
	// The owner is slowed too, from any address, but not locked out for good.
	owner := ta.client(t)
	retryAfter(t, owner.signIn("target@example.com", goodPassword))
	ta.clock.Advance(61 * time.Second)
	expectRedirect(t, owner.signIn("target@example.com", goodPassword), "/account")

	// A successful sign-in clears the count.
	for range 3 {
		expectStatus(t, attacker.signIn("target@example.com", "guess again!!"), http.StatusUnauthorized)
	}
	// Unknown accounts are throttled just the same: no enumeration by 429.
	for range 3 {
		expectStatus(t, attacker.signIn("nobody@example.com", "guess guess guess"), http.StatusUnauthorized)
	}
	retryAfter(t, attacker.signIn("nobody@example.com", "guess guess guess"))
}

func TestSignInThrottledPerAddressAndSpoofedHeadersChangeNothing(t *testing.T) {
	t.Parallel()
	attempt := func(ta *testApp, xff string) *response {
		form := url.Values{"email": {"someone@example.com"}, "password": {"wrong password!"}}
		req, _ := http.NewRequest(http.MethodPost, ta.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("X-Forwarded-For", xff)
		return ta.client(t).do(req)
	}
	t.Run("untrusted peer", func(t *testing.T) {
		ta := newTestApp(t, withEnv("HEARTH_RATE_SIGNIN_IP", "3/1m"))
		for i := range 3 {
			expectStatus(t, attempt(ta, fmt.Sprintf("198.51.100.%d", i)), http.StatusUnauthorized)
		}
		retryAfter(t, attempt(ta, "203.0.113.77")) // a new spoofed address does not reset anything
	})
	t.Run("trusted proxy", func(t *testing.T) {
		ta := newTestApp(t, withEnv("HEARTH_RATE_SIGNIN_IP", "3/1m"), withEnv("HEARTH_TRUSTED_PROXIES", "127.0.0.1"))
		for range 3 {
			expectStatus(t, attempt(ta, "198.51.100.1"), http.StatusUnauthorized)
		}
		retryAfter(t, attempt(ta, "198.51.100.1"))
		expectStatus(t, attempt(ta, "198.51.100.2"), http.StatusUnauthorized) // another real client
	})
}

func TestSignUpThrottledPerAddress(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_RATE_SIGNUP_IP", "2/1h"))
	c := ta.client(t)
	c.signUp("one@example.com", goodPassword)
	expectStatus(t, ta.client(t).post("/signup", url.Values{"email": {"one@example.com"}, "password": {goodPassword}}), http.StatusUnprocessableEntity)
	// The third attempt, taken address or not, waits: sweeping is slow.
	retryAfter(t, ta.client(t).post("/signup", url.Values{"email": {"two@example.com"}, "password": {goodPassword}}))
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users"); n != 1 {
		t.Errorf("users = %d, want 1", n)
	}
}

func TestSignUpBotChecks(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_SIGNUP_MIN_FILL", "2s"))
	form := func(email string) url.Values {
		return url.Values{"name": {"Bot"}, "email": {email}, "password": {goodPassword}}
	}

	t.Run("honeypot is hidden from people and screen readers", func(t *testing.T) {
		page := ta.client(t).get("/signup")
		hp := page.Doc.Find("input[name=website]")
		if hp.Length() != 1 {
			t.Fatal("no honeypot field")
		}
		wrapper := hp.Closest(".hp")
		if v, _ := wrapper.Attr("aria-hidden"); v != "true" {
			t.Error("honeypot not aria-hidden")
		}
		if v, _ := hp.Attr("tabindex"); v != "-1" {
			t.Error("honeypot reachable by keyboard")
		}
	})
	t.Run("honeypot filled", func(t *testing.T) {
		c := ta.client(t)
		ta.clock.Advance(0)
		f := form("honey@example.com")
		f.Set("website", "http://spam.example")
		page := c.get("/signup")
		stamp, _ := page.Doc.Find("input[name=form_stamp]").Attr("value")
		f.Set("form_stamp", stamp)
		ta.clock.Advance(5 * time.Second)
		res := c.post("/signup", f)
		expectStatus(t, res, http.StatusUnprocessableEntity)
		if msg := res.Doc.Find("[data-testid=form-error]").Text(); msg != "We couldn't create your account. Please try again." {
			t.Errorf("message %q: want the generic one that tells a bot nothing", msg)
		}
	})
	t.Run("too fast, then fine", func(t *testing.T) {
		c := ta.client(t)
		res := c.submit("/signup", "form[action='/signup']", form("fast@example.com"))
		expectStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Doc.Find("[data-testid=form-error]").Text(), "quick") {
			t.Errorf("message: %q", res.Doc.Find("[data-testid=form-error]").Text())
		}
		stamp, _ := res.Doc.Find("input[name=form_stamp]").Attr("value")
		ta.clock.Advance(3 * time.Second)
		f := form("fast@example.com")
		f.Set("form_stamp", stamp)
		expectRedirect(t, c.post("/signup", f), "/account")
	})
	t.Run("forged or missing stamp", func(t *testing.T) {
		for _, stamp := range []string{"", "1000.deadbeef", strconv.FormatInt(time.Now().Add(-time.Hour).UnixMilli(), 10) + ".00"} {
			f := form("forged@example.com")
			f.Set("form_stamp", stamp)
			expectStatus(t, ta.client(t).post("/signup", f), http.StatusUnprocessableEntity)
		}
	})
	for _, email := range []string{"honey@example.com", "forged@example.com"} {
		if n := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE email = ?", email); n != 0 {
			t.Errorf("bot sign-up %s created a user", email)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_PASSWORD_MIN_LENGTH", "12"))
	for pw, want := range map[string]string{
		"elevenchars":               "at least 12",
		"Password1234":              "too common",
		"qwertyuiop123":             "too common",
		"policy@example.com":        "email address",
		strings.Repeat("long ", 30): "at most 128",
		"twelve chars ok but 🔥 too": "",
		strings.Repeat("p", 64):     "",
	} {
		res := ta.client(t).post("/signup", url.Values{"email": {"policy@example.com"}, "password": {pw}})
		got := res.Doc.Find("[data-testid=error-password]").Text()
		if want == "" {
			if res.StatusCode != http.StatusSeeOther {
				t.Errorf("%.20q refused: %q", pw, got)
			}
			ta.DB.Write.Exec("DELETE FROM users")
			continue
		}
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got, want) {
			t.Errorf("%.20q: status %d, error %q, want %q", pw, res.StatusCode, got, want)
		}
	}
}

// TestUnknownEmailCostsTheSameAsAWrongPassword: both failures run exactly
// one argon2id verification, and, measured interleaved so machine load hits
// both alike, their median times are close. A regression that skips hashing
// for unknown emails is ~100× faster. The verifications are counted by the
// 19 MiB each one allocates: the test runs alone (no t.Parallel), so the
// process allocates nothing else of that size meanwhile.
func TestUnknownEmailCostsTheSameAsAWrongPassword(t *testing.T) {
	ta := newTestApp(t)
	ta.client(t).signUp("timing@example.com", goodPassword)
	attempt := func(email string) time.Duration {
		c := ta.client(t)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		expectStatus(t, c.post("/login", url.Values{"email": {email}, "password": {"wrong password!"}}), http.StatusUnauthorized)
		d := time.Since(start)
		runtime.ReadMemStats(&after)
		if n := argon2idRuns(after.TotalAlloc - before.TotalAlloc); n != 1 {
			t.Fatalf("sign-in as %s ran %d password verifications (%d bytes allocated), want exactly 1", email, n, after.TotalAlloc-before.TotalAlloc)
		}
		return d
	}
	var known, unknown []time.Duration
	for range 9 {
		known = append(known, attempt("timing@example.com"))
		unknown = append(unknown, attempt("nobody@example.com"))
	}
	slices.Sort(known)
	slices.Sort(unknown)
	ratio := float64(unknown[4]) / float64(known[4])
	t.Logf("median wrong password %v, unknown email %v (ratio %.2f)", known[4], unknown[4], ratio)
	if ratio < 0.25 || ratio > 4 {
		t.Errorf("unknown email takes %.2f× the time of a wrong password: the difference reveals accounts", ratio)
	}
}

// argon2idRuns is how many argon2id hashes with Hearth's parameters (19 MiB
// of memory each, in 1 KiB blocks) allocating this many bytes amounts to,
// rounded to the nearest: a request's own allocations are a small fraction
// of one.
func argon2idRuns(allocated uint64) uint64 {
	const perRun = 19 * 1024 * 1024
	return (allocated + perRun/2) / perRun
}

// TestSignInFloodStaysBounded sends 500 concurrent sign-ins. Hashing is
// bounded, so memory stays flat; the excess waits, then gets 429 with
// Retry-After. Nothing answers 5xx.
func TestSignInFloodStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("flood test skipped in -short mode")
	}
	ta := newTestApp(t, withHasher(password.NewHasher(2, 500*time.Millisecond)))
	ta.client(t).signUp("flood@example.com", goodPassword)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()

	const n = 500
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := ta.client(t).post("/login", url.Values{"email": {"flood@example.com"}, "password": {"wrong password!"}})
			if res.StatusCode == http.StatusTooManyRequests && res.Header.Get("Retry-After") == "" {
				statuses <- 0
				return
			}
			statuses <- res.StatusCode
		}()
	}
	wg.Wait()
	close(stop)
	close(statuses)
	counts := map[int]int{}
	for s := range statuses {
		counts[s]++
	}
	growth := int64(peak.Load()) - int64(before.HeapInuse)
	t.Logf("500 concurrent sign-ins: statuses %v, peak heap growth %d MiB", counts, growth>>20)
	for s := range counts {
		if s != http.StatusUnauthorized && s != http.StatusTooManyRequests {
			t.Errorf("%d answers with status %d (0 = 429 without Retry-After)", counts[s], s)
		}
	}
	if counts[http.StatusTooManyRequests] == 0 {
		t.Error("no request was turned away: the flood did not reach the hashing bound")
	}
	// Unbounded, 500 argon2id hashes would hold 500 × 19 MiB ≈ 9.3 GiB.
	if growth > 400<<20 {
		t.Errorf("heap grew by %d MiB under the flood: hashing is not bounded", growth>>20)
	}
}
