package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/account"
	mailview "github.com/hearth-app/hearth/views/mail"
)

// VerifyEmailPage is where verification and email-change links land. It
// only shows a button: a GET (a mail scanner's prefetch) uses nothing up.
func (a *App) VerifyEmailPage(c echo.Context) error {
	token := c.QueryParam("token")
	purpose, d := models.TokenVerifyEmail, account.ConfirmLinkData{
		Heading: "Confirm your email address", Action: "/verify-email", Token: token, Button: "Confirm my email",
	}
	if c.QueryParam("change") != "" {
		purpose = models.TokenChangeEmail
		d.Heading, d.Action, d.Button = "Confirm your new email address", "/verify-email/change", "Use this address"
	}
	t, _, err := models.PeekToken(c.Request().Context(), a.DB.Read, a.Now(), token, purpose)
	switch {
	case errors.Is(err, models.ErrTokenInvalid):
		d.Invalid = true
		d.Text = "This link is invalid, has expired or has already been used. From your account page you can ask for a new one."
		return a.render(c, http.StatusNotFound, account.ConfirmLinkPage(a.page(c, d.Heading), d))
	case err != nil:
		return err
	}
	d.Text = "Click below to confirm " + t.Email + "."
	return a.render(c, http.StatusOK, account.ConfirmLinkPage(a.page(c, d.Heading), d))
}

// VerifyEmailSubmit uses a verification link.
func (a *App) VerifyEmailSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	u, err := models.VerifyEmail(c.Request().Context(), a.DB, a.Now(), form.Get("token"))
	if errors.Is(err, models.ErrTokenInvalid) {
		return a.invalidLink(c, "Confirm your email address")
	} else if err != nil {
		return err
	}
	a.audit(c, models.AuditEmailVerified, u, "", "")
	a.flash(c, "success", "Thank you: "+u.Email+" is confirmed.")
	return redirect(c, a.afterLink(c))
}

// EmailChangeSubmit uses an email-change link: the new address replaces the
// old one, and the old one is told.
func (a *App) EmailChangeSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	u, old, err := models.ConfirmEmailChange(c.Request().Context(), a.DB, a.Now(), form.Get("token"))
	switch {
	case errors.Is(err, models.ErrTokenInvalid):
		return a.invalidLink(c, "Confirm your new email address")
	case errors.Is(err, models.ErrEmailTaken):
		return echo.NewHTTPError(http.StatusConflict, "Another account now uses that address, so yours was not changed.")
	case err != nil:
		return err
	}
	a.audit(c, models.AuditEmailChange, u, "", "from "+old)
	if err := a.queueMail(c, u, old, "email_changed", mailview.Mail{
		Subject: "Your email address was changed",
		Heading: "Your email address was changed",
		Lines:   []string{"Your account now uses " + u.Email + " instead of " + old + ".", "If this wasn't you, contact support right away."},
	}); err != nil {
		return err
	}
	a.flash(c, "success", "Your email address is now "+u.Email+".")
	return redirect(c, a.afterLink(c))
}

func (a *App) invalidLink(c echo.Context, heading string) error {
	d := account.ConfirmLinkData{Heading: heading, Invalid: true,
		Text: "This link is invalid, has expired or has already been used. From your account page you can ask for a new one."}
	return a.render(c, http.StatusNotFound, account.ConfirmLinkPage(a.page(c, heading), d))
}

// afterLink is where a used link leads: the account, or sign-in.
func (a *App) afterLink(c echo.Context) string {
	if currentUser(c) != nil {
		return "/account"
	}
	return "/login"
}
