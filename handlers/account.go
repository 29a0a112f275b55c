package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/account"
)

// AccountPage shows the signed-in user's profile.
func (a *App) AccountPage(c echo.Context) error {
	u := currentUser(c)
	n, err := models.CountActiveSessions(c.Request().Context(), a.DB, a.Now(), u.ID)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, account.ProfilePage(a.page(c, "Your account"), account.ProfilePageData{ActiveSessions: n}))
}
