package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/hearth-app/hearth/internal/oauth/oauthtest"
	"github.com/hearth-app/hearth/models"
)

func startOIDC(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return m
}

func withOIDC(m *mockoidc.MockOIDC) func(*appOptions) {
	return func(o *appOptions) {
		o.env["HEARTH_OIDC_ISSUER"] = m.Issuer()
		o.env["HEARTH_OIDC_CLIENT_ID"] = m.ClientID
		o.env["HEARTH_OIDC_CLIENT_SECRET"] = m.ClientSecret
		o.env["HEARTH_OIDC_NAME"] = "Mock SSO"
	}
}

// withIssuer configures the generic OpenID Connect provider as f.
func withIssuer(f *oauthtest.Issuer) func(*appOptions) {
	return func(o *appOptions) {
		o.env["HEARTH_OIDC_ISSUER"] = f.Issuer()
		o.env["HEARTH_OIDC_CLIENT_ID"] = f.ClientID
		o.env["HEARTH_OIDC_CLIENT_SECRET"] = f.ClientSecret
		o.env["HEARTH_OIDC_NAME"] = "Test SSO"
	}
}

// fakeGitHub plays GitHub's OAuth and API endpoints.
type fakeGitHub struct {
	*httptest.Server
	mu     sync.Mutex
	id     int
	login  string
	public string // the profile's public email
	name   string // the profile's name, "Octo Cat" unless set
	emails []map[string]any
}

func startGitHub(t *testing.T) *fakeGitHub {
	g := &fakeGitHub{}
	mux := http.NewServeMux()
	mux.HandleFunc("/login/oauth/authorize", func(w http.ResponseWriter, r *http.Request) {
		u, _ := url.Parse(r.URL.Query().Get("redirect_uri"))
		q := u.Query()
		q.Set("code", "gh-code")
		q.Set("state", r.URL.Query().Get("state"))
		u.RawQuery = q.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	})
	mux.HandleFunc("/login/oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "gh-token", "token_type": "bearer", "scope": "read:user,user:email"})
	})
	mux.HandleFunc("/user", func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		name := g.name
		if name == "" {
			name = "Octo Cat"
		}
		json.NewEncoder(w).Encode(map[string]any{"id": g.id, "login": g.login, "name": name, "email": g.public})
	})
	mux.HandleFunc("/user/emails", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer gh-token" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		json.NewEncoder(w).Encode(g.emails)
	})
	g.Server = httptest.NewServer(mux)
	t.Cleanup(g.Close)
	return g
}

func (g *fakeGitHub) set(id int, public string, emails ...map[string]any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.id, g.login, g.public, g.emails = id, "octocat", public, emails
}

func withGitHub(g *fakeGitHub) func(*appOptions) {
	return func(o *appOptions) {
		o.env["HEARTH_GITHUB_CLIENT_ID"] = "gh-client"
		o.env["HEARTH_GITHUB_CLIENT_SECRET"] = "gh-secret"
		o.endpoints.GitHubAuth, o.endpoints.GitHubToken = g.URL+"/login/oauth/authorize", g.URL+"/login/oauth/access_token"
		o.endpoints.GitHubProfile, o.endpoints.GitHubEmails = g.URL+"/user", g.URL+"/user/emails"
	}
}

// withGoogle points Google sign-in at f, which says it is Google.
func withGoogle(f *oauthtest.Issuer) func(*appOptions) {
	f.Iss = "https://accounts.google.com"
	return func(o *appOptions) {
		o.env["HEARTH_GOOGLE_CLIENT_ID"] = f.ClientID
		o.env["HEARTH_GOOGLE_CLIENT_SECRET"] = f.ClientSecret
		o.endpoints.GoogleAuth, o.endpoints.GoogleToken, o.endpoints.GoogleJWKS = f.URL+"/authorize", f.URL+"/token", f.URL+"/jwks"
	}
}

