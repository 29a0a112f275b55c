package handlers_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/hearth-app/hearth/models"
)

// benchTwoFactorUser signs up email in ta and, with totp, turns on its
// authenticator (through the models: the pages are tested elsewhere); it
// returns the secret ("" without).
func benchTwoFactorUser(b *testing.B, ta *testApp, email string, withTOTP bool) string {
	b.Helper()
	ta.client(b).signUp(email, goodPassword)
	if !withTOTP {
		return ""
	}
	u, err := models.UserByEmail(b.Context(), ta.DB, email)
	if err != nil {
		b.Fatal(err)
	}
	now := ta.clock.Now()
	u.EmailVerifiedAt = &now
	en, err := models.BeginTOTP(b.Context(), ta.DB, ta.App.Config.SecretKey, now, u, "Hearth")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := models.ConfirmTOTP(b.Context(), ta.DB, ta.App.Config.SecretKey, now, models.AuditEvent{}, u, totpCode(b, en.Secret, now), nil); err != nil {
		b.Fatal(err)
	}
	return en.Secret
}

// BenchmarkSignIn compares a whole sign-in over HTTP, password alone and
// password then a TOTP code (two requests, the second checks the code and
// records its time step), in the same run. The password's argon2id hash
// dominates both.
//
//	go test -run '^$' -bench SignIn -benchtime 50x ./handlers/
func BenchmarkSignIn(b *testing.B) {
	for _, withTOTP := range []bool{false, true} {
		name := "password"
		if withTOTP {
			name = "password+totp"
		}
		b.Run(name, func(b *testing.B) {
			ta := newTestApp(b, withSecretKey())
			secret := benchTwoFactorUser(b, ta, "bench-signin@example.com", withTOTP)
			ta.App.Logger = slog.New(slog.DiscardHandler)
			form := url.Values{"email": {"bench-signin@example.com"}, "password": {goodPassword}}
			b.ResetTimer()
			for b.Loop() {
				c := ta.client(b)
				res := c.post("/login", form)
				if !withTOTP {
					if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
						b.Fatalf("sign-in: %d %s", res.StatusCode, res.Header.Get("Location"))
					}
					continue
				}
				if res.Header.Get("Location") != "/login/2fa" {
					b.Fatalf("sign-in: %d %s", res.StatusCode, res.Header.Get("Location"))
				}
				ta.clock.Advance(30 * time.Second) // every sign-in a step of its own
				res = c.post("/login/2fa", url.Values{"code": {totpCode(b, secret, ta.clock.Now())}})
				if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
					b.Fatalf("second step: %d %s", res.StatusCode, res.Header.Get("Location"))
				}
			}
		})
	}
}

// BenchmarkSignedInAccountPageWithTwoFactor is BenchmarkSignedInAccountPage
// for a user with 2FA: the signed-in path reads nothing more for them.
func BenchmarkSignedInAccountPageWithTwoFactor(b *testing.B) {
	ta := newTestApp(b, withSecretKey())
	secret := benchTwoFactorUser(b, ta, "bench-2fa@example.com", true)
	c := ta.client(b)
	c.post("/login", url.Values{"email": {"bench-2fa@example.com"}, "password": {goodPassword}})
	ta.clock.Advance(30 * time.Second)
	if res := c.post("/login/2fa", url.Values{"code": {totpCode(b, secret, ta.clock.Now())}}); res.StatusCode != http.StatusSeeOther {
		b.Fatalf("second step: %d", res.StatusCode)
	}
	c.get("/account") // pop the welcome flash
	cookie := c.cookie()
	ta.App.Logger = slog.New(slog.DiscardHandler)
	serveParallel(b, ta.App.Routes(), http.StatusOK, func() *http.Request {
		req := httptest.NewRequest(http.MethodGet, "/account", nil)
		req.Host = ta.App.Config.BaseURL.Host
		req.AddCookie(cookie)
		return req
	})
}
