package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/auth"
	"github.com/hearth-app/hearth/views/layout"
	mailview "github.com/hearth-app/hearth/views/mail"
)

// SignupPage shows the sign-up form.
func (a *App) SignupPage(c echo.Context) error {
	f := auth.SignupForm{Stamp: a.formStamp(a.Now()), Next: safeNext(c.QueryParam("next"), ""), Providers: a.providerButtons()}
	return a.render(c, http.StatusOK, auth.SignupPage(a.page(c, "Sign up"), f))
}

// SignupSubmit creates the account and signs the new user in. Attempts are
// throttled per client address, so the "email taken" answer cannot be used
// to sweep addresses; a filled honeypot or a form sent faster than a person
// types is refused without saying why.
func (a *App) SignupSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	if err := a.limit(c, a.Config.Rates.SignUpIP, addressKey(c, "signup-ip")); err != nil {
		return err
	}
	f := auth.SignupForm{Name: form.Get("name"), Email: form.Get("email"), Stamp: form.Get("form_stamp"), Next: safeNext(form.Get("next"), ""), Providers: a.providerButtons()}
	ctx := c.Request().Context()

	if form.Get("website") != "" { // the honeypot: invisible to people
		a.audit(c, models.AuditSignUpRefused, nil, models.NormalizeEmail(f.Email), "honeypot filled")
		f.Stamp = a.formStamp(a.Now())
		f.Error = "We couldn't create your account. Please try again."
		return a.render(c, http.StatusUnprocessableEntity, auth.SignupPage(a.page(c, "Sign up"), f))
	}
	if min := a.Config.SignupMinFill; min > 0 {
		age, ok := a.stampAge(f.Stamp)
		if !ok || age > 24*time.Hour {
			f.Stamp = a.formStamp(a.Now())
			f.Error = "This form has expired. Please check your details and submit it again."
			return a.render(c, http.StatusUnprocessableEntity, auth.SignupPage(a.page(c, "Sign up"), f))
		}
		if age < min { // keep the stamp: the next try will be old enough
			f.Error = "That was quick! Please check your details and submit again."
			return a.render(c, http.StatusUnprocessableEntity, auth.SignupPage(a.page(c, "Sign up"), f))
		}
	}

	welcome := announce(a, ctx, func(is models.Issued) []letter {
		return []letter{{is.User, is.User.Email, mailview.VerifyEmail(is.User, a.tokenLink("/verify-email", nil, is.Token))}}
	})
	// The account, its audit row and its verification mail are stored in
	// one transaction; the session's row follows when the response is
	// written, and if that fails the answer is 503 and signing in works.
	event := a.auditBy(c)
	event.Action = models.AuditSignUp
	u, err := models.CreateUser(ctx, a.DB, a.Hasher, models.NewUser{Name: f.Name, Email: f.Email, Password: form.Get("password"), Now: a.Now(), Audit: &event}, welcome)
	var invalid *models.InvalidInput
	switch {
	case errors.As(err, &invalid):
		f.Errors = a.fieldErrors(invalid, inputFields{Email: "email", Name: "name", Password: "password"})
		return a.render(c, http.StatusUnprocessableEntity, auth.SignupPage(a.page(c, "Sign up"), f))
	case errors.Is(err, models.ErrEmailTaken):
		f.Errors = map[string]string{"email": "An account with this email already exists. Sign in instead, or use another address."}
		return a.render(c, http.StatusUnprocessableEntity, auth.SignupPage(a.page(c, "Sign up"), f))
	case errors.Is(err, models.ErrHasherBusy):
		return hasherBusy(c)
	case err != nil:
		return err
	}

	if err := a.startSession(c, u); err != nil {
		return err
	}
	a.rememberDevice(c, u.Email)
	a.sent(c.Get(ctxRequestID), welcome.Queued)
	a.flash(c, layout.FlashSuccess, "Welcome to "+config.ProductName+"! Your account is ready.")
	return redirect(c, safeNext(f.Next, "/account"))
}

// LoginPage shows the sign-in form.
func (a *App) LoginPage(c echo.Context) error {
	f := auth.LoginForm{Next: safeNext(c.QueryParam("next"), ""), Providers: a.providerButtons(), EmailSignIn: a.Config.EmailSignIn, Passkeys: a.passkeysOn()}
	return a.render(c, http.StatusOK, auth.LoginPage(a.page(c, "Sign in"), f))
}

