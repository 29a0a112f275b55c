package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/views/pages"
)

// Home is the landing page.
func (a *App) Home(c echo.Context) error {
	return a.render(c, http.StatusOK, pages.HomePage(a.page(c, "Welcome")))
}

// Healthz answers 200 when the app and its database answer, 503 otherwise.
func (a *App) Healthz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	c.Response().Header().Set("Cache-Control", "no-store")
	if err := a.DB.Ping(ctx); err != nil {
		a.Logger.Error("health check failed", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "down"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "database": "ok"})
}
