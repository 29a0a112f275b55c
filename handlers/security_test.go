package handlers_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/handlers"
	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

func TestCrossSitePostsAreRefused(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	victim := ta.client(t)
	victim.signUp("victim@example.com", goodPassword)

	cases := []struct {
		name    string
		headers map[string]string
	}{
		{"cross-site fetch metadata", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}},
		{"same-site sibling", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://sub.localhost"}},
		{"foreign origin only", map[string]string{"Origin": "https://evil.example"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/signup", "/logout", "/login"} {
				form := url.Values{"name": {"x"}, "email": {"csrf@example.com"}, "password": {goodPassword}}
				req, _ := http.NewRequest(http.MethodPost, ta.URL+path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for k, v := range tc.headers {
					req.Header.Set(k, v)
				}
				res := victim.do(req)
				expectStatus(t, res, http.StatusForbidden)
				if res.Doc.Find("[data-testid=error-page]").Length() != 1 {
					t.Errorf("POST %s: no 403 page", path)
				}
			}
		})
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE email = 'csrf@example.com'"); n != 0 {
		t.Error("a cross-site sign-up created a user")
	}
	expectStatus(t, victim.get("/account"), http.StatusOK) // the cross-site logout did nothing
}

func TestSessionCookieFlags(t *testing.T) {
	t.Parallel()
	t.Run("development", func(t *testing.T) {
		ta := newTestApp(t)
		res := ta.client(t).signUp("dev@example.com", goodPassword)
		ck := sessionCookie(t, res)
		if ck.Name != handlers.SessionCookieName || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
			t.Errorf("cookie %+v: want the session cookie, HttpOnly, SameSite=Lax, Path=/, no Domain", ck)
		}
		if ck.Secure {
			t.Error("Secure in development would break http://localhost")
		}
		if len(ck.Value) < 40 {
			t.Errorf("token %q looks too short to hold 32 random bytes", ck.Value)
		}
	})
	t.Run("production", func(t *testing.T) {
		ta := newTestApp(t, withEnv("HEARTH_ENV", "production"), withEnv("HEARTH_SECRET_KEY", testSecretKey), withEnv("HEARTH_BASE_URL", "https://app.example.com"),
			withEnv("HEARTH_SMTP_URL", "smtp://user:pass@smtp.example.com:587"))
		form := url.Values{"email": {"prod@example.com"}, "password": {goodPassword}}
		req, _ := http.NewRequest(http.MethodPost, ta.URL+"/signup", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res := ta.client(t).do(req)
		expectStatus(t, res, http.StatusSeeOther)
		// The session cookie, and the device cookie of a successful sign-up.
		for _, name := range []string{"__Host-" + handlers.SessionCookieName + "=", "__Host-" + config.CookiePrefix + "_device="} {
			raw := ""
			for _, v := range res.Header.Values("Set-Cookie") {
				if strings.HasPrefix(v, name) {
					raw = v
				}
			}
			for _, want := range []string{name, "Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
				if !strings.Contains(raw, want) {
					t.Errorf("Set-Cookie %q lacks %q", raw, want)
				}
			}
			if strings.Contains(strings.ToLower(raw), "domain=") {
				t.Errorf("Set-Cookie %q has a Domain", raw)
			}
		}
		if got := res.Header.Get("Strict-Transport-Security"); !strings.Contains(got, "max-age=") {
			t.Errorf("no HSTS in production: %q", got)
		}
	})
}

func sessionCookie(t *testing.T, res *response) *http.Cookie {
	t.Helper()
	for _, ck := range res.Cookies() {
		if strings.HasSuffix(ck.Name, handlers.SessionCookieName) {
			return ck
		}
	}
	t.Fatalf("no session cookie in %v", res.Header["Set-Cookie"])
	return nil
}

