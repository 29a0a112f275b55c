package mail

import (
	"context"
	"errors"
	"log/slog"
	"time"

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
			continue
		}
		mark := models.MarkMailSent // wipes the bodies, and with them the link's token
		if _, dev := s.Mailer.(DevMailbox); dev {
			mark = models.MarkMailKept // the row is the mail, shown at /dev/mail
		}
		if err := mark(ctx, s.DB, m.ID, s.Now()); err != nil {
			s.Logger.Error("mail outbox", "err", err)
			continue
		}
		sent++
		s.Logger.Info("mail sent", "mail_id", m.ID, "template", m.Template)
	}
	return sent
}
