package handlers

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
)

// ExportPage downloads, as a JSON file, everything Hearth stores about the
// signed-in user (the GDPR right of access): profile, identities, sessions,
// memberships, token names and the audit events about them. No secret or
// hash is in it. Each download is audited.
func (a *App) ExportPage(c echo.Context) error {
	u := currentUser(c)
	ex, err := models.ExportUser(c.Request().Context(), a.DB, a.Now(), a.Config.SessionIdleTimeout, u)
	if err != nil {
		return err
	}
	body, err := json.MarshalIndent(ex, "", "  ")
	if err != nil {
		return err
	}
	a.audit(c, models.AuditDataExport, u, "", "")
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="account-export-`+a.Now().Format("2006-01-02")+`.json"`)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "application/json; charset=utf-8", append(body, '\n'))
}
