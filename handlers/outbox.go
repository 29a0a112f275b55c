package handlers

import (
	"bytes"
	"context"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	mailview "github.com/hearth-app/hearth/views/mail"
)

// queueMail renders m (a views/mail constructor's mail) and puts it in the
// outbox for the background sender. The log says which mail went to which
// user — never its body or link.
func (a *App) queueMail(c echo.Context, u *models.User, to string, m mailview.Mail) error {
	return a.queueMailCtx(c.Request().Context(), c.Get(ctxRequestID), u, to, m)
}

// queueMailCtx is queueMail outside a request (background jobs), logged
// with the id of the request that asked for it.
func (a *App) queueMailCtx(ctx context.Context, requestID any, u *models.User, to string, m mailview.Mail) error {
	om, err := a.outboxMail(ctx, u, to, m)
	if err != nil {
		return err
	}
	queued, err := models.EnqueueMail(ctx, a.DB.Write, a.Now(), om)
	if err != nil {
		return err
	}
	userID := "" // none: a mail to an address without an account
	if u != nil {
		userID = u.ID
	}
	a.Logger.Info("mail queued", "mail_id", queued.ID, "template", m.Template, "user_id", userID, "request_id", requestID)
	if a.MailSender != nil {
		a.MailSender.Wake()
	}
	return nil
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

// link is an absolute URL on this site, for mails.
func (a *App) link(path string, query url.Values) string {
	u := *a.Config.BaseURL
	u.Path = path
	u.RawQuery = query.Encode()
	return u.String()
}

// tokenLink issues u a single-use token for purpose (proving the address
// to), valid for ttl, and returns the link to path (with query) that
// carries it, for a mail to to.
func (a *App) tokenLink(ctx context.Context, u *models.User, purpose, to string, ttl time.Duration, path string, query url.Values) (string, error) {
	raw, err := models.IssueToken(ctx, a.DB.Write, a.Now(), u, purpose, to, ttl)
	if err != nil {
		return "", err
	}
	if query == nil {
		query = url.Values{}
	}
	query.Set("token", raw)
	return a.link(path, query), nil
}
