package handlers

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/pquerna/otp"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/layout"
	mailview "github.com/hearth-app/hearth/views/mail"
	"github.com/hearth-app/hearth/views/security"
)

// secondFactorWindow is how long after the first factor the second step
// of signing in may be completed.
const secondFactorWindow = 5 * time.Minute

// signIn is a first factor that passed: who, how, and what the sign-in
// records and says once it is complete.
type signIn struct {
	User *models.User
	// Method names the first factor for the audit log: "password", a
	// provider's name, "email".
	Method string
	// Next is where the browser goes once signed in (a local path; /account
	// when empty).
	Next string
	// Action is the audit action of the completed sign-in
	// (models.AuditSignIn when empty); Welcome its flash ("Welcome back!"
	// when empty).
	Action  string
	Welcome string
}

// pendingSignIn2FA is a sign-in waiting for its second factor, kept in
// this browser's server-side session: another browser has no such value,
// and the session holds no user until the step is passed.
type pendingSignIn2FA struct {
	UserID  string `json:"user_id"`
	Method  string `json:"method"`
	Next    string `json:"next,omitempty"`
	Action  string `json:"action,omitempty"`
	Welcome string `json:"welcome,omitempty"`
	At      int64  `json:"at"` // when the first factor passed, Unix seconds
	// Password is models.PasswordStamp of the account when the first factor
	// passed: a password reset or change since then ends the step.
	Password string `json:"password"`
}

// completeFirstFactor is where every first factor ends (a password, a
// provider's callback, an email code): the one place that decides whether
// the sign-in is complete. A user with a second factor
// (models.HasSecondFactor) is not signed in: the session, on a new token,
// remembers the pending step for secondFactorWindow and the browser goes to
// /login/2fa. Anyone else is signed in at once (finishSignIn). It writes
// the response: the caller returns what it returns.
func (a *App) completeFirstFactor(c echo.Context, s signIn) error {
	ctx := c.Request().Context()
	has, err := models.HasSecondFactor(ctx, a.DB, s.User.ID)
	if err != nil {
		return err
	}
	if !has {
		return a.finishSignIn(c, s)
	}
	b, err := json.Marshal(pendingSignIn2FA{UserID: s.User.ID, Method: s.Method, Next: safeNext(s.Next, ""),
		Action: s.Action, Welcome: s.Welcome, At: a.Now().Unix(), Password: models.PasswordStamp(s.User.PasswordHash)})
	if err != nil {
		return err
	}
	if err := a.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	a.putSession(ctx, keyPendingSignIn2FA, string(b))
	return redirect(c, "/login/2fa")
}

// finishSignIn signs s.User in on a new session token: the account's
// failed-attempt counter is cleared, this browser remembered as the
// account's (device.go), the sign-in audited and welcomed.
func (a *App) finishSignIn(c echo.Context, s signIn) error {
	u := s.User
	if err := models.ResetThrottle(c.Request().Context(), a.DB, a.signInLockKey(c, u.Email)); err != nil {
		return err
	}
	if err := a.startSession(c, u); err != nil {
		return err
	}
	a.removeSession(c.Request().Context(), keyPendingSignIn2FA) // another account's step, left unfinished
	a.rememberDevice(c, u.Email)
	action, welcome := s.Action, s.Welcome
	if action == "" {
		action = models.AuditSignIn
	}
	if welcome == "" {
		welcome = "Welcome back!"
	}
	a.audit(c, action, u, "", s.Method)
	a.flash(c, layout.FlashSuccess, welcome)
	return redirect(c, safeNext(s.Next, "/account"))
}

// pendingSecondFactor is this browser's sign-in waiting for its second
// factor, or nil (none, or older than secondFactorWindow: then it is
// dropped).
func (a *App) pendingSecondFactor(c echo.Context) *pendingSignIn2FA {
	ctx := c.Request().Context()
	raw := a.sessionString(ctx, keyPendingSignIn2FA)
	if raw == "" {
		return nil
	}
	var p pendingSignIn2FA
	if err := json.Unmarshal([]byte(raw), &p); err != nil || p.UserID == "" ||
		a.Now().Sub(time.Unix(p.At, 0)) > secondFactorWindow {
		a.removeSession(ctx, keyPendingSignIn2FA)
		return nil
	}
	return &p
}

