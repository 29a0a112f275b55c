package handlers_test

// The December review's account pre-hijacking and token findings (issue
// #14: H1, M1, M2, M6, M7, L4, L8), each written as the attack.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/models"
)

// confirmVerification uses the newest verification link mailed to email, in
// the browser c.
func confirmVerification(t *testing.T, ta *testApp, c *client, email string) *response {
	t.Helper()
	link := linkIn(t, lastMail(t, ta, email, models.TokenVerifyEmail))
	return c.submit(link, "form[action='/verify-email']", nil)
}

// resetPasswordByMail runs forgot-password and the mailed link in browser c.
func resetPasswordByMail(t *testing.T, ta *testApp, c *client, email, password string) {
	t.Helper()
	expectStatus(t, c.submit("/forgot-password", "form[action='/forgot-password']", url.Values{"email": {email}}), http.StatusOK)
	link := linkIn(t, lastMail(t, ta, email, models.TokenResetPassword))
	expectRedirect(t, c.submit(link, "form[action='/reset-password']", url.Values{"password": {password}}), "/login")
}

func identitiesOf(t *testing.T, ta *testApp, email string) int64 {
	t.Helper()
	return countRows(t, ta.DB, "SELECT count(*) FROM identities i JOIN users u ON u.id = i.user_id WHERE u.email = ?", email)
}

// H1: an attacker signs up with the victim's address, never verifies it, and
// connects their own provider account. The victim's way back (a password
// reset) must not leave the attacker a way in.
func TestUnverifiedAccountCannotGainASignInMethod(t *testing.T) {
	t.Parallel()
	m := startOIDC(t)
	ta := newTestApp(t, withOIDC(m))
	attacker := ta.client(t)
	attacker.signUp("victim@example.com", goodPassword)

	m.QueueUser(&mockoidc.MockUser{Subject: "attacker-sub", Email: "attacker@evil.example", EmailVerified: true})
	begin := attacker.post("/auth/oidc/connect", nil)
	if loc := begin.Header.Get("Location"); strings.HasPrefix(loc, "/auth/") {
		begin = attacker.get(loc) // a same-origin step before the provider
	}
	if loc := begin.Header.Get("Location"); strings.HasPrefix(loc, "http") {
		attacker.get(providerRoundTrip(t, loc))
	}
	if n := identitiesOf(t, ta, "victim@example.com"); n != 0 {
		t.Fatalf("an unverified account connected a provider (%d identities)", n)
	}
	if !strings.Contains(attacker.flash(), "Confirm your email address") {
		t.Errorf("the refusal does not say why: %q", attacker.flash())
	}

	// Setting a password is refused the same way (in the model: no route
	// can add a sign-in method to an unverified account).
	u, err := models.UserByEmail(t.Context(), ta.DB, "victim@example.com")
	if err != nil {
		t.Fatal(err)
	}
	err = models.ConnectIdentity(t.Context(), ta.DB, time.Now(), models.AuditEvent{}, u, models.External{Provider: "oidc", ProviderUserID: "x", Email: "x@evil.example", EmailVerified: true})
	if err != models.ErrEmailUnverified {
		t.Errorf("ConnectIdentity on an unverified account: %v, want ErrEmailUnverified", err)
	}
}

// H1, the rest: identities that exist on an account before its address is
// first proven (an attacker's provider account that created it with an
// unverified address, or one connected before this fix) die with the proof:
// a password reset, the verification link, or an admin's "mark verified".
func TestFirstProofOfTheAddressRemovesEarlierSignInMethods(t *testing.T) {
	t.Parallel()
	for _, proof := range []string{"reset", "verify-link", "admin"} {
		t.Run(proof, func(t *testing.T) {
			t.Parallel()
			m := startOIDC(t)
			ta := newTestApp(t, withOIDC(m))
			attacker := ta.client(t)
			victimEmail := "victim-" + proof + "@example.com"
			// The attacker's provider says the address is the victim's but has
			// not verified it: Hearth creates an unverified account.
			m.QueueUser(&mockoidc.MockUser{Subject: "attacker-" + proof, Email: victimEmail, EmailVerified: false})
			expectRedirect(t, attacker.socialSignIn("oidc"), "/account")
			if identitiesOf(t, ta, victimEmail) != 1 {
				t.Fatal("setup: no identity")
			}
			if proof == "verify-link" {
				// The attacker asks for a verification mail to the victim.
				expectRedirect(t, attacker.post("/account/verify-email/resend", nil), "/account")
			}

			victim := ta.client(t)
			switch proof {
			case "reset":
				resetPasswordByMail(t, ta, victim, victimEmail, "a brand new victim password")
			case "verify-link":
				expectRedirect(t, confirmVerification(t, ta, victim, victimEmail), "/login")
			case "admin":
				admin := ta.client(t)
				admin.signUpAdmin("root@example.com")
				expectRedirect(t, admin.adminPost("/admin/users/"+userID(t, ta, victimEmail)+"/verify-email", nil), "/admin/users/"+userID(t, ta, victimEmail))
			}

			if n := identitiesOf(t, ta, victimEmail); n != 0 {
				t.Errorf("after the first proof (%s) the attacker's identity survives", proof)
			}
			attacker.expectSignedOut()
			if n := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE email = ? AND email_verified_at IS NOT NULL", victimEmail); n != 1 {
				t.Errorf("the proof (%s) did not mark the address verified", proof)
			}
			told := lastMail(t, ta, victimEmail, "signin_methods_removed")
			if !strings.Contains(told.TextBody, "Mock SSO") {
				t.Errorf("the owner is not told what was removed: %q", told.TextBody)
			}
			// The attacker's provider account no longer signs in as the victim.
			m.QueueUser(&mockoidc.MockUser{Subject: "attacker-" + proof, Email: victimEmail, EmailVerified: false})
			attacker.socialSignIn("oidc")
			if got := attacker.get("/account"); got.StatusCode == http.StatusOK {
				t.Errorf("the attacker's provider still signs in as the victim")
			}
		})
	}
}

