// Package jobs builds the River client that works Hearth's job queue: the
// mail worker (package mail) and the webhook worker (package webhook), each
// on a queue of its own so that a backlog of one never delays the other.
// cmd/hearth starts one per instance; tests start theirs through
// internal/testapp. Several clients on one database share the work: River
// locks each job for the one that fetched it, and rescues the jobs of an
// instance that died.
package jobs

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/hearth-app/hearth/mail"
	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/webhook"
)

// Options are the workers and how often to look for jobs.
type Options struct {
	DB       *models.DB
	Logger   *slog.Logger
	Mail     *mail.Sender
	Webhooks *webhook.Worker
	// Poll is how often an idle client looks for new jobs (no LISTEN on
	// these drivers); zero: DefaultPoll.
	Poll time.Duration
}

// DefaultPoll is how often each queue looks for new jobs: the bulk of a
// delivery's latency when the queue is idle, at the cost of one small
// query per queue and instance each time.
const DefaultPoll = 200 * time.Millisecond

// Concurrency of each queue: mail goes to one SMTP server; webhooks to
// many receivers, each delivery bounded by webhook.Timeout.
const (
	mailWorkers    = 4
	webhookWorkers = 16
)

// New returns a client working both queues; the caller starts and stops it.
func New(o Options) (*river.Client[*sql.Tx], error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &mail.Worker{Sender: o.Mail})
	river.AddWorker(workers, o.Webhooks)
	poll := o.Poll
	if poll == 0 {
		poll = DefaultPoll
	}
	return models.NewJobClient(o.DB, &river.Config{
		Queues: map[string]river.QueueConfig{
			models.QueueMail:     {MaxWorkers: mailWorkers},
			models.QueueWebhooks: {MaxWorkers: webhookWorkers},
		},
		Workers:           workers,
		FetchPollInterval: poll,
		FetchCooldown:     min(poll, 100*time.Millisecond),
		// A job whose instance died (kill -9) is run again after this:
		// longer than any job runs (a mail's minute, a delivery's 30 s).
		RescueStuckJobsAfter: 5 * time.Minute,
		JobTimeout:           2 * time.Minute,
		Logger:               slog.New(warnOnly{o.Logger.Handler()}),
	})
}

// warnOnly passes River's warnings and errors to the app's log, not its
// chatter.
type warnOnly struct{ slog.Handler }

func (w warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && w.Handler.Enabled(ctx, l)
}

func (w warnOnly) WithAttrs(as []slog.Attr) slog.Handler { return warnOnly{w.Handler.WithAttrs(as)} }
func (w warnOnly) WithGroup(name string) slog.Handler    { return warnOnly{w.Handler.WithGroup(name)} }
