package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/mileusna/useragent"

	"github.com/hearth-app/hearth/internal/sessionstore"
	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/account"
	"github.com/hearth-app/hearth/views/layout"
	mailview "github.com/hearth-app/hearth/views/mail"
	"github.com/hearth-app/hearth/views/security"
)

// AccountPage is the account area's Profile section: the signed-in user's
// profile and the forms to change it (the password and deleting the
// account are on the security page).
func (a *App) AccountPage(c echo.Context) error {
	return a.renderAccount(c, http.StatusOK, account.ProfilePageData{Name: currentUser(c).Name})
}

// renderAccount fills in what every rendering of the account page needs; d
// carries a failed form's errors.
func (a *App) renderAccount(c echo.Context, status int, d account.ProfilePageData) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	// Remembered until the user changes.
	sum, err := sessionstore.Remember(a.SessionStore, u.ID, "account-summary", func() (models.AccountSummary, error) {
		return models.SummarizeAccount(ctx, a.DB, a.Now(), u.ID)
	}, nil)
	if err != nil {
		return err
	}
	d.PendingEmail, d.HasPassword = sum.PendingEmail, u.PasswordHash != ""
	if d.TimeZoneError == "" {
		d.TimeZone = u.TimeZone
	}
	if !d.HasPassword { // a code from the authenticator app, or a passkey, stands in for the password
		if d.TwoFactorOn, err = models.HasSecondFactor(ctx, a.DB, u.ID); err != nil {
			return err
		}
		if d.PasskeyConfirm, err = a.canConfirmWithPasskey(c, u); err != nil {
			return err
		}
	}
	ids, err := sessionstore.Remember(a.SessionStore, u.ID, "identities", func() ([]models.Identity, error) {
		return models.IdentitiesOf(ctx, a.DB, u.ID)
	}, slices.Clone)
	if err != nil {
		return err
	}
	connected := map[string]bool{}
	for _, id := range ids {
		d.Identities = append(d.Identities, account.IdentityRow{ID: id.ID, Label: a.providerLabel(id.Provider), Email: id.Email})
		connected[id.Provider] = true
	}
	for _, b := range a.providerButtons() {
		if !connected[b.Name] {
			d.Connectable = append(d.Connectable, b)
		}
	}
	return a.render(c, status, account.ProfilePage(a.page(c, "Profile"), d))
}

// currentTokenHash is the database key of this request's session.
func (a *App) currentTokenHash(c echo.Context) string {
	return models.HashToken(a.Sessions.Token(c.Request().Context()))
}

// ProfileSubmit changes the display name.
func (a *App) ProfileSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	by := a.auditBy(c)
	by.Detail = "name"
	err = models.UpdateName(c.Request().Context(), a.DB, a.Now(), by, u, form.Get("name"))
	var invalid *models.InvalidInput
	if errors.As(err, &invalid) {
		return a.renderAccount(c, http.StatusUnprocessableEntity, account.ProfilePageData{Name: form.Get("name"), NameError: a.inputMessage(invalid.Name)})
	} else if err != nil {
		return err
	}
	a.flash(c, layout.FlashSuccess, "Your name was saved.")
	return redirect(c, "/account")
}

// PasswordSubmit changes the password: the current one is required, every
// other session ends, and this one continues on a new token. Its form is on
// the security page, which a refusal renders again.
func (a *App) PasswordSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	ctx := c.Request().Context()
	notice := announce(a, ctx, func(u *models.User) []letter {
		return []letter{{u, u.Email, mailview.PasswordChanged(u, a.link("/forgot-password", nil))}}
	})
	err = models.ChangePassword(ctx, a.DB, a.Hasher, a.Now(), a.auditBy(c), u, form.Get("current_password"), form.Get("new_password"), a.currentTokenHash(c), notice)
	var invalid *models.InvalidInput
	refused := errors.As(err, &invalid) // before the switch: both may hold
	switch {
	case refused || errors.Is(err, models.ErrWrongPassword):
		// Every error of the form at once: both fields may be wrong.
		errs := map[string]string{}
		if invalid != nil {
			errs = a.fieldErrors(invalid, inputFields{Password: "new_password"})
		}
		if errors.Is(err, models.ErrWrongPassword) {
			errs["current_password"] = a.inputMessage(models.ErrWrongPassword)
		}
		return a.renderSecurity(c, http.StatusUnprocessableEntity, security.SecurityPageData{PassErrors: errs})
	case errors.Is(err, models.ErrHasherBusy):
		return hasherBusy(c)
	case err != nil:
		return err
	}
	if err := a.startSession(c, u); err != nil {
		return err
	}
	a.sent(c.Get(ctxRequestID), notice.Queued)
	a.flash(c, layout.FlashSuccess, "Your password was changed. Your other sessions were signed out.")
	return redirect(c, "/account/security")
}

