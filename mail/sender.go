package mail

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/hearth-app/hearth/models"
)

// Sender delivers the outbox in the background, retrying failures with
// backoff. Several instances may each run one: mails are claimed before
// they are sent.
type Sender struct {
	DB     *models.DB
	Mailer Mailer
	From   string
	Logger *slog.Logger
	Now    func() time.Time
	// Every is how often the outbox is polled; Wake makes it look at once.
	Every time.Duration

	wake chan struct{}
}

// NewSender returns a sender polling every two seconds.
func NewSender(db *models.DB, m Mailer, from string, logger *slog.Logger) *Sender {
	return &Sender{DB: db, Mailer: m, From: from, Logger: logger, Now: time.Now, Every: 2 * time.Second, wake: make(chan struct{}, 1)}
}

// Wake asks the sender to look at the outbox now (a mail was queued).
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is cancelled.
func (s *Sender) Run(ctx context.Context) {
	t := time.NewTicker(s.Every)
	defer t.Stop()
	for {
		s.DeliverDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// DeliverDue sends every mail whose time has come and returns how many were
// sent.
func (s *Sender) DeliverDue(ctx context.Context) int {
	due, err := models.ClaimDueMail(ctx, s.DB, s.Now(), 20, 2*time.Minute)
	if err != nil {
		if ctx.Err() == nil {
			s.Logger.Error("mail outbox", "err", err)
		}
		return 0
	}
	sent := 0
	for _, m := range due {
		if s.deliver(ctx, m) == nil {
			sent++
		}
	}
	return sent
}

// deliver sends the claimed mail m and records the outcome: sent, or
// failed with its next attempt time. It returns the sending error.
func (s *Sender) deliver(ctx context.Context, m models.OutboxMail) error {
	sendCtx, cancel := context.WithTimeout(ctx, time.Minute)
	err := s.Mailer.Send(sendCtx, Message{From: s.From, To: m.ToAddr, Subject: m.Subject, HTML: m.HTMLBody, Text: m.TextBody})
	cancel()
	if accepted := (*AcceptedError)(nil); errors.As(err, &accepted) {
		s.Logger.Warn("mail accepted by the server, which then failed; not sending it again", "mail_id", m.ID, "template", m.Template, "err", err)
		err = nil
	}
	if err != nil {
		s.Logger.Warn("mail not sent, will retry", "mail_id", m.ID, "template", m.Template, "attempt", m.Attempts+1, "err", err)
		if err := models.MarkMailFailed(ctx, s.DB, m, s.Now(), err); err != nil {
			s.Logger.Error("mail outbox", "err", err)
		}
		return err
	}
	mark := models.MarkMailSent // wipes the bodies, and with them the link's token
	if _, dev := s.Mailer.(DevMailbox); dev {
		mark = models.MarkMailKept // the row is the mail, shown at /dev/mail
	}
	if err := mark(ctx, s.DB, m.ID, s.Now()); err != nil {
		s.Logger.Error("mail outbox", "err", err)
		return nil // sent: a retry would send it twice
	}
	s.Logger.Info("mail sent", "mail_id", m.ID, "template", m.Template)
	return nil
}

// Worker works the job queue's mail jobs (models.MailJob) with s: the
// queue is how mail normally goes out; Run's polling of the outbox is the
// sweep behind it (a mail whose job ran out of attempts, or one queued
// before the job queue existed). Both claim the outbox row before
// sending, so neither sends a mail the other is sending.
type Worker struct {
	river.WorkerDefaults[models.MailJob]
	Sender *Sender
}

// Work sends the job's mail, if it is still to be sent.
func (w *Worker) Work(ctx context.Context, job *river.Job[models.MailJob]) error {
	s := w.Sender
	m, due, err := models.ClaimMail(ctx, s.DB, job.Args.OutboxID, s.Now(), 2*time.Minute)
	switch {
	case err != nil:
		return err
	case m == nil && !due.IsZero():
		return river.JobSnooze(max(due.Sub(s.Now()), time.Second)) // backing off, or being sent elsewhere
	case m == nil:
		return nil // sent, or gone
	}
	return s.deliver(ctx, *m)
}

// NextRetry is the outbox's backoff: 30 s, doubling up to an hour.
func (w *Worker) NextRetry(job *river.Job[models.MailJob]) time.Time {
	return time.Now().Add(min(30*time.Second<<min(job.Attempt-1, 7), time.Hour))
}

// Timeout is River's deadline for a mail job: the send's minute and its
// bookkeeping.
func (w *Worker) Timeout(*river.Job[models.MailJob]) time.Duration { return 90 * time.Second }