// M1: the attacker signs up with the victim's address and a password and
// keeps the session; the victim confirms the mail the sign-up sent, then
// signs in with a provider that vouches for the address. Neither the
// attacker's session nor the password must survive.
func TestPreHijackedPasswordAndSessionDieAtVerificationAndAutoLink(t *testing.T) {
	t.Parallel()
	m := startOIDC(t)
	ta := newTestApp(t, withOIDC(m))
	attacker := ta.client(t)
	attacker.signUp("victim2@example.com", goodPassword)

	victim := ta.client(t)
	expectRedirect(t, confirmVerification(t, ta, victim, "victim2@example.com"), "/login")
	attacker.expectSignedOut()

	// The password still works (the verifier may be the one who chose it,
	// on another device), so the attacker signs in again...
	expectRedirect(t, attacker.signIn("victim2@example.com", goodPassword), "/account")
	// ...and the victim signs in with their provider: linked, which ends
	// every other session and drops the password chosen before the proof.
	m.QueueUser(&mockoidc.MockUser{Subject: "victim2-sub", Email: "victim2@example.com", EmailVerified: true})
	expectRedirect(t, victim.socialSignIn("oidc"), "/account")
	victim.expectSignedIn()
	attacker.expectSignedOut()
	expectStatus(t, ta.client(t).signIn("victim2@example.com", goodPassword), http.StatusUnauthorized)
	if m := lastMail(t, ta, "victim2@example.com", "password_removed"); !strings.Contains(m.TextBody, "/forgot-password") {
		t.Errorf("the owner is not offered to choose a password: %q", m.TextBody)
	}
}

// The same flows for the real owner: verifying in the browser that signed
// up keeps that session and proves the password, so linking a provider
// later keeps the password (and ends the other sessions).
func TestOwnerWhoVerifiesInTheirOwnBrowserKeepsTheirPassword(t *testing.T) {
	t.Parallel()
	m := startOIDC(t)
	ta := newTestApp(t, withOIDC(m))
	owner := ta.client(t)
	owner.signUp("owner@example.com", goodPassword)
	laptop := ta.client(t)
	expectRedirect(t, laptop.signIn("owner@example.com", goodPassword), "/account")
	expectRedirect(t, confirmVerification(t, ta, owner, "owner@example.com"), "/account")
	owner.expectSignedIn()
	laptop.expectSignedOut() // first verification ends the other sessions

	phone := ta.client(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "owner-sub", Email: "owner@example.com", EmailVerified: true})
	expectRedirect(t, phone.socialSignIn("oidc"), "/account")
	owner.expectSignedOut() // linking ends the other sessions
	expectRedirect(t, ta.client(t).signIn("owner@example.com", goodPassword), "/account")
}

// M2: someone who once knew the password asks to move the account to their
// own address; the owner resets the password. The change link must die with
// it, and the owner must have been told of the request when it was made.
func TestEmailChangeLinkDiesWithAPasswordReset(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	owner := ta.client(t)
	owner.signUp("owner2@example.com", goodPassword)
	expectRedirect(t, confirmVerification(t, ta, owner, "owner2@example.com"), "/account")

	thief := ta.client(t)
	expectRedirect(t, thief.signIn("owner2@example.com", goodPassword), "/account")
	expectRedirect(t, thief.submit("/account", "form[action='/account/email']", url.Values{"email": {"thief@evil.example"}, "current_password": {goodPassword}}), "/account")
	change := linkIn(t, lastMail(t, ta, "thief@evil.example", models.TokenChangeEmail))
	told := lastMail(t, ta, "owner2@example.com", "email_change_requested")
	if !strings.Contains(told.TextBody, "thief@evil.example") {
		t.Errorf("the current address is not told the new one: %q", told.TextBody)
	}

	resetPasswordByMail(t, ta, ta.client(t), "owner2@example.com", "the owner's new password")
	expectStatus(t, ta.client(t).get(change), http.StatusNotFound)
	res := ta.client(t).post("/verify-email/change", url.Values{"token": {tokenOf(t, change)}})
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("the change link still works after a reset: %d", res.StatusCode)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE email = 'owner2@example.com'"); n != 1 {
		t.Fatal("the account was taken over")
	}
	thief.expectSignedOut()
}

