package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"
)

// TestBrowserSignInThroughOpenIDConnect signs in with a local OpenID Connect
// provider (mockoidc, approving at once) by clicking its button.
func TestBrowserSignInThroughOpenIDConnect(t *testing.T) {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	srv := startServer(t, "HEARTH_OIDC_ISSUER", m.Issuer(), "HEARTH_OIDC_CLIENT_ID", m.ClientID,
		"HEARTH_OIDC_CLIENT_SECRET", m.ClientSecret, "HEARTH_OIDC_NAME", "Acme SSO")
	m.QueueUser(&mockoidc.MockUser{Subject: "browser-1", Email: "sso-user@example.com", EmailVerified: true})

	b := newTab(t)
	b.do(chromedp.Navigate(srv.URL+"/login"), chromedp.WaitVisible("[data-testid=provider-oidc]"))
	b.checkAccessibility("sign-in page with a provider")
	b.do(chromedp.Click("[data-testid=provider-oidc]"), chromedp.WaitVisible("[data-testid=account]"))
	if got := b.text("[data-testid=account-email]"); got != "sso-user@example.com" {
		t.Errorf("signed in as %q", got)
	}
	if !b.exists("[data-testid=email-verified]") {
		t.Error("the provider's verified address is not shown as verified")
	}
}

// TestBrowserConnectOpenIDConnectFromTheAccountPage: a password user clicks
// "Connect" on the account page, passes the provider (mockoidc, approving at
// once) and lands back on the account page with the provider connected. The
// page's Content-Security-Policy (form-action 'self') must not stop the
// browser on its way to the provider.
func TestBrowserConnectOpenIDConnectFromTheAccountPage(t *testing.T) {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	srv := startServer(t, "HEARTH_OIDC_ISSUER", m.Issuer(), "HEARTH_OIDC_CLIENT_ID", m.ClientID,
		"HEARTH_OIDC_CLIENT_SECRET", m.ClientSecret, "HEARTH_OIDC_NAME", "Acme SSO")
	m.QueueUser(&mockoidc.MockUser{Subject: "browser-connect", Email: "work@example.com", EmailVerified: true})

	b := newTab(t)
	b.signUp(srv, "Ada Lovelace", "ada@example.com", "analytical engines")
	if !b.exists("[data-testid=connect-needs-verification]") || b.exists("[data-testid=connect-oidc]") {
		t.Error("an unverified account is offered to connect a provider")
	}
	// Only a proven address may add a sign-in method: confirm it first.
	b.followLatestMail(srv)
	b.do(chromedp.WaitVisible("[data-testid=confirm-button]"))
	b.do(chromedp.Click("[data-testid=confirm-button]"), chromedp.WaitVisible("[data-testid=email-verified]"))
	b.do(chromedp.Click("[data-testid=connect-oidc]"))
	b.waitVisible("[data-testid=identity-row]", 15*time.Second)
	if !strings.HasSuffix(b.location(), "/account") {
		t.Errorf("after connecting, the browser is at %s", b.location())
	}
	if got := b.text("[data-testid=account-providers]"); !strings.Contains(got, "Acme SSO") {
		t.Errorf("connected providers %q, want Acme SSO", got)
	}
	if !strings.Contains(b.text("[data-testid=flash]"), "now connected") {
		t.Error("no message that the provider is connected")
	}
	if got := b.text("[data-testid=account-email]"); got != "ada@example.com" {
		t.Errorf("the account's address changed to %q", got)
	}
}

// waitVisible waits at most d for sel to be visible, so that a flow stuck on
// the page it started from fails fast.
func (tb *tab) waitVisible(sel string, d time.Duration) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, d)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(sel)); err != nil {
		tb.t.Fatalf("waiting for %s at %s: %v", sel, tb.location(), err)
	}
}
