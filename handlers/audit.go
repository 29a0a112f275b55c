package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
)

// auditBy is the part of an audit row the request knows: the actor (the
// signed-in user, or the admin impersonating them), the client's address and
// user agent, and the time. The models make these strings fit to store.
func (a *App) auditBy(c echo.Context) models.AuditEvent {
	e := models.AuditEvent{IP: c.RealIP(), UserAgent: c.Request().UserAgent(), CreatedAt: a.Now()}
	if actor := impersonator(c); actor != nil {
		e.ActorID = &actor.ID
	} else if actor := currentUser(c); actor != nil {
		e.ActorID = &actor.ID
	}
	return e
}

// audit records a security event about target (nil when no account is
// known; then email says which address was involved). A failure to record is
// logged, never shown: the user's action has already happened. Admin actions
// do not use it: their rows are written in the action's own transaction
// (models.BanUser and the like), so none happens unrecorded.
func (a *App) audit(c echo.Context, action string, target *models.User, email, detail string) {
	if err := a.auditFirst(c, action, target, email, detail); err != nil {
		a.Logger.Error("audit", "action", action, "request_id", c.Get(ctxRequestID), "err", err)
	}
}

// auditFirst records the event and returns the error if it cannot: for an
// admin action whose only database write is its audit row (impersonation),
// which must then not happen.
func (a *App) auditFirst(c echo.Context, action string, target *models.User, email, detail string) error {
	e := a.auditBy(c)
	e.Action, e.Email, e.Detail = action, email, detail
	if target != nil {
		e.TargetID = &target.ID
		if e.Email == "" {
			e.Email = target.Email
		}
	}
	return models.RecordEvent(c.Request().Context(), a.DB, e)
}
