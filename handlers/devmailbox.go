package handlers

// The development mailbox: in development without SMTP, mail stays in the
// outbox and these pages show it, to this machine only.

import (
	"errors"
	"net"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/dev"
)

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
	return a.render(c, http.StatusOK, dev.MailPage(a.page(c, m.Subject), m, a.Config.BaseURL.String()))
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
