package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/hearth-app/hearth/models"
	mailview "github.com/hearth-app/hearth/views/mail"
)

// Delivery timing.
const (
	// Timeout bounds one attempt, connection to last byte.
	Timeout = 10 * time.Second
	// excerptLen is how much of an answer the log keeps.
	excerptLen = 500
)

// Schedule is the delay before each retry, as Svix spaces them: about 27
// hours in all over models.WebhookMaxAttempts attempts. Each delay gets
// ±20% jitter.
var Schedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Worker delivers webhook jobs. Each delivery is a job of its own with its
// own timeout, so a slow or dead endpoint holds one worker slot per
// delivery for at most Timeout and never the others' deliveries.
type Worker struct {
	river.WorkerDefaults[models.WebhookJob]
	DB        *models.DB
	SecretKey []byte
	Guard     Guard
	Logger    *slog.Logger
	Now       func() time.Time // the app's clock: timestamps, the 5-day rule
	// Retry is the delay before retry n (1-based); nil: Schedule.
	Retry func(attempt int) time.Duration
	// AdminURL is the admin page of an endpoint, for the mail that tells
	// the admins it was disabled.
	AdminURL func(endpointID string) string
	// HTTPTimeout replaces Timeout when set (tests).
	HTTPTimeout time.Duration

	client *http.Client
}

// NewWorker returns a worker whose HTTP client dials through w.Guard,
// follows no redirects and gives up after Timeout.
func NewWorker(w Worker) *Worker {
	if w.Now == nil {
		w.Now = func() time.Time { return time.Now().UTC() }
	}
	if w.HTTPTimeout == 0 {
		w.HTTPTimeout = Timeout
	}
	tr := &http.Transport{
		Proxy:                 nil, // never through HTTP(S)_PROXY: the guard checks the real destination
		DialContext:           w.Guard.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   w.HTTPTimeout,
		ResponseHeaderTimeout: w.HTTPTimeout,
	}
	w.client = &http.Client{Transport: tr, Timeout: w.HTTPTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &w
}

// Timeout is River's deadline for one job: the HTTP timeout and the time to
// log the attempt.
func (w *Worker) Timeout(*river.Job[models.WebhookJob]) time.Duration {
	return Timeout + 20*time.Second
}

// NextRetry spaces retries by Schedule (or Retry), with jitter.
func (w *Worker) NextRetry(job *river.Job[models.WebhookJob]) time.Time {
	var d time.Duration
	if w.Retry != nil {
		d = w.Retry(job.Attempt)
	} else {
		d = Schedule[min(max(job.Attempt, 1), len(Schedule))-1]
		d = d*4/5 + rand.N(d*2/5+1)
	}
	return time.Now().Add(d)
}

// Work makes one attempt and logs it. An error makes River retry.
func (w *Worker) Work(ctx context.Context, job *river.Job[models.WebhookJob]) error {
	ep, ev, err := models.WebhookDeliveryFor(ctx, w.DB, job.Args)
	if errors.Is(err, models.ErrNotFound) {
		return river.JobCancel(errors.New("endpoint or event deleted"))
	} else if err != nil {
		return err
	}
	if !ep.Enabled {
		return river.JobCancel(errors.New("endpoint disabled"))
	}
	d := models.WebhookDelivery{EndpointID: ep.ID, EventID: ev.ID, EventType: ev.Type, Attempt: job.Attempt}
	d.StatusCode, d.DurationMS, d.ResponseExcerpt, err = w.post(ctx, ep, ev)
	if err != nil {
		d.Error = err.Error()
	} else if !d.OK() {
		err = fmt.Errorf("answered %d", d.StatusCode)
	}
	disabled, lerr := models.RecordWebhookAttempt(ctx, w.DB, w.Now(), d, w.announce(ctx))
	if lerr != nil {
		return errors.Join(err, lerr)
	}
	log := w.Logger.With("endpoint_id", ep.ID, "event_id", ev.ID, "type", ev.Type, "attempt", job.Attempt, "status", d.StatusCode, "ms", d.DurationMS)
	switch {
	case disabled:
		log.Warn("webhook endpoint disabled after 5 days of failures", "err", err)
		return river.JobCancel(err)
	case err != nil:
		log.Warn("webhook not delivered, will retry", "err", err)
		return err
	}
	log.Info("webhook delivered")
	return nil
}

// post sends ev to ep, signed with every live secret.
func (w *Worker) post(ctx context.Context, ep *models.WebhookEndpoint, ev *models.WebhookEvent) (status int, ms int64, excerpt string, err error) {
	secrets, err := models.WebhookSecrets(w.SecretKey, ep, w.Now())
	if err != nil {
		return 0, 0, "", err
	}
	ts := w.Now().Unix()
	body := []byte(ev.Body)
	sig, err := Sign(secrets, ev.MessageID(), ts, body)
	if err != nil {
		return 0, 0, "", err
	}
	ctx, cancel := context.WithTimeout(ctx, w.HTTPTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Hearth-Webhooks/1")
	req.Header.Set("webhook-id", ev.MessageID())
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	start := time.Now()
	res, err := w.client.Do(req)
	if err != nil {
		return 0, time.Since(start).Milliseconds(), "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, excerptLen))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10)) // let the connection be reused
	return res.StatusCode, time.Since(start).Milliseconds(), string(b), nil
}

// announce composes the mail that tells the admins an endpoint was disabled.
func (w *Worker) announce(ctx context.Context) *models.Announce[models.WebhookDisabled] {
	return &models.Announce[models.WebhookDisabled]{Compose: func(v models.WebhookDisabled) ([]models.OutboxMail, error) {
		page := ""
		if w.AdminURL != nil {
			page = w.AdminURL(v.Endpoint.ID)
		}
		m := mailview.WebhookDisabled(v.Endpoint.URL, page)
		var html bytes.Buffer
		if err := mailview.HTML(m).Render(ctx, &html); err != nil {
			return nil, err
		}
		out := make([]models.OutboxMail, 0, len(v.Admins))
		for _, a := range v.Admins {
			out = append(out, models.OutboxMail{UserID: &a.ID, Template: m.Template, ToAddr: a.Email, Subject: m.Subject, HTMLBody: html.String(), TextBody: m.Text()})
		}
		return out, nil
	}}
}
