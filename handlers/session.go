package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/internal/sessionstore"
	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/layout"
	"github.com/hearth-app/hearth/views/pages"
)

// Values of the request's echo.Context set by the session middleware.
const (
	ctxSession      = "session_loaded"
	ctxUser         = "user"
	ctxSessionEnded = "session_ended" // the browser sent a token the store no longer has
)

// sessionKey names a value kept in the scs session. Every key is declared
// here, and the session's values are read and written only through the
// methods below, which take a sessionKey
// (TestSessionValuesAreReadThroughTypedKeys).
type sessionKey string

const (
	// keyUser holds the signed-in user's id (during impersonation, the
	// user's). The session store reads it too, to know whose session it is.
	keyUser sessionKey = sessionstore.UserKey
	// keySignedInAt holds when the user signed in (Unix seconds), for the
	// actions that want a recent sign-in.
	keySignedInAt sessionKey = "signed_in_at"
	// keyForget is set while a sign-in whose "Keep me signed in" was
	// unticked is under way (until startSession).
	keyForget sessionKey = "forget_me"
	// keyIdleLimit gives a session an idle timeout of its own
	// (forgetfulIdle), which the session store enforces.
	keyIdleLimit sessionKey = sessionstore.IdleLimitKey
	// keyImpersonator holds, while an admin browses as another user, the
	// admin's own id.
	keyImpersonator sessionKey = "impersonator_id"
	// keyFlash holds the message for the next page (flash.go).
	keyFlash sessionKey = "flash"
	// keyOAuthAttempt holds a provider sign-in under way (state, nonce, PKCE
	// verifier), until its callback.
	keyOAuthAttempt sessionKey = "oauth_attempt"
	// keyPendingSignIn2FA holds a sign-in whose first factor passed and
	// whose second is awaited at /login/2fa (twofa.go); the session has no
	// user meanwhile.
	keyPendingSignIn2FA sessionKey = "pending_sign_in_2fa"
	// keyOAuthConnectIntent holds the account page's Connect, until its
	// same-origin GET starts the flow.
	keyOAuthConnectIntent sessionKey = "oauth_connect_intent"
	// keyEmailSignIn holds the email sign-in this browser asked for (the
	// binding secret its code needs, the address, where to go next), until
	// it signs in (email_signin.go).
	keyEmailSignIn sessionKey = "email_signin"
	// keyPasskeyRegistration and keyPasskeyLogin hold the id of this
	// browser's WebAuthn challenge under way (models.Challenge), until its
	// finish consumes it.
	keyPasskeyRegistration sessionKey = "passkey_registration"
	keyPasskeyLogin        sessionKey = "passkey_login"
	keyPasskeyConfirm      sessionKey = "passkey_confirm"
	// keyPasskeyConfirmedAt is when this session's user last confirmed it
	// was them with a passkey (Unix seconds): for an account without a
	// password it stands for the password a sensitive change asks for,
	// for passkeyConfirmWindow.
	keyPasskeyConfirmedAt sessionKey = "passkey_confirmed_at"
)

// Organizations (orgs.go).
const (
	// keyActiveOrg holds the id of the organization the user last opened:
	// the nav's switcher shows it, JWTs carry it (checked against the
	// memberships when a token is minted).
	keyActiveOrg sessionKey = "active_org"
)

// sessionString is the session's value for k, or "".
func (a *App) sessionString(ctx context.Context, k sessionKey) string {
	return a.Sessions.GetString(ctx, string(k))
}

// putSession sets the session's value for k.
func (a *App) putSession(ctx context.Context, k sessionKey, v string) {
	a.Sessions.Put(ctx, string(k), v)
}

// popSession returns the session's value for k and removes it.
func (a *App) popSession(ctx context.Context, k sessionKey) string {
	return a.Sessions.PopString(ctx, string(k))
}

// removeSession deletes the session's value for k.
func (a *App) removeSession(ctx context.Context, k sessionKey) {
	a.Sessions.Remove(ctx, string(k))
}

// hasSession reports whether the session middleware ran for this request
// (it does not for static files and health checks).
func hasSession(c echo.Context) bool {
	loaded, _ := c.Get(ctxSession).(bool)
	return loaded
}

// loadSession loads the scs session for the request and commits it just
// before the response is written — on error pages too — with one Set-Cookie.
func (a *App) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if p := req.URL.Path; strings.HasPrefix(p, staticPrefix+"/") || strings.HasPrefix(p, avatarPrefix) || p == "/healthz" || p == jwksPath {
			return next(c)
		}
		var token string
		if ck, err := req.Cookie(a.Sessions.Cookie.Name); err == nil {
			token = ck.Value
		}
		ctx := sessionstore.WithClient(req.Context(), c.RealIP(), req.UserAgent())
		ctx, err := a.Sessions.Load(ctx, token)
		if err != nil {
			return fmt.Errorf("load session: %w", err)
		}
		c.SetRequest(req.WithContext(ctx))
		c.Set(ctxSession, true)
		// A cookie lives as long as its row, so a token the store does not
		// know is a session ended before its time: signed out elsewhere,
		// revoked, or the password changed.
		c.Set(ctxSessionEnded, token != "" && a.Sessions.Token(ctx) == "")

		res := c.Response()
		res.Header().Add("Vary", "Cookie")
		res.Before(func() { a.commitSession(ctx, c) })
		return next(c)
	}
}

