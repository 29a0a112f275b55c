package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/account"
	"github.com/hearth-app/hearth/views/layout"
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
	t, _, err := models.PeekToken(c.Request().Context(), a.DB, a.Now(), token, purpose)
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
	mail := announce(a, c.Request().Context(), func(p models.Proved) []letter { return a.proofLetters(p.User, p.Proof) })
	u, _, err := models.VerifyEmail(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), form.Get("token"), a.caller(c), mail)
	if errors.Is(err, models.ErrTokenInvalid) {
		return a.invalidLink(c, "Confirm your email address")
	} else if err != nil {
		return err
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	a.flash(c, layout.FlashSuccess, "Thank you: "+u.Email+" is confirmed.")
	if me := currentUser(c); me != nil && me.ID == u.ID {
		// Invitations waiting for the address can be answered now.
		if open, err := models.InvitationsFor(c.Request().Context(), a.DB, a.Now(), u.Email); err == nil && len(open) > 0 {
			return redirect(c, "/orgs")
		}
	}
	return redirect(c, a.afterLink(c))
}

// EmailChangeSubmit uses an email-change link: the new address replaces the
// old one, and the old one is told.
func (a *App) EmailChangeSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	mail := announce(a, c.Request().Context(), func(p models.Proved) []letter {
		return append(a.proofLetters(p.User, p.Proof), letter{p.User, p.OldEmail, mailview.EmailChanged(p.User, p.OldEmail)})
	})
	u, _, _, err := models.ConfirmEmailChange(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), form.Get("token"), a.caller(c), mail)
	switch {
	case errors.Is(err, models.ErrTokenInvalid):
		return a.invalidLink(c, "Confirm your new email address")
	case errors.Is(err, models.ErrEmailTaken):
		return echo.NewHTTPError(http.StatusConflict, "Another account now uses that address, so yours was not changed.")
	case err != nil:
		return err
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	a.flash(c, layout.FlashSuccess, "Your email address is now "+u.Email+".")
	return redirect(c, a.afterLink(c))
}

// caller is who this request comes from, for the models that treat the
// owner's own browser differently.
func (a *App) caller(c echo.Context) models.Caller {
	cl := models.Caller{SessionHash: a.currentTokenHash(c)}
	if u := currentUser(c); u != nil {
		cl.UserID = u.ID
	}
	return cl
}

// proofLetters tell the owner what the first proof of their address took
// away (other sessions, providers connected before it), if anything.
func (a *App) proofLetters(u *models.User, proof models.Proof) []letter {
	if !proof.Removed() {
		return nil
	}
	removed := make([]mailview.RemovedIdentity, 0, len(proof.RemovedIdentities))
	for _, id := range proof.RemovedIdentities {
		removed = append(removed, mailview.RemovedIdentity{Label: a.providerLabel(id.Provider), Email: id.Email})
	}
	return []letter{{u, u.Email, mailview.SignInMethodsRemoved(u, proof.EndedSessions, removed, a.link("/account", nil))}}
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
