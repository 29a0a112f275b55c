package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/mail"
	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/webhook"
)

// Guard is the webhook address guard cfg asks for (resolver: the
// system's unless given).
func Guard(cfg *config.Config, r webhook.Resolver) webhook.Guard {
	return webhook.Guard{Strict: cfg.IsProduction(), AllowPrivate: cfg.WebhookAllowPrivate, Resolver: r}
}

// Setup is what Start needs; the zero values of the optional fields are
// production's.
type Setup struct {
	Config *config.Config
	DB     *models.DB
	Sender *mail.Sender
	Guard  webhook.Guard
	Logger *slog.Logger
	Now    func() time.Time        // optional: the app's clock
	Poll   time.Duration           // optional: Options.Poll
	Retry  func(int) time.Duration // optional: webhook.Worker.Retry
	// HTTPTimeout optionally shortens webhook.Timeout (tests).
	HTTPTimeout time.Duration
}

// Start builds the workers and starts a client working the queue until
// the returned stop is called (it waits up to its context for the jobs
// running to finish).
func Start(s Setup) (stop func(context.Context) error, err error) {
	cfg := s.Config
	hooks := webhook.NewWorker(webhook.Worker{DB: s.DB, SecretKey: cfg.SecretKey, Guard: s.Guard, Logger: s.Logger, Now: s.Now, Retry: s.Retry, HTTPTimeout: s.HTTPTimeout,
		AdminURL: func(id string) string { return cfg.BaseURL.JoinPath("admin", "webhooks", id).String() }})
	c, err := New(Options{DB: s.DB, Logger: s.Logger, Mail: s.Sender, Webhooks: hooks, Poll: s.Poll})
	if err != nil {
		return nil, err
	}
	if err := c.Start(context.Background()); err != nil { // stopped by stop, not by a cancelled request context
		return nil, err
	}
	return c.Stop, nil
}
