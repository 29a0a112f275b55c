package handlers

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/internal/oauth"
	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/static"
	"github.com/hearth-app/hearth/views/auth"
	"github.com/hearth-app/hearth/views/components"
	"github.com/hearth-app/hearth/views/layout"
	mailview "github.com/hearth-app/hearth/views/mail"
)

// SocialProvider is one configured sign-in provider (internal/oauth builds
// them; its state lives in the scs session like everything else).
type SocialProvider = oauth.Provider

// ProviderEndpoints overrides the providers' URLs (tests point them at fakes).
type ProviderEndpoints = oauth.Endpoints

// BuildProviders makes the providers the configuration enables. OpenID
// Connect discovery happens here, at start-up: a provider that cannot be
// discovered, or that is not served over https, stops the app with an error
// naming HEARTH_OIDC_ISSUER.
func BuildProviders(cfg *config.Config, ep ProviderEndpoints) ([]*SocialProvider, error) {
	return oauth.Build(cfg, ep)
}

func (a *App) provider(name string) *SocialProvider {
	for _, p := range a.Providers {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// providerLabel is how a provider is named to people: its label, or its
// name when it is no longer configured.
func (a *App) providerLabel(name string) string {
	if p := a.provider(name); p != nil {
		return p.Label
	}
	return name
}

// providerButtons are the sign-in buttons for the enabled providers.
func (a *App) providerButtons() []components.ProviderButton {
	bs := make([]components.ProviderButton, 0, len(a.Providers))
	for _, p := range a.Providers {
		bs = append(bs, components.ProviderButton{Name: p.Name, Label: p.Label, Icon: providerIcon(p.Name)})
	}
	return bs
}

// providerIcon is the provider's mark from static/img/providers, inline;
// a provider without one (a generic OIDC issuer) gets the key of oidc.svg.
func providerIcon(name string) templ.Component {
	svg, err := fs.ReadFile(static.FS, "img/providers/"+name+".svg")
	if err != nil {
		if svg, err = fs.ReadFile(static.FS, "img/providers/oidc.svg"); err != nil {
			return nil
		}
	}
	return templ.Raw(strings.TrimSpace(string(svg)))
}

// pendingSignIn is what the session keeps between the redirect to the
// provider and the callback.
type pendingSignIn struct {
	oauth.Attempt
	Connect bool `json:"connect,omitempty"` // connect to the signed-in account
}

// SocialBegin sends the browser to the provider. The attempt's state, nonce
// and PKCE verifier stay in this browser's server-side session.
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
	if currentUser(c).EmailVerifiedAt == nil { // the model refuses it too, after the provider
		a.flash(c, layout.FlashError, unverifiedConnect)
		return redirect(c, "/account")
	}
	a.putSession(c.Request().Context(), keyOAuthConnectIntent, p.Name)
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
	if a.popSession(c.Request().Context(), keyOAuthConnectIntent) != p.Name {
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
	attempt, authURL, err := p.Begin()
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(pendingSignIn{Attempt: attempt, Connect: connect})
	if err != nil {
		return "", err
	}
	a.putSession(c.Request().Context(), keyOAuthAttempt, string(b))
	return authURL, nil
}

// SocialCallback finishes a provider sign-in (or connection). The state must
// match the one in this session, and is used once; internal/oauth checks the
// code's ID token (signature, issuer, audience, expiry, nonce).
func (a *App) SocialCallback(c echo.Context) error {
	p := a.provider(c.Param("provider"))
	if p == nil {
		return echo.ErrNotFound
	}
	ctx := c.Request().Context()
	var pending pendingSignIn
	if raw := a.popSession(ctx, keyOAuthAttempt); raw != "" {
		if err := json.Unmarshal([]byte(raw), &pending); err != nil {
			pending = pendingSignIn{}
		}
	}
	connect := pending.Connect && currentUser(c) != nil
	back := "/login"
	if connect {
		back = "/account"
	}

	if e := c.QueryParam("error"); e != "" {
		msg := "Signing in with " + p.Label + " did not work. Please try again."
		if e == "access_denied" {
			msg = "You cancelled signing in with " + p.Label + "."
		}
		a.flash(c, layout.FlashError, msg)
		return redirect(c, back)
	}
	state := pending.State
	if state == "" || pending.Provider != p.Name || subtle.ConstantTimeCompare([]byte(state), []byte(c.QueryParam("state"))) != 1 {
		return echo.NewHTTPError(http.StatusBadRequest, "This sign-in attempt has expired or was not started from this browser. Please start again from the sign-in page.")
	}

	// Only the code goes to the provider, never other parameters of this URL.
	pu, err := p.Finish(ctx, c.QueryParam("code"), pending.Attempt)
	if err != nil {
		a.Logger.Warn("social sign-in failed", "provider", p.Name, "err", err, "request_id", c.Get(ctxRequestID))
		a.flash(c, layout.FlashError, "We could not complete signing in with "+p.Label+". Please try again.")
		return redirect(c, back)
	}
	ext := models.External{Provider: p.Name, ProviderUserID: pu.ID, Email: pu.Email, EmailVerified: pu.EmailVerified, Name: pu.Name}
	if connect {
		return a.finishConnect(c, p, ext, pu.AvatarURL)
	}

	mail := announce(a, ctx, func(res models.SocialResult) []letter {
		if !res.PasswordRemoved {
			return nil
		}
		u := res.User
		return []letter{{u, u.Email, mailview.PasswordRemoved(u, p.Label, a.link("/forgot-password", nil))}}
	})
	res, err := models.SignInWithProvider(ctx, a.DB, a.Now(), ext, mail)
	u := res.User
	switch {
	case errors.Is(err, models.ErrNotLinked):
		a.audit(c, models.AuditSignInFailed, nil, ext.Email, p.Name+": address belongs to an unlinked account")
		a.flash(c, layout.FlashError, "An account with "+ext.Email+" already exists. Sign in with your password, then connect "+p.Label+" from your account page.")
		return redirect(c, "/login")
	case errors.Is(err, models.ErrBanned):
		a.audit(c, models.AuditSignInFailed, u, "", p.Name+": account banned")
		a.flash(c, layout.FlashError, "This account has been suspended. Contact support if you think this is a mistake.")
		return redirect(c, "/login")
	case errors.Is(err, models.ErrNoEmail):
		a.flash(c, layout.FlashError, p.Label+" did not share an email address with us, so we cannot sign you in with it.")
		return redirect(c, "/login")
	case err != nil:
		return err
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	s := signIn{User: u, Method: p.Name}
	switch res.Outcome {
	case models.SocialCreated:
		s.Action, s.Welcome = models.AuditSignUp, "Welcome to "+config.ProductName+"! Your account is ready."
		a.adoptPicture(c, u, p.Name, pu.AvatarURL)
	case models.SocialLinked:
		s.Action, s.Welcome = models.AuditIdentityLink, p.Label+" is now connected to your account."
		a.adoptPicture(c, u, p.Name, pu.AvatarURL)
	}
	// A provider is a first factor like a password: an account with a
	// second factor passes /login/2fa before it is signed in.
	return a.completeFirstFactor(c, s)
}

// unverifiedConnect is the answer to connecting a provider before the
// address is proven (models.ErrEmailUnverified).
const unverifiedConnect = "Confirm your email address first: open the link we mailed you, then connect a provider."

func (a *App) finishConnect(c echo.Context, p *SocialProvider, ext models.External, pictureURL string) error {
	u := currentUser(c)
	err := models.ConnectIdentity(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), u, ext)
	if errors.Is(err, models.ErrEmailUnverified) {
		a.flash(c, layout.FlashError, unverifiedConnect)
		return redirect(c, "/account")
	}
	if errors.Is(err, models.ErrIdentityTaken) {
		a.flash(c, layout.FlashError, "That "+p.Label+" account is connected to another user.")
		return redirect(c, "/account")
	} else if err != nil {
		return err
	}
	a.adoptPicture(c, u, p.Name, pictureURL)
	a.flash(c, layout.FlashSuccess, p.Label+" is now connected to your account.")
	return redirect(c, "/account")
}
