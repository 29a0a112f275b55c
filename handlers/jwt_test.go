package handlers_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/hearth-app/hearth/models"
)

const testSecretKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // "0123456789abcdef0123456789abcdef"

// mintJWT asks POST /api/v1/token for a JWT with the bearer token.
func mintJWT(t *testing.T, ta *testApp, bearer string) string {
	t.Helper()
	res, body := apiCall(t, ta, http.MethodPost, "/api/v1/token", bearer, "")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/v1/token: %d %s", res.StatusCode, body)
	}
	var out struct {
		Token     string `json:"token"`
		ExpiresIn int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.ExpiresIn != 300 || out.Token == "" {
		t.Fatalf("token answer %s (%v)", body, err)
	}
	return out.Token
}

func fetchJWKS(t *testing.T, ta *testApp) jose.JSONWebKeySet {
	t.Helper()
	res, body := apiCall(t, ta, http.MethodGet, "/.well-known/jwks.json", "", "")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "max-age=") {
		t.Fatalf("JWKS: %d %v %s", res.StatusCode, res.Header, body)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatal(err)
	}
	return set
}

type hearthClaims struct {
	jwt.Claims
	SID  string `json:"sid"`
	Org  string `json:"org"`
	Role string `json:"role"`
}

// verifyJWT checks a token as another service would: signature against the
// JWKS (by kid), then iss, aud and time.
func verifyJWT(ta *testApp, set jose.JSONWebKeySet, raw string, at time.Time) (hearthClaims, error) {
	var cl hearthClaims
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return cl, err
	}
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) != 1 {
		return cl, errors.New("no key with this kid")
	}
	if err := tok.Claims(keys[0].Key, &cl); err != nil {
		return cl, err
	}
	return cl, cl.ValidateWithLeeway(jwt.Expected{Issuer: ta.URL, AnyAudience: jwt.Audience{ta.URL}, Time: at}, 0)
}

