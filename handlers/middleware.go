package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/config"
)

// MaxBodyBytes bounds every request body. Forms are tiny; anything larger is
// refused with 413 before it is read.
const MaxBodyBytes = 1 << 20

// ctxRequestID is the echo.Context value holding the request's id.
const ctxRequestID = "request_id"

// requestID gives each request a random id, echoed in X-Request-Id, written
// in the log line and shown on 500 pages. A client-sent id is not trusted.
func (a *App) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		c.Set(ctxRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// recoverPanic turns a panic into the 500 page and a logged stack trace.
func (a *App) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				a.Logger.Error("panic", "request_id", c.Get(ctxRequestID), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = echo.NewHTTPError(http.StatusInternalServerError)
			}
		}()
		return next(c)
	}
}

// contentSecurityPolicy allows only the app's own scripts, styles and forms:
// no inline script or style, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// securityHeaders sets the headers every response carries.
func (a *App) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if a.Config.IsProduction() {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		return next(c)
	}
}

// checkHost answers 421 Misdirected Request to a request whose Host is not
// HEARTH_BASE_URL's host and port. A DNS-rebinding page (evil.example
// resolved to 127.0.0.1) reaches the server with its own name as Host, and is
// refused before any page — the development mailbox above all — is read.
// /healthz is exempt: load balancers probe it by address. Behind a reverse
// proxy, the proxy must pass the client's Host on.
func (a *App) checkHost(next echo.HandlerFunc) echo.HandlerFunc {
	base := a.Config.BaseURL
	want := canonicalHost(base.Host, base.Scheme)
	// In development a loopback base URL answers under every loopback name
	// (localhost, 127.0.0.1, [::1]): a rebinding page's name is none of them.
	loopbackDev := !a.Config.IsProduction() && config.IsLoopbackHost(base.Hostname())
	_, wantPort, _ := net.SplitHostPort(want)
	refusal := echo.NewHTTPError(http.StatusMisdirectedRequest, "This site answers at "+base.Scheme+"://"+base.Host+", not at this address.")
	return func(c echo.Context) error {
		req := c.Request()
		if req.URL.Path == "/healthz" {
			return next(c)
		}
		host := req.Host
		// A trusted reverse proxy that rewrites Host (nginx's default) says
		// which one the browser asked for.
		if fwd := req.Header.Get("X-Forwarded-Host"); fwd != "" && a.fromTrustedProxy(req) {
			host = strings.TrimSpace(strings.Split(fwd, ",")[0])
		}
		got := canonicalHost(host, base.Scheme)
		if got == want {
			return next(c)
		}
		if gotHost, gotPort, _ := net.SplitHostPort(got); loopbackDev && gotPort == wantPort && config.IsLoopbackHost(gotHost) {
			return next(c)
		}
		return refusal
	}
}

// fromTrustedProxy reports whether the connection comes from one of
// HEARTH_TRUSTED_PROXIES.
func (a *App) fromTrustedProxy(req *http.Request) bool {
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	for _, n := range a.Config.TrustedProxies {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

// canonicalHost is host:port in lower case, without a final dot, with the
// scheme's default port when there is none.
func canonicalHost(hostport, scheme string) string {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil { // no port
		host, port = strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]"), "80"
		if scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.TrimSuffix(strings.ToLower(host), "."), port)
}

// limitBody refuses bodies over MaxBodyBytes (MaxPhotoBodyBytes for the
// photo upload) with 413: at once when the length is declared, while
// reading when it is not. It also refuses paths and query strings with NUL
// bytes or invalid UTF-8 (400).
func (a *App) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		limit := int64(MaxBodyBytes)
		if req.Method == http.MethodPost && c.Path() == photoUploadPath {
			limit = MaxPhotoBodyBytes
		}
		if req.ContentLength > limit {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
		if !cleanString(req.URL.Path) || !cleanText(req.URL.Query()) {
			return errBadText
		}
		return next(c)
	}
}

// logRequest writes one structured line per request. It logs the path but
// never the query string, which may carry reset or verification tokens,
// nor a route's :token (an invitation's link).
func (a *App) logRequest(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err) // render the error page now, so the status is known
		}
		status := c.Response().Status
		id, _ := c.Get(ctxRequestID).(string)
		attrs := [7]slog.Attr{ // typed attributes: no boxing, no slice to grow
			slog.String("method", c.Request().Method),
			slog.String("path", loggedPath(c)),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("ip", c.RealIP()),
			slog.String("request_id", id),
		}
		n := 6
		if u := currentUser(c); u != nil {
			attrs[n], n = slog.String("user_id", u.ID), n+1
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		a.Logger.LogAttrs(c.Request().Context(), level, "request", attrs[:n]...)
		return nil
	}
}

// loggedPath is the request's path as logs show it: a route's :token (an
// invitation's link) is left out.
func loggedPath(c echo.Context) string {
	path := c.Request().URL.Path
	if tok := c.Param("token"); tok != "" {
		path = strings.Replace(path, tok, ":token", 1)
	}
	return path
}

// refuseCrossOrigin rejects state-changing requests from other origins with
// 403, using the browser's Sec-Fetch-Site and Origin headers (Go's
// http.CrossOriginProtection). The session cookie's SameSite=Lax is the
// second layer for clients that send neither. A request that carries an
// Authorization header and no session cookie is let through: only its
// token authenticates it, and no other site can make a browser send one.
func (a *App) refuseCrossOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if a.bearerOnly(c.Request()) {
			return next(c)
		}
		if err := a.crossOrigin.Check(c.Request()); err != nil {
			return echo.NewHTTPError(http.StatusForbidden, "This request came from another site and was refused.")
		}
		return next(c)
	}
}

// ipExtractor believes X-Forwarded-For only from configured proxies; by
// default the client address is the connection's. Echo's XFF extractor would
// otherwise trust loopback and private ranges by default.
func (a *App) ipExtractor() echo.IPExtractor {
	if len(a.Config.TrustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range a.Config.TrustedProxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
