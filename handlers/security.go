package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/security"
)

// SecurityPage is /account/security: the password, two-factor
// authentication, recovery codes, and links to sessions and tokens.
func (a *App) SecurityPage(c echo.Context) error {
	return a.renderSecurity(c, http.StatusOK, security.SecurityPageData{})
}

// renderSecurity fills in what every rendering of the security page needs;
// d carries a failed form's errors.
func (a *App) renderSecurity(c echo.Context, status int, d security.SecurityPageData) error {
	u := currentUser(c)
	d.HasPassword, d.Verified, d.EmailSignIn = u.PasswordHash != "", u.EmailVerifiedAt != nil, a.Config.EmailSignIn
	d.Unavailable = a.Config.SecretKey == nil
	st, err := models.TwoFactorStatus(c.Request().Context(), a.DB, u.ID)
	if err != nil {
		return err
	}
	d.TwoFactorOn, d.TwoFactorSince, d.RecoveryLeft = st.Enabled, st.Since, st.RecoveryLeft
	if d.Passkeys, err = a.passkeySection(c, d.Passkeys); err != nil {
		return err
	}
	d.PasskeyConfirm = !d.HasPassword && a.passkeysOn() && len(d.Passkeys.Rows) > 0
	return a.render(c, status, security.SecurityPage(a.page(c, "Security"), d))
}
