package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// cookieName is the name of one of Hearth's own cookies (flash, device,
// theme): in production with the __Host- prefix, which browsers accept only
// with Secure, Path=/ and no Domain.
func (a *App) cookieName(base string) string {
	if a.Config.IsProduction() {
		return "__Host-" + base
	}
	return base
}

// setCookie sets one of Hearth's own cookies for maxAge (a negative one
// deletes it): HttpOnly, SameSite=Lax, Path=/, Secure in production.
func (a *App) setCookie(c echo.Context, base, value string, maxAge time.Duration) {
	age := int(maxAge / time.Second)
	if maxAge < 0 {
		age = -1
	}
	c.SetCookie(&http.Cookie{Name: a.cookieName(base), Value: value, Path: "/", MaxAge: age,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.Config.IsProduction()})
}

// mac signs msg for purpose with the key the instances share (FormKey):
// HMAC-SHA256 of "purpose|msg", so a signature made for one purpose (a
// form stamp) is worthless for another (a flash or device cookie).
func (a *App) mac(purpose, msg string) []byte {
	m := hmac.New(sha256.New, a.FormKey)
	m.Write([]byte(purpose + "|" + msg))
	return m.Sum(nil)
}