// TestJWTsVerifyAgainstTheJWKS: a JWT from POST /api/v1/token verifies with
// go-jose against /.well-known/jwks.json, carries the SPEC's claims,
// expires after five minutes, and a tampered one fails.
func TestJWTsVerifyAgainstTheJWKS(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_SECRET_KEY", testSecretKey))
	c := ta.client(t)
	c.signUp("jwt@example.com", goodPassword)
	secret := createToken(t, c, "svc", "0")
	u, err := models.UserByEmail(t.Context(), ta.DB, "jwt@example.com")
	if err != nil {
		t.Fatal(err)
	}
	raw := mintJWT(t, ta, secret)
	set := fetchJWKS(t, ta)
	if len(set.Keys) != 1 || set.Keys[0].KeyID == "" || set.Keys[0].Algorithm != "EdDSA" || !set.Keys[0].IsPublic() {
		t.Fatalf("JWKS keys: %+v", set.Keys)
	}
	cl, err := verifyJWT(ta, set, raw, ta.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if cl.Subject != u.ID || cl.Role != models.RoleMember || cl.Org != "" || !strings.HasPrefix(cl.SID, "pat_") || cl.ID == "" ||
		cl.Expiry.Time().Sub(cl.IssuedAt.Time()) != 5*time.Minute {
		t.Fatalf("claims %+v", cl)
	}
	if _, err := verifyJWT(ta, set, raw, ta.clock.Now().Add(5*time.Minute+time.Second)); err == nil {
		t.Fatal("a JWT verifies after five minutes")
	}
	parts := strings.Split(raw, ".")
	payload := []byte(parts[1])
	payload[len(payload)/2] ^= 1
	if _, err := verifyJWT(ta, set, parts[0]+"."+string(payload)+"."+parts[2], ta.clock.Now()); err == nil {
		t.Fatal("a tampered JWT verifies")
	}

	// By cookie too, with the session as sid; the private key is sealed.
	req, _ := http.NewRequest(http.MethodPost, ta.URL+"/api/v1/token", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res := c.do(req)
	var out struct{ Token string }
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil || res.StatusCode != 200 {
		t.Fatalf("by cookie: %d %s", res.StatusCode, res.Body)
	}
	if cl, err := verifyJWT(ta, set, out.Token, ta.clock.Now()); err != nil || strings.HasPrefix(cl.SID, "pat_") || len(cl.SID) != 16 {
		t.Fatalf("cookie JWT: %+v %v", cl, err)
	}
	var k models.SigningKey
	ta.DB.Read.Take(&k)
	if _, err := k.Private([]byte("another secret key of 32 bytes!!")); err == nil {
		t.Fatal("the signing key opens without HEARTH_SECRET_KEY")
	}
	// Unauthenticated: 401, problem+json.
	r, body := apiCall(t, ta, http.MethodPost, "/api/v1/token", "", "")
	expectProblem(t, r, body, http.StatusUnauthorized)
}

// TestRotationKeepsOldJWTsVerifiable: after a rotation, new JWTs carry the
// new kid, the old key stays in the JWKS until its JWTs have expired, then
// leaves it.
func TestRotationKeepsOldJWTsVerifiable(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_SECRET_KEY", testSecretKey))
	c := ta.client(t)
	c.signUp("rot@example.com", goodPassword)
	secret := createToken(t, c, "svc", "0")
	old := mintJWT(t, ta, secret)
	if _, err := models.RotateSigningKey(t.Context(), ta.DB, ta.App.Config.SecretKey, ta.clock.Now()); err != nil {
		t.Fatal(err)
	}
	fresh := mintJWT(t, ta, secret)
	set := fetchJWKS(t, ta)
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS after rotation: %d keys", len(set.Keys))
	}
	for _, raw := range []string{old, fresh} {
		if _, err := verifyJWT(ta, set, raw, ta.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	o, _ := jwt.ParseSigned(old, []jose.SignatureAlgorithm{jose.EdDSA})
	f, _ := jwt.ParseSigned(fresh, []jose.SignatureAlgorithm{jose.EdDSA})
	if o.Headers[0].KeyID == f.Headers[0].KeyID {
		t.Fatal("the rotated key still signs")
	}
	ta.clock.Advance(7 * time.Minute)
	if set := fetchJWKS(t, ta); len(set.Keys) != 1 || set.Keys[0].KeyID != f.Headers[0].KeyID {
		t.Fatalf("JWKS long after rotation: %+v", set.Keys)
	}
}

// TestJWTsAreOffWithoutASecretKey: no HEARTH_SECRET_KEY, no JWTs (a
// problem+json 404) and an empty JWKS.
func TestJWTsAreOffWithoutASecretKey(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("nojwt@example.com", goodPassword)
	secret := createToken(t, c, "svc", "0")
	res, body := apiCall(t, ta, http.MethodPost, "/api/v1/token", secret, "")
	expectProblem(t, res, body, http.StatusNotFound)
	if set := fetchJWKS(t, ta); len(set.Keys) != 0 {
		t.Fatal("keys published without a secret key")
	}
}

// TestNoJWTWhileImpersonating: an admin browsing as a member gets a 403
// problem, not a JWT in the member's name.
func TestNoJWTWhileImpersonating(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_SECRET_KEY", testSecretKey))
	admin := ta.client(t)
	admin.signUpAdmin("imp-admin@example.com")
	member := ta.client(t)
	member.signUp("imp-member@example.com", goodPassword)
	u, err := models.UserByEmail(t.Context(), ta.DB, "imp-member@example.com")
	if err != nil {
		t.Fatal(err)
	}
	expectStatus(t, admin.adminPost("/admin/users/"+u.ID+"/impersonate", nil), http.StatusSeeOther)
	req, _ := http.NewRequest(http.MethodPost, ta.URL+"/api/v1/token", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res := admin.do(req)
	expectProblem(t, res.Response, []byte(res.Body), http.StatusForbidden)
	if !strings.Contains(res.Body, "impersonating") {
		t.Fatalf("403 for another reason: %s", res.Body)
	}
	// The same session may still read who it is browsing as.
	req, _ = http.NewRequest(http.MethodGet, ta.URL+"/api/v1/me", nil)
	if res := admin.do(req); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, u.ID) {
		t.Fatalf("GET /api/v1/me while impersonating: %d %s", res.StatusCode, res.Body)
	}
}
