package handlers

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/dev"
	mailview "github.com/hearth-app/hearth/views/mail"
)

// appName is how mails sign.
const appName = "Hearth"

// link is an absolute URL on this site, for mails.
func (a *App) link(path string, query url.Values) string {
	u := *a.Config.BaseURL
	u.Path = path
	u.RawQuery = query.Encode()
	return u.String()
}

// letter is one mail a change sends: about which user (nil for an address
// without an account), to which address, which template (for logs), and
// what it says.
type letter struct {
	user     *models.User
	to       string
	template string
	mail     mailview.Mail
}

// announce returns the models.Announce whose Compose renders the letters
// write gives for what the change did: the model queues them in the
// change's transaction. After the model call, a.sent logs them.
func announce[T any](a *App, ctx context.Context, write func(T) []letter) *models.Announce[T] {
	return &models.Announce[T]{Compose: func(v T) ([]models.OutboxMail, error) {
		letters := write(v)
		out := make([]models.OutboxMail, 0, len(letters))
		for _, l := range letters {
			m := l.mail
			m.AppName = appName
			var html bytes.Buffer
			if err := mailview.HTML(m).Render(ctx, &html); err != nil {
				return nil, err
			}
			om := models.OutboxMail{Template: l.template, ToAddr: l.to, Subject: m.Subject, HTMLBody: html.String(), TextBody: m.Text()}
			if l.user != nil {
				om.UserID = &l.user.ID
			}
			out = append(out, om)
		}
		return out, nil
	}}
}

// sent logs the mails a model call queued, and wakes the background
// sender. The log says which mail went to which user — never its body or
// link. requestID is the request that asked for them.
func (a *App) sent(requestID any, queued []models.OutboxMail) {
	for _, m := range queued {
		userID := "" // none: a mail to an address without an account
		if m.UserID != nil {
			userID = *m.UserID
		}
		a.Logger.Info("mail queued", "mail_id", m.ID, "template", m.Template, "user_id", userID, "request_id", requestID)
	}
	if len(queued) > 0 && a.MailSender != nil {
		a.MailSender.Wake()
	}
}

// mailLink issues u a single-use link for purpose (proving the address
// to), puts it in a link to path (with query), and mails m with that link
// to to, with also (notices of the same request) in the same transaction.
func (a *App) mailLink(c echo.Context, u *models.User, purpose, to, path string, query url.Values, m mailview.Mail, also ...letter) error {
	return a.mailLinkCtx(c.Request().Context(), c.Get(ctxRequestID), u, purpose, to, path, query, m, also...)
}

// mailLinkCtx is mailLink outside a request (background jobs), logged
// with the id of the request that asked for it.
func (a *App) mailLinkCtx(ctx context.Context, requestID any, u *models.User, purpose, to, path string, query url.Values, m mailview.Mail, also ...letter) error {
	mail := announce(a, ctx, func(is models.Issued) []letter {
		m.URL = a.tokenLink(path, query, is.Token)
		return append([]letter{{u, to, purpose, m}}, also...)
	})
	if err := models.MailLink(ctx, a.DB, a.Now(), u, purpose, to, mail); err != nil {
		return err
	}
	a.sent(requestID, mail.Queued)
	return nil
}

// tokenLink is the absolute URL of path with query and the link's token.
func (a *App) tokenLink(path string, query url.Values, token string) string {
	q := url.Values{}
	for k, vs := range query {
		q[k] = vs
	}
	q.Set("token", token)
	return a.link(path, q)
}

// verificationMail is the mail whose link proves u's address.
func verificationMail(u *models.User) mailview.Mail {
	return mailview.Mail{
		Subject:     "Confirm your email address",
		Heading:     "Confirm your email address",
		Lines:       []string{"Welcome! Please confirm that " + u.Email + " is your address."},
		ButtonLabel: "Confirm my email",
		Footer:      "The link works for 48 hours. If you did not sign up, ignore this mail.",
	}
}

// sendVerification mails u a new link that proves they own their address.
func (a *App) sendVerification(c echo.Context, u *models.User) error {
	return a.mailLink(c, u, models.TokenVerifyEmail, u.Email, "/verify-email", nil, verificationMail(u))
}

// devMailboxOn reports whether the development mailbox exists: in
// development, while no SMTP server is configured (the outbox is then the
// only place mail goes).
func (a *App) devMailboxOn() bool { return !a.Config.IsProduction() && a.Config.SMTPURL == nil }

// loopbackOnly answers 404 unless the connection comes from this machine.
// It reads the connection's own address, never X-Forwarded-For (not even
// from a trusted proxy: a proxy on this machine would make every visitor
// local). The mailbox holds every account's reset links.
func (a *App) loopbackOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		host, _, err := net.SplitHostPort(c.Request().RemoteAddr)
		if err != nil {
			host = c.Request().RemoteAddr
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return echo.ErrNotFound
		}
		return next(c)
	}
}

// DevMailbox lists queued mail (development only).
func (a *App) DevMailbox(c echo.Context) error {
	mails, err := models.RecentMail(c.Request().Context(), a.DB, 100)
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, dev.MailboxPage(a.page(c, "Mailbox"), mails))
}

// DevMail shows one mail (development only).
func (a *App) DevMail(c echo.Context) error {
	m, err := models.MailByID(c.Request().Context(), a.DB, c.Param("id"))
	if errors.Is(err, models.ErrNotFound) {
		return echo.ErrNotFound
	} else if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, dev.MailPage(a.page(c, m.Subject), m))
}

// DevMailHTML serves a mail's HTML part in a sandbox: no scripts, no forms,
// no access to this site's cookies.
func (a *App) DevMailHTML(c echo.Context) error {
	m, err := models.MailByID(c.Request().Context(), a.DB, c.Param("id"))
	if errors.Is(err, models.ErrNotFound) {
		return echo.ErrNotFound
	} else if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Security-Policy", "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	return c.HTMLBlob(http.StatusOK, []byte(m.HTMLBody))
}