// EmailSubmit starts an email change: the password (or, for an account
// without one, a recent sign-in) is required, a link goes to the new
// address, which replaces the old one once the link is used, and the old
// address is told at once, with the way to cancel. Whether the new address
// belongs to another account is not said (it is checked when the link is
// used), and requests are throttled per user and per new address.
func (a *App) EmailSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	ctx := c.Request().Context()
	newEmail := models.NormalizeEmail(form.Get("email"))
	// Every error of the form is collected, so the page shows them at once.
	errs := map[string]string{}
	if err := models.ValidateEmail(newEmail); err != nil {
		errs["email"] = a.inputMessage(err)
	} else if newEmail == u.Email {
		errs["email"] = "That is already your address."
	}
	if err := a.limit(c, a.Config.Rates.EmailChange, "email-change-user:"+u.ID); err != nil {
		return err
	}
	if u.PasswordHash == "" {
		// A passkey just confirmed, a current code from the authenticator
		// app, or a recent sign-in.
		ok, err := a.passkeyConfirmed(c, u), error(nil)
		if !ok {
			ok, err = a.stepUpCode(c, u, form.Get("code"))
		}
		switch {
		case err != nil:
			return err
		case !ok && form.Get("code") != "":
			errs["code"] = "That code is not valid: enter the current code from your authenticator app."
		case !ok && !a.signedInRecently(c) && errs["email"] == "":
			errs["email"] = "For your security, sign out and sign in again, then change your address within " + waitText(recentSignIn) + "."
		}
	} else {
		if err := models.CheckPassword(ctx, a.Hasher, u, form.Get("current_password")); errors.Is(err, models.ErrWrongPassword) {
			errs["current_password"] = a.inputMessage(err)
		} else if errors.Is(err, models.ErrHasherBusy) {
			return hasherBusy(c)
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return a.renderAccount(c, http.StatusUnprocessableEntity, account.ProfilePageData{Name: u.Name, NewEmail: form.Get("email"), EmailErrors: errs})
	}
	if err := a.limit(c, a.Config.Rates.EmailChange, "email-change-to:"+newEmail); err != nil {
		return err
	}
	sent := "We sent a link to " + newEmail + ". Your address changes when you open it."
	if _, err := models.UserByEmail(ctx, a.DB, newEmail); err == nil {
		// Taken: the same answer, and no mail to the other account's owner.
		a.flash(c, layout.FlashInfo, sent)
		return redirect(c, "/account")
	} else if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	if err := a.mailLink(c, u, models.TokenChangeEmail, newEmail, "/verify-email", url.Values{"change": {"1"}}, func(link string) mailview.Mail {
		return mailview.ConfirmNewEmail(u, newEmail, link)
	}, letter{u, u.Email, mailview.EmailChangeRequested(u, newEmail, a.link("/account", nil))}); err != nil {
		return err
	}
	a.flash(c, layout.FlashInfo, sent)
	return redirect(c, "/account")
}

// EmailCancelSubmit cancels the pending email change: its link stops working.
func (a *App) EmailCancelSubmit(c echo.Context) error {
	u := currentUser(c)
	if err := models.CancelEmailChange(c.Request().Context(), a.DB, a.auditBy(c), u); err != nil {
		return err
	}
	a.flash(c, layout.FlashSuccess, "The change of your email address was cancelled.")
	return redirect(c, "/account")
}

