package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
)

// audit records a security event about target (nil when no account is
// known; then email says which address was involved). The actor is the
// signed-in user, if any, or the admin impersonating them. A failure to record is logged, never shown: the
// user's action has already happened.
func (a *App) audit(c echo.Context, action string, target *models.User, email, detail string) {
	e := models.AuditEvent{
		Action:    action,
		Email:     email,
		IP:        c.RealIP(),
		UserAgent: c.Request().UserAgent(),
		Detail:    detail,
		CreatedAt: a.Now(),
	}
	if actor := impersonator(c); actor != nil {
		e.ActorID = &actor.ID
	} else if actor := currentUser(c); actor != nil {
		e.ActorID = &actor.ID
	}
	if target != nil {
		e.TargetID = &target.ID
		if e.Email == "" {
			e.Email = target.Email
		}
	}
	if err := models.RecordEvent(c.Request().Context(), a.DB, e); err != nil {
		a.Logger.Error("audit", "action", action, "request_id", c.Get(ctxRequestID), "err", err)
	}
}