// providerRoundTrip follows the provider's redirects (it approves at once)
// until they lead back to the app, and returns the callback's path and query.
func providerRoundTrip(t testing.TB, to string) string {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	for range 5 {
		res, err := client.Get(to)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		loc, err := res.Location()
		if err != nil {
			t.Fatalf("provider answered %d without a redirect", res.StatusCode)
		}
		if strings.Contains(loc.Path, "/callback") {
			return loc.RequestURI()
		}
		to = loc.String()
	}
	t.Fatal("the provider never redirected back")
	return ""
}

// socialSignIn runs the whole redirect dance from /auth/{provider}.
func (c *client) socialSignIn(provider string) *response {
	c.t.Helper()
	begin := c.get("/auth/" + provider)
	expectStatus(c.t, begin, http.StatusSeeOther)
	return c.get(providerRoundTrip(c.t, begin.Header.Get("Location")))
}

// connect clicks "Connect" on the account page and returns the provider's
// authorize URL. The POST only records the intent and sends the browser to a
// page of our own, which hands it on to the provider (Refresh header, and a
// link). Had the POST's redirects led to the provider, the browser would
// have stopped there: the page's CSP says form-action 'self', and Chromium
// applies form-action to every redirect that follows a form submission.
func (c *client) connect(provider string) string {
	c.t.Helper()
	res := c.submit("/account", "form[action='/auth/"+provider+"/connect']", nil)
	expectRedirect(c.t, res, "/auth/"+provider+"/connect")
	page := c.get("/auth/" + provider + "/connect")
	expectStatus(c.t, page, http.StatusOK)
	to := page.Doc.Find("[data-testid=provider-continue]").AttrOr("href", "")
	if refresh := page.Header.Get("Refresh"); to == "" || refresh != "0; url="+to {
		c.t.Fatalf("the page on the way to the provider has Refresh %q and link %q", refresh, to)
	}
	return to
}

func (c *client) flash() string {
	return c.get("/").Doc.Find("[data-testid=flash]").Text()
}

func TestOIDCSignUpThenReturn(t *testing.T) {
	t.Parallel()
	m := startOIDC(t)
	ta := newTestApp(t, withOIDC(m))
	c := ta.client(t)

	login := c.get("/login")
	if got := strings.TrimSpace(login.Doc.Find("[data-testid=provider-oidc]").Text()); got != "Continue with Mock SSO" {
		t.Errorf("provider button %q", got)
	}
	// A generic issuer's button carries the key mark, inline and hidden
	// from screen readers (the words name the provider).
	if svg := login.Doc.Find("[data-testid=provider-oidc] svg"); svg.Length() != 1 || svg.AttrOr("aria-hidden", "") != "true" {
		t.Errorf("the OIDC button has %d marks", svg.Length())
	}
	begin := c.get("/auth/oidc")
	loc, _ := url.Parse(begin.Header.Get("Location"))
	if loc.Query().Get("code_challenge") == "" || loc.Query().Get("code_challenge_method") != "S256" || loc.Query().Get("state") == "" {
		t.Errorf("authorize URL lacks PKCE or state: %s", loc)
	}
	m.QueueUser(&mockoidc.MockUser{Subject: "sub-1", Email: "Sso@Example.com", EmailVerified: true})
	expectRedirect(t, c.get(providerRoundTrip(t, loc.String())), "/account")
	acc := c.get("/account")
	if acc.Doc.Find("[data-testid=account-email]").Text() != "sso@example.com" || acc.Doc.Find("[data-testid=email-verified]").Length() != 1 {
		t.Fatal("the new user is not signed in with a verified address")
	}
	if !strings.Contains(acc.Doc.Find("[data-testid=account-providers]").Text(), "Mock SSO") {
		t.Error("the account page does not list the provider")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM identities WHERE provider = 'oidc' AND provider_user_id = 'sub-1' AND email_verified"); n != 1 {
		t.Error("no identity row")
	}
	first := c.cookie().Value

	c.post("/logout", nil)
	m.QueueUser(&mockoidc.MockUser{Subject: "sub-1", Email: "sso@example.com", EmailVerified: true})
	expectRedirect(t, c.socialSignIn("oidc"), "/account")
	if c.cookie().Value == first {
		t.Error("provider sign-in did not issue a new session token")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users"); n != 1 {
		t.Errorf("returning sign-in created another user (%d users)", n)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND detail = 'oidc'", models.AuditSignIn); n != 1 {
		t.Error("provider sign-in not audited")
	}
}

