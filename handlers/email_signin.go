package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/auth"
	"github.com/hearth-app/hearth/views/emailsignin"
	"github.com/hearth-app/hearth/views/layout"
	mailview "github.com/hearth-app/hearth/views/mail"
)

// Email sign-in (HEARTH_EMAIL_SIGNIN): "Email me a sign-in code" on /login
// mails a 6-digit code, which works in this browser only, and a link, which
// works in any browser after a click on the page it opens. The answer to
// the request is the same whether or not an account has the address.

// emailSignInState is what the asking browser's session holds
// (keyEmailSignIn): the secret its code is bound to, the address it was
// sent to, and where to go after signing in.
type emailSignInState struct {
	Binding string `json:"b"`
	Email   string `json:"e"`
	Next    string `json:"n,omitempty"`
}

func (a *App) emailSignInState(c echo.Context) emailSignInState {
	var st emailSignInState
	if raw := a.sessionString(c.Request().Context(), keyEmailSignIn); raw != "" {
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			return emailSignInState{}
		}
	}
	return st
}

// EmailSignInSubmit (POST /login/email) mails a code and a link to the
// account with this address, or to an address without one a mail saying
// so, and answers the same either way: 303 to the code page. Requests are
// throttled per client address and per email.
func (a *App) EmailSignInSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	email := models.NormalizeEmail(form.Get("email"))
	next := safeNext(form.Get("next"), "")
	if err := models.ValidateEmail(email); err != nil { // refused before it is counted: no bucket for a huge key
		f := auth.LoginForm{Email: form.Get("email"), Next: next, Providers: a.providerButtons(), EmailSignIn: true,
			Error: "To get a sign-in code: " + a.inputMessage(err)}
		if len(f.Email) > models.MaxEmailLen {
			f.Email = ""
		}
		return a.render(c, http.StatusUnprocessableEntity, auth.LoginPage(a.page(c, "Sign in"), f))
	}
	if err := a.limit(c, a.Config.Rates.EmailSignIn, addressKey(c, "email-signin-ip")); err != nil {
		return err
	}
	if err := a.limit(c, a.Config.Rates.EmailSignIn, "email-signin-email:"+email); err != nil {
		return err
	}
	ctx := c.Request().Context()
	mail := announce(a, ctx, func(m models.EmailSignInMail) []letter {
		if m.User == nil {
			return []letter{{nil, m.Email, mailview.EmailSignInNoAccount(m.Email, a.link("/signup", nil))}}
		}
		return []letter{{m.User, m.Email, mailview.EmailSignInCode(m.User, m.Code, a.tokenLink("/login/link", nil, m.Token))}}
	})
	binding, err := models.RequestEmailSignIn(ctx, a.DB, a.Now(), email, mail)
	if err != nil {
		return err
	}
	b, err := json.Marshal(emailSignInState{Binding: binding, Email: email, Next: next})
	if err != nil {
		return err
	}
	a.putSession(ctx, keyEmailSignIn, string(b))
	if form.Get("remember") != "yes" { // the sign-in form's "Keep me signed in", for the code or link in this browser
		a.putSession(ctx, keyForget, "yes")
	} else {
		a.removeSession(ctx, keyForget)
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	return redirect(c, "/login/code")
}

// EmailCodePage (GET /login/code) asks for the code this browser asked for.
func (a *App) EmailCodePage(c echo.Context) error {
	st := a.emailSignInState(c)
	if st.Binding == "" {
		a.flash(c, layout.FlashInfo, "Enter your email and choose “Email me a sign-in code” to get one.")
		return redirect(c, "/login")
	}
	return a.render(c, http.StatusOK, emailsignin.CodePage(a.page(c, "Check your email"), emailsignin.CodeForm{Email: st.Email}))
}

// EmailCodeSubmit (POST /login/code) signs in with the code, in the browser
// that asked for it only. Every attempt counts against the client address,
// and five wrong codes end the sign-in.
func (a *App) EmailCodeSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	st := a.emailSignInState(c)
	f := emailsignin.CodeForm{Email: st.Email}
	page := func(status int) error {
		return a.render(c, status, emailsignin.CodePage(a.page(c, "Check your email"), f))
	}
	code := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, form.Get("code"))
	if len(code) != models.EmailCodeDigits || strings.Trim(code, "0123456789") != "" {
		f.Error = "Enter the " + strconv.Itoa(models.EmailCodeDigits) + " digits from the mail."
		return page(http.StatusUnprocessableEntity)
	}
	if err := a.limit(c, a.Config.Rates.SignInIP, addressKey(c, "signin-ip")); err != nil {
		return err
	}
	ctx := c.Request().Context()
	mail := announce(a, ctx, a.emailSignInLetters)
	res, err := models.SignInWithEmailCode(ctx, a.DB, a.Now(), a.auditBy(c), st.Binding, code, mail)
	switch {
	case errors.Is(err, models.ErrEmailCodeWrong):
		f.Error = "That code is not right. " + triesLeft(res.AttemptsLeft)
		return page(http.StatusUnauthorized)
	case errors.Is(err, models.ErrEmailSignInEnded):
		a.removeSession(ctx, keyEmailSignIn)
		f.Ended = true
		f.Error = "This code no longer works: it expired, was used, was replaced by a newer one, was tried too many times, or was asked for in another browser. Ask for a new one, or open the link in the mail."
		return page(http.StatusUnauthorized)
	case errors.Is(err, models.ErrBanned):
		a.removeSession(ctx, keyEmailSignIn)
		return a.emailSignInBanned(c)
	case err != nil:
		return err
	}
	return a.finishEmailSignIn(c, res, st.Next, mail.Queued)
}

