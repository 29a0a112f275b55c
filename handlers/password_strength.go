package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/models"
)

// strengthAnswer is what the strength meter on a new-password field shows.
type strengthAnswer struct {
	Score      int    `json:"score"` // zxcvbn's 0–4
	Label      string `json:"label"`
	Message    string `json:"message,omitempty"`
	Acceptable bool   `json:"acceptable"` // the policy, without the breach service, would take it
}

// PasswordStrength rates a password while it is typed (app.js calls it, a
// few hundred milliseconds after the last keystroke): the server's own
// policy is the authority, so the meter never promises what the form then
// refuses. The breach service is not asked here (it is on submit), nothing
// is stored or logged, and the calls are throttled per client address.
func (a *App) PasswordStrength(c echo.Context) error {
	if err := a.limit(c, a.Config.Rates.PasswordStrength, addressKey(c, "password-strength")); err != nil {
		return err
	}
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	pw, email, name := form.Get("password"), models.NormalizeEmail(form.Get("email")), form.Get("name")
	if u := currentUser(c); u != nil {
		email, name = u.Email, u.Name
	}
	s := password.Estimate(pw, email, name)
	ans := strengthAnswer{Score: s.Score, Label: s.Label(), Message: s.Warning}
	if err := a.Hasher.CheckOffline(pw, email, name); err != nil {
		ans.Message = a.inputMessage(err)
		ans.Score = 0
		ans.Label = password.Strength{}.Label()
	} else {
		ans.Acceptable = true
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, ans)
}
