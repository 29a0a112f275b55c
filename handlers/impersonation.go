package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/admin"
	"github.com/hearth-app/hearth/views/layout"
)

// ctxImpersonator is the echo.Context value loadImpersonator sets.
const ctxImpersonator = "impersonator"

// impersonator is the admin browsing as the current user, or nil.
func impersonator(c echo.Context) *models.User {
	u, _ := c.Get(ctxImpersonator).(*models.User)
	return u
}

// refuseWhileImpersonating keeps the admin area, and the user's own
// sensitive settings, closed to a session that is browsing as someone else:
// the admin has to stop impersonating first.
func (a *App) refuseWhileImpersonating(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if impersonator(c) != nil {
			return echo.NewHTTPError(http.StatusForbidden, "You are browsing as another user: stop impersonating to do this.")
		}
		return next(c)
	}
}

// loadImpersonator runs after loadUser. A session that impersonates on
// behalf of an admin who has since been deleted, banned or demoted is ended
// on the spot: impersonation lives only as long as the admin's right to it.
func (a *App) loadImpersonator(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !hasSession(c) || currentUser(c) == nil {
			return next(c)
		}
		ctx := c.Request().Context()
		id := a.sessionString(ctx, keyImpersonator)
		if id == "" {
			return next(c)
		}
		imp, err := models.UserByID(ctx, a.DB, id)
		switch {
		case errors.Is(err, models.ErrNotFound) || (err == nil && (imp.BannedAt != nil || !imp.IsAdmin())):
			if err := a.Sessions.Destroy(ctx); err != nil {
				return err
			}
			c.Set(ctxUser, nil)
		case err != nil:
			return err
		default:
			c.Set(ctxImpersonator, imp)
		}
		return next(c)
	}
}

// impersonationRefusal says why the admin by may not browse as target, or
// "" when they may. Admins cannot impersonate themselves, other admins (that
// would be a way around the audit trail of what each admin did) nor banned
// users. The user page shows its Impersonate button by the same rule.
func impersonationRefusal(by, target *models.User) string {
	switch {
	case target.ID == by.ID:
		return refusedSelf
	case target.IsAdmin():
		return "Admins cannot impersonate other admins."
	case target.BannedAt != nil:
		return "A banned user cannot be impersonated: unban them first."
	}
	return ""
}

// AdminImpersonate lets the admin browse as the user, on a new session
// token, if impersonationRefusal allows it.
func (a *App) AdminImpersonate(c echo.Context) error {
	target, err := a.adminTarget(c)
	if err != nil {
		return err
	}
	me := currentUser(c)
	if refusal := impersonationRefusal(me, target); refusal != "" {
		return a.renderAdminUserError(c, target, refusal)
	}
	if err := a.auditFirst(c, models.AuditImpersonateStart, target, "", ""); err != nil {
		return err // no impersonation without its audit row
	}
	ctx := c.Request().Context()
	if err := a.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	a.putSession(ctx, keyImpersonator, me.ID)
	a.putSession(ctx, keyUser, target.ID)
	a.flash(c, layout.FlashInfo, "You are now viewing "+config.ProductName+" as "+target.Email+".")
	return redirect(c, "/account")
}

// StopImpersonation returns the admin to their own session, on a new token.
func (a *App) StopImpersonation(c echo.Context) error {
	imp := impersonator(c)
	if imp == nil {
		if currentUser(c).IsAdmin() {
			a.flash(c, layout.FlashInfo, "You were not impersonating anyone.")
			return redirect(c, "/admin")
		}
		return echo.NewHTTPError(http.StatusForbidden)
	}
	target := currentUser(c)
	a.audit(c, models.AuditImpersonateStop, target, "", "")
	ctx := c.Request().Context()
	if err := a.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	a.removeSession(ctx, keyImpersonator)
	a.putSession(ctx, keyUser, imp.ID)
	a.flash(c, layout.FlashSuccess, "You are back in your own session.")
	return redirect(c, admin.UserURL(target.ID))
}

// renderAdminUserError shows the user page with a refusal (409).
func (a *App) renderAdminUserError(c echo.Context, target *models.User, msg string) error {
	return a.renderAdminUser(c, http.StatusConflict, adminUserData(target, msg))
}
