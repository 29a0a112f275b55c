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

// Start builds the workers from cfg and starts a client working the queue
// until the returned stop is called (it waits up to its context for the
// jobs running to finish).
func Start(cfg *config.Config, db *models.DB, sender *mail.Sender, guard webhook.Guard, now func() time.Time, logger *slog.Logger, poll time.Duration, retry func(int) time.Duration) (stop func(context.Context) error, err error) {
	hooks := webhook.NewWorker(webhook.Worker{DB: db, SecretKey: cfg.SecretKey, Guard: guard, Logger: logger, Now: now, Retry: retry,
		AdminURL: func(id string) string { return cfg.BaseURL.JoinPath("admin", "webhooks", id).String() }})
	c, err := New(Options{DB: db, Logger: logger, Mail: sender, Webhooks: hooks, Poll: poll})
	if err != nil {
		return nil, err
	}
	if err := c.Start(context.Background()); err != nil { // stopped by stop, not by a cancelled request context
		return nil, err
	}
	return c.Stop, nil
}
