package oauth_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/internal/oauth"
)

// issuerWith serves a discovery document over TLS whose endpoints are
// endpoint(srv.URL): the issuer itself is https, its endpoints are the
// test's choice.
func issuerWith(t *testing.T, endpoint func(base string) string) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		e := endpoint(srv.URL)
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": srv.URL, "authorization_endpoint": srv.URL + "/authorize", "token_endpoint": e,
			"jwks_uri": srv.URL + "/jwks", "id_token_signing_alg_values_supported": []string{"RS256"},
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func oidcConfig(env, issuer string) *config.Config {
	return &config.Config{
		Env:     env,
		BaseURL: &url.URL{Scheme: "https", Host: "app.example.com"},
		OIDC:    config.OIDCClient{OAuthClient: config.OAuthClient{ClientID: "id", ClientSecret: "a-long-enough-secret"}, Issuer: issuer, Name: "SSO"},
	}
}

// TestProviderEndpointsMustBeHTTPS: an https issuer whose discovery
// document sends the client secret and codes to a plain-http token endpoint
// is refused at start-up, naming HEARTH_OIDC_ISSUER; in development plain
// http is allowed to loopback only.
func TestProviderEndpointsMustBeHTTPS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		env      string
		endpoint func(base string) string
		ok       bool
	}{
		{"https endpoints, production", config.Production, func(b string) string { return b + "/token" }, true},
		{"http endpoint on loopback, production", config.Production, func(string) string { return "http://127.0.0.1:9/token" }, false},
		{"http endpoint elsewhere, production", config.Production, func(string) string { return "http://sso.example.com/token" }, false},
		{"http endpoint on loopback, development", config.Development, func(string) string { return "http://127.0.0.1:9/token" }, true},
		{"http endpoint elsewhere, development", config.Development, func(string) string { return "http://sso.example.com/token" }, false},
		{"not a URL", config.Development, func(string) string { return "token" }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := issuerWith(t, tc.endpoint)
			ps, err := oauth.Build(oidcConfig(tc.env, srv.URL), oauth.Endpoints{HTTPClient: srv.Client()})
			if tc.ok {
				if err != nil || len(ps) != 1 {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), "HEARTH_OIDC_ISSUER: ") || !strings.Contains(err.Error(), "token_endpoint") {
				t.Errorf("error %q does not name HEARTH_OIDC_ISSUER and the endpoint", err)
			}
		})
	}
}

// TestGoogleEndpointsMustBeHTTPS: the same rule holds for Google's
// endpoints when they are pointed elsewhere.
func TestGoogleEndpointsMustBeHTTPS(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{Env: config.Production, BaseURL: &url.URL{Scheme: "https", Host: "app.example.com"},
		Google: config.OAuthClient{ClientID: "id", ClientSecret: "a-long-enough-secret"}}
	if _, err := oauth.Build(cfg, oauth.Endpoints{GoogleToken: "http://127.0.0.1:9/token"}); err == nil {
		t.Error("an http Google token endpoint was accepted in production")
	}
	ps, err := oauth.Build(cfg, oauth.Endpoints{})
	if err != nil || len(ps) != 1 || ps[0].Name != "google" {
		t.Fatalf("Google with its own endpoints: %v", err)
	}
	_, authURL, err := ps[0].Begin()
	if err != nil || !strings.HasPrefix(authURL, "https://accounts.google.com/") {
		t.Errorf("Google's authorize URL %q (%v)", authURL, err)
	}
}