// secondFactorGone sends a browser without a pending step back to the
// sign-in page.
func (a *App) secondFactorGone(c echo.Context) error {
	a.flash(c, layout.FlashInfo, "Your sign-in expired before the code was entered. Please sign in again.")
	return redirect(c, "/login")
}

// SecondFactorPage is GET /login/2fa: the code form, for a browser whose
// first factor passed within secondFactorWindow.
func (a *App) SecondFactorPage(c echo.Context) error {
	if a.pendingSecondFactor(c) == nil {
		return a.secondFactorGone(c)
	}
	return a.render(c, http.StatusOK, security.TwoFactorLoginPage(a.page(c, "Two-factor authentication"), security.TwoFactorLoginData{}))
}

// SecondFactorSubmit is POST /login/2fa: a code from the authenticator app
// (accepted once) or a recovery code (used up). Attempts count against the
// same per-account limit as passwords, so a known password does not buy
// more guesses; success signs in on a new session token.
func (a *App) SecondFactorSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	p := a.pendingSecondFactor(c)
	if p == nil {
		return a.secondFactorGone(c)
	}
	ctx := c.Request().Context()
	u, err := models.UserByID(ctx, a.DB, p.UserID)
	if errors.Is(err, models.ErrNotFound) || (err == nil && (u.BannedAt != nil ||
		subtle.ConstantTimeCompare([]byte(models.PasswordStamp(u.PasswordHash)), []byte(p.Password)) != 1)) {
		// Gone, banned, or a new password since the first factor.
		a.removeSession(ctx, keyPendingSignIn2FA)
		return a.secondFactorGone(c)
	} else if err != nil {
		return err
	}
	page := func(status int, msg string) error {
		return a.render(c, status, security.TwoFactorLoginPage(a.page(c, "Two-factor authentication"), security.TwoFactorLoginData{Error: msg}))
	}
	if err := a.limit(c, a.Config.Rates.SignInIP, addressKey(c, "signin-ip")); err != nil {
		return a.secondFactorRefused(c, err, page)
	}
	if err := a.limit(c, a.Config.Rates.SignInAccount, a.signInLockKey(c, u.Email)); err != nil {
		return a.secondFactorRefused(c, err, page)
	}

	code, method := form.Get("code"), p.Method+" + authenticator app"
	mail := a.twoFactorMail(c, func(ch models.TwoFactorChange) mailview.Mail {
		return mailview.RecoveryCodeUsed(ch.User, ch.Left, a.link("/account/security", nil))
	})
	if models.LooksLikeTOTP(code) {
		err = models.VerifyTOTP(ctx, a.DB, a.Config.SecretKey, a.Now(), u.ID, code)
	} else {
		method = p.Method + " + recovery code"
		_, err = models.UseRecoveryCode(ctx, a.DB, a.Now(), a.auditBy(c), u, code, mail)
	}
	switch {
	case errors.Is(err, models.ErrCodeInvalid):
		a.audit(c, models.AuditSignInFailed, u, "", "wrong two-factor code")
		return page(http.StatusUnauthorized, "That code is not valid. Enter the current code from your app, or an unused recovery code.")
	case errors.Is(err, models.ErrTwoFactorOff): // reset by an admin meanwhile: the first factor stands alone
	case err != nil:
		return err
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	a.removeSession(ctx, keyPendingSignIn2FA)
	return a.finishSignIn(c, signIn{User: u, Method: method, Next: p.Next, Action: p.Action, Welcome: p.Welcome})
}

// secondFactorRefused answers a throttled code with the form again (429
// and Retry-After); other errors pass through.
func (a *App) secondFactorRefused(c echo.Context, err error, page func(int, string) error) error {
	var he *echo.HTTPError
	if !errors.As(err, &he) || he.Code != http.StatusTooManyRequests {
		return err
	}
	return page(http.StatusTooManyRequests, fmt.Sprint(he.Message))
}

