package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/markbates/goth"
	"github.com/markbates/goth/providers/github"
	"github.com/markbates/goth/providers/google"
	"github.com/markbates/goth/providers/openidConnect"
	"golang.org/x/oauth2"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/auth"
	"github.com/hearth-app/hearth/views/components"
)

// SocialProvider is one configured sign-in provider: a goth provider used
// without gothic, so its state lives in the scs session like everything else.
type SocialProvider struct {
	Name   string // "github", "google" or "oidc": the URL segment
	Label  string // shown on buttons
	goth   goth.Provider
	pkce   bool   // the provider honours PKCE
	emails string // GitHub's /user/emails, to learn whether the address is verified
	http   *http.Client
}

// ProviderEndpoints overrides GitHub's URLs (tests point them at a fake).
type ProviderEndpoints struct {
	GitHubAuth, GitHubToken, GitHubProfile, GitHubEmails string
}

// BuildProviders makes the providers the configuration enables. OpenID
// Connect discovery happens here, at start-up: a provider that cannot be
// discovered stops the app with an error naming HEARTH_OIDC_ISSUER.
func BuildProviders(cfg *config.Config, ep ProviderEndpoints) ([]*SocialProvider, error) {
	callback := func(name string) string {
		u := *cfg.BaseURL
		u.Path = "/auth/" + name + "/callback"
		return u.String()
	}
	client := &http.Client{Timeout: 15 * time.Second}
	var ps []*SocialProvider
	if cfg.GitHub.Enabled() {
		if ep.GitHubAuth == "" {
			ep = ProviderEndpoints{github.AuthURL, github.TokenURL, github.ProfileURL, github.EmailURL}
		}
		p := github.NewCustomisedURL(cfg.GitHub.ClientID, cfg.GitHub.ClientSecret, callback("github"), ep.GitHubAuth, ep.GitHubToken, ep.GitHubProfile, ep.GitHubEmails, "read:user", "user:email")
		p.HTTPClient = client
		ps = append(ps, &SocialProvider{Name: "github", Label: "GitHub", goth: p, emails: ep.GitHubEmails, http: client})
	}
	if cfg.Google.Enabled() {
		p := google.New(cfg.Google.ClientID, cfg.Google.ClientSecret, callback("google"), "openid", "email", "profile")
		p.HTTPClient = client
		ps = append(ps, &SocialProvider{Name: "google", Label: "Google", goth: p, pkce: true, http: client})
	}
	if cfg.OIDC.Enabled() {
		discovery := cfg.OIDC.Issuer + "/.well-known/openid-configuration"
		p, err := openidConnect.New(cfg.OIDC.ClientID, cfg.OIDC.ClientSecret, callback("oidc"), discovery, "openid", "email", "profile")
		if err != nil {
			return nil, fmt.Errorf("HEARTH_OIDC_ISSUER: discovery at %s failed: %v", discovery, err)
		}
		p.HTTPClient = client
		p.SkipUserInfoRequest = true // the ID token carries the claims we use
		ps = append(ps, &SocialProvider{Name: "oidc", Label: cfg.OIDC.Name, goth: p, pkce: true, http: client})
	}
	return ps, nil
}

