package handlers_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

// apiCall is one API request without a cookie jar: bearer is the token
// ("" for none), header extra headers.
func apiCall(t *testing.T, ta *testApp, method, path, bearer, body string, header ...string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ta.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// expectProblem checks an RFC 9457 answer with status: JSON, no page, no
// redirect, no cookie.
func expectProblem(t *testing.T, res *http.Response, body []byte, status int) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d: %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, status, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s: Content-Type %q, want application/problem+json", res.Request.URL.Path, ct)
	}
	var p struct {
		Type, Title, Detail string
		Status              int
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Status != status || p.Title == "" || p.Type == "" || p.Detail == "" {
		t.Fatalf("problem document %s (%v)", body, err)
	}
	if res.Header.Get("Location") != "" || res.Header.Get("Set-Cookie") != "" || strings.Contains(string(body), "<") {
		t.Fatalf("an API error redirects, sets a cookie or is HTML: %v %s", res.Header, body)
	}
}

type meJSON struct {
	ID            string   `json:"id"`
	Email         string   `json:"email"`
	Name          string   `json:"name"`
	EmailVerified bool     `json:"email_verified"`
	Role          string   `json:"role"`
	Organizations []string `json:"organizations"`
}

func decodeMe(t *testing.T, res *http.Response, body []byte) meJSON {
	t.Helper()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("%s %s: %d %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, body)
	}
	var me meJSON
	if err := json.Unmarshal(body, &me); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), `"organizations":[]`) {
		t.Errorf("organizations is not an empty list: %s", body)
	}
	return me
}

// TestAPIMeByBearerTokenAndByCookie: the same user either way; a bearer
// request gets no cookie.
func TestAPIMeByBearerTokenAndByCookie(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("api@example.com", goodPassword)
	secret := createToken(t, c, "cli", "7")
	u, err := models.UserByEmail(t.Context(), ta.DB, "api@example.com")
	if err != nil {
		t.Fatal(err)
	}

	res, body := apiCall(t, ta, http.MethodGet, "/api/v1/me", secret, "")
	me := decodeMe(t, res, body)
	if me.ID != u.ID || me.Email != "api@example.com" || me.Role != models.RoleMember || me.EmailVerified {
		t.Fatalf("me by token: %+v", me)
	}
	if res.Header.Get("Set-Cookie") != "" {
		t.Fatal("a bearer request was given a cookie")
	}

	req, _ := http.NewRequest(http.MethodGet, ta.URL+"/api/v1/me", nil)
	cres := c.do(req)
	if got := decodeMe(t, cres.Response, []byte(cres.Body)); got.ID != u.ID {
		t.Fatalf("me by cookie: %+v", got)
	}

	// The scheme is case-insensitive; last used is written once a minute.
	res, body = apiCall(t, ta, http.MethodGet, "/api/v1/me", "", "", "Authorization", "bearer "+secret)
	decodeMe(t, res, body)
	var first time.Time
	if err := ta.DB.Read.Raw("SELECT last_used_at FROM api_tokens").Scan(&first).Error; err != nil || first.IsZero() {
		t.Fatalf("last used not recorded: %v", err)
	}
	ta.clock.Advance(30 * time.Second)
	apiCall(t, ta, http.MethodGet, "/api/v1/me", secret, "")
	var again time.Time
	ta.DB.Read.Raw("SELECT last_used_at FROM api_tokens").Scan(&again)
	if !again.Equal(first) {
		t.Fatal("last used written again within a minute")
	}
	ta.clock.Advance(31 * time.Second)
	apiCall(t, ta, http.MethodGet, "/api/v1/me", secret, "")
	ta.DB.Read.Raw("SELECT last_used_at FROM api_tokens").Scan(&again)
	if !again.After(first) {
		t.Fatal("last used not refreshed after a minute")
	}
}

