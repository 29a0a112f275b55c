package mail_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/smtptest"
	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/mail"
	"github.com/hearth-app/hearth/models"
)

func TestSMTPDeliversTextAndHTML(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	u, _ := url.Parse("smtp://" + srv.Addr)
	m := mail.NewSMTP(u)
	err := m.Send(context.Background(), mail.Message{From: "Hearth <no-reply@example.com>", To: "ann@example.com",
		Subject: "Reset your password", Text: "Open https://app.example/reset?token=abc", HTML: "<p>Open <a href=\"https://app.example/reset?token=abc\">this</a></p>"})
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages received", len(msgs))
	}
	for _, want := range []string{"Subject: Reset your password", "To: <ann@example.com>", "multipart/alternative", "text/plain", "text/html"} {
		if !strings.Contains(msgs[0].Raw, want) {
			t.Errorf("message lacks %q:\n%s", want, msgs[0].Raw)
		}
	}
	if !strings.Contains(msgs[0].Text, "https://app.example/reset?token=abc") || !strings.Contains(msgs[0].HTML, `href="https://app.example/reset?token=abc"`) {
		t.Errorf("decoded parts lack the link: text %q, html %q", msgs[0].Text, msgs[0].HTML)
	}
}

// flakyMailer fails its first n sends.
type flakyMailer struct {
	mu    sync.Mutex
	fails int
	sent  []mail.Message
}

func (f *flakyMailer) Send(_ context.Context, m mail.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fails > 0 {
		f.fails--
		return errors.New("connection refused")
	}
	f.sent = append(f.sent, m)
	return nil
}

func TestOutboxRetriesUntilSentAndDropsNothing(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 3 {
		if _, err := models.EnqueueMail(ctx, db, now, models.OutboxMail{Template: "test", ToAddr: fmt.Sprintf("u%d@example.com", i), Subject: "Hi", HTMLBody: "<p>hi</p>", TextBody: "hi"}); err != nil {
			t.Fatal(err)
		}
	}
	fm := &flakyMailer{fails: 4}
	s := mail.NewSender(db, fm, "Hearth <no-reply@example.com>", slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Now = func() time.Time { return now }

	if n := s.DeliverDue(ctx); n != 0 {
		t.Fatalf("sent %d while the server is down", n)
	}
	var pending int64
	db.Read.Model(&models.OutboxMail{}).Where("sent_at IS NULL AND attempts = 1 AND last_error <> ''").Count(&pending)
	if pending != 3 {
		t.Fatalf("%d mails recorded a failed attempt, want 3", pending)
	}
	if n := s.DeliverDue(ctx); n != 0 {
		t.Fatal("retried before the backoff")
	}
	now = now.Add(31 * time.Second) // first backoff: 30 s; one more failure, then the server is back
	if n := s.DeliverDue(ctx); n != 2 {
		t.Fatalf("after the first backoff, sent %d, want 2", n)
	}
	now = now.Add(61 * time.Second) // the second backoff doubles
	if n := s.DeliverDue(ctx); n != 1 {
		t.Fatalf("after the second backoff, sent %d, want 1", n)
	}
	var unsent int64
	db.Read.Model(&models.OutboxMail{}).Where("sent_at IS NULL").Count(&unsent)
	if unsent != 0 || len(fm.sent) != 3 {
		t.Fatalf("%d unsent, %d delivered: mail was lost", unsent, len(fm.sent))
	}
}

// A server that accepts a message (250 after DATA) and then drops the
// connection before RSET or QUIT has the message: it must not be sent again.
func TestMailAcceptedThenDroppedIsSentOnce(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	srv.DropAfterData()
	db := testdb.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	queued, err := models.EnqueueMail(ctx, db, now, models.OutboxMail{Template: "test", ToAddr: "ann@example.com", Subject: "Hi", HTMLBody: "<p>hi</p>", TextBody: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("smtp://" + srv.Addr)
	s := mail.NewSender(db, mail.NewSMTP(u), "Hearth <no-reply@example.com>", slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Now = func() time.Time { return now }
	for range 4 { // and again after every backoff a failure would have set
		s.DeliverDue(ctx)
		now = now.Add(time.Hour)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("the server received %d copies, want 1", n)
	}
	m, err := models.MailByID(ctx, db, queued.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.SentAt == nil || m.Attempts != 1 {
		t.Errorf("sent_at %v after %d attempts: the accepted mail is not marked sent once", m.SentAt, m.Attempts)
	}
}

// Once delivered, a mail's bodies (which hold its link, and so a live token)
// are wiped; only the development mailbox, which is the outbox, keeps them.
func TestSentMailKeepsNoBodyExceptInTheDevMailbox(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mailer mail.Mailer
		keep   bool
	}{
		{"smtp", &flakyMailer{}, false},
		{"dev mailbox", mail.DevMailbox{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t)
			ctx := context.Background()
			now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			queued, err := models.EnqueueMail(ctx, db, now, models.OutboxMail{Template: "reset_password", ToAddr: "ann@example.com", Subject: "Reset",
				HTMLBody: "<a href=\"https://app.example/reset?token=SECRET\">reset</a>", TextBody: "https://app.example/reset?token=SECRET"})
			if err != nil {
				t.Fatal(err)
			}
			s := mail.NewSender(db, tc.mailer, "Hearth <no-reply@example.com>", slog.New(slog.NewTextHandler(io.Discard, nil)))
			s.Now = func() time.Time { return now }
			if n := s.DeliverDue(ctx); n != 1 {
				t.Fatalf("sent %d", n)
			}
			m, err := models.MailByID(ctx, db, queued.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m.SentAt == nil || m.ToAddr != "ann@example.com" || m.Subject != "Reset" || m.Template != "reset_password" {
				t.Errorf("the record of the mail is incomplete: %+v", m)
			}
			kept := strings.Contains(m.TextBody, "SECRET") || strings.Contains(m.HTMLBody, "SECRET")
			if kept != tc.keep {
				t.Errorf("bodies kept = %v, want %v (text %q, html %q)", kept, tc.keep, m.TextBody, m.HTMLBody)
			}
		})
	}
}

// Sent mail is purged after models.SentMailRetention; unsent mail never is.
func TestOldSentMailIsPurged(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ids := map[string]string{}
	for name, age := range map[string]time.Duration{"old": models.SentMailRetention + time.Hour, "recent": models.SentMailRetention - time.Hour, "unsent": 30 * 24 * time.Hour} {
		m, err := models.EnqueueMail(ctx, db, now.Add(-age), models.OutboxMail{Template: "test", ToAddr: name + "@example.com", Subject: "Hi", HTMLBody: "<p>hi</p>", TextBody: "hi"})
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = m.ID
		if name != "unsent" {
			if err := models.MarkMailSent(ctx, db, m.ID, now.Add(-age)); err != nil {
				t.Fatal(err)
			}
		}
	}
	n, err := models.DeleteOldSentMail(ctx, db, now)
	if err != nil || n != 1 {
		t.Fatalf("purged %d (%v), want 1", n, err)
	}
	if _, err := models.MailByID(ctx, db, ids["old"]); !errors.Is(err, models.ErrNotFound) {
		t.Error("old sent mail kept")
	}
	for _, name := range []string{"recent", "unsent"} {
		if _, err := models.MailByID(ctx, db, ids[name]); err != nil {
			t.Errorf("%s mail purged: %v", name, err)
		}
	}
}
