package e2e_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/hearth-app/hearth/internal/testapp"
)

// virtualAuthenticator gives the tab a platform authenticator (DevTools'
// WebAuthn domain): CTAP2, internal transport, resident keys, user
// verification that succeeds, presence confirmed at once. Its id is put in
// *id.
func virtualAuthenticator(id *webauthn.AuthenticatorID) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		noUI := false
		if _, err := cdp.Call(ctx, t, webauthn.Enable, webauthn.EnableParams{EnableUI: &noUI}); err != nil {
			return chromedp.Void{}, err
		}
		res, err := cdp.Call(ctx, t, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		}})
		*id = res.AuthenticatorID
		return chromedp.Void{}, err
	}
}

// userPresence turns the authenticator's automatic user presence on or
// off: off, a request waits (as for a person who has not touched it yet).
func userPresence(id *webauthn.AuthenticatorID, on bool) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, webauthn.SetAutomaticPresenceSimulation, webauthn.SetAutomaticPresenceSimulationParams{AuthenticatorID: *id, Enabled: on})
		return chromedp.Void{}, err
	}
}

// TestBrowserAddAPasskeyThenSignInWithIt: on the security page "Add a
// passkey" registers one with the browser's authenticator; after signing
// out, "Sign in with a passkey" (no email typed) lands signed in. axe on
// the security page with a passkey and on the sign-in page.
func TestBrowserAddAPasskeyThenSignInWithIt(t *testing.T) {
	srv := testapp.New(t, testapp.Options{Throttled: true, Localhost: true})
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	base := "http://localhost:" + port // a secure context with a host name: WebAuthn works
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range strings.Split(srv.Logs.String(), "\n") {
				if strings.Contains(l, "webauthn") || strings.Contains(l, "passkey") {
					t.Log(l)
				}
			}
		}
	})
	tb := newTab(t)
	var authenticator webauthn.AuthenticatorID
	tb.do(virtualAuthenticator(&authenticator))
	tb.do(
		chromedp.Navigate(base+"/signup"),
		chromedp.SendKeys("#field-name", "Pat"),
		chromedp.SendKeys("#field-email", "pat@example.com"),
		chromedp.SendKeys("#field-password", "passkeys in a browser"),
		chromedp.Click("[data-testid=signup-submit]"),
		chromedp.WaitVisible("[data-testid=account]"),
	)
	if err := srv.DB.Write.Exec("UPDATE users SET email_verified_at = ? WHERE email = 'pat@example.com'", time.Now().UTC()).Error; err != nil {
		t.Fatal(err)
	}
	if err := srv.Store.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}

	tb.do(
		chromedp.Navigate(base+"/account/security"),
		chromedp.WaitVisible("[data-testid=add-passkey-submit]"),
	)
	if tb.exists("[data-testid=passkeys-unsupported]:not([hidden])") {
		t.Error("the 'not supported' note shows in a browser with WebAuthn")
	}
	tb.do(
		chromedp.SendKeys("#new-passkey-name", "Test laptop"),
		chromedp.Click("[data-testid=add-passkey-submit]"),
	)
	tb.waitPasskey("[data-testid=passkey-row]")
	if got := tb.text("[data-testid=passkey-name]"); got != "Test laptop" {
		t.Fatalf("passkey listed as %q", got)
	}
	tb.checkAccessibility("security page with a passkey")

	// The button: the authenticator waits for a touch while the page
	// loads (so the email field's autofill request stays pending), then
	// answers the button's request.
	tb.signOut()
	tb.do(
		userPresence(&authenticator, false),
		chromedp.Navigate(base+"/login?next=%2Faccount%2Fsecurity"),
		chromedp.WaitVisible("[data-testid=passkey-signin]"),
	)
	if ac, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.getElementById("field-email").autocomplete`)); ac != "username webauthn" {
		t.Errorf("email autocomplete %q", ac)
	}
	tb.checkAccessibility("sign-in page with passkeys")
	tb.do(userPresence(&authenticator, true), chromedp.Click("[data-testid=passkey-signin]"))
	tb.waitPasskey("[data-testid=passkeys]")
	if loc := tb.location(); !strings.HasSuffix(loc, "/account/security") {
		t.Fatalf("after the passkey sign-in the browser is at %s", loc)
	}
	if !tb.exists("[data-testid=logout]") {
		t.Fatal("not signed in after the passkey sign-in")
	}

	// The email field's autofill (conditional mediation): the virtual
	// authenticator picks its passkey as soon as the page offers it.
	tb.signOut()
	tb.do(chromedp.Navigate(base + "/login"))
	tb.waitPasskey("[data-testid=account]")
	var used int64
	if err := srv.DB.Read.Raw("SELECT count(*) FROM audit_events WHERE action = 'signin' AND detail = 'passkey'").Scan(&used).Error; err != nil || used != 2 {
		t.Fatalf("%d passkey sign-ins recorded, want 2 (%v)", used, err)
	}
}

// waitPasskey waits for sel after a passkey ceremony, failing at once with
// the page's error message if the ceremony was refused.
func (tb *tab) waitPasskey(sel string) {
	tb.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if tb.exists(sel) {
			return
		}
		if tb.exists("[data-passkey-error]:not([hidden])") {
			msg, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector("[data-passkey-error]:not([hidden])").textContent`))
			tb.t.Fatalf("passkey ceremony refused: %s", msg)
		}
	}
	tb.t.Fatalf("no %s after the passkey ceremony, at %s", sel, tb.location())
}

