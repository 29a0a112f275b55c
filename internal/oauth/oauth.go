// Package oauth signs people in through providers. It builds GitHub, Google
// and a generic OpenID Connect provider from the configuration, sends the
// browser to them with a state, a PKCE challenge and (OpenID Connect) a
// nonce, and turns the callback's code into the person the provider vouches
// for: with OpenID Connect by verifying the ID token with go-oidc (the
// issuer's published keys, iss, aud, exp, and the attempt's nonce); with
// GitHub, which has no ID token, by asking its API which address is verified.
package oauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/markbates/goth/providers/github"
	"golang.org/x/oauth2"

	"github.com/hearth-app/hearth/config"
)

// Google's endpoints and issuer (its discovery document says the same; they
// are fixed here so start-up does not depend on reaching Google).
const (
	GoogleIssuer   = "https://accounts.google.com"
	googleAuthURL  = "https://accounts.google.com/o/oauth2/v2/auth"
	googleTokenURL = "https://oauth2.googleapis.com/token"
	googleJWKSURL  = "https://www.googleapis.com/oauth2/v3/certs"
)

// Endpoints points providers elsewhere than their real addresses (tests
// point them at fakes). Empty fields keep the real ones.
type Endpoints struct {
	GitHubAuth, GitHubToken, GitHubProfile, GitHubEmails string
	GoogleAuth, GoogleToken, GoogleJWKS                  string
	// HTTPClient talks to the providers; nil means one with a 15 s timeout.
	HTTPClient *http.Client
}

// Provider is one configured sign-in provider.
type Provider struct {
	Name  string // "github", "google" or "oidc": the URL segment
	Label string // shown on buttons

	client *http.Client
	// OpenID Connect (Google and the generic provider).
	config   oauth2.Config
	verifier *oidc.IDTokenVerifier
	// GitHub, through goth, which has no ID token.
	github    *github.Provider
	emailsURL string
}

// Attempt is one sign-in between the redirect to the provider and the
// callback. It is kept in the server-side session and used once.
type Attempt struct {
	Provider string `json:"provider"`
	State    string `json:"state"`
	Nonce    string `json:"nonce,omitempty"`
	Verifier string `json:"verifier,omitempty"` // PKCE
}

// User is the person a provider vouches for.
type User struct {
	ID            string // the provider's stable id (an OpenID Connect sub)
	Email         string
	EmailVerified bool
	Name          string
	// AvatarURL is the person's picture at the provider (GitHub's
	// avatar_url, OpenID Connect's picture claim), "" when none is given.
	AvatarURL string
}

// Build makes the providers the configuration enables. OpenID Connect
// discovery happens here, at start-up: an issuer that cannot be discovered,
// or whose endpoints are not https (http to loopback in development), stops
// the app with an error naming HEARTH_OIDC_ISSUER.
func Build(cfg *config.Config, ep Endpoints) ([]*Provider, error) {
	client := ep.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	// go-oidc takes its HTTP client from a context, and keeps it for
	// fetching the issuer's keys later.
	ctx := oidc.ClientContext(context.Background(), client)
	callback := func(name string) string {
		u := *cfg.BaseURL
		u.Path = "/auth/" + name + "/callback"
		return u.String()
	}
	prod := cfg.IsProduction()
	var ps []*Provider

	if cfg.GitHub.Enabled() {
		ep.GitHubAuth = or(ep.GitHubAuth, github.AuthURL)
		ep.GitHubToken = or(ep.GitHubToken, github.TokenURL)
		ep.GitHubProfile = or(ep.GitHubProfile, github.ProfileURL)
		ep.GitHubEmails = or(ep.GitHubEmails, github.EmailURL)
		if err := checkEndpoints("GitHub", prod, ep.GitHubAuth, ep.GitHubToken, ep.GitHubProfile, ep.GitHubEmails); err != nil {
			return nil, err
		}
		gh := github.NewCustomisedURL(cfg.GitHub.ClientID, cfg.GitHub.ClientSecret, callback("github"),
			ep.GitHubAuth, ep.GitHubToken, ep.GitHubProfile, ep.GitHubEmails, "read:user", "user:email")
		gh.HTTPClient = client
		ps = append(ps, &Provider{Name: "github", Label: "GitHub", client: client, github: gh, emailsURL: ep.GitHubEmails})
	}

	if cfg.Google.Enabled() {
		pc := oidc.ProviderConfig{
			IssuerURL: GoogleIssuer,
			AuthURL:   or(ep.GoogleAuth, googleAuthURL),
			TokenURL:  or(ep.GoogleToken, googleTokenURL),
			JWKSURL:   or(ep.GoogleJWKS, googleJWKSURL),
			// Google signs ID tokens with RS256.
			Algorithms: []string{oidc.RS256},
		}
		if err := checkEndpoints("Google", prod, pc.AuthURL, pc.TokenURL, pc.JWKSURL); err != nil {
			return nil, err
		}
		ps = append(ps, newOIDC("google", "Google", pc.NewProvider(ctx), cfg.Google, callback("google"), client))
	}

	if cfg.OIDC.Enabled() {
		op, err := oidc.NewProvider(ctx, cfg.OIDC.Issuer)
		if err != nil {
			return nil, fmt.Errorf("HEARTH_OIDC_ISSUER: discovery at %s failed: %v", cfg.OIDC.Issuer, err)
		}
		var doc struct {
			JWKS string `json:"jwks_uri"`
		}
		if err := op.Claims(&doc); err != nil || doc.JWKS == "" {
			return nil, fmt.Errorf("HEARTH_OIDC_ISSUER: the discovery document at %s has no jwks_uri", cfg.OIDC.Issuer)
		}
		for name, u := range map[string]string{"authorization_endpoint": op.Endpoint().AuthURL, "token_endpoint": op.Endpoint().TokenURL, "jwks_uri": doc.JWKS} {
			if err := config.CheckProviderURL(u, prod); err != nil {
				return nil, fmt.Errorf("HEARTH_OIDC_ISSUER: the provider's %s: %v", name, err)
			}
		}
		ps = append(ps, newOIDC("oidc", cfg.OIDC.Name, op, cfg.OIDC.OAuthClient, callback("oidc"), client))
	}
	return ps, nil
}