// TestAPIErrorsAreProblemJSON: 401, 403, 404, 405, 422 and 429 are RFC 9457
// documents, never pages or redirects to /login.
func TestAPIErrorsAreProblemJSON(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_RATE_API", "20/1m"))
	c := ta.client(t)
	c.signUp("prob@example.com", goodPassword)
	secret := createToken(t, c, "cli", "0")

	for _, tc := range []struct {
		name, method, path, bearer, body string
		header                           []string
		status                           int
	}{
		{"no credentials", "GET", "/api/v1/me", "", "", nil, 401},
		{"unknown route, signed out", "GET", "/api/v1/nothing", "", "", nil, 404},
		{"not a bearer header", "GET", "/api/v1/me", "", "", []string{"Authorization", "Basic dXNlcjpwYXNz"}, 401},
		{"unknown token", "GET", "/api/v1/me", "hth_" + strings.Repeat("A", 43), "", nil, 401},
		{"not a Hearth token", "GET", "/api/v1/me", "abc", "", nil, 401},
		{"unknown route", "GET", "/api/v1/nothing", secret, "", nil, 404},
		{"unknown version", "GET", "/api/v2/me", secret, "", nil, 404},
		{"wrong method", "DELETE", "/api/v1/me", secret, "", nil, 405},
		{"bad JSON", "PATCH", "/api/v1/me", secret, "{", nil, 422},
		{"unknown field", "PATCH", "/api/v1/me", secret, `{"role":"admin"}`, nil, 422},
		{"name too long", "PATCH", "/api/v1/me", secret, `{"name":"` + strings.Repeat("n", 200) + `"}`, nil, 422},
	} {
		res, body := apiCall(t, ta, tc.method, tc.path, tc.bearer, tc.body, tc.header...)
		expectProblem(t, res, body, tc.status)
		if tc.status == 401 && res.Header.Get("WWW-Authenticate") == "" && tc.path == "/api/v1/me" {
			t.Errorf("%s: 401 without WWW-Authenticate", tc.name)
		}
	}

	// 403: a cookie request from another site.
	req, _ := http.NewRequest(http.MethodPatch, ta.URL+"/api/v1/me", strings.NewReader(`{"name":"Evil"}`))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	res := c.do(req)
	expectProblem(t, res.Response, []byte(res.Body), http.StatusForbidden)

	// 429 with Retry-After, per token: another token is not slowed down.
	var limited *http.Response
	var lbody []byte
	for range 25 {
		res, body := apiCall(t, ta, "GET", "/api/v1/me", secret, "")
		if res.StatusCode == http.StatusTooManyRequests {
			limited, lbody = res, body
			break
		}
	}
	if limited == nil {
		t.Fatal("never throttled")
	}
	expectProblem(t, limited, lbody, http.StatusTooManyRequests)
	if limited.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	other := createToken(t, c, "other", "0")
	res2, body2 := apiCall(t, ta, "GET", "/api/v1/me", other, "")
	decodeMe(t, res2, body2)
}

// TestCrossOriginChecksKeepCookiesAndSpareBearers: a cookie-authenticated
// change from another site is refused; the same with a bearer token and no
// cookie is done.
func TestCrossOriginChecksKeepCookiesAndSpareBearers(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("csrf@example.com", goodPassword)
	secret := createToken(t, c, "cli", "0")
	cross := []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}

	req, _ := http.NewRequest(http.MethodPatch, ta.URL+"/api/v1/me", strings.NewReader(`{"name":"By Cookie"}`))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	res := c.do(req)
	expectProblem(t, res.Response, []byte(res.Body), http.StatusForbidden)

	// Same origin, by cookie: done.
	req, _ = http.NewRequest(http.MethodPatch, ta.URL+"/api/v1/me", strings.NewReader(`{"name":"By Cookie"}`))
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if res := c.do(req); res.StatusCode != http.StatusOK {
		t.Fatalf("same-origin cookie PATCH: %d %s", res.StatusCode, res.Body)
	}

	r, body := apiCall(t, ta, http.MethodPatch, "/api/v1/me", secret, `{"name":"By Token"}`, cross...)
	if me := decodeMe(t, r, body); me.Name != "By Token" {
		t.Fatalf("bearer PATCH: %+v", me)
	}
	// A bearer header does not excuse a cookie request.
	req, _ = http.NewRequest(http.MethodPatch, ta.URL+"/api/v1/me", strings.NewReader(`{"name":"Both"}`))
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	res = c.do(req)
	expectProblem(t, res.Response, []byte(res.Body), http.StatusForbidden)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE name = 'By Token'"); n != 1 {
		t.Fatal("a refused request changed the name")
	}
}