func triesLeft(n int) string {
	if n == 1 {
		return "You can try once more."
	}
	return "You can try " + strconv.Itoa(n) + " more times."
}

// EmailLinkPage (GET /login/link?token=…) is where the mailed link lands:
// a button that signs in. The GET uses nothing up (mail scanners fetch
// links), and says so when this is not the browser that asked.
func (a *App) EmailLinkPage(c echo.Context) error {
	d := emailsignin.LinkPage{Token: c.QueryParam("token")}
	email, same, err := models.PeekEmailSignInLink(c.Request().Context(), a.DB, a.Now(), d.Token, a.emailSignInState(c).Binding)
	switch {
	case errors.Is(err, models.ErrTokenInvalid):
		d.Invalid, d.Token = true, ""
		return a.render(c, http.StatusNotFound, emailsignin.LinkConfirmPage(a.page(c, "Sign in"), d))
	case err != nil:
		return err
	}
	d.Email, d.SameBrowser = email, same
	return a.render(c, http.StatusOK, emailsignin.LinkConfirmPage(a.page(c, "Sign in"), d))
}

// EmailLinkSubmit (POST /login/link) signs in with the link's token, in
// whichever browser clicked: opening the mail proved the address.
func (a *App) EmailLinkSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	st := a.emailSignInState(c)
	mail := announce(a, ctx, a.emailSignInLetters)
	res, err := models.SignInWithEmailLink(ctx, a.DB, a.Now(), a.auditBy(c), form.Get("token"), st.Binding, mail)
	switch {
	case errors.Is(err, models.ErrTokenInvalid):
		return a.render(c, http.StatusNotFound, emailsignin.LinkConfirmPage(a.page(c, "Sign in"), emailsignin.LinkPage{Invalid: true}))
	case errors.Is(err, models.ErrBanned):
		return a.emailSignInBanned(c)
	case err != nil:
		return err
	}
	next := ""
	if res.SameBrowser {
		next = st.Next
	}
	return a.finishEmailSignIn(c, res, next, mail.Queued)
}

// emailSignInLetters tell the owner what signing in by email took away:
// what the first proof of the address removed, and a password chosen
// before the address was proven.
func (a *App) emailSignInLetters(res models.EmailSignedIn) []letter {
	letters := a.proofLetters(res.User, res.Proof)
	if res.PasswordRemoved {
		letters = append(letters, letter{res.User, res.User.Email, mailview.PasswordRemovedAtEmailSignIn(res.User, a.link("/account/security", nil))})
	}
	return letters
}

func (a *App) emailSignInBanned(c echo.Context) error {
	return echo.NewHTTPError(http.StatusForbidden, "This account has been suspended. Contact support if you think this is a mistake.")
}

// finishEmailSignIn ends a code or link sign-in (the model proved the
// address) the way every first factor ends (completeFirstFactor): signed
// in, or on to /login/2fa for an account with a second factor.
func (a *App) finishEmailSignIn(c echo.Context, res models.EmailSignedIn, next string, queued []models.OutboxMail) error {
	ctx := c.Request().Context()
	u := res.User
	a.removeSession(ctx, keyEmailSignIn)
	a.sent(c.Get(ctxRequestID), queued)
	// The owner proved the mailbox: lift the account's sign-in lock.
	if err := models.ResetThrottle(ctx, a.DB, signInAccountKey(u.Email)); err != nil {
		return err
	}
	s := signIn{User: u, Method: res.Method, Next: next, Welcome: "Welcome back!"}
	if res.Method == models.EmailSignInByLink && !res.SameBrowser {
		s.Welcome = "Welcome back! You are signed in in this browser (the one where you asked for the code is not)."
	}
	if res.PasswordRemoved {
		s.Welcome += " Your password had been set before your address was confirmed, so we removed it: you can choose a new one from your account page."
	}
	return a.completeFirstFactor(c, s)
}