func newOIDC(name, label string, op *oidc.Provider, c config.OAuthClient, callback string, client *http.Client) *Provider {
	return &Provider{
		Name: name, Label: label, client: client,
		config: oauth2.Config{
			ClientID: c.ClientID, ClientSecret: c.ClientSecret, RedirectURL: callback,
			Endpoint: op.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
		},
		verifier: op.Verifier(&oidc.Config{ClientID: c.ClientID}),
	}
}

// Begin starts an attempt: the caller keeps it in the session and sends the
// browser to the returned URL.
func (p *Provider) Begin() (Attempt, string, error) {
	a := Attempt{Provider: p.Name, State: rand.Text()}
	if p.github != nil {
		// No PKCE: goth's GitHub exchange drops the verifier, and GitHub
		// refuses an exchange without it once a challenge was sent.
		sess, err := p.github.BeginAuth(a.State)
		if err != nil {
			return Attempt{}, "", err
		}
		authURL, err := sess.GetAuthURL()
		return a, authURL, err
	}
	a.Nonce, a.Verifier = rand.Text(), oauth2.GenerateVerifier()
	return a, p.config.AuthCodeURL(a.State, oauth2.S256ChallengeOption(a.Verifier), oidc.Nonce(a.Nonce)), nil
}

// Finish trades the callback's code for the person the provider vouches
// for. Only the code and the attempt's verifier go to the provider, whatever
// else the callback URL carried. The caller has checked the state.
func (p *Provider) Finish(ctx context.Context, code string, a Attempt) (User, error) {
	if code == "" {
		return User{}, errors.New("the callback carries no code")
	}
	ctx = oidc.ClientContext(ctx, p.client)
	if p.github != nil {
		return p.finishGitHub(ctx, code)
	}
	tok, err := p.config.Exchange(ctx, code, oauth2.VerifierOption(a.Verifier))
	if err != nil {
		return User{}, err
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return User{}, errors.New("the token response has no id_token")
	}
	idt, err := p.verifier.Verify(ctx, raw) // signature by the issuer's keys, iss, aud, exp
	if err != nil {
		return User{}, err
	}
	if a.Nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(a.Nonce)) != 1 {
		return User{}, errors.New("the ID token's nonce is not this attempt's")
	}
	var claims struct {
		AuthorizedParty   string `json:"azp"`
		Email             string `json:"email"`
		EmailVerified     any    `json:"email_verified"` // a bool, or "true" from some providers
		Name              string `json:"name"`
		PreferredUsername string `json:"preferred_username"`
		Picture           string `json:"picture"`
	}
	if err := idt.Claims(&claims); err != nil {
		return User{}, err
	}
	if claims.AuthorizedParty != "" && claims.AuthorizedParty != p.config.ClientID {
		return User{}, fmt.Errorf("the ID token was issued to %q", claims.AuthorizedParty)
	}
	if idt.Subject == "" {
		return User{}, errors.New("the ID token has no subject")
	}
	u := User{ID: idt.Subject, Email: claims.Email, EmailVerified: claimTrue(claims.EmailVerified), Name: claims.Name, AvatarURL: claims.Picture}
	if u.Name == "" {
		u.Name = claims.PreferredUsername
	}
	return u, nil
}

func (p *Provider) finishGitHub(ctx context.Context, code string) (User, error) {
	sess := &github.Session{}
	if _, err := sess.Authorize(p.github, url.Values{"code": {code}}); err != nil {
		return User{}, err
	}
	gu, err := p.github.FetchUser(sess)
	if err != nil {
		return User{}, err
	}
	if gu.UserID == "" || gu.UserID == "0" {
		return User{}, errors.New("github: the profile has no id")
	}
	u := User{ID: gu.UserID, Name: or(gu.Name, gu.NickName), AvatarURL: gu.AvatarURL}
	u.Email, u.EmailVerified, err = p.githubPrimaryEmail(ctx, gu.AccessToken, gu.Email)
	return u, err
}

// githubPrimaryEmail asks GitHub which addresses the user has verified: the
// primary verified one is used; a public address GitHub has not verified
// is kept, but as unverified.
func (p *Provider) githubPrimaryEmail(ctx context.Context, token, public string) (string, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.emailsURL, nil)
	if err != nil {
		return "", false, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/vnd.github+json")
	res, err := p.client.Do(req)
	if err != nil {
		return "", false, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return "", false, fmt.Errorf("github emails: status %d", res.StatusCode)
	}
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, res.Body, 1<<20)).Decode(&emails); err != nil {
		return "", false, err
	}
	for _, e := range emails {
		if e.Primary && e.Verified {
			return e.Email, true, nil
		}
	}
	for _, e := range emails {
		if e.Email == public && e.Verified {
			return e.Email, true, nil
		}
	}
	return public, false, nil
}

// checkEndpoints applies the issuer's rule to a provider's fixed (or
// overridden) endpoints.
func checkEndpoints(provider string, production bool, urls ...string) error {
	for _, u := range urls {
		if err := config.CheckProviderURL(u, production); err != nil {
			return fmt.Errorf("%s endpoint: %v", provider, err)
		}
	}
	return nil
}

func claimTrue(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case string:
		return t == "true"
	}
	return false
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}