// M2, the other ways a pending change must die: a password change, "sign out
// everywhere", and the owner's cancel (from the account page the mail to the
// current address points at). A change token also checks the password stamp.
func TestEmailChangeLinkDiesWithPasswordChangeSignOutEverywhereAndCancel(t *testing.T) {
	t.Parallel()
	for _, kill := range []string{"password-change", "revoke-others", "cancel"} {
		t.Run(kill, func(t *testing.T) {
			t.Parallel()
			ta := newTestApp(t)
			c := ta.client(t)
			email := "k-" + kill + "@example.com"
			c.signUp(email, goodPassword)
			expectRedirect(t, confirmVerification(t, ta, c, email), "/account")
			expectRedirect(t, c.submit("/account", "form[action='/account/email']", url.Values{"email": {"new-" + email}, "current_password": {goodPassword}}), "/account")
			change := linkIn(t, lastMail(t, ta, "new-"+email, models.TokenChangeEmail))
			switch kill {
			case "password-change":
				expectRedirect(t, c.submit("/account/security", "form[action='/account/password']", url.Values{"current_password": {goodPassword}, "new_password": {"another good password"}}), "/account/security")
			case "revoke-others":
				expectRedirect(t, c.post("/account/sessions/revoke-others", nil), "/account/sessions")
			case "cancel":
				acc := c.get("/account")
				if acc.Doc.Find("form[action='/account/email/cancel']").Length() != 1 {
					t.Fatal("no way to cancel the pending change on the account page")
				}
				expectRedirect(t, c.submit("/account", "form[action='/account/email/cancel']", nil), "/account")
				if c.get("/account").Doc.Find("[data-testid=pending-email]").Length() != 0 {
					t.Error("the cancelled change is still shown as pending")
				}
			}
			expectStatus(t, ta.client(t).get(change), http.StatusNotFound)
		})
	}
}

// M6: ten wrong passwords from anywhere must not lock the owner out of
// their own browser, and a reset must lift the lock for every browser.
func TestAccountLockSparesTheOwnersBrowserAndEndsWithAReset(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_RATE_SIGNIN_ACCOUNT", "10/15m"))
	owner := ta.client(t)
	owner.signUp("locked@example.com", goodPassword)
	owner.post("/logout", nil)
	expectRedirect(t, owner.signIn("locked@example.com", goodPassword), "/account") // a past success: a device cookie
	owner.post("/logout", nil)

	attacker := ta.client(t)
	for range 10 {
		attacker.signIn("locked@example.com", "wrong password guess")
	}
	expectStatus(t, attacker.signIn("locked@example.com", "wrong password guess"), http.StatusTooManyRequests)
	expectStatus(t, ta.client(t).signIn("locked@example.com", goodPassword), http.StatusTooManyRequests) // an unknown browser
	expectRedirect(t, owner.signIn("locked@example.com", goodPassword), "/account")                      // the owner's browser
	owner.post("/logout", nil)

	// A device cookie is for one address, and a forged one is worthless.
	forged := ta.client(t)
	u, _ := url.Parse(ta.URL)
	for _, ck := range owner.http.Jar.Cookies(u) {
		if ck.Name == config.CookiePrefix+"_device" {
			ck.Value = strings.Replace(ck.Value, ck.Value[len(ck.Value)-4:], "AAAA", 1)
			forged.http.Jar.SetCookies(u, []*http.Cookie{ck})
		}
	}
	expectStatus(t, forged.signIn("locked@example.com", goodPassword), http.StatusTooManyRequests)

	// The owner's browser has its own limit: guessing from it stops too.
	for range 10 {
		owner.signIn("locked@example.com", "wrong password guess")
	}
	expectStatus(t, owner.signIn("locked@example.com", goodPassword), http.StatusTooManyRequests)

	resetPasswordByMail(t, ta, ta.client(t), "locked@example.com", "a fresh password to use")
	expectRedirect(t, ta.client(t).signIn("locked@example.com", "a fresh password to use"), "/account")
}

