package handlers_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"testing"
)

// BenchmarkSignInWithPasskey is a whole passkey sign-in over HTTP from a
// new browser: the options (a challenge stored), the signed assertion
// checked (ECDSA P-256), the counter moved, a new session. Next to it,
// BenchmarkSignInWithPassword, whose cost is the password hash:
//
//	go test -run '^$' -bench 'SignInWith' -benchmem ./handlers/
func BenchmarkSignInWithPasskey(b *testing.B) {
	ta := newTestApp(b, withEnv("HEARTH_BASE_URL", passkeyOrigin))
	c := ta.client(b)
	u := verifiedUser(b, ta, c, "bench@example.com")
	d := addPasskey(b, c, u, "")
	ta.App.Logger = slog.New(slog.DiscardHandler)
	b.ReportAllocs()
	for b.Loop() {
		res := signInWith(b, ta.client(b), d, "")
		if res.StatusCode != http.StatusOK {
			b.Fatalf("passkey sign-in: %d %s", res.StatusCode, res.Body)
		}
	}
}

// BenchmarkSignInWithPassword is the password sign-in, in the same run.
func BenchmarkSignInWithPassword(b *testing.B) {
	ta := newTestApp(b)
	ta.client(b).signUp("bench@example.com", goodPassword)
	ta.App.Logger = slog.New(slog.DiscardHandler)
	b.ReportAllocs()
	for b.Loop() {
		res := ta.client(b).post("/login", url.Values{"email": {"bench@example.com"}, "password": {goodPassword}})
		if res.StatusCode != http.StatusSeeOther {
			b.Fatalf("password sign-in: %d", res.StatusCode)
		}
	}
}
