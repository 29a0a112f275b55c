package handlers

import (
	"crypto/hmac"
	"encoding/base64"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/views/layout"
)

// Flash messages ("You have been signed out.") are shown once, on the next
// page. A visitor with a session carries theirs in it. A visitor without one
// (signed out, or never signed in) gets a signed cookie of a minute instead:
// a message is no reason to store a session row.
const (
	flashCookieName = config.CookiePrefix + "_flash"
	flashMaxAge     = time.Minute // the next page follows the redirect at once
)

// flash queues a one-time message for the next page.
func (a *App) flash(c echo.Context, level layout.FlashLevel, message string) {
	ctx := c.Request().Context()
	msg := string(level) + "|" + message
	if a.Sessions.Token(ctx) != "" { // a stored session, or one about to be (a sign-in)
		a.putSession(ctx, keyFlash, msg)
		return
	}
	payload := base64.RawURLEncoding.EncodeToString([]byte(msg))
	a.setCookie(c, flashCookieName, payload+"."+a.flashMAC(payload), flashMaxAge)
}

// popFlash returns the pending message, and forgets it.
func (a *App) popFlash(c echo.Context) layout.Flash {
	msg := a.popSession(c.Request().Context(), keyFlash)
	if ck, err := c.Cookie(a.cookieName(flashCookieName)); err == nil {
		a.setCookie(c, flashCookieName, "", -1)
		if msg == "" {
			msg = a.openFlash(ck.Value)
		}
	}
	level, text, _ := strings.Cut(msg, "|")
	return layout.Flash{Level: layout.FlashLevel(level), Message: text}
}

// openFlash checks a flash cookie's signature and returns its message, or "".
func (a *App) openFlash(value string) string {
	payload, mac, ok := strings.Cut(value, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(a.flashMAC(payload))) {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || !cleanString(string(b)) {
		return ""
	}
	return string(b)
}

// flashMAC signs a flash cookie with the key the instances share, so that
// no one can make the site show a message of their choosing.
func (a *App) flashMAC(payload string) string {
	return base64.RawURLEncoding.EncodeToString(a.mac("flash", payload))
}