// DeleteSubmit deletes the account after the password (or, for accounts
// without one, a passkey confirmed just before, a code from the
// authenticator app, or a typed DELETE), and
// signs the user out everywhere. Its form is on the security page, which a
// refusal renders again.
func (a *App) DeleteSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	ctx := c.Request().Context()
	confirmed, has2FA := a.passkeyConfirmed(c, u), false
	if u.PasswordHash == "" && !confirmed {
		if has2FA, err = models.HasSecondFactor(ctx, a.DB, u.ID); err != nil {
			return err
		}
	}
	if confirmed {
		// An account without a password confirmed with its passkey.
	} else if has2FA {
		// An account without a password but with 2FA confirms with a code.
		if ok, err := a.stepUpCode(c, u, form.Get("code")); err != nil {
			return err
		} else if !ok {
			return a.renderSecurity(c, http.StatusUnprocessableEntity, security.SecurityPageData{DeleteErrors: map[string]string{"code": "Enter the current code from your authenticator app."}})
		}
	} else if u.PasswordHash == "" {
		if strings.TrimSpace(form.Get("confirm")) != "DELETE" {
			return a.renderSecurity(c, http.StatusUnprocessableEntity, security.SecurityPageData{DeleteErrors: map[string]string{"confirm": "Type DELETE, in capitals, to confirm."}})
		}
	} else {
		if err := models.CheckPassword(ctx, a.Hasher, u, form.Get("current_password")); errors.Is(err, models.ErrWrongPassword) {
			return a.renderSecurity(c, http.StatusUnprocessableEntity, security.SecurityPageData{DeleteErrors: map[string]string{"current_password": a.inputMessage(err)}})
		} else if errors.Is(err, models.ErrHasherBusy) {
			return hasherBusy(c)
		} else if err != nil {
			return err
		}
	}
	if err := models.DeleteUser(ctx, a.DB, a.auditBy(c), u.ID); errors.Is(err, models.ErrLastAdmin) {
		return a.renderSecurity(c, http.StatusUnprocessableEntity, security.SecurityPageData{DeleteErrors: map[string]string{"current_password": "You are the last admin: make someone else an admin before you leave.", "confirm": "You are the last admin: make someone else an admin before you leave."}})
	} else if errors.Is(err, models.ErrLastOwner) {
		msg := lastOwnerMessage(err, "You are")
		return a.renderSecurity(c, http.StatusConflict, security.SecurityPageData{DeleteErrors: map[string]string{"current_password": msg, "confirm": msg}})
	} else if err != nil {
		return err
	}
	if err := a.Sessions.Destroy(ctx); err != nil {
		return err
	}
	a.flash(c, layout.FlashInfo, "Your account has been deleted. Goodbye!")
	return redirect(c, "/")
}

// SessionsPage lists the user's active sessions.
func (a *App) SessionsPage(c echo.Context) error {
	u := currentUser(c)
	list, err := models.ListUserSessions(c.Request().Context(), a.DB, a.Now(), a.Config.SessionIdleTimeout, u.ID)
	if err != nil {
		return err
	}
	current := a.currentTokenHash(c)
	rows := make([]account.SessionRow, 0, len(list))
	for _, s := range list {
		d := describeDevice(s.UserAgent)
		rows = append(rows, account.SessionRow{ID: s.PublicID(), Browser: d.Browser, OS: d.OS,
			Device: d.Device, IP: s.IP, Created: s.CreatedAt, LastSeen: s.LastSeenAt, Current: s.TokenHash == current})
	}
	return a.render(c, http.StatusOK, account.SessionsPage(a.page(c, "Your sessions"), rows))
}

// device is a browser's User-Agent in words, for the sessions tables.
type device struct {
	Browser string // "Firefox 128"
	OS      string // "Linux"
	Device  string // "iPhone", or "" for a computer
}

// String is the whole description: "Firefox 128 on Linux (iPhone)".
func (d device) String() string {
	s := d.Browser + " on " + d.OS
	if d.Device != "" {
		s += " (" + d.Device + ")"
	}
	return s
}