// TestATokenStopsOnItsNextRequest: revoked, expired, its user banned or
// deleted: the very next request is a 401.
func TestATokenStopsOnItsNextRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		end  func(t *testing.T, ta *testApp, c *client, u *models.User)
	}{
		{"revoked", func(t *testing.T, ta *testApp, c *client, u *models.User) {
			id, _ := c.get("/account/tokens").Doc.Find("[data-testid=token-row]").Attr("data-token-id")
			expectRedirect(t, c.post("/account/tokens/"+id+"/revoke", nil), "/account/tokens")
		}},
		{"expired", func(t *testing.T, ta *testApp, c *client, u *models.User) {
			ta.clock.Advance(7*24*time.Hour + time.Second)
		}},
		{"banned", func(t *testing.T, ta *testApp, c *client, u *models.User) {
			if _, _, err := models.BanUser(t.Context(), ta.DB, ta.clock.Now(), models.AuditEvent{}, u.ID, ""); err != nil {
				t.Fatal(err)
			}
		}},
		{"deleted", func(t *testing.T, ta *testApp, c *client, u *models.User) {
			if err := models.DeleteUser(t.Context(), ta.DB, models.AuditEvent{}, u.ID); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ta := newTestApp(t)
			c := ta.client(t)
			c.signUp("stop@example.com", goodPassword)
			secret := createToken(t, c, "cli", "7")
			u, err := models.UserByEmail(t.Context(), ta.DB, "stop@example.com")
			if err != nil {
				t.Fatal(err)
			}
			ta.clock.Advance(6 * 24 * time.Hour)
			res, body := apiCall(t, ta, http.MethodGet, "/api/v1/me", secret, "")
			decodeMe(t, res, body)
			tc.end(t, ta, c, u)
			res, body = apiCall(t, ta, http.MethodGet, "/api/v1/me", secret, "")
			expectProblem(t, res, body, http.StatusUnauthorized)
		})
	}
}

// TestATokenStopsOnEveryInstance: two instances on one PostgreSQL; a token
// revoked on one, or whose user is banned there, fails on the other's next
// request.
func TestATokenStopsOnEveryInstance(t *testing.T) {
	t.Parallel()
	if !testdb.Postgres() {
		t.Skip("needs PostgreSQL (" + testdb.EnvPostgresURL + "): SQLite is one machine's database")
	}
	a := newTestApp(t)
	b := newTestApp(t, withDBPath(a.DBPath))
	c := a.client(t)
	c.signUp("inst@example.com", goodPassword)
	first := createToken(t, c, "one", "0")
	second := createToken(t, c, "two", "0")
	for _, s := range []string{first, second} {
		res, body := apiCall(t, b, http.MethodGet, "/api/v1/me", s, "")
		decodeMe(t, res, body)
	}
	// Revoke "one" (the older, listed last) on A.
	rows := c.get("/account/tokens").Doc.Find("[data-testid=token-row]")
	id, _ := rows.Last().Attr("data-token-id")
	expectRedirect(t, c.post("/account/tokens/"+id+"/revoke", nil), "/account/tokens")
	res, body := apiCall(t, b, http.MethodGet, "/api/v1/me", first, "")
	expectProblem(t, res, body, http.StatusUnauthorized)
	res, body = apiCall(t, b, http.MethodGet, "/api/v1/me", second, "")
	decodeMe(t, res, body)

	u, err := models.UserByEmail(t.Context(), a.DB, "inst@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := models.BanUser(t.Context(), a.DB, a.clock.Now(), models.AuditEvent{}, u.ID, ""); err != nil {
		t.Fatal(err)
	}
	res, body = apiCall(t, b, http.MethodGet, "/api/v1/me", second, "")
	expectProblem(t, res, body, http.StatusUnauthorized)
}
