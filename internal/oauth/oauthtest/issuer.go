// Package oauthtest is an OpenID Connect provider for tests, stricter than
// mockoidc where Hearth's safety depends on it and spoilable where a test
// needs a bad ID token: it approves every sign-in at once, refuses a code
// exchange without the right PKCE verifier (S256) or with another
// redirect_uri, records what its token endpoint was sent, and signs ID
// tokens whose claims and key the test chooses.
package oauthtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Signing says how an ID token is signed.
type Signing int

const (
	SignedByIssuer   Signing = iota // with the key the issuer publishes
	SignedByOtherKey                // with another key, under the published key's id
	Unsigned                        // alg "none"
)

// User is the next person to sign in, and how their ID token is made.
type User struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	// Spoil changes the ID token's claims before signing (nil: none).
	Spoil   func(claims map[string]any)
	Signing Signing
}

// TokenRequest is one request the token endpoint received.
type TokenRequest struct {
	Form      url.Values // the body's parameters
	BasicAuth bool       // the client authenticated with HTTP Basic
}

// Issuer is a running provider. Its issuer URL is its server's URL unless
// Iss is set (Google's ID tokens say https://accounts.google.com).
type Issuer struct {
	*httptest.Server
	ClientID     string
	ClientSecret string
	Iss          string

	key, other *rsa.PrivateKey

	mu       sync.Mutex
	queue    []User
	grants   map[string]grant
	requests []TokenRequest
}

type grant struct {
	user               User
	challenge, method  string
	nonce, redirectURI string
	clientID           string
}

const keyID = "test-key"

// NewIssuer starts a provider on loopback; it stops when the test ends.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	f := &Issuer{ClientID: "test-client", ClientSecret: "test-client-secret", grants: map[string]grant{}}
	var err error
	if f.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	if f.other, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", f.discovery)
	mux.HandleFunc("GET /authorize", f.authorize)
	mux.HandleFunc("POST /token", f.token)
	mux.HandleFunc("GET /jwks", f.jwks)
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

// Issuer is the iss value its ID tokens carry.
func (f *Issuer) Issuer() string {
	if f.Iss != "" {
		return f.Iss
	}
	return f.URL
}

// Queue sets who the next sign-ins are, in order.
func (f *Issuer) Queue(users ...User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, users...)
}

// TokenRequests returns what the token endpoint was sent so far.
func (f *Issuer) TokenRequests() []TokenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]TokenRequest(nil), f.requests...)
}

func (f *Issuer) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                f.Issuer(),
		"authorization_endpoint":                f.URL + "/authorize",
		"token_endpoint":                        f.URL + "/token",
		"jwks_uri":                              f.URL + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

// authorize approves at once: back to redirect_uri with a code and the state.
func (f *Issuer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || back.Scheme == "" || q.Get("response_type") != "code" || q.Get("client_id") != f.ClientID {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	u := User{Subject: "default-user", Email: "user@example.com", EmailVerified: true}
	if len(f.queue) > 0 {
		u, f.queue = f.queue[0], f.queue[1:]
	}
	code := rand.Text()
	f.grants[code] = grant{user: u, challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method"),
		nonce: q.Get("nonce"), redirectURI: q.Get("redirect_uri"), clientID: q.Get("client_id")}
	f.mu.Unlock()
	bq := back.Query()
	bq.Set("code", code)
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// token exchanges a code once, as a strict provider does: the client's
// credentials, the same redirect_uri and the PKCE verifier must be right.
func (f *Issuer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	f.mu.Lock()
	f.requests = append(f.requests, TokenRequest{Form: r.PostForm, BasicAuth: basic})
	g, ok := f.grants[r.PostForm.Get("code")]
	delete(f.grants, r.PostForm.Get("code"))
	f.mu.Unlock()

	refuse := func(desc string) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": desc})
	}
	switch {
	case id != f.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(f.ClientSecret)) != 1:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	case r.PostForm.Get("grant_type") != "authorization_code":
		refuse("grant_type")
		return
	case !ok || g.clientID != id:
		refuse("unknown or used code")
		return
	case r.PostForm.Get("redirect_uri") != g.redirectURI:
		refuse("redirect_uri differs from the authorization request's")
		return
	case g.method != "S256" || g.challenge == "":
		refuse("PKCE (S256) is required")
		return
	case s256(r.PostForm.Get("code_verifier")) != g.challenge:
		refuse("code_verifier does not match the code_challenge")
		return
	}
	idToken, err := f.idToken(g)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": rand.Text(), "token_type": "Bearer", "expires_in": 300, "id_token": idToken,
	})
}

func (f *Issuer) idToken(g grant) (string, error) {
	now := time.Now()
	claims := map[string]any{
		"iss": f.Issuer(), "sub": g.user.Subject, "aud": f.ClientID,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"email": g.user.Email, "email_verified": g.user.EmailVerified, "name": g.user.Name,
	}
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	if g.user.Spoil != nil {
		g.user.Spoil(claims)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	if g.user.Signing == Unsigned {
		enc := base64.RawURLEncoding
		return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + ".", nil
	}
	key := f.key
	if g.user.Signing == SignedByOtherKey {
		key = f.other
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: keyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func (f *Issuer) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &f.key.PublicKey, KeyID: keyID, Algorithm: string(jose.RS256), Use: "sig"},
	}})
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
