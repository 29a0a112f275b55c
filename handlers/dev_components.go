package handlers

// The component gallery: every piece of views/components in its states, in
// development only and to this machine only (like the mailbox).

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/views/dev"
)

// devPagesOn reports whether the development-only pages exist: everywhere
// but production.
func (a *App) devPagesOn() bool { return !a.Config.IsProduction() }

// DevComponents shows the component gallery (development only). Its
// example tabs are links back here with ?tab=.
func (a *App) DevComponents(c echo.Context) error {
	return a.render(c, http.StatusOK, dev.ComponentsPage(a.page(c, "Components"), dev.ComponentsPageData{Tab: c.QueryParam("tab")}))
}
