package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/auth"
	"github.com/hearth-app/hearth/views/layout"
	mailview "github.com/hearth-app/hearth/views/mail"
)

// ForgotPasswordPage asks for the address to send a reset link to.
func (a *App) ForgotPasswordPage(c echo.Context) error {
	return a.render(c, http.StatusOK, auth.ForgotPasswordPage(a.page(c, "Reset your password"), auth.ForgotPasswordForm{}))
}

// ForgotPasswordSubmit mails a reset link if the account exists, and gives
// the same answer either way. Requests are throttled per address and per
// email. The lookup and the mail happen after the answer, in the
// background: a known address costs the request no more work, so no more
// time, than an unknown one.
func (a *App) ForgotPasswordSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	f := auth.ForgotPasswordForm{Email: models.NormalizeEmail(form.Get("email"))}
	if err := models.ValidateEmail(f.Email); err != nil {
		f.Email, f.Error = form.Get("email"), a.inputMessage(err)
		return a.render(c, http.StatusUnprocessableEntity, auth.ForgotPasswordPage(a.page(c, "Reset your password"), f))
	}
	if err := a.limit(c, a.Config.Rates.ForgotPassword, addressKey(c, "forgot-ip")); err != nil {
		return err
	}
	if err := a.limit(c, a.Config.Rates.ForgotPassword, "forgot-email:"+f.Email); err != nil {
		return err
	}
	email, requestID := f.Email, c.Get(ctxRequestID)
	if err := a.inBackground(c, "password reset mail", func(ctx context.Context) error {
		return a.mailPasswordResetTo(ctx, requestID, email)
	}); err != nil {
		return err
	}
	f.Sent = true
	return a.render(c, http.StatusOK, auth.ForgotPasswordPage(a.page(c, "Reset your password"), f))
}

// mailPasswordResetTo sends a reset link to the account with this address,
// unless there is none or it is banned.
func (a *App) mailPasswordResetTo(ctx context.Context, requestID any, email string) error {
	u, err := models.UserByEmail(ctx, a.DB, email)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return nil
	case err != nil:
		return err
	case u.BannedAt != nil:
		return nil
	}
	return a.sendPasswordResetCtx(ctx, requestID, u)
}

// sendPasswordReset mails u a single-use link to choose a new password.
func (a *App) sendPasswordReset(c echo.Context, u *models.User) error {
	return a.sendPasswordResetCtx(c.Request().Context(), c.Get(ctxRequestID), u)
}

// sendPasswordResetCtx mails u a reset link, with the audit events given
// written in its transaction.
func (a *App) sendPasswordResetCtx(ctx context.Context, requestID any, u *models.User, audits ...models.AuditEvent) error {
	return a.mailLinkCtx(ctx, requestID, u, models.TokenResetPassword, u.Email, "/reset-password", nil, func(link string) mailview.Mail {
		return mailview.ResetPassword(u, link)
	}, audits)
}

// ResetPasswordPage shows the new-password form for a valid link.
func (a *App) ResetPasswordPage(c echo.Context) error {
	f := auth.ResetPasswordForm{Token: c.QueryParam("token")}
	status := http.StatusOK
	if _, _, err := models.PeekToken(c.Request().Context(), a.DB, a.Now(), f.Token, models.TokenResetPassword); errors.Is(err, models.ErrTokenInvalid) {
		f.Invalid, status = true, http.StatusNotFound
	} else if err != nil {
		return err
	}
	return a.render(c, status, auth.ResetPasswordPage(a.page(c, "Choose a new password"), f))
}

// ResetPasswordSubmit sets the new password and ends every session of the
// user, then asks them to sign in with it.
func (a *App) ResetPasswordSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	f := auth.ResetPasswordForm{Token: form.Get("token")}
	ctx := c.Request().Context()
	mail := announce(a, ctx, func(p models.Proved) []letter {
		return append(a.proofLetters(p.User, p.Proof), letter{p.User, p.User.Email, mailview.PasswordWasReset(p.User)})
	})
	u, _, err := models.ResetPassword(ctx, a.DB, a.Hasher, a.Now(), a.auditBy(c), f.Token, form.Get("password"), mail)
	var invalid *models.InvalidInput
	switch {
	case errors.Is(err, models.ErrTokenInvalid):
		f.Invalid = true
		return a.render(c, http.StatusNotFound, auth.ResetPasswordPage(a.page(c, "Choose a new password"), f))
	case errors.As(err, &invalid):
		f.Error = a.inputMessage(invalid.Password)
		return a.render(c, http.StatusUnprocessableEntity, auth.ResetPasswordPage(a.page(c, "Choose a new password"), f))
	case errors.Is(err, models.ErrHasherBusy):
		return hasherBusy(c)
	case err != nil:
		return err
	}
	// The owner proved the mailbox: lift the account's sign-in lock.
	if err := models.ResetThrottle(ctx, a.DB, signInAccountKey(u.Email)); err != nil {
		return err
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	if currentUser(c) != nil { // a reset ends this session too
		if err := a.Sessions.Destroy(ctx); err != nil {
			return err
		}
	}
	a.flash(c, layout.FlashSuccess, "Your password was changed. Sign in with the new one.")
	return redirect(c, "/login")
}