// LoginSubmit checks the credentials and starts a fresh session. An unknown
// email and a wrong password get the same status, text and hashing work.
func (a *App) LoginSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	f := auth.LoginForm{Email: models.NormalizeEmail(form.Get("email")), Next: safeNext(form.Get("next"), ""), Providers: a.providerButtons(),
		EmailSignIn: a.Config.EmailSignIn, Passkeys: a.passkeysOn(), Forget: form.Get("remember") != "yes"}
	password := form.Get("password")
	if f.Email == "" || password == "" {
		f.Error = "Enter your email and password."
		return a.render(c, http.StatusUnprocessableEntity, auth.LoginPage(a.page(c, "Sign in"), f))
	}
	if len(f.Email) > models.MaxEmailLen { // no account has it: refused before it is counted or audited
		f.Email, f.Error = "", "Incorrect email or password."
		return a.render(c, http.StatusUnauthorized, auth.LoginPage(a.page(c, "Sign in"), f))
	}

	// Every attempt counts against the client address; attempts on one
	// account count whatever the address, until a successful sign-in.
	if err := a.limit(c, a.Config.Rates.SignInIP, addressKey(c, "signin-ip")); err != nil {
		return a.loginRefused(c, f, err)
	}
	// A browser the account signed in from before has a limit of its own, so
	// that guesses from elsewhere cannot lock the owner out (device.go).
	lockKey := a.signInLockKey(c, f.Email)
	if err := a.limit(c, a.Config.Rates.SignInAccount, lockKey); err != nil {
		return a.loginRefused(c, f, err)
	}

	ctx := c.Request().Context()
	u, err := models.Authenticate(ctx, a.DB, a.Hasher, f.Email, password)
	switch {
	case errors.Is(err, models.ErrInvalidCredentials):
		a.audit(c, models.AuditSignInFailed, u, f.Email, "wrong email or password")
		f.Error = "Incorrect email or password."
		return a.render(c, http.StatusUnauthorized, auth.LoginPage(a.page(c, "Sign in"), f))
	case errors.Is(err, models.ErrBanned):
		a.audit(c, models.AuditSignInFailed, u, "", "account banned")
		f.Error = "This account has been suspended. Contact support if you think this is a mistake."
		return a.render(c, http.StatusForbidden, auth.LoginPage(a.page(c, "Sign in"), f))
	case errors.Is(err, models.ErrHasherBusy):
		return hasherBusy(c)
	case err != nil:
		return err
	}

	if f.Forget {
		a.putSession(ctx, keyForget, "yes")
	} else {
		a.removeSession(ctx, keyForget) // an abandoned earlier attempt's choice is not this one's
	}
	// Signed in now, or (with a second factor) once /login/2fa is passed;
	// only then is the account's failed-attempt counter cleared.
	return a.completeFirstFactor(c, signIn{User: u, Method: "password", Next: f.Next})
}

// loginRefused answers a throttled sign-in with the form again (429, with
// Retry-After and how long to wait) and the way out that needs no waiting:
// the reset link. Other errors pass through.
func (a *App) loginRefused(c echo.Context, f auth.LoginForm, err error) error {
	var he *echo.HTTPError
	if !errors.As(err, &he) || he.Code != http.StatusTooManyRequests {
		return err
	}
	f.Error, f.Throttled = fmt.Sprint(he.Message), true
	return a.render(c, http.StatusTooManyRequests, auth.LoginPage(a.page(c, "Sign in"), f))
}

// Logout ends the session on the server: the old cookie is worthless from
// this instant. A fresh session carries the goodbye message.
func (a *App) Logout(c echo.Context) error {
	ctx := c.Request().Context()
	if u := currentUser(c); u != nil {
		if err := models.SignOut(ctx, a.DB, a.Now(), a.auditBy(c), u, a.currentTokenHash(c)); err != nil {
			return err
		}
	}
	if err := a.Sessions.Destroy(ctx); err != nil {
		return err
	}
	a.flash(c, layout.FlashInfo, "You have been signed out.")
	return redirect(c, "/")
}

// forgetfulIdle is how long a session whose "Keep me signed in" was unticked
// may go unused (its cookie also ends with the browser).
const forgetfulIdle = 30 * time.Minute

// startSession signs u in on a new session token (no session fixation). A
// sign-in whose "Keep me signed in" was unticked (keyForget) gets a cookie
// that ends with the browser and a short idle limit; every other one a
// cookie that lasts the session's lifetime.
func (a *App) startSession(c echo.Context, u *models.User) error {
	ctx := c.Request().Context()
	if err := a.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	forget := a.popSession(ctx, keyForget) == "yes"
	a.Sessions.RememberMe(ctx, !forget)
	if forget {
		a.putSession(ctx, keyIdleLimit, strconv.Itoa(int(forgetfulIdle/time.Second)))
	} else {
		a.removeSession(ctx, keyIdleLimit)
	}
	a.putSession(ctx, keyUser, u.ID)
	a.putSession(ctx, keySignedInAt, strconv.FormatInt(a.Now().Unix(), 10))
	c.Set(ctxUser, u)
	return nil
}

// recentSignIn is how long after signing in an account without a password
// may make changes that would otherwise ask for it.
const recentSignIn = 10 * time.Minute

// signedInRecently reports whether this session signed in within
// recentSignIn.
func (a *App) signedInRecently(c echo.Context) bool {
	at, err := strconv.ParseInt(a.sessionString(c.Request().Context(), keySignedInAt), 10, 64)
	return err == nil && a.Now().Sub(time.Unix(at, 0)) <= recentSignIn
}
