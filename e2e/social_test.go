package e2e_test

import (
	"testing"

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