func TestOIDCStateIsCheckedAndSingleUse(t *testing.T) {
	t.Parallel()
	m := startOIDC(t)
	ta := newTestApp(t, withOIDC(m))

	// No sign-in started in this browser.
	expectStatus(t, ta.client(t).get("/auth/oidc/callback?code=x&state=y"), http.StatusBadRequest)

	// Mismatched state.
	c := ta.client(t)
	c.get("/auth/oidc")
	expectStatus(t, c.get("/auth/oidc/callback?code=x&state=not-the-state"), http.StatusBadRequest)

	// Replayed callback.
	c = ta.client(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "sub-r", Email: "replay@example.com", EmailVerified: true})
	begin := c.get("/auth/oidc")
	callback := providerRoundTrip(t, begin.Header.Get("Location"))
	expectRedirect(t, c.get(callback), "/account")
	c.post("/logout", nil)
	expectStatus(t, c.get(callback), http.StatusBadRequest)

	// A callback carried to another browser (login CSRF) is refused.
	victim := ta.client(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "sub-r", Email: "replay@example.com", EmailVerified: true})
	attacker := ta.client(t)
	cb := providerRoundTrip(t, attacker.get("/auth/oidc").Header.Get("Location"))
	expectStatus(t, victim.get(cb), http.StatusBadRequest)
}

func TestProviderErrorReturnsToSignIn(t *testing.T) {
	t.Parallel()
	m := startOIDC(t)
	ta := newTestApp(t, withOIDC(m))
	c := ta.client(t)
	begin := c.get("/auth/oidc")
	state := mustURL(t, begin.Header.Get("Location")).Query().Get("state")
	expectRedirect(t, c.get("/auth/oidc/callback?error=access_denied&state="+state), "/login")
	if !strings.Contains(c.flash(), "cancelled") {
		t.Error("no clear message for a cancelled sign-in")
	}
	expectStatus(t, c.get("/auth/nope"), http.StatusNotFound)
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestProviderAddressMatchingAnAccountLinksOnlyWhenBothVerified(t *testing.T) {
	t.Parallel()
	m := startOIDC(t)
	ta := newTestApp(t, withOIDC(m))
	ta.client(t).signUp("victim@example.com", goodPassword) // not verified yet

	for _, tc := range []struct {
		name             string
		providerVerified bool
		accountVerified  bool
		links            bool
	}{
		{"provider unverified", false, false, false},
		{"provider verified, account unverified", true, false, false},
		{"provider unverified, account verified", false, true, false},
		{"both verified", true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.accountVerified {
				ta.DB.Write.Exec("UPDATE users SET email_verified_at = ? WHERE email = 'victim@example.com'", time.Now().UTC())
			}
			c := ta.client(t)
			m.QueueUser(&mockoidc.MockUser{Subject: "attacker-" + tc.name, Email: "victim@example.com", EmailVerified: tc.providerVerified})
			res := c.socialSignIn("oidc")
			if !tc.links {
				expectRedirect(t, res, "/login")
				if !strings.Contains(c.flash(), "Sign in with your password") {
					t.Error("no advice to sign in with the password and connect")
				}
				expectRedirect(t, c.get("/account"), "/login?next=%2Faccount")
				if n := countRows(t, ta.DB, "SELECT count(*) FROM identities"); n != 0 {
					t.Fatal("an identity was linked")
				}
				return
			}
			expectRedirect(t, res, "/account")
			if got := c.get("/account").Doc.Find("[data-testid=account-email]").Text(); got != "victim@example.com" {
				t.Errorf("signed in as %q", got)
			}
		})
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users"); n != 1 {
		t.Errorf("%d users: a duplicate account was created", n)
	}
}

