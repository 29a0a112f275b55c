package handlers_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkSignedInAccountPage serves the account page in-process, through
// every middleware, for a signed-in session: the server's CPU cost of the
// signed-in path without the network.
//
//	go test -run '^$' -bench SignedIn -benchmem -cpuprofile cpu.out ./handlers/
func BenchmarkSignedInAccountPage(b *testing.B) {
	ta := newTestApp(b)
	c := ta.client(b)
	c.signUp("bench@example.com", goodPassword)
	c.get("/account") // pop the welcome flash
	cookie := c.cookie()
	ta.App.Logger = slog.New(slog.DiscardHandler) // measure the server, not the test's log buffer
	h := ta.App.Routes()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodGet, "/account", nil)
			req.Host = ta.App.Config.BaseURL.Host
			req.AddCookie(cookie)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}

// BenchmarkLandingPage is the signed-out counterpart.
func BenchmarkLandingPage(b *testing.B) {
	ta := newTestApp(b)
	ta.App.Logger = slog.New(slog.DiscardHandler)
	h := ta.App.Routes()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}
