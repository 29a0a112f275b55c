package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/handlers"
	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/internal/syncbuf"
	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

// testApp is a real Hearth server on its own fresh database.
type testApp struct {
	*httptest.Server
	App    *handlers.App
	DB     *models.DB
	DBPath string
	Logs   *syncbuf.Buffer
	clock  *testClock
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type appOptions struct {
	endpoints handlers.ProviderEndpoints
	hasher    *password.Hasher
	env       map[string]string
	dbPath    string // reuse a database file (to test restarts)
}

// newTestApp starts Hearth on a new SQLite file in t.TempDir() with the real
// migrations, routes and middleware.
func newTestApp(t testing.TB, opts ...func(*appOptions)) *testApp {
	t.Helper()
	// Most tests sign up and in many times from one address, fast: throttling
	// and the sign-up timing check are off unless a test turns them on.
	o := appOptions{env: map[string]string{
		"HEARTH_SIGNUP_MIN_FILL":      "0",
		"HEARTH_RATE_SIGNIN_IP":       "off",
		"HEARTH_RATE_SIGNIN_ACCOUNT":  "off",
		"HEARTH_RATE_SIGNUP_IP":       "off",
		"HEARTH_RATE_FORGOT_PASSWORD": "off",
		"HEARTH_RATE_VERIFY_RESEND":   "off",
	}}
	for _, f := range opts {
		f(&o)
	}
	if o.dbPath == "" {
		o.dbPath = testdb.DSN(t)
	}
	o.env["HEARTH_DATABASE"] = o.dbPath
	srv := httptest.NewUnstartedServer(nil) // its URL is the base URL (OAuth callbacks, mail links)
	if o.env["HEARTH_BASE_URL"] == "" {
		o.env["HEARTH_BASE_URL"] = "http://" + srv.Listener.Addr().String()
	}
	cfg, err := config.Load(func(k string) string { return o.env[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	db, err := models.Open(cfg.Database)
	if err != nil {
		t.Fatalf("open db: %v", err)
	}
	if _, err := db.MigrateUp(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	waitCacheLive(t, db)
	logs := &syncbuf.Buffer{}
	clock := &testClock{now: time.Now().UTC()}
	if o.hasher == nil { // generous waiting: a slow CI machine must not turn into 429s
		o.hasher = password.NewHasher(cfg.HashConcurrency, 10*time.Second)
	}
	o.hasher.MinLength = cfg.PasswordMinLength
	providers, err := handlers.BuildProviders(cfg, o.endpoints)
	if err != nil {
		t.Fatalf("providers: %v", err)
	}
	app := handlers.New(handlers.Deps{
		Providers: providers,
		Config:    cfg,
		Logger:    slog.New(slog.NewTextHandler(logs, nil)),
		DB:        db,
		Hasher:    o.hasher,
		Now:       clock.Now,
	})
	srv.Config.Handler = app.Routes()
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		_ = app.WaitBackground(context.Background())
		db.Close()
	})
	return &testApp{Server: srv, App: app, DB: db, DBPath: o.dbPath, Logs: logs, clock: clock}
}

// waitCacheLive waits until the session cache is in use (on PostgreSQL its
// listener connects in the background), so that tests exercise it.
func waitCacheLive(t testing.TB, db *models.DB) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !db.SessionCacheLive(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the session cache's listener did not connect")
		}
	}
}

func withEnv(k, v string) func(*appOptions) { return func(o *appOptions) { o.env[k] = v } }

func withHasher(h *password.Hasher) func(*appOptions) { return func(o *appOptions) { o.hasher = h } }

func withDBPath(p string) func(*appOptions) { return func(o *appOptions) { o.dbPath = p } }

// client is a browser-like client: a cookie jar, no redirect following,
// and the Origin / Sec-Fetch-Site headers a browser sends on same-origin posts.
type client struct {
	t    testing.TB
	app  *testApp
	http *http.Client
}

func (ta *testApp) client(t testing.TB) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &client{t: t, app: ta, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}}
}

// response is a finished response with its body read and parsed.
type response struct {
	*http.Response
	Body string
	Doc  *goquery.Document
}

func (c *client) do(req *http.Request) *response {
	c.t.Helper()
	if req.URL.Host == c.app.Listener.Addr().String() && req.Host == req.URL.Host {
		// As a reverse proxy would: the test server answers for the base
		// URL's host, which tests may set to https://app.example.com.
		req.Host = c.app.App.Config.BaseURL.Host
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("read body: %v", err)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(b)))
	if err != nil {
		c.t.Fatalf("parse html: %v", err)
	}
	return &response{Response: res, Body: string(b), Doc: doc}
}

func (c *client) get(path string) *response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.app.URL+path, nil)
	req.Header.Set("Sec-Fetch-Site", "none")
	return c.do(req)
}

// post submits a form the way a browser does from one of our pages.
func (c *client) post(path string, form url.Values) *response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.app.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.app.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// submit fetches the page holding the form, copies its hidden fields, fills
// in values, and posts it to the form's action.
func (c *client) submit(page, formSelector string, values url.Values) *response {
	c.t.Helper()
	res := c.get(page)
	form := res.Doc.Find(formSelector)
	if form.Length() == 0 {
		c.t.Fatalf("GET %s: no form %q in page", page, formSelector)
	}
	data := url.Values{}
	form.Find("input[type=hidden]").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		val, _ := s.Attr("value")
		data.Set(name, val)
	})
	for k, v := range values {
		data[k] = v
	}
	action, _ := form.Attr("action")
	return c.post(action, data)
}

func (c *client) cookie() *http.Cookie {
	u, _ := url.Parse(c.app.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == handlers.SessionCookieName {
			return ck
		}
	}
	return nil
}

// signUp creates an account through the sign-up form; the client is signed in.
func (c *client) signUp(email, password string) *response {
	c.t.Helper()
	res := c.submit("/signup", "form[action='/signup']", url.Values{"name": {"Test User"}, "email": {email}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("sign up %s: status %d, want 303; errors: %s", email, res.StatusCode, res.Doc.Find(".field-error").Text())
	}
	return res
}

func (c *client) signIn(email, password string) *response {
	c.t.Helper()
	return c.submit("/login", "form[action='/login']", url.Values{"email": {email}, "password": {password}})
}

const goodPassword = "correct horse battery staple"

func expectStatus(t testing.TB, res *response, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", res.Request.Method, res.Request.URL.Path, res.StatusCode, want, res.Doc.Find("main").Text())
	}
}

func expectRedirect(t testing.TB, res *response, want string) {
	t.Helper()
	expectStatus(t, res, http.StatusSeeOther)
	if got := res.Header.Get("Location"); got != want {
		t.Fatalf("%s %s: Location %q, want %q", res.Request.Method, res.Request.URL.Path, got, want)
	}
}

func countRows(t *testing.T, db *models.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Read.Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
