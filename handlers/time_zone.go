package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/account"
	"github.com/hearth-app/hearth/views/layout"
)

// timeZoneCookieName is the cookie holding the browser's time zone, which
// app.js reports once (TimeZoneSubmit).
const timeZoneCookieName = "time_zone"

// location is the time zone this request's pages show times in: the signed-
// in user's choice, else the browser's, else UTC; and the browser's zone as
// its cookie says (app.js reports it again when the browser's differs).
func (a *App) location(c echo.Context) (loc *time.Location, browser string) {
	loc = time.UTC
	if ck, err := c.Cookie(a.cookieName(timeZoneCookieName)); err == nil {
		if l, err := models.LoadTimeZone(ck.Value); err == nil {
			loc, browser = l, ck.Value
		}
	}
	if u := currentUser(c); u != nil && u.TimeZone != "" {
		if l, err := models.LoadTimeZone(u.TimeZone); err == nil {
			loc = l
		}
	}
	return loc, browser
}

// TimeZoneSubmit remembers the browser's time zone (field time_zone, from
// Intl.DateTimeFormat in app.js) in a cookie, for the times on the next
// pages. It answers 204; an unknown zone is refused with 422.
func (a *App) TimeZoneSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	name := form.Get("time_zone")
	if _, err := models.LoadTimeZone(name); err != nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "That is not a time zone.")
	}
	a.setCookie(c, timeZoneCookieName, name, 365*24*time.Hour)
	return c.NoContent(http.StatusNoContent)
}

// AccountTimeZoneSubmit saves the zone the user chose in their profile
// (field time_zone; empty: the browser's).
func (a *App) AccountTimeZoneSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	err = models.SetTimeZone(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), u, form.Get("time_zone"))
	var invalid *models.InvalidInput
	if errors.As(err, &invalid) {
		return a.renderAccount(c, http.StatusUnprocessableEntity, account.ProfilePageData{TimeZone: form.Get("time_zone"), TimeZoneError: a.inputMessage(invalid.TimeZone)})
	} else if err != nil {
		return err
	}
	if u.TimeZone == "" {
		a.flash(c, layout.FlashSuccess, "Times now show in your browser's time zone.")
	} else {
		a.flash(c, layout.FlashSuccess, "Times now show in "+u.TimeZone+".")
	}
	return redirect(c, "/account")
}
