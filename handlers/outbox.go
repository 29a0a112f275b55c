package handlers

import (
	"bytes"
	"context"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	mailview "github.com/hearth-app/hearth/views/mail"
)

// letter is one mail a change sends: about which user (nil for an address
// without an account), to which address, and what it says (a views/mail
// constructor's mail, which names its template).
type letter struct {
	user *models.User
	to   string
	mail mailview.Mail
}

// announce returns the models.Announce whose Compose renders the letters
// write gives for what the change did: the model queues them in the
// change's transaction. After the model call, a.sent logs them.
func announce[T any](a *App, ctx context.Context, write func(T) []letter) *models.Announce[T] {
	return &models.Announce[T]{Compose: func(v T) ([]models.OutboxMail, error) {
		letters := write(v)
		out := make([]models.OutboxMail, 0, len(letters))
		for _, l := range letters {
			om, err := a.outboxMail(ctx, l.user, l.to, l.mail)
			if err != nil {
				return nil, err
			}
			out = append(out, om)
		}
		return out, nil
	}}
}

// outboxMail renders m into the outbox row that sends it to to, about u
// (nil for an address without an account).
func (a *App) outboxMail(ctx context.Context, u *models.User, to string, m mailview.Mail) (models.OutboxMail, error) {
	var html bytes.Buffer
	if err := mailview.HTML(m).Render(ctx, &html); err != nil {
		return models.OutboxMail{}, err
	}
	om := models.OutboxMail{Template: m.Template, ToAddr: to, Subject: m.Subject, HTMLBody: html.String(), TextBody: m.Text()}
	if u != nil {
		om.UserID = &u.ID
	}
	return om, nil
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
// to), and mails to to what compose makes of the link to path (with
// query), with also (notices of the same request) in the same transaction.
func (a *App) mailLink(c echo.Context, u *models.User, purpose, to, path string, query url.Values, compose func(link string) mailview.Mail, also ...letter) error {
	return a.mailLinkCtx(c.Request().Context(), c.Get(ctxRequestID), u, purpose, to, path, query, compose, nil, also...)
}

// mailLinkCtx is mailLink outside a request (background jobs), logged
// with the id of the request that asked for it, and with the audit events
// audits written in its transaction.
func (a *App) mailLinkCtx(ctx context.Context, requestID any, u *models.User, purpose, to, path string, query url.Values, compose func(link string) mailview.Mail, audits []models.AuditEvent, also ...letter) error {
	mail := announce(a, ctx, func(is models.Issued) []letter {
		return append([]letter{{u, to, compose(a.tokenLink(path, query, is.Token))}}, also...)
	})
	if err := models.MailLink(ctx, a.DB, a.Now(), u, purpose, to, mail, audits...); err != nil {
		return err
	}
	a.sent(requestID, mail.Queued)
	return nil
}

// link is an absolute URL on this site, for mails.
func (a *App) link(path string, query url.Values) string {
	u := *a.Config.BaseURL
	u.Path = path
	u.RawQuery = query.Encode()
	return u.String()
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

// sendVerification mails u a new link that proves they own their address.
func (a *App) sendVerification(c echo.Context, u *models.User) error {
	return a.mailLink(c, u, models.TokenVerifyEmail, u.Email, "/verify-email", nil, func(link string) mailview.Mail {
		return mailview.VerifyEmail(u, link)
	})
}
