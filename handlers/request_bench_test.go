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
	serveParallel(b, ta.App.Routes(), http.StatusOK, func() *http.Request {
		req := httptest.NewRequest(http.MethodGet, "/account", nil)
		req.Host = ta.App.Config.BaseURL.Host
		req.AddCookie(cookie)
		return req
	})
}

// BenchmarkLandingPage is the signed-out counterpart.
func BenchmarkLandingPage(b *testing.B) {
	ta := newTestApp(b)
	ta.App.Logger = slog.New(slog.DiscardHandler)
	serveParallel(b, ta.App.Routes(), http.StatusOK, func() *http.Request {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Host = ta.App.Config.BaseURL.Host // another Host is a 421
		return req
	})
}

// serveParallel serves newRequest's requests with h in-process on b's
// parallel loop, each expected to answer want.
func serveParallel(b *testing.B, h http.Handler, want int, newRequest func() *http.Request) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := newRequest()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != want {
				b.Fatalf("%s %s: status %d %s", req.Method, req.URL.Path, rec.Code, rec.Body)
			}
		}
	})
}
