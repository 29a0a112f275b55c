package handlers_test

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// strengthAnswer is POST /password/strength's JSON.
type strengthAnswer struct {
	Score      int    `json:"score"`
	Label      string `json:"label"`
	Message    string `json:"message"`
	Acceptable bool   `json:"acceptable"`
}

func strengthOf(t *testing.T, c *client, form url.Values) (strengthAnswer, *response) {
	t.Helper()
	res := c.post("/password/strength", form)
	var ans strengthAnswer
	if res.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(res.Body), &ans); err != nil {
			t.Fatalf("strength answer is not JSON: %v\n%s", err, res.Body)
		}
	}
	return ans, res
}

func TestStrengthMeterSpeaksForThePolicy(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	for _, tc := range []struct {
		password   string
		acceptable bool
		says       string
	}{
		{"correct horse battery staple", true, ""},
		{"zzzzzzzzzzzzzzz", false, "too easy to guess. Repeated characters"},
		{"password1234", false, "too common"},
		{"short", false, "at least 8"},
		{"ann@example.com", false, "email address"},
		{"ann@example.com1", true, "your name or email"}, // weak: said, not refused
		{strings.Repeat("ü", 200), false, "at most"},
		{"", false, "at least 8"},
	} {
		ans, res := strengthOf(t, c, url.Values{"password": {tc.password}, "email": {"ann@example.com"}})
		expectStatus(t, res, http.StatusOK)
		if ans.Acceptable != tc.acceptable || !strings.Contains(ans.Message, tc.says) || ans.Label == "" {
			t.Errorf("%.20q: %+v, want acceptable=%v and a message with %q", tc.password, ans, tc.acceptable, tc.says)
		}
		if !tc.acceptable && ans.Score != 0 {
			t.Errorf("%.20q: refused but scored %d: the meter must not look hopeful about a password the form refuses", tc.password, ans.Score)
		}
	}
	// Bytes that are not UTF-8 are refused like on every form.
	expectStatus(t, c.post("/password/strength", url.Values{"password": {"a long \xff invalid phrase"}}), http.StatusBadRequest)
	if res := c.post("/password/strength", url.Values{"password": {"x"}}); res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("a strength answer may be cached: %q", res.Header.Get("Cache-Control"))
	}
}

func TestStrengthMeterUsesTheSignedInAccountsWords(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("marguerite@example.com", goodPassword)
	// The form sends no email; the account's own is what the password must not be.
	ans, _ := strengthOf(t, c, url.Values{"password": {"marguerite@example.com"}})
	if ans.Acceptable {
		t.Errorf("the signed-in user's own email as a password: %+v", ans)
	}
}

func TestStrengthMeterIsThrottledAndCrossOriginRefused(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_RATE_PASSWORD_STRENGTH", "3/1m"))
	c := ta.client(t)
	for range 3 {
		_, res := strengthOf(t, c, url.Values{"password": {"correct horse"}})
		expectStatus(t, res, http.StatusOK)
	}
	_, res := strengthOf(t, c, url.Values{"password": {"correct horse"}})
	expectStatus(t, res, http.StatusTooManyRequests)
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}

	req, _ := http.NewRequest(http.MethodPost, ta.URL+"/password/strength", strings.NewReader("password=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	expectStatus(t, c.do(req), http.StatusForbidden)
}

func TestNewPasswordFieldsCarryTheMeter(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	if n := c.get("/signup").Doc.Find("[data-password-strength=field-password] .strength-bar").Length(); n != 1 {
		t.Errorf("sign-up page: %d strength meters, want 1", n)
	}
	if n := c.get("/login").Doc.Find("[data-password-strength]").Length(); n != 0 {
		t.Errorf("sign-in page: %d strength meters on a current-password field", n)
	}
}

// fakeRangeAPI is Have I Been Pwned's range API knowing breached; it counts
// the requests.
func fakeRangeAPI(t *testing.T, breached ...string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		prefix := r.URL.Path[len(r.URL.Path)-5:]
		for _, pw := range breached {
			sum := sha1.Sum([]byte(pw))
			if d := strings.ToUpper(hex.EncodeToString(sum[:])); d[:5] == prefix {
				fmt.Fprintf(w, "%s:1234\r\n", d[5:])
			}
		}
		fmt.Fprintf(w, "%s:0\r\n", strings.Repeat("0", 35))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestBreachedPasswordsAreRefusedWhenTheCheckIsOn(t *testing.T) {
	t.Parallel()
	const breached = "my dog is called rex"
	srv, calls := fakeRangeAPI(t, breached)
	ta := newTestApp(t, withEnv("HEARTH_BREACHED_PASSWORDS", "hibp"), withEnv("HEARTH_PWNED_PASSWORDS_URL", srv.URL+"/range/"))
	c := ta.client(t)

	res := c.submit("/signup", "form[action='/signup']", url.Values{"name": {"Rex"}, "email": {"rex@example.com"}, "password": {breached}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if msg := res.Doc.Find("[data-testid=error-password]").Text(); !strings.Contains(msg, "data breach") {
		t.Errorf("breached password's error reads %q", msg)
	}
	if n := countRows(t, ta.DB, "SELECT COUNT(*) FROM users WHERE email = ?", "rex@example.com"); n != 0 {
		t.Errorf("a sign-up with a breached password stored %d users", n)
	}
	if calls.Load() == 0 {
		t.Fatal("the range API was never asked")
	}
	expectRedirect(t, c.signUp("rex@example.com", goodPassword), "/account")

	// The change-password form asks too.
	res = c.submit("/account/security", "form[action='/account/password']", url.Values{"current_password": {goodPassword}, "new_password": {breached}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Doc.Find("[data-testid=error-new_password]").Text(), "data breach") {
		t.Errorf("change password with a breached one: %q", res.Doc.Find(".field-error").Text())
	}
	// The meter does not ask the range API on keystrokes.
	before := calls.Load()
	strengthOf(t, c, url.Values{"password": {breached}})
	if calls.Load() != before {
		t.Error("the strength meter sent a prefix to the range API")
	}
}

func TestBreachCheckFallsBackOfflineWhenTheServiceIsDown(t *testing.T) {
	t.Parallel()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	t.Cleanup(down.Close)
	ta := newTestApp(t, withEnv("HEARTH_BREACHED_PASSWORDS", "hibp"), withEnv("HEARTH_PWNED_PASSWORDS_URL", down.URL+"/range/"))
	c := ta.client(t)
	expectRedirect(t, c.signUp("ok@example.com", goodPassword), "/account")
	if !strings.Contains(ta.Logs.String(), "breached-password check unavailable") {
		t.Errorf("the fallback was not logged:\n%s", ta.Logs.String())
	}
	// The offline list still refuses what it knows.
	res := ta.client(t).submit("/signup", "form[action='/signup']", url.Values{"name": {"C"}, "email": {"common@example.com"}, "password": {"password1234"}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
}