// TestBrowserConfirmWithAPasskey: an account without a password, signed in
// long ago, deletes itself with "Confirm with a passkey and delete": the
// browser's authenticator answers the confirmation, the page sends the
// form, the account is gone.
func TestBrowserConfirmWithAPasskey(t *testing.T) {
	srv := testapp.New(t, testapp.Options{Throttled: true, Localhost: true})
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	base := "http://localhost:" + port
	tb := newTab(t)
	var authenticator webauthn.AuthenticatorID
	tb.do(virtualAuthenticator(&authenticator))
	tb.do(
		chromedp.Navigate(base+"/signup"),
		chromedp.SendKeys("#field-name", "Lee"),
		chromedp.SendKeys("#field-email", "lee@example.com"),
		chromedp.SendKeys("#field-password", "passkeys in a browser"),
		chromedp.Click("[data-testid=signup-submit]"),
		chromedp.WaitVisible("[data-testid=account]"),
	)
	if err := srv.DB.Write.Exec("UPDATE users SET email_verified_at = ? WHERE email = 'lee@example.com'", time.Now().UTC()).Error; err != nil {
		t.Fatal(err)
	}
	_ = srv.Store.Sync(t.Context())
	tb.do(
		chromedp.Navigate(base+"/account/security"),
		chromedp.WaitVisible("[data-testid=add-passkey-submit]"),
		chromedp.Click("[data-testid=add-passkey-submit]"),
	)
	tb.waitPasskey("[data-testid=passkey-row]")
	if err := srv.DB.Write.Exec("UPDATE users SET password_hash = '' WHERE email = 'lee@example.com'").Error; err != nil {
		t.Fatal(err)
	}
	_ = srv.Store.Sync(t.Context())
	srv.Clock.Advance(11 * time.Minute) // the sign-in is no longer recent

	tb.do(
		chromedp.Navigate(base+"/account/security"),
		chromedp.WaitVisible("[data-testid=delete-passkey-confirm]"),
	)
	tb.checkAccessibility("security page of an account without a password")
	tb.do(chromedp.Click("[data-testid=delete-passkey-confirm]"))
	tb.waitPasskey("[data-testid=nav-signup]")
	var n int64
	if err := srv.DB.Read.Raw("SELECT count(*) FROM users WHERE email = 'lee@example.com'").Scan(&n).Error; err != nil || n != 0 {
		t.Fatalf("%d accounts left after the passkey-confirmed deletion (%v)", n, err)
	}
}