func describeDevice(userAgent string) device {
	ua := useragent.Parse(userAgent)
	d := device{Browser: orUnknown(ua.Name, "Unknown browser"), OS: orUnknown(ua.OS, "an unknown system"), Device: ua.Device}
	if ua.Version != "" {
		d.Browser += " " + strings.SplitN(ua.Version, ".", 2)[0]
	}
	return d
}

func orUnknown(s, unknown string) string {
	if s == "" {
		return unknown
	}
	return s
}

// RevokeSessionSubmit ends one of the user's sessions at once.
func (a *App) RevokeSessionSubmit(c echo.Context) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	hash, err := models.RevokeSession(ctx, a.DB, a.Now(), a.auditBy(c), u, c.Param("id"))
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "That session does not exist or has already ended.")
	} else if err != nil {
		return err
	}
	if hash == a.currentTokenHash(c) {
		if err := a.Sessions.Destroy(ctx); err != nil {
			return err
		}
		a.flash(c, layout.FlashInfo, "You have been signed out.")
		return redirect(c, "/")
	}
	a.flash(c, layout.FlashSuccess, "That session was signed out.")
	return redirect(c, "/account/sessions")
}

// RevokeOtherSessionsSubmit ends every session of the user but this one,
// and the links to change or verify the address that are still open.
func (a *App) RevokeOtherSessionsSubmit(c echo.Context) error {
	u := currentUser(c)
	if err := models.SignOutEverywhere(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), u, a.currentTokenHash(c)); err != nil {
		return err
	}
	a.flash(c, layout.FlashSuccess, "All your other sessions were signed out.")
	return redirect(c, "/account/sessions")
}

// ResendVerificationSubmit mails a new verification link (throttled).
func (a *App) ResendVerificationSubmit(c echo.Context) error {
	u := currentUser(c)
	if u.EmailVerifiedAt != nil {
		a.flash(c, layout.FlashInfo, "Your email address is already confirmed.")
		return redirect(c, "/account")
	}
	if err := a.limit(c, a.Config.Rates.VerifyResend, "verify-resend:"+u.ID); err != nil {
		return err
	}
	if err := a.sendVerification(c, u); err != nil {
		return err
	}
	a.flash(c, layout.FlashSuccess, "We sent a new link to "+u.Email+".")
	return redirect(c, "/account")
}

// SetPasswordSubmit starts giving an account without a password (provider
// sign-in only) one: a session alone is not enough (it may be a stolen
// one), so a link to choose it goes to the account's address. Using the
// link sets the password, signs every session out and sends a notice, like
// any reset.
func (a *App) SetPasswordSubmit(c echo.Context) error {
	u := currentUser(c)
	if u.PasswordHash != "" {
		a.flash(c, layout.FlashInfo, "You already have a password: change it below.")
		return redirect(c, "/account/security")
	}
	if err := a.limit(c, a.Config.Rates.ForgotPassword, "forgot-email:"+u.Email); err != nil {
		return err
	}
	if err := a.mailLink(c, u, models.TokenResetPassword, u.Email, "/reset-password", nil, func(link string) mailview.Mail {
		return mailview.ChoosePassword(u, link)
	}); err != nil {
		return err
	}
	a.flash(c, layout.FlashSuccess, "We sent a link to "+u.Email+": open it to choose your password.")
	return redirect(c, "/account/security")
}

// DisconnectIdentitySubmit removes a connected provider, unless it is the
// account's only way to sign in (with email sign-in on, it never is: the
// account then signs in with a mailed code).
func (a *App) DisconnectIdentitySubmit(c echo.Context) error {
	u := currentUser(c)
	_, err := models.DisconnectIdentity(c.Request().Context(), a.DB, a.auditBy(c), u, c.Param("id"), a.Config.EmailSignIn)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, "That connection does not exist.")
	case errors.Is(err, models.ErrLastSignInMethod):
		a.flash(c, layout.FlashError, "You can't disconnect your only way to sign in. Set a password first.")
		return redirect(c, "/account")
	case err != nil:
		return err
	}
	a.flash(c, layout.FlashSuccess, "Disconnected.")
	return redirect(c, "/account")
}