func TestGitHubConnectDisconnectAndLastMethod(t *testing.T) {
	t.Parallel()
	g := startGitHub(t)
	// Email sign-in off: with it on, every account has it as a way in
	// (TestWithEmailSignInTheLastProviderCanGo).
	ta := newTestApp(t, withGitHub(g), withEnv("HEARTH_EMAIL_SIGNIN", "off"))

	// A password user connects GitHub, then disconnects it.
	c := ta.client(t)
	c.signUp("dev@example.com", goodPassword)
	confirmVerification(t, ta, c, "dev@example.com") // only a proven account may add a sign-in method
	g.set(101, "", map[string]any{"email": "dev-gh@example.com", "primary": true, "verified": true})
	expectRedirect(t, c.get(providerRoundTrip(t, c.connect("github"))), "/account")
	acc := c.get("/account")
	if acc.Doc.Find("[data-testid=identity-row]").Length() != 1 {
		t.Fatal("GitHub not listed as connected")
	}
	id := strings.TrimSuffix(strings.TrimPrefix(acc.Doc.Find("[data-testid=identity-row] form").AttrOr("action", ""), "/account/identities/"), "/disconnect")
	expectRedirect(t, c.post("/account/identities/"+id+"/disconnect", nil), "/account")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM identities"); n != 0 {
		t.Fatal("not disconnected")
	}

	// A GitHub-only user cannot disconnect their only way in, until they set a password.
	gh := ta.client(t)
	g.set(202, "", map[string]any{"email": "only-gh@example.com", "primary": true, "verified": true})
	expectRedirect(t, gh.socialSignIn("github"), "/account")
	acc = gh.get("/account")
	id = strings.TrimSuffix(strings.TrimPrefix(acc.Doc.Find("[data-testid=identity-row] form").AttrOr("action", ""), "/account/identities/"), "/disconnect")
	expectRedirect(t, gh.post("/account/identities/"+id+"/disconnect", nil), "/account")
	if !strings.Contains(gh.flash(), "only way to sign in") {
		t.Error("no message why the last method cannot go")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM identities WHERE provider_user_id = '202'"); n != 1 {
		t.Fatal("the last sign-in method was removed")
	}
	// Setting a password goes through a mailed link (and signs out everywhere).
	expectRedirect(t, gh.post("/account/password/set", nil), "/account/security")
	link := linkIn(t, lastMail(t, ta, "only-gh@example.com", models.TokenResetPassword))
	expectStatus(t, gh.submit(link, "form[action='/reset-password']", url.Values{"password": {"short"}}), http.StatusUnprocessableEntity)
	expectRedirect(t, gh.submit(link, "form[action='/reset-password']", url.Values{"password": {"a password of my own"}}), "/login")
	expectRedirect(t, gh.signIn("only-gh@example.com", "a password of my own"), "/account")
	expectRedirect(t, gh.post("/account/identities/"+id+"/disconnect", nil), "/account")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM identities WHERE provider_user_id = '202'"); n != 0 {
		t.Fatal("not disconnected once a password exists")
	}

	// Someone else's identity id is not found.
	expectStatus(t, c.post("/account/identities/"+id+"/disconnect", nil), http.StatusNotFound)
}