// M7: /account/email must not tell whether an address has an account, nor
// mail third parties without limit.
func TestEmailChangeIsNoOracleAndIsThrottled(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	other := ta.client(t)
	other.signUp("taken@example.com", goodPassword)
	c := ta.client(t)
	c.signUp("asker@example.com", goodPassword)

	taken := c.submit("/account", "form[action='/account/email']", url.Values{"email": {"taken@example.com"}, "current_password": {goodPassword}})
	takenFlash := c.flash()
	free := c.submit("/account", "form[action='/account/email']", url.Values{"email": {"free@example.com"}, "current_password": {goodPassword}})
	freeFlash := c.flash()
	if taken.StatusCode != free.StatusCode || strings.ReplaceAll(takenFlash, "taken@", "X@") != strings.ReplaceAll(freeFlash, "free@", "X@") {
		t.Errorf("a taken address answers differently: %d %q vs %d %q", taken.StatusCode, takenFlash, free.StatusCode, freeFlash)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM outbox WHERE to_addr = 'taken@example.com' AND template = ?", models.TokenChangeEmail); n != 0 {
		t.Error("a change link was mailed to another account's address")
	}

	throttled := false
	for i := range 25 {
		res := c.submit("/account", "form[action='/account/email']", url.Values{"email": {"spam" + itoa(int64(i)) + "@example.net"}, "current_password": {goodPassword}})
		if res.StatusCode == http.StatusTooManyRequests {
			throttled = true
			break
		}
	}
	if !throttled {
		t.Error("25 email changes in a row were not throttled")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM outbox WHERE to_addr LIKE 'spam%'"); n > 10 {
		t.Errorf("%d mails to third parties", n)
	}
}

// L4: a role change must issue the target a new token (here: end their
// sessions, so the next request signs in afresh).
func TestRoleChangeEndsTheTargetsSessions(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	admin.signUpAdmin("boss@example.com")
	member := ta.client(t)
	u := member.signUpMember("promoted@example.com")
	old := member.cookie().Value
	expectRedirect(t, admin.adminPost("/admin/users/"+u.ID+"/role", url.Values{"role": {models.RoleAdmin}}), "/admin/users/"+u.ID)
	member.expectSignedOut()
	if n := countRows(t, ta.DB, "SELECT count(*) FROM sessions WHERE token_hash = ? AND revoked_at IS NULL", models.HashToken(old)); n != 0 {
		t.Error("the promoted member's old token still works")
	}
}

// L8: setting a password on a provider-only account needs a fresh proof (a
// mailed link), sends a notice and ends the other sessions.
func TestSettingAPasswordNeedsAMailedLink(t *testing.T) {
	t.Parallel()
	m := startOIDC(t)
	ta := newTestApp(t, withOIDC(m))
	c := ta.client(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "sso-only", Email: "sso-only@example.com", EmailVerified: true})
	expectRedirect(t, c.socialSignIn("oidc"), "/account")
	other := ta.client(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "sso-only", Email: "sso-only@example.com", EmailVerified: true})
	expectRedirect(t, other.socialSignIn("oidc"), "/account")

	expectRedirect(t, c.submit("/account/security", "form[action='/account/password/set']", url.Values{"new_password": {"stolen session password"}}), "/account/security")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE email = 'sso-only@example.com' AND password_hash <> ''"); n != 0 {
		t.Fatal("a session alone set a password")
	}
	link := linkIn(t, lastMail(t, ta, "sso-only@example.com", models.TokenResetPassword))
	expectRedirect(t, c.submit(link, "form[action='/reset-password']", url.Values{"password": {"my first real password"}}), "/login")
	other.expectSignedOut()
	lastMail(t, ta, "sso-only@example.com", "password_changed")
	expectRedirect(t, ta.client(t).signIn("sso-only@example.com", "my first real password"), "/account")
}

// An account without a password can change its address after a fresh
// sign-in (the form asks for no password it does not have).
func TestProviderOnlyAccountCanChangeItsAddress(t *testing.T) {
	t.Parallel()
	m := startOIDC(t)
	ta := newTestApp(t, withOIDC(m))
	c := ta.client(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "mover", Email: "mover@example.com", EmailVerified: true})
	expectRedirect(t, c.socialSignIn("oidc"), "/account")
	if c.get("/account").Doc.Find("form[action='/account/email'] input[name=current_password]").Length() != 0 {
		t.Error("the form asks a provider-only account for a password")
	}
	expectRedirect(t, c.submit("/account", "form[action='/account/email']", url.Values{"email": {"moved@example.com"}}), "/account")
	lastMail(t, ta, "moved@example.com", models.TokenChangeEmail)

	// An old session must sign in again first.
	ta.clock.Advance(20 * time.Minute)
	res := c.submit("/account", "form[action='/account/email']", url.Values{"email": {"moved-again@example.com"}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Doc.Find(".field-error").Text(), "sign in again") {
		t.Errorf("no message asking to sign in again: %q", res.Doc.Find(".field-error").Text())
	}
}
