// Package mail delivers messages: over SMTP (github.com/wneessen/go-mail), or,
// in development without SMTP, into the development mailbox, which is the
// outbox itself, shown at /dev/mail. Requests never send mail: they write to
// the outbox (in the transaction of the change they tell of: models.Announce),
// and a background Sender delivers it.
package mail

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one mail, with an HTML body and its plain-text alternative.
type Message struct {
	From    string
	To      string
	Subject string
	HTML    string
	Text    string
}

// Mailer delivers one message. An *AcceptedError means it was delivered
// despite the error; any other error, that it was not.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// DevMailbox keeps mail in the outbox, where /dev/mail shows it: delivering
// is a no-op that always succeeds, and the Sender keeps the bodies of what it
// delivers this way (with any other Mailer it wipes them).
type DevMailbox struct{}

// Send implements Mailer.
func (DevMailbox) Send(context.Context, Message) error { return nil }

// SMTP delivers through an SMTP server given as smtp://user:pass@host:port
// (STARTTLS required, except to localhost) or smtps://… (implicit TLS).
type SMTP struct {
	url *url.URL
}

// NewSMTP returns an SMTP mailer for u.
func NewSMTP(u *url.URL) *SMTP { return &SMTP{url: u} }

// Send implements Mailer.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(m.From); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("mail to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)

	host := s.url.Hostname()
	opts := []gomail.Option{gomail.WithTimeout(30 * time.Second)}
	port, _ := strconv.Atoi(s.url.Port())
	switch {
	case s.url.Scheme == "smtps":
		opts = append(opts, gomail.WithSSL())
		if port == 0 {
			port = 465
		}
	case isLocal(host):
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic)) // plain SMTP allowed to this machine
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if port == 0 {
		port = 587
	}
	opts = append(opts, gomail.WithPort(port))
	if user := s.url.User; user != nil && user.Username() != "" {
		pass, _ := user.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(user.Username()), gomail.WithPassword(pass))
	}
	client, err := gomail.NewClient(host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		if msg.IsDelivered() { // the server said 250 to the DATA: it has the message
			return &AcceptedError{Err: err}
		}
		return fmt.Errorf("smtp send: %w", err)
	}
	return nil
}

// AcceptedError is a failure after the server accepted the message (250 to
// its DATA), such as a connection dropped at RSET or QUIT. The mail is sent:
// sending it again would deliver a second copy.
type AcceptedError struct{ Err error }

func (e *AcceptedError) Error() string { return "smtp: message accepted, then: " + e.Err.Error() }

func (e *AcceptedError) Unwrap() error { return e.Err }

func isLocal(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