// twoFactorMail is the Announce of a two-factor change: one mail to the
// user, composed by write.
func (a *App) twoFactorMail(c echo.Context, write func(models.TwoFactorChange) mailview.Mail) *models.Announce[models.TwoFactorChange] {
	return announce(a, c.Request().Context(), func(ch models.TwoFactorChange) []letter {
		return []letter{{ch.User, ch.User.Email, write(ch)}}
	})
}

// TOTPSetupSubmit starts enrolment: a new secret, shown as a QR code and
// as text, pending until a code from the app confirms it.
func (a *App) TOTPSetupSubmit(c echo.Context) error {
	u := currentUser(c)
	en, err := models.BeginTOTP(c.Request().Context(), a.DB, a.Config.SecretKey, a.Now(), u, config.ProductName)
	switch {
	case errors.Is(err, models.ErrEmailUnverified):
		a.flash(c, layout.FlashError, "Confirm your email address first: open the link we mailed you, then set up two-factor authentication.")
		return redirect(c, "/account/security")
	case errors.Is(err, models.ErrTwoFactorOn):
		a.flash(c, layout.FlashInfo, "Two-factor authentication is already on.")
		return redirect(c, "/account/security")
	case errors.Is(err, models.ErrNoSecretKey):
		return echo.NewHTTPError(http.StatusNotFound, "Two-factor authentication is off on this server: HEARTH_SECRET_KEY is not set.")
	case err != nil:
		return err
	}
	return a.renderTOTPSetup(c, http.StatusOK, en, "")
}

func (a *App) renderTOTPSetup(c echo.Context, status int, en models.TOTPEnrolment, codeError string) error {
	qr, err := qrDataURI(en.URI)
	if err != nil {
		return err
	}
	return a.render(c, status, security.TOTPSetupPage(a.page(c, "Set up an authenticator app"),
		security.TOTPSetupData{Secret: en.Secret, URI: en.URI, QR: qr, CodeError: codeError}))
}

// qrDataURI renders an otpauth:// URI as a QR code, a PNG in a data: URI
// (the CSP allows data: images; no image service sees the secret).
func qrDataURI(uri string) (string, error) {
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		return "", err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes()), nil
}

// TOTPConfirmSubmit enables two-factor authentication with a code from the
// app, and shows the first recovery codes, this once.
func (a *App) TOTPConfirmSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	ctx := c.Request().Context()
	mail := a.twoFactorMail(c, func(ch models.TwoFactorChange) mailview.Mail {
		return mailview.TwoFactorEnabled(ch.User, a.link("/account/security", nil))
	})
	codes, err := models.ConfirmTOTP(ctx, a.DB, a.Config.SecretKey, a.Now(), a.auditBy(c), u, form.Get("code"), mail)
	switch {
	case errors.Is(err, models.ErrCodeInvalid):
		en, perr := models.PendingTOTP(ctx, a.DB, a.Config.SecretKey, u, config.ProductName)
		if perr != nil {
			return perr
		}
		return a.renderTOTPSetup(c, http.StatusUnprocessableEntity, en, "That code is not right. Check that your phone's clock is set automatically, and enter the code the app shows now.")
	case errors.Is(err, models.ErrNotFound):
		a.flash(c, layout.FlashError, "Start setting up two-factor authentication again.")
		return redirect(c, "/account/security")
	case err != nil:
		return err
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	return a.render(c, http.StatusOK, security.RecoveryCodesPage(a.page(c, "Two-factor authentication is on"), codes, true))
}

// TOTPDisableSubmit turns two-factor authentication off, after the current
// password (or, for an account without one, a current code).
func (a *App) TOTPDisableSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	errs, err := a.confirmIdentity(c, u, form)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return a.renderSecurity(c, http.StatusUnprocessableEntity, security.SecurityPageData{DisableErrors: errs})
	}
	mail := a.twoFactorMail(c, func(ch models.TwoFactorChange) mailview.Mail {
		return mailview.TwoFactorDisabled(ch.User, a.link("/account/security", nil))
	})
	err = models.DisableTwoFactor(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), u, mail)
	if err != nil && !errors.Is(err, models.ErrTwoFactorOff) {
		return err
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	a.flash(c, layout.FlashSuccess, "Two-factor authentication is off.")
	return redirect(c, "/account/security")
}

