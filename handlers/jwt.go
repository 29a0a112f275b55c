package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
)

// jwtClaims are the claims of a Hearth JWT besides the registered ones.
type jwtClaims struct {
	SessionID string `json:"sid"`                // the session, or "pat_" + the personal token's id
	Org       string `json:"org"`                // the active organization's id (the session's), or ""
	OrgRole   string `json:"org_role,omitempty"` // the user's role in it
	Role      string `json:"role"`               // the user's role
}

// APIToken is POST /api/v1/token: a JWT of JWTLifetime for the other
// services of the app, which verify it against /.well-known/jwks.json
// without calling Hearth.
func (a *App) APIToken(c echo.Context) error {
	k, err := models.CurrentSigningKey(c.Request().Context(), a.DB, a.Config.SecretKey, a.Now())
	if errors.Is(err, models.ErrNoSecretKey) {
		return echo.NewHTTPError(http.StatusNotFound, "JWTs are off on this server: HEARTH_SECRET_KEY is not set.")
	} else if err != nil {
		return err
	}
	priv, err := k.Private(a.Config.SecretKey)
	if err != nil {
		return err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: priv, KeyID: k.Kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return err
	}
	u := currentUser(c)
	sid := ""
	if t, ok := c.Get(ctxAPIToken).(*models.APIToken); ok && t != nil {
		sid = "pat_" + t.ID
	} else {
		sid = models.SessionInfo{TokenHash: a.currentTokenHash(c)}.PublicID()
	}
	jti, err := uuid.NewV7()
	if err != nil {
		return err
	}
	now := a.Now()
	std := jwt.Claims{Issuer: a.issuer(), Subject: u.ID, Audience: jwt.Audience{a.Config.JWTAudience}, ID: jti.String(),
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(models.JWTLifetime))}
	claims := jwtClaims{SessionID: sid, Role: u.Role}
	// The active organization, if the user is (still) in it: read now,
	// not trusted from the session.
	if id := a.sessionString(c.Request().Context(), keyActiveOrg); id != "" {
		m, err := models.MembershipByOrgID(c.Request().Context(), a.DB, u.ID, id)
		if err == nil {
			claims.Org, claims.OrgRole = m.OrgID, string(m.Role)
		} else if !errors.Is(err, models.ErrNotFound) {
			return err
		}
	}
	token, err := jwt.Signed(signer).Claims(std).Claims(claims).Serialize()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"token": token, "token_type": "Bearer", "expires_in": int(models.JWTLifetime / time.Second)})
}

// issuer is the iss of Hearth's JWTs: HEARTH_BASE_URL.
func (a *App) issuer() string {
	u := *a.Config.BaseURL
	s := u.String()
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

// jwksPath publishes the JWT keys; it needs no session.
const jwksPath = "/.well-known/jwks.json"

// JWKS is GET /.well-known/jwks.json: the public keys of the JWTs that may
// still be valid, with their kid. Caches may keep it five minutes: a new
// key signs only after `hearth keys rotate`, and the old one stays
// published longer than that.
func (a *App) JWKS(c echo.Context) error {
	ks, err := models.PublishedSigningKeys(c.Request().Context(), a.DB, a.Now())
	if err != nil {
		return err
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	for _, k := range ks {
		pub, err := k.Public()
		if err != nil {
			return err
		}
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: pub, KeyID: k.Kid, Algorithm: string(jose.EdDSA), Use: "sig"})
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.JSON(http.StatusOK, set)
}