func TestGitHubUnverifiedPublicEmailDoesNotTakeOverAnAccount(t *testing.T) {
	t.Parallel()
	g := startGitHub(t)
	ta := newTestApp(t, withGitHub(g))
	owner := ta.client(t)
	owner.signUp("owner@example.com", goodPassword)
	ta.DB.Write.Exec("UPDATE users SET email_verified_at = ?", time.Now().UTC())

	// The attacker's GitHub profile shows the owner's address, unverified there.
	g.set(666, "owner@example.com", map[string]any{"email": "attacker@example.com", "primary": true, "verified": false},
		map[string]any{"email": "owner@example.com", "primary": false, "verified": false})
	c := ta.client(t)
	expectRedirect(t, c.socialSignIn("github"), "/login")
	expectRedirect(t, c.get("/account"), "/login?next=%2Faccount")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM identities"); n != 0 {
		t.Fatal("linked through an unverified address")
	}
}

func TestBannedUserCannotSignInThroughAProvider(t *testing.T) {
	t.Parallel()
	m := startOIDC(t)
	ta := newTestApp(t, withOIDC(m))
	c := ta.client(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "sub-b", Email: "banned@example.com", EmailVerified: true})
	expectRedirect(t, c.socialSignIn("oidc"), "/account")
	c.post("/logout", nil)
	ta.DB.Write.Exec("UPDATE users SET banned_at = ?", time.Now().UTC())
	m.QueueUser(&mockoidc.MockUser{Subject: "sub-b", Email: "banned@example.com", EmailVerified: true})
	expectRedirect(t, c.socialSignIn("oidc"), "/login")
	if !strings.Contains(c.flash(), "suspended") {
		t.Error("no suspension message")
	}
	expectRedirect(t, c.get("/account"), "/login?next=%2Faccount")
}

func TestNoProviderButtonsWhenNoneConfigured(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	for _, p := range []string{"/login", "/signup"} {
		if ta.client(t).get(p).Doc.Find("[data-testid=providers]").Length() != 0 {
			t.Errorf("%s shows provider buttons without any provider configured", p)
		}
	}
	expectStatus(t, ta.client(t).get("/auth/github"), http.StatusNotFound)
}

func TestConnectReachesTheProviderThroughAPageOfOurOwn(t *testing.T) {
	t.Parallel()
	g := startGitHub(t)
	ta := newTestApp(t, withGitHub(g))
	c := ta.client(t)
	c.signUp("dev@example.com", goodPassword)
	confirmVerification(t, ta, c, "dev@example.com") // only a proven account may add a sign-in method

	// The CSP stays as strict as it was: forms post to this origin only.
	if csp := c.get("/account").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self';") {
		t.Errorf("CSP %q", csp)
	}
	to := c.connect("github")
	if !strings.HasPrefix(to, g.URL+"/login/oauth/authorize?") {
		t.Fatalf("the page leads to %s, not to GitHub", to)
	}
	g.set(303, "", map[string]any{"email": "dev-gh@example.com", "primary": true, "verified": true})
	expectRedirect(t, c.get(providerRoundTrip(t, to)), "/account")
	if !strings.Contains(c.flash(), "now connected") {
		t.Error("no message that GitHub is connected")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM identities i JOIN users u ON u.id = i.user_id WHERE u.email = 'dev@example.com' AND i.provider = 'github'"); n != 1 {
		t.Fatal("GitHub is not connected to the account")
	}

	// The page alone, without the account page's POST (a link from another
	// site, a reload), starts nothing.
	other := ta.client(t)
	other.signUp("other@example.com", goodPassword)
	expectRedirect(t, other.get("/auth/github/connect"), "/account")
	expectStatus(t, other.get("/auth/github/callback?code=gh-code&state=x"), http.StatusBadRequest)

	// A cross-site POST is refused and records no intent.
	req, _ := http.NewRequest(http.MethodPost, ta.URL+"/auth/github/connect", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	expectStatus(t, other.do(req), http.StatusForbidden)
	expectRedirect(t, other.get("/auth/github/connect"), "/account")

	// Signed out: to the sign-in page; unknown provider: 404.
	expectRedirect(t, ta.client(t).get("/auth/github/connect"), "/login?next=%2Fauth%2Fgithub%2Fconnect")
	expectStatus(t, other.post("/auth/nope/connect", nil), http.StatusNotFound)
}

