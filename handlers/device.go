package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/config"
)

// Device cookies (OWASP's "slow down online guessing with device cookies"):
// a browser that signed in to an account before carries a signed cookie
// naming that account, and its failed sign-ins count against a limit of its
// own instead of the account's. Ten wrong passwords from elsewhere then lock
// out unknown browsers only, never the owner's own.
const (
	deviceCookieName = config.CookiePrefix + "_device"
	deviceCookieAge  = 365 * 24 * time.Hour
)

// deviceMAC signs a device nonce for one (normalized) address.
func (a *App) deviceMAC(email, nonce string) string {
	return hex.EncodeToString(a.mac("device", email+"|"+nonce))
}

// trustedDevice returns the nonce of this browser's device cookie when the
// cookie is valid for email.
func (a *App) trustedDevice(c echo.Context, email string) (string, bool) {
	ck, err := c.Cookie(a.cookieName(deviceCookieName))
	if err != nil {
		return "", false
	}
	nonce, mac, ok := strings.Cut(ck.Value, ".")
	if !ok || len(nonce) != 32 || !hmac.Equal([]byte(mac), []byte(a.deviceMAC(email, nonce))) {
		return "", false
	}
	return nonce, true
}

// rememberDevice gives this browser a new device cookie for email, after a
// successful sign-in.
func (a *App) rememberDevice(c echo.Context, email string) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	nonce := hex.EncodeToString(b)
	a.setCookie(c, deviceCookieName, nonce+"."+a.deviceMAC(email, nonce), deviceCookieAge)
}

// signInLockKey is the throttle key that failed sign-ins for email count
// against from this browser: its own for a trusted device, else the
// account's.
func (a *App) signInLockKey(c echo.Context, email string) string {
	if nonce, ok := a.trustedDevice(c, email); ok {
		return "signin-device:" + nonce
	}
	return signInAccountKey(email)
}

// signInAccountKey is the per-account throttle key of failed sign-ins.
func signInAccountKey(email string) string { return "signin-account:" + email }