func (a *App) commitSession(ctx context.Context, c echo.Context) {
	w := c.Response()
	switch a.Sessions.Status(ctx) {
	case scs.Modified:
		token, expiry, err := a.Sessions.Commit(ctx)
		if err != nil {
			a.Logger.Error("commit session", "request_id", c.Get(ctxRequestID), "err", err)
			a.replaceWithUnavailable(c)
			return
		}
		// The cookie lasts as long as the row (a session without a user, minutes).
		signedIn := a.sessionString(ctx, keyUser) != ""
		a.Sessions.WriteSessionCookie(ctx, w, token, sessionstore.Expiry(expiry, a.Now(), signedIn))
	case scs.Destroyed:
		a.Sessions.WriteSessionCookie(ctx, w, "", time.Time{})
	}
	// Pages with a session may show account data: never store them.
	w.Header().Set("Cache-Control", "no-store")
}

// replaceWithUnavailable turns the response being written into the 503
// page: a request whose session could not be saved did not happen as far
// as the browser knows (a sign-in without its cookie would land on /login).
// It runs in the Before hook, inside Response.WriteHeader, after the status
// was set and before it is sent: the status and headers are replaced, and
// the handler's body, written next, is swapped for the page.
func (a *App) replaceWithUnavailable(c echo.Context) {
	w := c.Response()
	var page bytes.Buffer
	if c.Request().Method != http.MethodHead {
		p := layout.Page{Title: unavailableHeading, User: currentUser(c), Path: c.Request().URL.Path, Theme: a.themeOf(c), Here: "/"}
		if err := pages.ErrorPage(p, unavailablePage(c)).Render(c.Request().Context(), &page); err != nil {
			a.Logger.Error("render error page", "request_id", c.Get(ctxRequestID), "err", err)
		}
	}
	h := w.Header()
	for _, k := range []string{"Location", "Set-Cookie", "Content-Encoding", "ETag", "Last-Modified"} {
		h.Del(k)
	}
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	h.Set(echo.HeaderContentLength, strconv.Itoa(page.Len()))
	h.Set("Retry-After", retryAfterSeconds)
	w.Status = http.StatusServiceUnavailable
	w.Writer = &replacedBody{ResponseWriter: w.Writer, body: page.Bytes()}
}

// replacedBody sends body after the header, and drops what the handler
// writes.
type replacedBody struct {
	http.ResponseWriter
	body []byte
}

func (r *replacedBody) WriteHeader(code int) {
	r.ResponseWriter.WriteHeader(code)
	_, _ = r.ResponseWriter.Write(r.body)
}

func (r *replacedBody) Write(b []byte) (int, error) { return len(b), nil }

func (r *replacedBody) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// loadUser puts the signed-in user, if any, on the context. The session
// store loaded the user with the session; a session whose user is gone or
// banned is ended on the spot.
func (a *App) loadUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !hasSession(c) {
			return next(c)
		}
		ctx := c.Request().Context()
		id := a.sessionString(ctx, keyUser)
		if id == "" {
			return next(c)
		}
		u, err := sessionstore.UserFrom(ctx), error(nil) // loaded with the session
		if u == nil || u.ID != id {
			u, err = models.UserByID(ctx, a.DB, id)
		}
		switch {
		case errors.Is(err, models.ErrNotFound) || (err == nil && u.BannedAt != nil):
			if err := a.Sessions.Destroy(ctx); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			c.Set(ctxUser, u)
		}
		return next(c)
	}
}

// currentUser is the signed-in user, or nil.
func currentUser(c echo.Context) *models.User {
	u, _ := c.Get(ctxUser).(*models.User)
	return u
}

// requireUser sends signed-out visitors to the sign-in page, with a way back.
func (a *App) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) == nil {
			if ended, _ := c.Get(ctxSessionEnded).(bool); ended {
				a.Sessions.WriteSessionCookie(c.Request().Context(), c.Response(), "", time.Time{})
				a.flash(c, layout.FlashInfo, "You were signed out: this session was ended (from another device, or by a password change). Sign in again to continue.")
			}
			target := "/login"
			if c.Request().Method == http.MethodGet {
				target += "?next=" + url.QueryEscape(c.Request().URL.RequestURI())
			}
			return c.Redirect(http.StatusSeeOther, target)
		}
		return next(c)
	}
}

// requireVerifiedEmail lets through only signed-in users whose email address
// is confirmed: product pages that must know whom they serve (billing,
// invitations, anything that mails others). Signed-out visitors go to sign
// in; an unconfirmed user is sent to the account page, which offers the
// link again (a GET), or refused with a 403 that says why (a form).
func (a *App) requireVerifiedEmail(next echo.HandlerFunc) echo.HandlerFunc {
	return a.requireUser(func(c echo.Context) error {
		u := currentUser(c)
		if u.EmailVerifiedAt != nil {
			return next(c)
		}
		msg := "Confirm your email address first: open the link we sent to " + u.Email + ", or send it again from your account page."
		if c.Request().Method != http.MethodGet {
			return echo.NewHTTPError(http.StatusForbidden, msg)
		}
		a.flash(c, layout.FlashInfo, msg)
		return c.Redirect(http.StatusSeeOther, "/account")
	})
}

// requireAdmin lets only admins through; others get the 403 page.
func (a *App) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return a.requireUser(func(c echo.Context) error {
		if !currentUser(c).IsAdmin() {
			return echo.NewHTTPError(http.StatusForbidden)
		}
		return next(c)
	})
}

// redirectSignedIn sends signed-in users away from the sign-in and sign-up
// pages, to where they were going.
func (a *App) redirectSignedIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) != nil {
			return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next"), "/account"))
		}
		return next(c)
	}
}
