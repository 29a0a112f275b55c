package handlers

import (
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/internal/ratelimit"
	"github.com/hearth-app/hearth/models"
)

// limit counts one event for key against rate. Over the limit it answers
// 429 with Retry-After and a message saying how long to wait.
func (a *App) limit(c echo.Context, rate ratelimit.Rate, key string) error {
	err := models.Throttle(c.Request().Context(), a.DB, a.Now(), rate, key)
	var te *ratelimit.Limited
	if errors.As(err, &te) {
		return tooMany(c, te.RetryAfter, "Too many attempts. Please wait "+waitText(te.RetryAfter)+" and try again.")
	}
	return err
}

// addressKey is the throttle key of kind for the client's address (see
// clientBucket).
func addressKey(c echo.Context, kind string) string {
	return kind + ":" + clientBucket(c.RealIP())
}

// clientBucket is a client address as throttles count it: an IPv4 address
// alone (also when written mapped into IPv6), an IPv6 address by its /64,
// the block one subscriber is given and may take a fresh address from for
// every request.
func clientBucket(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.WithZone("").Unmap()
	if addr.Is4() {
		return addr.String()
	}
	p, err := addr.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// tooMany is a 429 with Retry-After in whole seconds.
func tooMany(c echo.Context, wait time.Duration, msg string) error {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return echo.NewHTTPError(http.StatusTooManyRequests, msg)
}

// hasherBusy answers a flood of password checks: slow down, nothing broke.
func hasherBusy(c echo.Context) error {
	return tooMany(c, time.Second, "The server is busy checking other sign-ins. Please try again in a moment.")
}

func waitText(d time.Duration) string {
	switch s := int(math.Ceil(d.Seconds())); {
	case s <= 1:
		return "a second"
	case s < 60:
		return fmt.Sprintf("%d seconds", s)
	case s < 120:
		return "a minute"
	default:
		return fmt.Sprintf("%d minutes", (s+59)/60)
	}
}

// formStamp signs the time a form was rendered, so its submission can prove
// it took a human's time to fill in. The key is shared by all instances.
func (a *App) formStamp(t time.Time) string {
	ms := strconv.FormatInt(t.UnixMilli(), 10)
	return ms + "." + a.stampMAC(ms)
}

func (a *App) stampMAC(ms string) string {
	return hex.EncodeToString(a.mac("signup-form", ms))
}

// stampAge returns how long ago a valid stamp was made; ok is false for a
// missing, forged or malformed one.
func (a *App) stampAge(stamp string) (age time.Duration, ok bool) {
	ms, mac, found := strings.Cut(stamp, ".")
	if !found || !hmac.Equal([]byte(mac), []byte(a.stampMAC(ms))) {
		return 0, false
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return 0, false
	}
	return a.Now().Sub(time.UnixMilli(n)), true
}
