package handlers_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hearth-app/hearth/internal/jobs"
	"github.com/hearth-app/hearth/internal/testapp"
	"github.com/hearth-app/hearth/models"
)

// BenchmarkWebhookEventCost is what recording a sign-up's audit row costs
// with no webhook endpoint, and with one that wants the event (the event
// row and a delivery job in the same transaction): the cost webhooks add to
// a sign-up.
//
//	go test -run '^$' -bench WebhookEventCost ./handlers/
func BenchmarkWebhookEventCost(b *testing.B) {
	for _, endpoints := range []int{0, 1, 3} {
		b.Run(fmt.Sprintf("endpoints=%d", endpoints), func(b *testing.B) {
			ta := newTestApp(b, withEnv("HEARTH_SECRET_KEY", testSecretKey))
			for i := range endpoints {
				if _, err := models.CreateWebhookEndpoint(b.Context(), ta.DB, ta.App.Config.SecretKey, ta.clock.Now(), models.AuditEvent{},
					models.WebhookInput{URL: fmt.Sprintf("http://127.0.0.1:9/%d", i), EventTypes: []string{"user.created"}}); err != nil {
					b.Fatal(err)
				}
			}
			u := benchUser(b, ta)
			b.ResetTimer()
			for b.Loop() {
				if err := models.RecordEvent(b.Context(), ta.DB, models.AuditEvent{Action: models.AuditSignUp, TargetID: &u.ID, Email: u.Email}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWebhookDelivery measures delivery from commit to receiver with
// the production poll interval (jobs.DefaultPoll): "throughput" queues b.N
// events at once and reports events/s until the last arrives; "steady"
// signs up users through HTTP at about 20 a second and reports the p50 and
// p99 of commit-to-receiver latency of their user.created events.
//
//	go test -run '^$' -bench WebhookDelivery -benchtime 200x ./handlers/
func BenchmarkWebhookDelivery(b *testing.B) {
	setup := func(b *testing.B) (*testApp, *arrivals, *arrivals) {
		ta := newWebhookApp(b, testapp.Options{JobPoll: jobs.DefaultPoll})
		arr, ids := &arrivals{at: map[string]time.Time{}}, &arrivals{at: map[string]time.Time{}}
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var ev struct {
				Data struct {
					User struct {
						Email string `json:"email"`
					} `json:"user"`
				} `json:"data"`
			}
			body, _ := io.ReadAll(r.Body)
			_ = json.Unmarshal(body, &ev)
			arr.add(ev.Data.User.Email)
			ids.add(r.Header.Get("webhook-id"))
			w.WriteHeader(http.StatusNoContent)
		}))
		b.Cleanup(recv.Close)
		if _, err := models.CreateWebhookEndpoint(b.Context(), ta.DB, ta.App.Config.SecretKey, ta.clock.Now(), models.AuditEvent{},
			models.WebhookInput{URL: recv.URL, EventTypes: []string{"user.created"}}); err != nil {
			b.Fatal(err)
		}
		return ta, arr, ids
	}
	b.Run("throughput", func(b *testing.B) {
		ta, _, ids := setup(b)
		u := benchUser(b, ta)
		b.ResetTimer()
		start := time.Now()
		for i := range b.N {
			email := fmt.Sprintf("t%d@example.com", i)
			if err := models.RecordEvent(b.Context(), ta.DB, models.AuditEvent{Action: models.AuditSignUp, TargetID: &u.ID, Email: email}); err != nil {
				b.Fatal(err)
			}
		}
		ids.wait(b, b.N, 2*time.Minute)
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	})
	b.Run("steady", func(b *testing.B) {
		ta, arr, _ := setup(b)
		committed := map[string]time.Time{}
		var mu sync.Mutex
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		var wg sync.WaitGroup
		b.ResetTimer()
		for i := range b.N {
			<-tick.C
			wg.Go(func() {
				c := ta.client(b)
				email := fmt.Sprintf("s%d@example.com", i)
				res := c.post("/signup", url.Values{"name": {"S"}, "email": {email}, "password": {goodPassword}})
				if res.StatusCode == http.StatusSeeOther {
					mu.Lock()
					committed[email] = time.Now()
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		arr.wait(b, len(committed), 2*time.Minute)
		var lat []time.Duration
		for email, at := range committed {
			lat = append(lat, max(0, arr.of(email).Sub(at)))
		}
		slices.Sort(lat)
		if len(lat) == 0 {
			b.Fatal("no sign-up went through")
		}
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
	})
}

// benchUser writes a user for events to be about.
func benchUser(b *testing.B, ta *testApp) *models.User {
	now := ta.clock.Now()
	u := &models.User{ID: uuid.Must(uuid.NewV7()).String(), Email: "bench@example.com", Role: models.RoleMember, CreatedAt: now, UpdatedAt: now}
	if err := ta.DB.Write.Create(u).Error; err != nil {
		b.Fatal(err)
	}
	return u
}

// arrivals records when each user's event reached the receiver.
type arrivals struct {
	mu sync.Mutex
	at map[string]time.Time
}

func (a *arrivals) add(email string) {
	a.mu.Lock()
	if _, ok := a.at[email]; !ok {
		a.at[email] = time.Now()
	}
	a.mu.Unlock()
}

func (a *arrivals) of(email string) time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.at[email]
}

func (a *arrivals) wait(b *testing.B, n int, limit time.Duration) {
	for deadline := time.Now().Add(limit); ; time.Sleep(5 * time.Millisecond) {
		a.mu.Lock()
		got := len(a.at)
		a.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d events arrived", got, n)
		}
	}
}
