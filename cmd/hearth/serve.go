package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/handlers"
	"github.com/hearth-app/hearth/internal/jobs"
	"github.com/hearth-app/hearth/internal/sessionstore"
	"github.com/hearth-app/hearth/mail"
	"github.com/hearth-app/hearth/models"
)

// serve starts the HTTP server and runs until ctx is cancelled (SIGINT or
// SIGTERM), then turns keep-alives off, keeps answering for drainGrace, and
// drains in-flight requests for up to ten seconds.
func serve(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	if len(args) > 0 {
		return fmt.Errorf("serve: unexpected argument %q", args[0])
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	logOut := newBatchedWriter(stdout)
	defer logOut.Close()
	logger := newLogger(cfg, logOut)
	tuneGC(getenv)
	db, err := openMigrated(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	if created, err := ensureSecretKey(cfg); err != nil {
		return err
	} else if created != "" {
		logger.Info("no HEARTH_SECRET_KEY: generated one into the data folder, for development only (production requires HEARTH_SECRET_KEY)", "file", created)
	}
	store, err := sessionstore.New(db, sessionstore.Options{IdleTimeout: cfg.SessionIdleTimeout, Logger: logger})
	if err != nil {
		return err
	}
	defer store.Close()

	formKey, err := models.AppSecret(ctx, db, "form-stamp")
	if err != nil {
		return err
	}
	var mailer mail.Mailer = mail.DevMailbox{}
	if cfg.SMTPURL != nil {
		mailer = mail.NewSMTP(cfg.SMTPURL)
	} else {
		logger.Info("no HEARTH_SMTP_URL: mail goes to the development mailbox at /dev/mail, open to this machine only")
	}
	// Mail and webhook deliveries are jobs on the queue (internal/jobs);
	// the outbox sweep behind it sends what the queue gave up on.
	sender := mail.NewSender(db, mailer, cfg.MailFrom, logger)
	sender.Every = time.Minute
	go sender.Run(ctx)
	stopJobs, err := jobs.Start(jobs.Setup{Config: cfg, DB: db, Sender: sender, Guard: jobs.Guard(cfg, nil), Logger: logger})
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	defer func() { // after the server has drained: the jobs it queued are in the database
		stopCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := stopJobs(stopCtx); err != nil {
			logger.Warn("job queue: stopped with jobs running (they run again elsewhere or at the next start)", "err", err)
		}
	}()

	providers, err := handlers.BuildProviders(cfg, handlers.ProviderEndpoints{})
	if err != nil {
		return err
	}
	app := handlers.New(handlers.App{Config: cfg, Logger: logger, DB: db, SessionStore: store, FormKey: formKey, Providers: providers})
	srv := &http.Server{
		Handler:           app.Routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on HEARTH_ADDR %s: %w", cfg.Addr, err)
	}
	logger.Info("hearth listening", "addr", ln.Addr().String(), "url", cfg.BaseURL.String(), "env", cfg.Env, "database", db.Dialect)
	for _, w := range cfg.Warnings() { // a development server others can reach
		logger.Warn(w)
	}

	go cleanupLoop(ctx, db, cfg.SessionIdleTimeout, logger)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Keep-alives off first: a client may be sending its next request on
	// an idle kept-alive connection, which Shutdown would close under it
	// (a reset POST). For drainGrace the listener stays open, idle
	// connections are closed and every answer says Connection: close, so
	// clients move to new connections, which a load balancer sends
	// elsewhere once it sees the instance go; then Shutdown drains what
	// is in flight.
	logger.Info("shutting down: keep-alives off", "grace", drainGrace)
	srv.SetKeepAlivesEnabled(false)
	select {
	case err := <-errc:
		return err
	case <-time.After(drainGrace):
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return app.WaitBackground(shutdownCtx) // mails requests asked for are queued before the database closes
}

// drainGrace is how long serve keeps answering, keep-alives off, after
// SIGTERM and before it stops accepting connections.
const drainGrace = time.Second

// cleanupLoop deletes expired and idle sessions, refilled throttle buckets,
// expired tokens and old sent mail, every few minutes. Every instance may
// run it: the delete is idempotent.
func cleanupLoop(ctx context.Context, db *models.DB, idle time.Duration, logger *slog.Logger) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := models.DeleteExpiredSessions(ctx, db, time.Now(), idle)
			if err != nil && ctx.Err() == nil {
				logger.Error("delete expired sessions", "err", err)
			} else if n > 0 {
				logger.Info("deleted expired sessions", "count", n)
			}
			if _, err := models.DeleteIdleThrottles(ctx, db, time.Now()); err != nil && ctx.Err() == nil {
				logger.Error("delete idle throttle buckets", "err", err)
			}
			if _, err := models.DeleteExpiredTokens(ctx, db, time.Now()); err != nil && ctx.Err() == nil {
				logger.Error("delete expired tokens", "err", err)
			}
			if _, err := models.DeleteExpiredEmailSignIns(ctx, db, time.Now()); err != nil && ctx.Err() == nil {
				logger.Error("delete expired email sign-ins", "err", err)
			}
			if _, err := models.DeleteOldSentMail(ctx, db, time.Now()); err != nil && ctx.Err() == nil {
				logger.Error("delete old sent mail", "err", err)
			}
		}
	}
}

// Garbage-collector defaults for the server, used where the operator has not
// set Go's own GOGC or GOMEMLIMIT. A signed-in request allocates ~20 KB on a
// live heap of a few MB, so with Go's default (GOGC=100) the collector ran
// some 40 times a second under load; at 400 it runs a quarter as often. The
// soft memory limit keeps a sign-in flood (argon2id takes 19 MiB per hash)
// from growing the heap past it: the collector works harder instead. Raise
// GOMEMLIMIT if the live heap is legitimately larger (a very large session
// cache): near the limit the collector may take up to half the CPU.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 80 << 20
)

func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	if cfg.IsProduction() {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// openMigrated opens the database and applies pending migrations.
func openMigrated(ctx context.Context, cfg *config.Config, logger *slog.Logger) (*models.DB, error) {
	db, err := models.OpenWith(cfg.Database, models.Options{SQLiteSynchronous: cfg.SQLiteSynchronous})
	if err != nil {
		return nil, fmt.Errorf("HEARTH_DATABASE: %w", err)
	}
	n, err := db.MigrateUp(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if n > 0 && logger != nil {
		logger.Info("applied migrations", "count", n)
	}
	return db, nil
}