// TestCallbackSendsTheProviderOnlyTheCode: parameters an attacker adds to the
// callback URL (a redirect_uri of theirs above all) never reach the token
// endpoint; it gets the code, our own redirect_uri and the PKCE verifier.
func TestCallbackSendsTheProviderOnlyTheCode(t *testing.T) {
	t.Parallel()
	f := oauthtest.NewIssuer(t)
	ta := newTestApp(t, withIssuer(f))
	c := ta.client(t)
	f.Queue(oauthtest.User{Subject: "sub-l1", Email: "l1@example.com", EmailVerified: true})
	callback := providerRoundTrip(t, c.get("/auth/oidc").Header.Get("Location"))
	extra := url.Values{"redirect_uri": {"https://evil.example/steal"}, "client_id": {"evil"}, "grant_type": {"password"}, "scope": {"admin"}}
	res := c.get(callback + "&" + extra.Encode())

	reqs := f.TokenRequests()
	if len(reqs) == 0 {
		t.Fatal("no token request")
	}
	for _, req := range reqs {
		if got := req.Form.Get("redirect_uri"); got != ta.URL+"/auth/oidc/callback" {
			t.Errorf("redirect_uri sent to the provider: %q", got)
		}
		for k, v := range req.Form {
			switch k {
			case "code", "code_verifier", "redirect_uri", "grant_type", "client_id", "client_secret":
				if len(v) != 1 || v[0] == "evil" || v[0] == "password" {
					t.Errorf("token request %s=%q", k, v)
				}
			default:
				t.Errorf("token request carries %s=%q from the callback URL", k, v)
			}
		}
	}
	expectRedirect(t, res, "/account")
}

// TestGoogleSignInSendsThePKCEVerifier: Hearth asks Google for a PKCE
// challenge, so the code exchange must carry the verifier (Google, like the
// fake, refuses it otherwise).
func TestGoogleSignInSendsThePKCEVerifier(t *testing.T) {
	t.Parallel()
	f := oauthtest.NewIssuer(t)
	ta := newTestApp(t, withGoogle(f))
	c := ta.client(t)
	if c.get("/login").Doc.Find("[data-testid=provider-google]").Length() != 1 {
		t.Fatal("no Google button")
	}
	// Google's four-colour "G", as its branding rules ask, from the app's own files.
	if n := c.get("/login").Doc.Find(`[data-testid=provider-google] svg path[fill="#4285F4"]`).Length(); n != 1 {
		t.Errorf("the Google button lacks Google's mark (%d blue paths)", n)
	}
	loc := mustURL(t, c.get("/auth/google").Header.Get("Location"))
	if q := loc.Query(); q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" {
		t.Errorf("authorize URL lacks PKCE or a nonce: %s", loc)
	}
	f.Queue(oauthtest.User{Subject: "google-1", Email: "gee@example.com", EmailVerified: true, Name: "Gee Mail"})
	res := c.get(providerRoundTrip(t, loc.String()))
	for _, req := range f.TokenRequests() {
		if req.Form.Get("code_verifier") == "" {
			t.Error("the token request has no code_verifier")
		}
	}
	expectRedirect(t, res, "/account")
	acc := c.get("/account")
	if acc.Doc.Find("[data-testid=account-email]").Text() != "gee@example.com" || acc.Doc.Find("[data-testid=email-verified]").Length() != 1 {
		t.Fatal("not signed in with Google's verified address")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM identities WHERE provider = 'google' AND provider_user_id = 'google-1' AND email_verified"); n != 1 {
		t.Error("no Google identity row")
	}

	// Google's keys are checked like any issuer's.
	f.Queue(oauthtest.User{Subject: "google-2", Email: "forged@example.com", EmailVerified: true, Signing: oauthtest.SignedByOtherKey})
	other := ta.client(t)
	expectRedirect(t, other.socialSignIn("google"), "/login")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE email = 'forged@example.com'"); n != 0 {
		t.Error("a Google ID token signed by another key signed someone up")
	}
}

