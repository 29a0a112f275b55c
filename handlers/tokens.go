package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/layout"
	mailview "github.com/hearth-app/hearth/views/mail"
	"github.com/hearth-app/hearth/views/tokens"
)

// TokensPage lists the user's personal access tokens, with the form to
// create one.
func (a *App) TokensPage(c echo.Context) error {
	return a.renderTokens(c, http.StatusOK, tokens.TokensPageData{Days: 30})
}

func (a *App) renderTokens(c echo.Context, status int, d tokens.TokensPageData) error {
	list, err := models.ListAPITokens(c.Request().Context(), a.DB, currentUser(c).ID)
	if err != nil {
		return err
	}
	d.Rows = tokenRows(list, a.Now())
	return a.render(c, status, tokens.TokensPage(a.page(c, "API tokens"), d))
}

func tokenRows(list []models.APIToken, now time.Time) []tokens.TokenRow {
	rows := make([]tokens.TokenRow, 0, len(list))
	for _, t := range list {
		rows = append(rows, tokens.TokenRow{ID: t.ID, Name: t.Name, Created: t.CreatedAt, LastUsed: t.LastUsedAt,
			Expires: t.ExpiresAt, Expired: t.Expired(now)})
	}
	return rows
}

// TokenSubmit creates a token and shows its secret, this once: the answer
// to the POST is the only place it appears (never stored, never flashed).
func (a *App) TokenSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	ctx := c.Request().Context()
	days, err := strconv.Atoi(form.Get("expires_days"))
	if err != nil {
		days = -1 // not a lifetime: refused below
	}
	mail := announce(a, ctx, func(n models.NewAPIToken) []letter {
		return []letter{{n.User, n.User.Email, mailview.APITokenCreated(n.User, n.Token.Name, a.link("/account/tokens", nil))}}
	})
	created, err := models.CreateAPIToken(ctx, a.DB, a.Now(), a.auditBy(c), u, form.Get("name"), days, mail)
	if errors.Is(err, models.ErrTokenName) {
		return a.renderTokens(c, http.StatusUnprocessableEntity, tokens.TokensPageData{Name: form.Get("name"), Days: days,
			NameError: "Give the token a name of at most 100 characters."})
	} else if errors.Is(err, models.ErrTokenExpiry) {
		return a.renderTokens(c, http.StatusUnprocessableEntity, tokens.TokensPageData{Name: form.Get("name"), Days: 30,
			DaysError: "Choose when the token expires: in 7, 30 or 90 days, or never."})
	} else if err != nil {
		return err
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	return a.render(c, http.StatusOK, tokens.TokenCreatedPage(a.page(c, "Your new token"), created.Token.Name, created.Secret, a.link("/api/v1/me", nil)))
}

// RevokeTokenSubmit deletes one of the user's tokens; it stops working at
// once.
func (a *App) RevokeTokenSubmit(c echo.Context) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	mail := a.tokenRevokedMail(c)
	err := models.RevokeAPIToken(ctx, a.DB, a.Now(), a.auditBy(c), u, c.Param("id"), mail)
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "That token does not exist or was already revoked.")
	} else if err != nil {
		return err
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	a.flash(c, layout.FlashSuccess, "The token was revoked.")
	return redirect(c, "/account/tokens")
}

// tokenRevokedMail tells a token's owner it was revoked.
func (a *App) tokenRevokedMail(c echo.Context) *models.Announce[models.NewAPIToken] {
	return announce(a, c.Request().Context(), func(n models.NewAPIToken) []letter {
		return []letter{{n.User, n.User.Email, mailview.APITokenRevoked(n.User, n.Token.Name, a.link("/account/tokens", nil))}}
	})
}
