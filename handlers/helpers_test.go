package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/hearth-app/hearth/handlers"
	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/internal/testapp"
	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/layout"
)

// testApp is a real Hearth server on its own fresh database: the shared
// harness (internal/testapp) under the names these tests use.
type testApp struct {
	*testapp.Server
	DBPath string // its HEARTH_DATABASE, to start another instance on it
	clock  *testapp.Clock
}

type appOptions struct {
	endpoints handlers.ProviderEndpoints
	hasher    *password.Hasher
	env       map[string]string
	dbPath    string // reuse a database (to test restarts)
	nav       []layout.NavLink
	pictures  *http.Client // fetches providers' pictures
}

// newTestApp starts Hearth on a new database with the real migrations,
// routes and middleware. Most tests sign up and in many times from one
// address, fast: throttling and the sign-up timing check are off unless a
// test turns them on (testapp.Env).
func newTestApp(t testing.TB, opts ...func(*appOptions)) *testApp {
	t.Helper()
	o := appOptions{env: map[string]string{}}
	for _, f := range opts {
		f(&o)
	}
	s := testapp.New(t, testapp.Options{Env: o.env, Database: o.dbPath, Endpoints: o.endpoints, Hasher: o.hasher, Nav: o.nav, PictureClient: o.pictures})
	return &testApp{Server: s, DBPath: s.App.Config.Database, clock: s.Clock}
}

func withEnv(k, v string) func(*appOptions) { return func(o *appOptions) { o.env[k] = v } }

func withHasher(h *password.Hasher) func(*appOptions) { return func(o *appOptions) { o.hasher = h } }

func withNav(links ...layout.NavLink) func(*appOptions) {
	return func(o *appOptions) { o.nav = links }
}

func withDBPath(p string) func(*appOptions) { return func(o *appOptions) { o.dbPath = p } }

// client is a browser-like client (testapp.Client): a cookie jar, no
// redirect following, and the Origin / Sec-Fetch-Site headers a browser
// sends on same-origin posts. A test may point app at another instance.
type client struct {
	t    testing.TB
	app  *testApp
	http *http.Client
}

func (ta *testApp) client(t testing.TB) *client {
	t.Helper()
	return &client{t: t, app: ta, http: ta.Server.Client(t).HTTP}
}

// harness is the shared client for the instance c.app is now.
func (c *client) harness() *testapp.Client {
	return &testapp.Client{T: c.t, Server: c.app.Server, HTTP: c.http}
}

// response is a finished response with its body read and parsed.
type response = testapp.Response

func (c *client) do(req *http.Request) *response {
	c.t.Helper()
	return c.harness().Do(req)
}

func (c *client) get(path string) *response {
	c.t.Helper()
	return c.harness().Get(path)
}

// post submits a form the way a browser does from one of our pages.
func (c *client) post(path string, form url.Values) *response {
	c.t.Helper()
	return c.harness().Post(path, form)
}

// submit fetches the page holding the form, copies its hidden fields, fills
// in values, and posts it to the form's action.
func (c *client) submit(page, formSelector string, values url.Values) *response {
	c.t.Helper()
	return c.harness().Submit(page, formSelector, values)
}

func (c *client) cookie() *http.Cookie { return c.harness().SessionCookie() }

// signUp creates an account through the sign-up form; the client is signed in.
func (c *client) signUp(email, password string) *response {
	c.t.Helper()
	return c.harness().SignUp(email, password)
}

func (c *client) signIn(email, password string) *response {
	c.t.Helper()
	return c.harness().SignIn(email, password)
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
