package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/admin"
)

// AdminDashboard shows the totals and the last 30 days of activity.
func (a *App) AdminDashboard(c echo.Context) error {
	stats, err := models.LoadDashboard(c.Request().Context(), a.DB, a.Now(), a.Config.SessionIdleTimeout)
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, admin.DashboardPage(a.page(c, "Admin"), admin.DashboardPageData{Stats: stats}))
}

// pageParam reads ?page=, treating anything unusable as the first page.
func pageParam(c echo.Context) int {
	n, err := strconv.Atoi(c.QueryParam("page"))
	if err != nil {
		return 1
	}
	return n
}

// adminTarget loads the user named in the URL: 404 when there is none.
func (a *App) adminTarget(c echo.Context) (*models.User, error) {
	u, err := models.UserByID(c.Request().Context(), a.DB, c.Param("id"))
	if errors.Is(err, models.ErrNotFound) {
		return nil, echo.NewHTTPError(http.StatusNotFound)
	}
	return u, err
}