func (a *App) provider(name string) *SocialProvider {
	for _, p := range a.Providers {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// providerButtons are the sign-in buttons for the enabled providers.
func (a *App) providerButtons() []components.ProviderButton {
	bs := make([]components.ProviderButton, 0, len(a.Providers))
	for _, p := range a.Providers {
		bs = append(bs, components.ProviderButton{Name: p.Name, Label: p.Label})
	}
	return bs
}

// Session keys of a sign-in in progress.
const (
	keyOAuthState    = "oauth_state"
	keyOAuthProvider = "oauth_provider"
	keyOAuthSession  = "oauth_session"
	keyOAuthVerifier = "oauth_verifier"
	keyOAuthConnect  = "oauth_connect"
	// The account page's Connect, until its same-origin GET starts the flow.
	keyOAuthConnectIntent = "oauth_connect_intent"
)

// SocialBegin sends the browser to the provider. The state (and the PKCE
// verifier) stay in this user's server-side session.
func (a *App) SocialBegin(c echo.Context) error {
	p := a.provider(c.Param("provider"))
	if p == nil {
		return echo.ErrNotFound
	}
	authURL, err := a.beginSocial(c, p, false)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, authURL)
}

// SocialConnect is the account page's "Connect" (a POST, refused
// cross-site): it records the intent in the session and sends the browser
// to SocialConnectContinue. It cannot redirect to the provider itself: the
// page's CSP says form-action 'self', which Chromium applies to every
// redirect after a form submission, the provider's address included.
func (a *App) SocialConnect(c echo.Context) error {
	p := a.provider(c.Param("provider"))
	if p == nil {
		return echo.ErrNotFound
	}
	a.Sessions.Put(c.Request().Context(), keyOAuthConnectIntent, p.Name)
	return redirect(c, "/auth/"+p.Name+"/connect")
}

// SocialConnectContinue starts the connection that SocialConnect asked for
// and answers with a page that takes the browser on to the provider (a
// Refresh header, which is a new navigation, not part of the form's). Without
// that intent (a link from elsewhere, a reload) it starts nothing.
func (a *App) SocialConnectContinue(c echo.Context) error {
	p := a.provider(c.Param("provider"))
	if p == nil {
		return echo.ErrNotFound
	}
	if a.Sessions.PopString(c.Request().Context(), keyOAuthConnectIntent) != p.Name {
		return redirect(c, "/account")
	}
	authURL, err := a.beginSocial(c, p, true)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Refresh", "0; url="+authURL)
	return a.render(c, http.StatusOK, auth.ProviderRedirectPage(a.page(c, p.Label), p.Label, authURL))
}

// beginSocial records a new attempt in the session and returns the
// provider's authorize URL.
func (a *App) beginSocial(c echo.Context, p *SocialProvider, connect bool) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	state := hex.EncodeToString(b)
	sess, err := p.goth.BeginAuth(state)
	if err != nil {
		return "", err
	}
	authURL, err := sess.GetAuthURL()
	if err != nil {
		return "", err
	}
	ctx := c.Request().Context()
	if p.pkce {
		verifier := oauth2.GenerateVerifier()
		u, err := url.Parse(authURL)
		if err != nil {
			return "", err
		}
		q := u.Query()
		q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(verifier))
		q.Set("code_challenge_method", "S256")
		u.RawQuery = q.Encode()
		authURL = u.String()
		a.Sessions.Put(ctx, keyOAuthVerifier, verifier)
	}
	a.Sessions.Put(ctx, keyOAuthState, state)
	a.Sessions.Put(ctx, keyOAuthProvider, p.Name)
	a.Sessions.Put(ctx, keyOAuthSession, sess.Marshal())
	if connect {
		a.Sessions.Put(ctx, keyOAuthConnect, "1")
	}
	return authURL, nil
}

