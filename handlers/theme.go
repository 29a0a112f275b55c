package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/views/layout"
)

// The colour theme is a preference of the browser, not of the account: a
// cookie the server reads, so every page renders in the right theme without
// JavaScript (and without a flash of the wrong one).
const (
	themeCookieName = config.CookiePrefix + "_theme"
	themeCookieAge  = 365 * 24 * time.Hour
)

// themeOf is this browser's chosen theme; system when none (or a bad one).
func (a *App) themeOf(c echo.Context) layout.Theme {
	if ck, err := c.Cookie(a.cookieName(themeCookieName)); err == nil {
		if t := layout.Theme(ck.Value); t.Valid() {
			return t
		}
	}
	return layout.ThemeSystem
}

// ThemeSubmit remembers the theme (system, light or dark) in this browser
// and goes back to the page the switch was on. The static theme.js posts the
// same form with fetch and switches in place, without a reload.
func (a *App) ThemeSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	t := layout.Theme(form.Get("theme"))
	if !t.Valid() {
		return echo.NewHTTPError(http.StatusBadRequest, "Choose system, light or dark.")
	}
	age := themeCookieAge
	if t == layout.ThemeSystem {
		age = -1 // the default needs no cookie
	}
	a.setCookie(c, themeCookieName, string(t), age)
	return redirect(c, safeNext(form.Get("next"), "/"))
}
