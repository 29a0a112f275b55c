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
	if n := intParam(c, "page"); n != 0 {
		return n
	}
	return 1
}

// intParam reads a number from the query, 0 when it is absent or not one
// (the models replace what they cannot use).
func intParam(c echo.Context, name string) int {
	n, err := strconv.Atoi(c.QueryParam(name))
	if err != nil {
		return 0
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