// SocialCallback finishes a provider sign-in (or connection). The state must
// match the one in this session, and is used once.
func (a *App) SocialCallback(c echo.Context) error {
	p := a.provider(c.Param("provider"))
	if p == nil {
		return echo.ErrNotFound
	}
	ctx := c.Request().Context()
	state := a.Sessions.PopString(ctx, keyOAuthState)
	provider := a.Sessions.PopString(ctx, keyOAuthProvider)
	stored := a.Sessions.PopString(ctx, keyOAuthSession)
	verifier := a.Sessions.PopString(ctx, keyOAuthVerifier)
	connect := a.Sessions.PopString(ctx, keyOAuthConnect) != "" && currentUser(c) != nil
	back := "/login"
	if connect {
		back = "/account"
	}

	if e := c.QueryParam("error"); e != "" {
		msg := "Signing in with " + p.Label + " did not work. Please try again."
		if e == "access_denied" {
			msg = "You cancelled signing in with " + p.Label + "."
		}
		a.flash(c, "error", msg)
		return redirect(c, back)
	}
	got := c.QueryParam("state")
	if state == "" || provider != p.Name || subtle.ConstantTimeCompare([]byte(state), []byte(got)) != 1 {
		return echo.NewHTTPError(http.StatusBadRequest, "This sign-in attempt has expired or was not started from this browser. Please start again from the sign-in page.")
	}

	ext, err := a.exchange(c, p, stored, verifier)
	if err != nil {
		a.Logger.Warn("social sign-in failed", "provider", p.Name, "err", err, "request_id", c.Get(ctxRequestID))
		a.flash(c, "error", "We could not complete signing in with "+p.Label+". Please try again.")
		return redirect(c, back)
	}
	if connect {
		return a.finishConnect(c, p, ext)
	}

	u, outcome, err := models.SignInWithProvider(ctx, a.DB, a.Now(), ext)
	switch {
	case errors.Is(err, models.ErrNotLinked):
		a.audit(c, models.AuditSignInFailed, nil, ext.Email, p.Name+": address belongs to an unlinked account")
		a.flash(c, "error", "An account with "+ext.Email+" already exists. Sign in with your password, then connect "+p.Label+" from your account page.")
		return redirect(c, "/login")
	case errors.Is(err, models.ErrBanned):
		a.audit(c, models.AuditSignInFailed, u, "", p.Name+": account banned")
		a.flash(c, "error", "This account has been suspended. Contact support if you think this is a mistake.")
		return redirect(c, "/login")
	case errors.Is(err, models.ErrNoEmail):
		a.flash(c, "error", p.Label+" did not share an email address with us, so we cannot sign you in with it.")
		return redirect(c, "/login")
	case err != nil:
		return err
	}
	if err := a.startSession(c, u); err != nil {
		return err
	}
	switch outcome {
	case models.SocialCreated:
		a.audit(c, models.AuditSignUp, u, "", p.Name)
		a.flash(c, "success", "Welcome to Hearth! Your account is ready.")
	case models.SocialLinked:
		a.audit(c, models.AuditIdentityLink, u, "", p.Name)
		a.flash(c, "success", p.Label+" is now connected to your account.")
	default:
		a.audit(c, models.AuditSignIn, u, "", p.Name)
		a.flash(c, "success", "Welcome back!")
	}
	return redirect(c, "/account")
}

func (a *App) finishConnect(c echo.Context, p *SocialProvider, ext models.External) error {
	u := currentUser(c)
	err := models.ConnectIdentity(c.Request().Context(), a.DB, a.Now(), u, ext)
	if errors.Is(err, models.ErrIdentityTaken) {
		a.flash(c, "error", "That "+p.Label+" account is connected to another user.")
		return redirect(c, "/account")
	} else if err != nil {
		return err
	}
	a.audit(c, models.AuditIdentityLink, u, "", p.Name)
	a.flash(c, "success", p.Label+" is now connected to your account.")
	return redirect(c, "/account")
}

// exchange trades the callback's code for the provider's view of the user.
func (a *App) exchange(c echo.Context, p *SocialProvider, stored, verifier string) (models.External, error) {
	sess, err := p.goth.UnmarshalSession(stored)
	if err != nil {
		return models.External{}, err
	}
	// Only the code (and our verifier): goth's openidConnect would send the
	// provider a redirect_uri taken from the callback URL.
	params := url.Values{"code": {c.QueryParam("code")}}
	if p.pkce {
		params.Set("code_verifier", verifier)
	}
	if _, err := sess.Authorize(p.goth, params); err != nil {
		return models.External{}, err
	}
	gu, err := p.goth.FetchUser(sess)
	if err != nil {
		return models.External{}, err
	}
	ext := models.External{Provider: p.Name, ProviderUserID: gu.UserID, Email: gu.Email, Name: gu.Name}
	if ext.Name == "" {
		ext.Name = gu.NickName
	}
	if p.Name == "github" {
		ext.Email, ext.EmailVerified, err = p.githubPrimaryEmail(gu.AccessToken, gu.Email)
		return ext, err
	}
	ext.EmailVerified = claimTrue(gu.RawData["email_verified"]) || claimTrue(gu.RawData["verified_email"])
	return ext, nil
}

// githubPrimaryEmail asks GitHub which addresses the user has verified: the
// primary verified one is used; a public address GitHub has not verified
// is kept, but as unverified.
func (p *SocialProvider) githubPrimaryEmail(token, public string) (string, bool, error) {
	req, err := http.NewRequest(http.MethodGet, p.emails, nil)
	if err != nil {
		return "", false, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/vnd.github+json")
	res, err := p.http.Do(req)
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

func claimTrue(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case string:
		return t == "true"
	}
	return false
}
