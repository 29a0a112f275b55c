package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
)

// apiPrefix is where the JSON API lives: its errors are problem+json, never
// pages, and it never redirects to /login.
const apiPrefix = "/api/"

// ctxAPIToken is the echo.Context value holding the token a request
// authenticated with, if any.
const ctxAPIToken = "api_token"

// isAPI reports whether the request is for the JSON API, or one of the
// passkey ceremonies' JSON endpoints: errors are problem+json there.
func isAPI(c echo.Context) bool {
	p := c.Request().URL.Path
	return strings.HasPrefix(p, apiPrefix) || strings.HasPrefix(p, webauthnPrefix)
}

// parseBearer returns the token of an Authorization header of the form
// "Bearer <token>" (RFC 6750: the scheme in any case, one space, a token68
// of at least one character), and false for anything else.
func parseBearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	end := len(tok)
	for end > 0 && tok[end-1] == '=' {
		end--
	}
	if end == 0 {
		return "", false
	}
	for i := 0; i < end; i++ {
		ch := tok[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte("-._~+/", ch) >= 0) {
			return "", false
		}
	}
	return tok, true
}

// bearerOnly reports whether the request is for the API, authenticates with a bearer token
// and carries no session cookie: no browser sends it on another site's
// behalf, so it needs no cross-origin check.
func (a *App) bearerOnly(req *http.Request) bool {
	if !strings.HasPrefix(req.URL.Path, apiPrefix) || req.Header.Get(echo.HeaderAuthorization) == "" {
		return false
	}
	_, err := req.Cookie(a.Sessions.Cookie.Name)
	return errors.Is(err, http.ErrNoCookie)
}

// requireAPIUser authenticates an API request: by its bearer token when it
// has an Authorization header (read from the database every time, so that a
// revoked or expired token, or one of a banned or deleted user, fails on its
// next request), else by the session cookie. Anything else is a 401. Each
// token (each user, for the cookie) is throttled.
func (a *App) requireAPIUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key := ""
		if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
			raw, ok := parseBearer(h)
			if !ok {
				return a.unauthorized(c, "The Authorization header must be \"Bearer <token>\".")
			}
			t, u, err := models.AuthenticateAPIToken(c.Request().Context(), a.DB, a.Now(), raw)
			if errors.Is(err, models.ErrTokenInvalid) {
				return a.unauthorized(c, "The token is unknown, revoked or expired.")
			} else if err != nil {
				return err
			}
			// The token speaks for its user alone, whatever a cookie says.
			c.Set(ctxUser, u)
			c.Set(ctxImpersonator, nil)
			c.Set(ctxAPIToken, t)
			key = "api:token:" + t.ID
		} else if u := currentUser(c); u != nil {
			key = "api:user:" + u.ID
		} else {
			return a.unauthorized(c, "Send a personal access token as \"Authorization: Bearer <token>\", or sign in.")
		}
		if err := a.limit(c, a.Config.Rates.API, key); err != nil {
			return err
		}
		return next(c)
	}
}

func (a *App) unauthorized(c echo.Context, detail string) error {
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="api"`)
	return echo.NewHTTPError(http.StatusUnauthorized, detail)
}

// problem is an RFC 9457 problem detail.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// writeProblem answers an API request's error as application/problem+json.
func (a *App) writeProblem(c echo.Context, status int, detail string) error {
	p := problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if c.Request().Method == http.MethodHead {
		return c.NoContent(status)
	}
	return c.Blob(status, "application/problem+json", b)
}

// apiUser is the user as the API shows them.
type apiUser struct {
	ID            string `json:"id"`
	Email         string `json:"email"`
	Name          string `json:"name"`
	EmailVerified bool   `json:"email_verified"`
	Role          string `json:"role"`
	// Picture is the absolute address of the profile photo, null without
	// one (the initials are the app's to draw).
	Picture       *string  `json:"picture"`
	Organizations []apiOrg `json:"organizations"`
}

// apiOrg is one of the user's organizations, with the user's role in it.
type apiOrg struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
	Role string `json:"role"`
}

func (a *App) toAPIUser(u *models.User, memberships []models.OrgMembership) apiUser {
	out := apiUser{ID: u.ID, Email: u.Email, Name: u.Name, EmailVerified: u.EmailVerifiedAt != nil, Role: u.Role,
		Organizations: make([]apiOrg, 0, len(memberships))}
	if u.AvatarVersion != "" {
		picture := a.link(models.PhotoURL(u.ID, u.AvatarVersion), nil)
		out.Picture = &picture
	}
	for _, m := range memberships {
		out.Organizations = append(out.Organizations, apiOrg{ID: m.OrgID, Slug: m.Slug, Name: m.Name, Role: string(m.Role)})
	}
	return out
}

// apiMe is the user as the API shows them, with their organizations (read
// from the database: a bearer request has no session cache entry).
func (a *App) apiMe(c echo.Context, u *models.User) (apiUser, error) {
	orgs, err := models.UserOrgs(c.Request().Context(), a.DB, u.ID, 0)
	return a.toAPIUser(u, orgs), err
}

// APIMe is GET /api/v1/me: the authenticated user.
func (a *App) APIMe(c echo.Context) error {
	me, err := a.apiMe(c, currentUser(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, me)
}

// APIUpdateMe is PATCH /api/v1/me: {"name": …} changes the name (422 when
// the body or the name is not acceptable).
func (a *App) APIUpdateMe(c echo.Context) error {
	var in struct {
		Name *string `json:"name"`
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || in.Name == nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return echo.NewHTTPError(http.StatusUnprocessableEntity, `The body must be a JSON object {"name": "…"}.`)
	}
	u := currentUser(c)
	by := a.auditBy(c)
	by.Detail = "name, through the API"
	err := models.UpdateName(c.Request().Context(), a.DB, a.Now(), by, u, *in.Name)
	var invalid *models.InvalidInput
	if errors.As(err, &invalid) {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, a.inputMessage(invalid.Name))
	} else if err != nil {
		return err
	}
	me, err := a.apiMe(c, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, me)
}