// TestOIDCAuthorizeSendsAFreshNonce: every attempt asks for an ID token
// bound to a new random nonce (kept in the session with the state).
func TestOIDCAuthorizeSendsAFreshNonce(t *testing.T) {
	t.Parallel()
	f := oauthtest.NewIssuer(t)
	ta := newTestApp(t, withIssuer(f))
	seen := map[string]bool{}
	for range 3 {
		n := mustURL(t, ta.client(t).get("/auth/oidc").Header.Get("Location")).Query().Get("nonce")
		if len(n) < 20 || seen[n] {
			t.Fatalf("nonce %q: missing, short or repeated", n)
		}
		seen[n] = true
	}
}

// TestIDTokensAreVerified: an ID token is believed only when the issuer's
// published key signed it, for this client, from this issuer, unexpired,
// and bound to this attempt's nonce. Anything else is refused with a
// message, never a 500, and nobody is signed in or created.
func TestIDTokensAreVerified(t *testing.T) {
	t.Parallel()
	f := oauthtest.NewIssuer(t)
	ta := newTestApp(t, withIssuer(f))
	set := func(k string, v any) func(map[string]any) { return func(c map[string]any) { c[k] = v } }
	drop := func(k string) func(map[string]any) { return func(c map[string]any) { delete(c, k) } }
	for i, tc := range []struct {
		name string
		user oauthtest.User
	}{
		{"signed by another key", oauthtest.User{Signing: oauthtest.SignedByOtherKey}},
		{"unsigned", oauthtest.User{Signing: oauthtest.Unsigned}},
		{"for another client", oauthtest.User{Spoil: set("aud", "another-client")}},
		{"for another client too, authorized party the other", oauthtest.User{Spoil: func(c map[string]any) {
			c["aud"] = []string{f.ClientID, "another-client"}
			c["azp"] = "another-client"
		}}},
		{"from another issuer", oauthtest.User{Spoil: set("iss", "https://evil.example")}},
		{"expired", oauthtest.User{Spoil: func(c map[string]any) {
			c["iat"] = time.Now().Add(-time.Hour).Unix()
			c["exp"] = time.Now().Add(-10 * time.Minute).Unix()
		}}},
		{"without exp", oauthtest.User{Spoil: drop("exp")}},
		{"exp not a number", oauthtest.User{Spoil: set("exp", "tomorrow")}},
		{"another nonce", oauthtest.User{Spoil: set("nonce", "not-the-nonce-of-this-attempt")}},
		{"without nonce", oauthtest.User{Spoil: drop("nonce")}},
		{"without subject", oauthtest.User{Spoil: drop("sub")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			email := fmt.Sprintf("forged-%d@example.com", i)
			u := tc.user
			u.Subject, u.Email, u.EmailVerified = fmt.Sprintf("forged-%d", i), email, true
			f.Queue(u)
			c := ta.client(t)
			expectRedirect(t, c.socialSignIn("oidc"), "/login")
			if !strings.Contains(c.flash(), "could not complete signing in") {
				t.Error("no message that the sign-in failed")
			}
			expectRedirect(t, c.get("/account"), "/login?next=%2Faccount")
			if n := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE email = ?", email); n != 0 {
				t.Error("the bad ID token created a user")
			}
		})
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM identities"); n != 0 {
		t.Errorf("%d identities from bad ID tokens", n)
	}

	// The same issuer's good token still signs in.
	f.Queue(oauthtest.User{Subject: "good", Email: "good@example.com", EmailVerified: true})
	expectRedirect(t, ta.client(t).socialSignIn("oidc"), "/account")
}
