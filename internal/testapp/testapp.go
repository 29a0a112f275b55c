// Package testapp runs the real Hearth for tests: the App wired as
// cmd/hearth wires it, with the real routes, middleware and migrations, on
// a fresh database of its own (internal/testdb), served by httptest; and a
// client that behaves like a browser. The handlers tests, the browser tests
// in e2e and the benchmarks start their servers here, so there is one
// definition of "a test server".
//
// Nothing is shared between servers: tests using it may run in parallel.
// Production code never imports it (TestTheBinaryLinksNoTestCode).
package testapp

import (
	"context"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/handlers"
	"github.com/hearth-app/hearth/internal/jobs"
	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/internal/sessionstore"
	"github.com/hearth-app/hearth/internal/syncbuf"
	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/mail"
	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/layout"
	"github.com/hearth-app/hearth/webhook"
)

// Options change the server a test gets. The zero value is the usual one.
type Options struct {
	// Env holds HEARTH_* variables on top of Env(Throttled). An empty value
	// means the variable is unset (its default applies).
	Env map[string]string
	// Database reuses a database (a restart, a second instance behind the
	// same load balancer): a HEARTH_DATABASE value. Empty: a fresh one.
	Database string
	// Endpoints point the social sign-in providers at fakes.
	Endpoints handlers.ProviderEndpoints
	// Hasher replaces the password hasher; its minimum length is set from
	// the configuration. Default: the configured concurrency with a
	// generous wait, so that a slow machine does not turn into 429s.
	Hasher *password.Hasher
	// Nav is the product's header links (handlers.App.Nav).
	Nav []layout.NavLink
	// Throttled keeps the configured rate limits, which are off otherwise.
	Throttled bool
	// Localhost makes the base URL http://localhost:port instead of the
	// listener's IP address: browsers refuse an IP address as a WebAuthn
	// relying party id (passkey tests).
	Localhost bool
	// Jobs starts a client working the job queue (mail and webhook
	// deliveries), polling every 50 ms; without it jobs stay queued.
	Jobs bool
	// Resolver replaces DNS for webhook URLs, at save and send time.
	Resolver webhook.Resolver
	// WebhookRetry replaces the webhook retry schedule (Jobs).
	WebhookRetry func(attempt int) time.Duration
	// WebhookTimeout shortens the webhook delivery timeout (Jobs).
	WebhookTimeout time.Duration
	// JobPoll is how often the job client polls (Jobs); zero: 50 ms.
	JobPoll time.Duration
	// PictureClient fetches providers' pictures (handlers.App's); nil:
	// the app's own, which reaches public addresses only.
	PictureClient *http.Client
}

// Env returns the configuration tests start from. Forms are filled in
// microseconds, so the sign-up form's minimum fill time is off; and unless
// throttled, so is every rate limit a test would trip by signing up and in
// many times from one address. The load benchmark starts its server with
// the same.
func Env(throttled bool) map[string]string {
	env := map[string]string{"HEARTH_SIGNUP_MIN_FILL": "0"}
	if !throttled {
		for _, k := range []string{"HEARTH_RATE_SIGNIN_IP", "HEARTH_RATE_SIGNIN_ACCOUNT", "HEARTH_RATE_SIGNUP_IP", "HEARTH_RATE_FORGOT_PASSWORD", "HEARTH_RATE_VERIFY_RESEND", "HEARTH_RATE_EMAIL_SIGNIN"} {
			env[k] = "off"
		}
	}
	return env
}

// Server is a running Hearth with everything a test looks at.
type Server struct {
	*httptest.Server // its URL is HEARTH_BASE_URL unless Options.Env sets one
	App              *handlers.App
	DB               *models.DB
	Store            *sessionstore.Store // the app's session store, with its cache
	Logs             *syncbuf.Buffer     // the app's log, as text lines
	Clock            *Clock              // the app's clock
}

