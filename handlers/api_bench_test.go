package handlers_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"
)

// The API's cost next to the browser's, in-process through every
// middleware (docs/benchmarks.md has the figures):
//
//	go test -run '^$' -bench 'API|BareEcho|SignedIn' -benchmem ./handlers/
//
// Each API benchmark signs up benchUsers users with a token each and calls
// with all of them in turn, so the token lookup and the last-used memo see
// many rows, not one hot one; the WithWriters variant has a goroutine
// changing other users' names through the account form the whole time.
const benchUsers = 50

// apiBench is a Hearth with benchUsers users, each with a personal token.
func apiBench(b *testing.B) (*testApp, http.Handler, []string, []*client) {
	ta := newTestApp(b, withEnv("HEARTH_RATE_API", "off"), withEnv("HEARTH_SECRET_KEY", testSecretKey))
	tokens := make([]string, benchUsers)
	clients := make([]*client, benchUsers)
	for i := range tokens {
		clients[i] = ta.client(b)
		clients[i].signUp(fmt.Sprintf("api%d@example.com", i), goodPassword)
		tokens[i] = createToken(b, clients[i], "bench", "30")
	}
	ta.App.Logger = slog.New(slog.DiscardHandler)
	return ta, ta.App.Routes(), tokens, clients
}

// callAPI runs method path with the tokens in turn on b's parallel loop.
func callAPI(b *testing.B, ta *testApp, h http.Handler, tokens []string, method, path string, want int) {
	var n atomic.Int64
	serveParallel(b, h, want, func() *http.Request {
		req := httptest.NewRequest(method, path, nil)
		req.Host = ta.App.Config.BaseURL.Host
		req.Header.Set("Authorization", "Bearer "+tokens[n.Add(1)%int64(len(tokens))])
		return req
	})
}

// writeNames changes the name of the users behind clients, one after the
// other through the account form, until stop is closed.
func writeNames(b *testing.B, clients []*client, stop <-chan struct{}, done chan<- int) {
	writes := 0
	defer func() { done <- writes }()
	for {
		for _, c := range clients {
			select {
			case <-stop:
				return
			default:
			}
			c.submit("/account", "form[action='/account/profile']", url.Values{"name": {fmt.Sprintf("Writer %d", writes)}})
			writes++
		}
	}
}

// BenchmarkAPIMeBearer: GET /api/v1/me with a personal token.
func BenchmarkAPIMeBearer(b *testing.B) {
	ta, h, tokens, _ := apiBench(b)
	callAPI(b, ta, h, tokens, http.MethodGet, "/api/v1/me", http.StatusOK)
}

// BenchmarkAPIMeBearerWithWriters: the same while other users write.
func BenchmarkAPIMeBearerWithWriters(b *testing.B) {
	ta, h, tokens, clients := apiBench(b)
	stop, done := make(chan struct{}), make(chan int)
	go writeNames(b, clients[benchUsers/2:], stop, done)
	callAPI(b, ta, h, tokens[:benchUsers/2], http.MethodGet, "/api/v1/me", http.StatusOK)
	b.StopTimer()
	close(stop)
	b.ReportMetric(float64(<-done)/b.Elapsed().Seconds(), "writes/s")
}

// BenchmarkAPIMintJWT: POST /api/v1/token, a signed 5-minute JWT per call.
func BenchmarkAPIMintJWT(b *testing.B) {
	ta, h, tokens, _ := apiBench(b)
	callAPI(b, ta, h, tokens, http.MethodPost, "/api/v1/token", http.StatusOK)
}

// BenchmarkBareEcho is the floor: an Echo handler answering a fixed JSON
// object with no middleware, no database and no session.
func BenchmarkBareEcho(b *testing.B) {
	e := echo.New()
	e.GET("/api/v1/me", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]any{"id": "0192", "email": "ada@example.com", "name": "Ada", "email_verified": true, "role": "member", "organizations": []string{}})
	})
	serveParallel(b, e, http.StatusOK, func() *http.Request { return httptest.NewRequest(http.MethodGet, "/api/v1/me", nil) })
}