func TestSecurityHeadersOnEveryPageType(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("headers@example.com", goodPassword)
	for _, path := range []string{"/", "/account", "/no-such-page", "/static/css/app.css", "/healthz", "/static/nope.css"} {
		res := c.get(path)
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline code: %q", path, csp)
		}
		for k, want := range map[string]string{
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
			"Referrer-Policy": "strict-origin-when-cross-origin", "Cross-Origin-Opener-Policy": "same-origin",
		} {
			if h.Get(k) != want {
				t.Errorf("%s: %s = %q, want %q", path, k, h.Get(k), want)
			}
		}
		if h.Get("Permissions-Policy") == "" {
			t.Errorf("%s: no Permissions-Policy", path)
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS in development would pin localhost to https", path)
		}
	}
	if got := c.get("/account").Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("account page Cache-Control = %q, want no-store", got)
	}
}

func TestNoInlineScriptsOrStyles(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	pages := []*response{c.get("/"), c.get("/login"), c.get("/signup"), c.get("/nowhere")}
	c.signUp("inline@example.com", goodPassword)
	pages = append(pages, c.get("/account"))
	for _, p := range pages {
		if p.Doc.Find("script:not([src]), style, [style]").Length() != 0 {
			t.Errorf("%s has inline script or style, which the CSP would block", p.Request.URL.Path)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	big := bytes.Repeat([]byte("a"), 2<<20)
	t.Run("declared length", func(t *testing.T) {
		res := ta.client(t).post("/signup", url.Values{"name": {string(big)}})
		expectStatus(t, res, http.StatusRequestEntityTooLarge)
		if res.Doc.Find("[data-testid=error-page]").Length() != 1 {
			t.Error("no 413 page")
		}
	})
	t.Run("chunked", func(t *testing.T) {
		body := io.MultiReader(strings.NewReader("name="), bytes.NewReader(big))
		req, _ := http.NewRequest(http.MethodPost, ta.URL+"/signup", body)
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		expectStatus(t, ta.client(t).do(req), http.StatusRequestEntityTooLarge)
	})
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users"); n != 0 {
		t.Error("an oversized request created a user")
	}
}

func TestMalformedFormIsA400(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	for _, body := range []string{"email=%zz&password=x", "%", "a=%G1", strings.Repeat("&", 5000)} {
		req, _ := http.NewRequest(http.MethodPost, ta.URL+"/login", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res := ta.client(t).do(req)
		if res.StatusCode < 400 || res.StatusCode >= 500 {
			t.Errorf("body %.20q: status %d, want 4xx", body, res.StatusCode)
		}
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("lost@example.com", goodPassword)
	res := c.get("/definitely/not/here")
	expectStatus(t, res, http.StatusNotFound)
	if res.Doc.Find("[data-testid=error-page]").Length() != 1 || res.Doc.Find("[data-testid=nav-account]").Length() != 1 {
		t.Error("404 page missing, or it forgot who is signed in")
	}
	req, _ := http.NewRequest(http.MethodPut, ta.URL+"/login", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if got := c.do(req).StatusCode; got != http.StatusMethodNotAllowed {
		t.Errorf("PUT /login = %d, want 405", got)
	}
}

func TestPanicsBecomeA500PageWithARequestID(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	e := ta.App.Routes()
	e.GET("/boom", func(echo.Context) error { panic("secret internal detail") })
	srv := httptest.NewServer(e)
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/boom", nil)
	req.Host = ta.App.Config.BaseURL.Host // the app answers for its base URL only
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", res.StatusCode)
	}
	if strings.Contains(string(body), "secret internal detail") || strings.Contains(string(body), "goroutine") {
		t.Error("the 500 page leaks the panic or a stack trace")
	}
	id := res.Header.Get("X-Request-Id")
	if id == "" || !strings.Contains(string(body), id) {
		t.Error("the 500 page does not show the request id")
	}
	if !strings.Contains(ta.Logs.String(), "secret internal detail") || !strings.Contains(ta.Logs.String(), id) {
		t.Error("the panic was not logged with its request id")
	}
}

func TestSessionsSurviveARestart(t *testing.T) {
	t.Parallel()
	first := newTestApp(t)
	c := first.client(t)
	c.signUp("restart@example.com", goodPassword)
	first.Close()
	first.DB.Close()

	second := newTestApp(t, withDBPath(first.DBPath))
	c.app = second // same cookie jar (cookies ignore the port), new server
	res := c.get("/account")
	expectStatus(t, res, http.StatusOK)
	if got := res.Doc.Find("[data-testid=account-email]").Text(); got != "restart@example.com" {
		t.Errorf("after restart the account shows %q", got)
	}
}

func TestRawSessionTokenIsNeverStored(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("hash@example.com", goodPassword)
	token := c.cookie().Value
	c.get("/account")

	if n := countRows(t, ta.DB, "SELECT count(*) FROM sessions WHERE token_hash = ?", models.HashToken(token)); n != 1 {
		t.Fatalf("no session row keyed by the token's hash")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM sessions WHERE token_hash = ? OR CAST(data AS TEXT) LIKE ?", token, "%"+token+"%"); n != 0 {
		t.Fatal("the raw token is in the sessions table")
	}
	if !testdb.Postgres() { // on SQLite, look at the bytes of the database files too
		ta.DB.Write.Exec("PRAGMA wal_checkpoint(FULL)")
		for _, f := range []string{ta.DBPath, ta.DBPath + "-wal"} {
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			if bytes.Contains(b, []byte(token)) {
				t.Fatalf("the raw session token is in %s", f)
			}
		}
	}
	// A stolen row is no cookie: its key replayed as a token finds nothing.
	thief := ta.client(t)
	u, _ := url.Parse(ta.URL)
	thief.http.Jar.SetCookies(u, []*http.Cookie{{Name: handlers.SessionCookieName, Value: models.HashToken(token), Path: "/"}})
	expectRedirect(t, thief.get("/account"), "/login?next=%2Faccount")
}

func TestClientAddressComesFromTheConnectionUnlessTheProxyIsTrusted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, trusted, want string
	}{
		{"no trusted proxy", "", "127.0.0.1"},
		{"trusted loopback proxy", "127.0.0.1/32", "203.0.113.9"},
		{"other proxy trusted", "10.0.0.0/8", "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ta := newTestApp(t, withEnv("HEARTH_TRUSTED_PROXIES", tc.trusted))
			form := url.Values{"email": {"ip@example.com"}, "password": {goodPassword}}
			req, _ := http.NewRequest(http.MethodPost, ta.URL+"/signup", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("X-Forwarded-For", "203.0.113.9")
			req.Header.Set("X-Real-Ip", "198.51.100.7")
			expectStatus(t, ta.client(t).do(req), http.StatusSeeOther)
			var ip string
			ta.DB.Read.Raw("SELECT ip FROM sessions WHERE user_id IS NOT NULL").Scan(&ip)
			if ip != tc.want {
				t.Errorf("session ip = %q, want %q", ip, tc.want)
			}
		})
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	res := ta.client(t).get("/healthz")
	expectStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, `"status":"ok"`) {
		t.Errorf("body %q", res.Body)
	}
	// The operator sees whether this instance caches sessions, and how well.
	c := ta.client(t)
	c.signUp("health@example.com", goodPassword)
	for range 3 { // the first pops the welcome flash (a write), the others read
		c.get("/account")
	}
	var h struct {
		SessionCache struct {
			On           bool
			Hits, Misses int64
		} `json:"session_cache"`
	}
	if err := json.Unmarshal([]byte(c.get("/healthz").Body), &h); err != nil {
		t.Fatal(err)
	}
	if !h.SessionCache.On || h.SessionCache.Hits == 0 {
		t.Errorf("/healthz session cache %+v, want on with hits", h.SessionCache)
	}
	ta.DB.Close()
	expectStatus(t, ta.client(t).get("/healthz"), http.StatusServiceUnavailable)
}

func TestNULAndInvalidUTF8AreA400NotA500(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	expectStatus(t, c.post("/login", url.Values{"email": {"a\x00@example.com"}, "password": {"x"}}), http.StatusBadRequest)
	expectStatus(t, c.post("/login", url.Values{"email": {"\xff@example.com"}, "password": {"x"}}), http.StatusBadRequest)
	expectStatus(t, c.post("/signup", url.Values{"name": {"a\x00"}, "email": {"n@example.com"}, "password": {goodPassword}}), http.StatusBadRequest)
	expectStatus(t, c.get("/reset-password?token=%00"), http.StatusBadRequest)
	expectStatus(t, c.get("/verify-email?token=%ff"), http.StatusBadRequest)
	expectStatus(t, c.get("/%00"), http.StatusBadRequest)
}