// New starts Hearth for t. It stops, waits for the app's background jobs
// and closes the database when t ends.
func New(t testing.TB, o Options) *Server {
	t.Helper()
	env := Env(o.Throttled)
	maps.Copy(env, o.Env)
	if o.Database == "" {
		o.Database = testdb.DSN(t)
	}
	env["HEARTH_DATABASE"] = o.Database
	srv := httptest.NewUnstartedServer(nil) // its URL is the base URL (OAuth callbacks, mail links)
	if env["HEARTH_BASE_URL"] == "" {
		env["HEARTH_BASE_URL"] = "http://" + srv.Listener.Addr().String()
		if o.Localhost {
			_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
			env["HEARTH_BASE_URL"] = "http://localhost:" + port
		}
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("testapp: config: %v", err)
	}
	db, err := models.OpenWith(cfg.Database, models.Options{SQLiteSynchronous: cfg.SQLiteSynchronous})
	if err != nil {
		t.Fatalf("testapp: open database: %v", err)
	}
	if _, err := db.MigrateUp(context.Background()); err != nil {
		db.Close()
		t.Fatalf("testapp: migrate: %v", err)
	}
	logs := &syncbuf.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	clock := NewClock(time.Now().UTC())
	store, err := sessionstore.New(db, sessionstore.Options{IdleTimeout: cfg.SessionIdleTimeout, Now: clock.Now, Logger: logger})
	if err != nil {
		db.Close()
		t.Fatalf("testapp: session store: %v", err)
	}
	waitCacheLive(t, store, db)
	if o.Hasher == nil {
		o.Hasher = password.NewHasher(cfg.HashConcurrency, 10*time.Second)
	}
	o.Hasher.MinLength = cfg.PasswordMinLength
	providers, err := handlers.BuildProviders(cfg, o.Endpoints)
	if err != nil {
		store.Close()
		db.Close()
		t.Fatalf("testapp: providers: %v", err)
	}
	guard := jobs.Guard(cfg, o.Resolver)
	app := handlers.New(handlers.App{
		WebhookGuard:  &guard,
		PictureClient: o.PictureClient,
		Providers:     providers,
		Config:        cfg,
		Logger:        logger,
		DB:            db,
		SessionStore:  store,
		Hasher:        o.Hasher,
		Now:           clock.Now,
		Nav:           o.Nav,
	})
	srv.Config.Handler = app.Routes()
	srv.Start()
	stopJobs := func(context.Context) error { return nil }
	if o.Jobs {
		sender := mail.NewSender(db, mail.DevMailbox{}, cfg.MailFrom, logger)
		sender.Now = clock.Now
		if o.JobPoll == 0 {
			o.JobPoll = 50 * time.Millisecond
		}
		if stopJobs, err = jobs.Start(jobs.Setup{Config: cfg, DB: db, Sender: sender, Guard: guard, Logger: logger,
			Now: clock.Now, Poll: o.JobPoll, Retry: o.WebhookRetry, HTTPTimeout: o.WebhookTimeout}); err != nil {
			srv.Close()
			store.Close()
			db.Close()
			t.Fatalf("testapp: job queue: %v", err)
		}
	}
	t.Cleanup(func() {
		srv.Close()
		_ = app.WaitBackground(context.Background())
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = stopJobs(ctx)
		cancel()
		store.Close()
		db.Close()
	})
	return &Server{Server: srv, App: app, DB: db, Store: store, Logs: logs, Clock: clock}
}

// waitCacheLive waits until the session cache is in use (on PostgreSQL its
// listener connects in the background), so that tests exercise it.
func waitCacheLive(t testing.TB, store *sessionstore.Store, db *models.DB) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !store.Live(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			store.Close()
			db.Close()
			t.Fatal("testapp: the session cache's listener did not connect")
		}
	}
}

// Clock is the app's clock. It stands still unless the test moves it, so
// that expiry, idle timeouts and rate limits are tested without waiting.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
