package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearth-app/hearth/models"
)

// webhookFigures is what the webhook scenario measures on the running
// binary, whose job workers deliver to a receiver in this process.
type webhookFigures struct {
	rate                       int           // sign-ups offered per second in the steady phases
	signupBare, signupHooked   time.Duration // p50 of a sign-up without an endpoint, then with one wanting its event
	signupBare95, signupHook95 time.Duration // and their p95
	delivP50, delivP99         time.Duration // response of the sign-up to its user.created at the receiver
	delivered, offered         int
	burst                      int     // profile updates sent at once
	burstRate                  float64 // their user.updated events per second, first request to last arrival
}

// steadySignupRate is the steady phases' sign-ups per second: a busy
// product's sign-up page, well under what the argon2id hasher can take.
const steadySignupRate = 10

// webhookBurst is how many events the throughput phase raises at once.
const webhookBurst = 500

// receiver is the webhook endpoint: it notes when each user.created (by
// email) and each user.updated arrives.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	created map[string]time.Time
	updated atomic.Int64
	last    atomic.Int64 // UnixNano of the latest user.updated
}

func newReceiver() *receiver {
	r := &receiver{created: map[string]time.Time{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var ev struct {
			Type string `json:"type"`
			Data struct {
				User struct {
					Email string `json:"email"`
				} `json:"user"`
			} `json:"data"`
		}
		body, _ := io.ReadAll(req.Body)
		now := time.Now()
		if json.Unmarshal(body, &ev) == nil {
			switch ev.Type {
			case "user.created":
				r.mu.Lock()
				if _, seen := r.created[ev.Data.User.Email]; !seen {
					r.created[ev.Data.User.Email] = now
				}
				r.mu.Unlock()
			case "user.updated":
				r.updated.Add(1)
				r.last.Store(now.UnixNano())
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	return r
}

func (r *receiver) arrival(email string) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.created[email]
	return t, ok
}

// webhooks runs the webhook scenario on s: steady sign-ups with no
// endpoint, the same with an endpoint (the cost of recording the event,
// and the delivery latency), then a burst of profile changes (events per
// second from commit to receiver).
func webhooks(o options, s *server) (webhookFigures, error) {
	f := webhookFigures{rate: steadySignupRate, burst: webhookBurst}
	recv := newReceiver()
	defer recv.Close()
	d := min(o.duration, 10*time.Second)

	bare := steadySignups(s.base, "hook-bare", d)
	f.signupBare, f.signupBare95 = quantile(durations(bare), 50), quantile(durations(bare), 95)

	db, err := models.Open(s.dsn)
	if err != nil {
		return f, err
	}
	key, _ := base64.StdEncoding.DecodeString(benchSecretKey)
	_, err = models.CreateWebhookEndpoint(context.Background(), db, key, time.Now(), models.AuditEvent{},
		models.WebhookInput{URL: recv.URL + "/hook", EventTypes: []string{"user.created", "user.updated"}})
	db.Close()
	if err != nil {
		return f, fmt.Errorf("webhook endpoint: %w", err)
	}

	hooked := steadySignups(s.base, "hook-on", d)
	f.signupHooked, f.signupHook95 = quantile(durations(hooked), 50), quantile(durations(hooked), 95)
	f.offered = len(hooked)
	deadline := time.Now().Add(time.Minute)
	var lat []time.Duration
	for email, done := range hooked {
		for {
			if at, ok := recv.arrival(email); ok {
				lat = append(lat, max(at.Sub(done.end), 0))
				break
			}
			if time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	f.delivered = len(lat)
	f.delivP50, f.delivP99 = quantile(lat, 50), quantile(lat, 99)

	// The burst: profile changes by the signed-in readers, as fast as the
	// server takes them; then the wait for their events.
	var next atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for w := range o.concurrency {
		wg.Go(func() {
			c := newClient()
			for {
				n := int(next.Add(1))
				if n > webhookBurst {
					return
				}
				ck := s.readers[(n+w)%len(s.readers)]
				_, _ = post(c, s.base+"/account/profile", url.Values{"name": {fmt.Sprintf("Burst %d", n)}}, ck)
			}
		})
	}
	wg.Wait()
	for time.Now().Before(start.Add(2*time.Minute)) && recv.updated.Load() < webhookBurst {
		time.Sleep(10 * time.Millisecond)
	}
	if got := recv.updated.Load(); got > 0 {
		f.burstRate = float64(got) / time.Unix(0, recv.last.Load()).Sub(start).Seconds()
	}
	return f, nil
}

// signup is one sign-up of a steady phase: when its answer came and how
// long it took.
type signup struct {
	end     time.Time
	latency time.Duration
}

// steadySignups signs up steadySignupRate users a second for d, each from
// a client of its own, and returns the successful ones by email.
func steadySignups(base, prefix string, d time.Duration) map[string]signup {
	var mu sync.Mutex
	done := map[string]signup{}
	tick := time.NewTicker(time.Second / steadySignupRate)
	defer tick.Stop()
	var wg sync.WaitGroup
	for i, stop := 0, time.Now().Add(d); time.Now().Before(stop); i++ {
		<-tick.C
		wg.Go(func() {
			email := fmt.Sprintf("%s-%d@bench.example", prefix, i)
			t0 := time.Now()
			st, err := post(newClient(), base+"/signup", url.Values{"name": {"Hook"}, "email": {email}, "password": {"a sturdy bench passphrase"}}, nil)
			if err == nil && st == http.StatusSeeOther {
				mu.Lock()
				done[email] = signup{end: time.Now(), latency: time.Since(t0)}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return done
}

func durations(m map[string]signup) []time.Duration {
	out := make([]time.Duration, 0, len(m))
	for _, s := range m {
		out = append(out, s.latency)
	}
	return out
}

// quantile is the q-th percentile of ds (0 when empty).
func quantile(ds []time.Duration, q int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[min(len(ds)*q/100, len(ds)-1)]
}

// webhookReport is the scenario's table for docs/benchmarks.md.
func webhookReport(f webhookFigures) string {
	var b strings.Builder
	r := func(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
	fmt.Fprintf(&b, "\nWebhooks, on the same server (its job workers deliver to a receiver in the load generator):\n\n")
	b.WriteString("| webhook figure | value |\n|---|---:|\n")
	fmt.Fprintf(&b, "| sign-up p50 / p95, %d a second, no endpoint | %v / %v |\n", f.rate, r(f.signupBare), r(f.signupBare95))
	fmt.Fprintf(&b, "| sign-up p50 / p95, %d a second, an endpoint wanting user.created | %v / %v |\n", f.rate, r(f.signupHooked), r(f.signupHook95))
	fmt.Fprintf(&b, "| user.created delivery p50 / p99 (sign-up's answer to receiver) | %v / %v (%d of %d delivered) |\n", r(f.delivP50), r(f.delivP99), f.delivered, f.offered)
	fmt.Fprintf(&b, "| events per second, %d profile changes at once, first request to last arrival | %.0f |\n", f.burst, f.burstRate)
	return b.String()
}