// RecoveryCodesSubmit replaces the recovery codes with a new set, shown
// this once. Within recentSignIn of signing in it needs nothing more;
// later, the current password (or a current code).
func (a *App) RecoveryCodesSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	if !a.signedInRecently(c) {
		errs, err := a.confirmIdentity(c, u, form)
		if err != nil {
			return err
		}
		if len(errs) > 0 {
			return a.renderSecurity(c, http.StatusUnprocessableEntity, security.SecurityPageData{RecoveryErrors: errs})
		}
	}
	mail := a.twoFactorMail(c, func(ch models.TwoFactorChange) mailview.Mail {
		return mailview.RecoveryCodesCreated(ch.User, a.link("/account/security", nil))
	})
	codes, err := models.RegenerateRecoveryCodes(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), u, mail)
	if errors.Is(err, models.ErrTwoFactorOff) {
		a.flash(c, layout.FlashError, "Turn on two-factor authentication first.")
		return redirect(c, "/account/security")
	} else if err != nil {
		return err
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	return a.render(c, http.StatusOK, security.RecoveryCodesPage(a.page(c, "Your new recovery codes"), codes, false))
}

// confirmIdentity is the step-up a sensitive change asks for: the current
// password (field current_password), or, for an account without one, a
// passkey confirmed just before (passkeyConfirmed) or a current code of its
// authenticator app (field code, used up like any code). It returns the errors to show beside the fields; none means it
// passed.
func (a *App) confirmIdentity(c echo.Context, u *models.User, form url.Values) (map[string]string, error) {
	ctx := c.Request().Context()
	if u.PasswordHash != "" {
		err := models.CheckPassword(ctx, a.Hasher, u, form.Get("current_password"))
		switch {
		case errors.Is(err, models.ErrWrongPassword):
			return map[string]string{"current_password": a.inputMessage(err)}, nil
		case errors.Is(err, models.ErrHasherBusy):
			return nil, hasherBusy(c)
		}
		return nil, err
	}
	if a.passkeyConfirmed(c, u) {
		return nil, nil
	}
	if ok, err := a.stepUpCode(c, u, form.Get("code")); err != nil || ok {
		return nil, err
	}
	return map[string]string{"code": "Enter the current code from your authenticator app."}, nil
}

// stepUpCode reports whether code is a current code of u's authenticator
// app (accepted once); attempts count against the account's sign-in limit.
// false when u has no authenticator or code is empty.
func (a *App) stepUpCode(c echo.Context, u *models.User, code string) (bool, error) {
	if code == "" {
		return false, nil
	}
	if err := a.limit(c, a.Config.Rates.SignInAccount, a.signInLockKey(c, u.Email)); err != nil {
		return false, err
	}
	err := models.VerifyTOTP(c.Request().Context(), a.DB, a.Config.SecretKey, a.Now(), u.ID, code)
	if errors.Is(err, models.ErrCodeInvalid) || errors.Is(err, models.ErrTwoFactorOff) {
		return false, nil
	}
	return err == nil, err
}

// requireAdminSecondFactor is HEARTH_REQUIRE_ADMIN_2FA: an admin without a
// second factor or a passkey (models.HasMultiFactor) is sent to
// /account/security to set one up before any admin page answers.
func (a *App) requireAdminSecondFactor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !a.Config.RequireAdmin2FA {
			return next(c)
		}
		has, err := models.HasMultiFactor(c.Request().Context(), a.DB, currentUser(c).ID)
		if err != nil {
			return err
		}
		if !has {
			a.flash(c, layout.FlashError, "Set up two-factor authentication or add a passkey to use the admin area.")
			return redirect(c, "/account/security")
		}
		return next(c)
	}
}
