package handlers

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"time"

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

// queueMail renders m and puts it in the outbox for the background sender.
// The log says which mail went to which user — never its body or link.
func (a *App) queueMail(c echo.Context, u *models.User, to, template string, m mailview.Mail) error {
	return a.queueMailCtx(c.Request().Context(), c.Get(ctxRequestID), u, to, template, m)
}

// queueMailCtx is queueMail outside a request (background jobs), logged
// with the id of the request that asked for it.
func (a *App) queueMailCtx(ctx context.Context, requestID any, u *models.User, to, template string, m mailview.Mail) error {
	m.AppName = appName
	var html bytes.Buffer
	if err := mailview.HTML(m).Render(ctx, &html); err != nil {
		return err
	}
	om := models.OutboxMail{Template: template, ToAddr: to, Subject: m.Subject, HTMLBody: html.String(), TextBody: m.Text()}
	userID := "" // none: a mail to an address without an account
	if u != nil {
		om.UserID, userID = &u.ID, u.ID
	}
	queued, err := models.EnqueueMail(ctx, a.DB.Write, a.Now(), om)
	if err != nil {
		return err
	}
	a.Logger.Info("mail queued", "mail_id", queued.ID, "template", template, "user_id", userID, "request_id", requestID)
	if a.MailSender != nil {
		a.MailSender.Wake()
	}
	return nil
}

// mailLink issues u a single-use token for purpose (proving the address to),
// puts it in a link to path (with query), and mails m with that link to to.
func (a *App) mailLink(c echo.Context, u *models.User, purpose, to string, ttl time.Duration, path string, query url.Values, m mailview.Mail) error {
	return a.mailLinkCtx(c.Request().Context(), c.Get(ctxRequestID), u, purpose, to, ttl, path, query, m)
}

// mailLinkCtx is mailLink outside a request (background jobs).
func (a *App) mailLinkCtx(ctx context.Context, requestID any, u *models.User, purpose, to string, ttl time.Duration, path string, query url.Values, m mailview.Mail) error {
	raw, err := models.IssueToken(ctx, a.DB.Write, a.Now(), u, purpose, to, ttl)
	if err != nil {
		return err
	}
	if query == nil {
		query = url.Values{}
	}
	query.Set("token", raw)
	m.URL = a.link(path, query)
	return a.queueMailCtx(ctx, requestID, u, to, purpose, m)
}

// sendVerification mails u a link that proves they own their address.
func (a *App) sendVerification(c echo.Context, u *models.User) error {
	return a.mailLink(c, u, models.TokenVerifyEmail, u.Email, models.VerifyEmailTTL, "/verify-email", nil, mailview.Mail{
		Subject:     "Confirm your email address",
		Heading:     "Confirm your email address",
		Lines:       []string{"Welcome! Please confirm that " + u.Email + " is your address."},
		ButtonLabel: "Confirm my email",
		Footer:      "The link works for 48 hours. If you did not sign up, ignore this mail.",
	})
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
