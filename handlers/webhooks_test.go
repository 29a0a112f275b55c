package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hearth-app/hearth/internal/testapp"
	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/webhook"
)

// delivery is one request a receiver got.
type delivery struct {
	header http.Header
	body   []byte
	event  struct {
		Type      string         `json:"type"`
		Timestamp string         `json:"timestamp"`
		Data      map[string]any `json:"data"`
	}
}

// receiver is a webhook endpoint inside the test: it records every
// request and answers what answer says for the n-th one (from 1).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []delivery
	answer func(n int) (status int, delay time.Duration)
}

func newReceiver(t testing.TB, answer func(n int) (int, time.Duration)) *receiver {
	t.Helper()
	r := &receiver{answer: answer}
	if r.answer == nil {
		r.answer = func(int) (int, time.Duration) { return http.StatusNoContent, 0 }
	}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		d := delivery{header: req.Header.Clone(), body: body}
		_ = json.Unmarshal(body, &d.event)
		r.mu.Lock()
		r.got = append(r.got, d)
		n := len(r.got)
		r.mu.Unlock()
		status, delay := r.answer(n)
		select {
		case <-time.After(delay):
		case <-req.Context().Done():
			return
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "ok from the receiver")
	}))
	t.Cleanup(r.Close)
	return r
}

// wait returns the requests once there are at least n, or fails.
func (r *receiver) wait(t *testing.T, n int) []delivery {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got := r.deliveries(); len(got) >= n {
			return got
		}
	}
	t.Fatalf("receiver: %d requests, want %d", len(r.deliveries()), n)
	return nil
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// ofType returns the first delivery of an event type, waiting for it.
func (r *receiver) ofType(t *testing.T, typ string) delivery {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, d := range r.deliveries() {
			if d.event.Type == typ {
				return d
			}
		}
	}
	t.Fatalf("receiver: no %s event (got %d requests)", typ, len(r.deliveries()))
	return delivery{}
}

// resolver is a DNS for the test, changeable while the app runs.
type resolver struct {
	mu    sync.Mutex
	names map[string]string
}

func (r *resolver) set(name, addr string) { r.mu.Lock(); r.names[name] = addr; r.mu.Unlock() }

func (r *resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a, ok := r.names[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, errors.New("no such host")
}

// newWebhookApp is a test app that works its job queue, with a secret key
// and quick retries.
func newWebhookApp(t testing.TB, o testapp.Options) *testApp {
	t.Helper()
	if o.Env == nil {
		o.Env = map[string]string{}
	}
	o.Env["HEARTH_SECRET_KEY"] = testSecretKey
	o.Jobs = true
	if o.WebhookRetry == nil {
		o.WebhookRetry = func(int) time.Duration { return 50 * time.Millisecond }
	}
	s := testapp.New(t, o)
	return &testApp{Server: s, DBPath: s.App.Config.Database, clock: s.Clock}
}

// addEndpoint registers u through the admin page and returns its id and
// secret as the page shows them.
func addEndpoint(t testing.TB, c *client, u string, types ...string) (id, secret string) {
	t.Helper()
	res := c.submit("/admin/webhooks", "[data-testid=webhook-form]", url.Values{"url": {u}, "description": {"test receiver"}, "event_types": types})
	expectStatus(t, res, http.StatusSeeOther)
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, "/admin/webhooks/") {
		t.Fatalf("add endpoint: redirected to %q", loc)
	}
	page := c.get(loc)
	expectStatus(t, page, http.StatusOK)
	return strings.TrimPrefix(loc, "/admin/webhooks/"), strings.TrimSpace(page.Doc.Find("[data-testid=webhook-secret]").Text())
}

// verify checks a delivery with the Standard Webhooks library (an
// implementation independent of Hearth's) and with a verifier written
// here from the spec.
func verify(t *testing.T, secret string, d delivery, checkTime bool) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	verifyFn := wh.Verify
	if !checkTime {
		verifyFn = wh.VerifyIgnoringTimestamp
	}
	if err := verifyFn(d.body, d.header); err != nil {
		t.Errorf("standard-webhooks library refuses the %s delivery: %v", d.event.Type, err)
	}
	want, err := webhook.Sign([]string{secret}, d.header.Get("webhook-id"), atoi(d.header.Get("webhook-timestamp")), d.body)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(" "+d.header.Get("webhook-signature")+" ", " "+want+" ") {
		t.Errorf("%s: signature %q does not hold %q", d.event.Type, d.header.Get("webhook-signature"), want)
	}
}

func TestWebhookEndpointsAreManagedOnTheAdminPages(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_SECRET_KEY", testSecretKey))
	c := ta.client(t)
	c.signUpAdmin("admin@example.com")
	expectStatus(t, c.get("/admin/webhooks"), http.StatusOK)

	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"empty", url.Values{"url": {""}}, "absolute http"},
		{"not a URL", url.Values{"url": {"not a url"}}, "absolute http"},
		{"ftp", url.Values{"url": {"ftp://example.com/x"}}, "absolute http"},
		{"huge", url.Values{"url": {"https://example.com/" + strings.Repeat("a", 3000)}}, "absolute http"},
		{"unknown type", url.Values{"url": {"http://127.0.0.1:9/x"}, "event_types": {"user.exploded"}}, "Pick event types"},
		{"long description", url.Values{"url": {"http://127.0.0.1:9/x"}, "description": {strings.Repeat("é", 501)}}, "500 characters"},
		{"metadata", url.Values{"url": {"http://169.254.169.254/latest/meta-data"}}, "metadata"},
	} {
		res := c.submit("/admin/webhooks", "[data-testid=webhook-form]", tc.form)
		expectStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Doc.Find("[data-testid=webhook-form]").Text(), tc.want) {
			t.Errorf("%s: the form does not say %q: %s", tc.name, tc.want, res.Doc.Find("[data-testid=webhook-form]").Text())
		}
	}
	for _, bad := range []url.Values{{"url": {"https://example.com/\xff"}}, {"url": {"http://127.0.0.1:9/x"}, "description": {"\xff\xfe"}}} {
		expectStatus(t, c.post("/admin/webhooks", bad), http.StatusBadRequest) // invalid UTF-8: refused before the handler
	}
	if n := countRows(t, ta.DB, "SELECT COUNT(*) FROM webhook_endpoints"); n != 0 {
		t.Fatalf("%d endpoints stored from refused forms", n)
	}

	id, secret := addEndpoint(t, c, "http://127.0.0.1:9/hook", "user.created", "user.banned")
	if !strings.HasPrefix(secret, "whsec_") || len(secret) < 6+32 {
		t.Fatalf("secret %q is not whsec_ and base64", secret)
	}
	var sealed string
	if err := ta.DB.Read.Raw("SELECT secret_sealed FROM webhook_endpoints WHERE id = ?", id).Scan(&sealed).Error; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, strings.TrimPrefix(secret, "whsec_")) {
		t.Fatal("the secret is stored in the clear")
	}
	list := c.get("/admin/webhooks")
	if list.Doc.Find("[data-testid=webhook-row]").Length() != 1 || !strings.Contains(list.Doc.Find("[data-testid=webhook-list]").Text(), "user.created user.banned") {
		t.Errorf("the list does not show the endpoint with its events")
	}

	page := "/admin/webhooks/" + id
	expectRedirect(t, c.submit(page, "[data-testid=webhook-edit-form]", url.Values{"url": {"http://127.0.0.1:9/other"}, "description": {"renamed"}, "event_types": {"user.deleted"}}), page)
	e, err := models.WebhookEndpointByID(t.Context(), ta.DB, id)
	if err != nil || e.URL != "http://127.0.0.1:9/other" || e.EventTypes != "user.deleted" || e.Description != "renamed" {
		t.Fatalf("after edit: %+v, %v", e, err)
	}
	expectStatus(t, c.submit(page, "[data-testid=webhook-edit-form]", url.Values{"url": {"javascript:alert(1)"}}), http.StatusUnprocessableEntity)

	expectRedirect(t, c.submit(page, "[data-testid=webhook-disable-form]", nil), page)
	if e, _ := models.WebhookEndpointByID(t.Context(), ta.DB, id); e.Enabled {
		t.Fatal("still enabled")
	}
	expectRedirect(t, c.submit(page, "[data-testid=webhook-enable-form]", nil), page)
	if e, _ := models.WebhookEndpointByID(t.Context(), ta.DB, id); !e.Enabled {
		t.Fatal("still disabled")
	}

	expectStatus(t, c.submit(page, "[data-testid=webhook-delete-form]", url.Values{"confirm": {"yes"}}), http.StatusUnprocessableEntity)
	expectRedirect(t, c.submit(page, "[data-testid=webhook-delete-form]", url.Values{"confirm": {"delete"}}), "/admin/webhooks")
	expectStatus(t, c.get(page), http.StatusNotFound)
	expectStatus(t, c.post(page+"/rotate", url.Values{}), http.StatusNotFound)
	expectStatus(t, c.post("/admin/webhooks/nope/resend", url.Values{"event_id": {"x"}}), http.StatusNotFound)

	for action, want := range map[string]int64{models.AuditWebhookCreate: 1, models.AuditWebhookUpdate: 1, models.AuditWebhookDisable: 1,
		models.AuditWebhookEnable: 1, models.AuditWebhookDelete: 1} {
		if n := webhookAudits(t, ta, action); n != want {
			t.Errorf("%s audited %d times, want %d", action, n, want)
		}
	}

	member := ta.client(t)
	member.signUpMember("member@example.com")
	expectStatus(t, member.get("/admin/webhooks"), http.StatusForbidden)
	expectStatus(t, member.post("/admin/webhooks", url.Values{"url": {"http://127.0.0.1:9/x"}}), http.StatusForbidden)
}

// TestEveryEventArrivesSignedAndVerifies: each event type a change raises
// reaches the receiver, signed so that the Standard Webhooks library
// accepts it, with public fields only.
func TestEveryEventArrivesSignedAndVerifies(t *testing.T) {
	t.Parallel()
	ta := newWebhookApp(t, testapp.Options{})
	t.Cleanup(func() { // a request once hung here under heavy load: show where, if it does again
		if t.Failed() {
			var dump strings.Builder
			_ = pprof.Lookup("goroutine").WriteTo(&dump, 1)
			t.Log(dump.String())
		}
	})
	recv := newReceiver(t, nil)
	c := ta.client(t)
	c.signUpAdmin("admin@example.com")
	_, secret := addEndpoint(t, c, recv.URL+"/hook")

	u := ta.client(t)
	u.signUp("ada@example.com", goodPassword)
	expectStatus(t, u.post("/account/profile", url.Values{"name": {"Ada L."}}), http.StatusSeeOther)
	expectStatus(t, u.post("/account/password", url.Values{"current_password": {goodPassword}, "new_password": {"another good passphrase"}}), http.StatusSeeOther)
	expectStatus(t, u.post("/logout", url.Values{}), http.StatusSeeOther)
	ada, err := models.UserByEmail(t.Context(), ta.DB, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	userPage := "/admin/users/" + ada.ID
	expectStatus(t, c.adminPost(userPage+"/verify-email", url.Values{}), http.StatusSeeOther)
	expectStatus(t, c.adminPost(userPage+"/ban", url.Values{"reason": {"spam"}}), http.StatusSeeOther)
	expectStatus(t, c.adminPost(userPage+"/unban", url.Values{}), http.StatusSeeOther)
	expectStatus(t, c.adminPost(userPage+"/delete", url.Values{"confirm": {"ada@example.com"}}), http.StatusSeeOther)
	// An organization's life: its events name it.
	expectStatus(t, c.post("/orgs", url.Values{"name": {"Hooked Labs"}}), http.StatusSeeOther)
	expectStatus(t, c.post("/orgs/hooked-labs/delete", url.Values{"confirm": {"hooked-labs"}}), http.StatusSeeOther)
	for _, typ := range []string{"organization.created", "organization.deleted"} {
		d := recv.ofType(t, typ)
		verify(t, secret, d, true)
		org, _ := d.event.Data["organization"].(map[string]any)
		if org["id"] == nil || org["id"] == "" {
			t.Errorf("%s: no data.organization.id: %s", typ, d.body)
		}
	}

	for _, typ := range []string{"user.created", "session.created", "user.updated", "password.changed", "session.ended",
		"email.verified", "user.banned", "user.unbanned", "user.deleted"} {
		d := recv.ofType(t, typ)
		verify(t, secret, d, true)
		if !strings.HasPrefix(d.header.Get("webhook-id"), "msg_") {
			t.Errorf("%s: webhook-id %q", typ, d.header.Get("webhook-id"))
		}
		if _, err := time.Parse(time.RFC3339, d.event.Timestamp); err != nil {
			t.Errorf("%s: timestamp %q is not RFC 3339", typ, d.event.Timestamp)
		}
		user, _ := d.event.Data["user"].(map[string]any)
		if typ != "user.updated" && typ != "session.created" && typ != "session.ended" || user["email"] == "ada@example.com" {
			if user["id"] != ada.ID {
				t.Errorf("%s: data.user.id %v, want %s (body %s)", typ, user["id"], ada.ID, d.body)
			}
		}
		data, _ := json.Marshal(d.event.Data)
		for _, secretish := range []string{"password", "hash", "token", "argon2", "whsec_", "secret"} {
			if strings.Contains(strings.ToLower(string(data)), secretish) {
				t.Errorf("%s: the body holds %q: %s", typ, secretish, d.body)
			}
		}
	}
}

func TestWebhookFilterSendsOnlyTheChosenTypes(t *testing.T) {
	t.Parallel()
	ta := newWebhookApp(t, testapp.Options{})
	bansOnly, all := newReceiver(t, nil), newReceiver(t, nil)
	c := ta.client(t)
	c.signUpAdmin("admin@example.com")
	addEndpoint(t, c, bansOnly.URL, "user.banned")
	addEndpoint(t, c, all.URL)
	target := insertUser(t, ta, "target@example.com", models.RoleMember)
	ta.client(t).signUp("someone@example.com", goodPassword)
	expectStatus(t, c.adminPost("/admin/users/"+target.ID+"/ban", url.Values{}), http.StatusSeeOther)
	all.ofType(t, "user.banned")
	all.ofType(t, "user.created")
	got := bansOnly.wait(t, 1)
	time.Sleep(200 * time.Millisecond) // anything else would have arrived by now
	got = bansOnly.deliveries()
	if len(got) != 1 || got[0].event.Type != "user.banned" {
		var types []string
		for _, d := range got {
			types = append(types, d.event.Type)
		}
		t.Fatalf("the user.banned endpoint got %v", types)
	}
}

// TestWebhookRetryKeepsItsID: a 500 then a 200 are two attempts of one
// message, with the same webhook-id, both in the delivery log.
func TestWebhookRetryKeepsItsID(t *testing.T) {
	t.Parallel()
	ta := newWebhookApp(t, testapp.Options{})
	recv := newReceiver(t, func(n int) (int, time.Duration) {
		if n == 1 {
			return http.StatusInternalServerError, 0
		}
		return http.StatusOK, 0
	})
	c := ta.client(t)
	c.signUpAdmin("admin@example.com")
	id, secret := addEndpoint(t, c, recv.URL, "user.banned")
	target := insertUser(t, ta, "target@example.com", models.RoleMember)
	expectStatus(t, c.adminPost("/admin/users/"+target.ID+"/ban", url.Values{}), http.StatusSeeOther)
	got := recv.wait(t, 2)
	if got[0].header.Get("webhook-id") != got[1].header.Get("webhook-id") {
		t.Fatalf("retry has webhook-id %q, first attempt %q", got[1].header.Get("webhook-id"), got[0].header.Get("webhook-id"))
	}
	verify(t, secret, got[1], true)
	ds := waitDeliveries(t, ta, id, 2)
	if ds[0].Attempt != 2 || ds[0].StatusCode != 200 || ds[1].Attempt != 1 || ds[1].StatusCode != 500 {
		t.Fatalf("delivery log: %+v", ds)
	}
	page := c.get("/admin/webhooks/" + id)
	if page.Doc.Find("[data-testid=delivery-row]").Length() != 2 {
		t.Fatal("the page does not list both attempts")
	}
	// Resend from the log: the same message again.
	expectStatus(t, c.submit("/admin/webhooks/"+id, "[data-testid=resend-form]", nil), http.StatusSeeOther)
	got = recv.wait(t, 3)
	if got[2].header.Get("webhook-id") != got[0].header.Get("webhook-id") || string(got[2].body) != string(got[0].body) {
		t.Fatal("resend is not the same message")
	}
	if n := webhookAudits(t, ta, models.AuditWebhookResend); n != 1 {
		t.Errorf("resend audited %d times", n)
	}
}

func webhookAudits(t *testing.T, ta *testApp, action string) int64 {
	t.Helper()
	return countRows(t, ta.DB, "SELECT COUNT(*) FROM audit_events WHERE action = ?", action)
}

func waitDeliveries(t *testing.T, ta *testApp, endpointID string, n int) []models.WebhookDelivery {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		ds, err := models.WebhookDeliveries(t.Context(), ta.DB, endpointID, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) >= n {
			return ds
		}
	}
	t.Fatalf("fewer than %d deliveries logged", n)
	return nil
}

// TestWebhookTimeoutIsAFailedAttempt: a receiver slower than the timeout
// counts as no answer and is retried.
func TestWebhookTimeoutIsAFailedAttempt(t *testing.T) {
	t.Parallel()
	ta := newWebhookApp(t, testapp.Options{WebhookTimeout: 300 * time.Millisecond})
	recv := newReceiver(t, func(n int) (int, time.Duration) {
		if n == 1 {
			return http.StatusOK, 5 * time.Second
		}
		return http.StatusOK, 0
	})
	c := ta.client(t)
	c.signUpAdmin("admin@example.com")
	id, _ := addEndpoint(t, c, recv.URL)
	expectStatus(t, c.submit("/admin/webhooks/"+id, "[data-testid=webhook-test-form]", nil), http.StatusSeeOther)
	ds := waitDeliveries(t, ta, id, 2)
	first, second := ds[1], ds[0]
	if first.StatusCode != 0 || first.Error == "" || first.DurationMS < 250 || first.DurationMS > 3000 {
		t.Errorf("timed-out attempt logged as %+v", first)
	}
	if second.StatusCode != 200 {
		t.Errorf("retry logged as %+v", second)
	}
}

// TestWebhookEndpointFailingFiveDaysIsDisabled: with the app's clock moved
// past five days of failures, the next failure disables the endpoint,
// audits it and mails the admins.
func TestWebhookEndpointFailingFiveDaysIsDisabled(t *testing.T) {
	t.Parallel()
	ta := newWebhookApp(t, testapp.Options{WebhookRetry: func(int) time.Duration { return time.Hour }})
	recv := newReceiver(t, func(int) (int, time.Duration) { return http.StatusServiceUnavailable, 0 })
	c := ta.client(t)
	c.signUpAdmin("admin@example.com")
	id, _ := addEndpoint(t, c, recv.URL)
	expectStatus(t, c.submit("/admin/webhooks/"+id, "[data-testid=webhook-test-form]", nil), http.StatusSeeOther)
	waitDeliveries(t, ta, id, 1)
	ta.clock.Advance(4 * 24 * time.Hour)
	expectStatus(t, c.submit("/admin/webhooks/"+id, "[data-testid=webhook-test-form]", nil), http.StatusSeeOther)
	waitDeliveries(t, ta, id, 2)
	if e, _ := models.WebhookEndpointByID(t.Context(), ta.DB, id); !e.Enabled {
		t.Fatal("disabled after 4 days")
	}
	ta.clock.Advance(24*time.Hour + time.Minute)
	expectStatus(t, c.submit("/admin/webhooks/"+id, "[data-testid=webhook-test-form]", nil), http.StatusSeeOther)
	waitDeliveries(t, ta, id, 3)
	e, _ := models.WebhookEndpointByID(t.Context(), ta.DB, id)
	if e.Enabled || e.DisabledReason == "" {
		t.Fatalf("after 5 days of failures: %+v", e)
	}
	if n := countRows(t, ta.DB, "SELECT COUNT(*) FROM audit_events WHERE action = ? AND actor_id IS NULL", models.AuditWebhookDisable); n != 1 {
		t.Errorf("%d automatic disable rows in the audit log", n)
	}
	if n := countRows(t, ta.DB, "SELECT COUNT(*) FROM outbox WHERE template = 'webhook_disabled' AND to_addr = 'admin@example.com'"); n != 1 {
		t.Errorf("%d mails to the admin", n)
	}
	page := c.get("/admin/webhooks/" + id)
	if page.Doc.Find("[data-testid=webhook-disabled]").Length() != 1 {
		t.Error("the page does not show it disabled")
	}
	// Enabling again starts a new run: the next failure does not disable it.
	expectStatus(t, c.submit("/admin/webhooks/"+id, "[data-testid=webhook-enable-form]", nil), http.StatusSeeOther)
	expectStatus(t, c.submit("/admin/webhooks/"+id, "[data-testid=webhook-test-form]", nil), http.StatusSeeOther)
	waitDeliveries(t, ta, id, 4)
	if e, _ := models.WebhookEndpointByID(t.Context(), ta.DB, id); !e.Enabled {
		t.Fatal("disabled again at once after being enabled")
	}
}

// TestWebhookSecretRotation: after a rotation both secrets sign for 24
// hours; then the new one alone.
func TestWebhookSecretRotation(t *testing.T) {
	t.Parallel()
	ta := newWebhookApp(t, testapp.Options{})
	recv := newReceiver(t, nil)
	c := ta.client(t)
	c.signUpAdmin("admin@example.com")
	id, old := addEndpoint(t, c, recv.URL)
	page := "/admin/webhooks/" + id
	expectRedirect(t, c.submit(page, "[data-testid=webhook-rotate-form]", nil), page)
	res := c.get(page)
	secret := strings.TrimSpace(res.Doc.Find("[data-testid=webhook-secret]").Text())
	if secret == old || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("rotated secret %q (was %q)", secret, old)
	}
	if res.Doc.Find("[data-testid=webhook-previous-secret]").Length() != 1 {
		t.Error("the page does not say the previous secret still signs")
	}
	expectStatus(t, c.submit(page, "[data-testid=webhook-test-form]", nil), http.StatusSeeOther)
	d := recv.wait(t, 1)[0]
	if n := len(strings.Fields(d.header.Get("webhook-signature"))); n != 2 {
		t.Fatalf("%d signatures during the overlap, want 2", n)
	}
	verify(t, secret, d, true)
	verify(t, old, d, true)

	ta.clock.Advance(24*time.Hour + time.Minute)
	expectStatus(t, c.submit(page, "[data-testid=webhook-test-form]", nil), http.StatusSeeOther)
	d = recv.wait(t, 2)[1]
	if n := len(strings.Fields(d.header.Get("webhook-signature"))); n != 1 {
		t.Fatalf("%d signatures after 24 hours, want 1", n)
	}
	verify(t, secret, d, false)
	if wh, _ := standardwebhooks.NewWebhook(old); wh.VerifyIgnoringTimestamp(d.body, d.header) == nil {
		t.Fatal("the old secret still verifies after 24 hours")
	}
	if n := webhookAudits(t, ta, models.AuditWebhookRotate); n != 1 {
		t.Errorf("rotation audited %d times", n)
	}
}

// TestWebhookURLsAreGuardedInProduction: plain http and names resolving to
// loopback, private or metadata addresses are refused at save time (the
// guard the admin form calls), and a name that later resolves to 127.0.0.1
// (DNS rebinding) is refused when the delivery connects. (A production
// server's Secure cookie does not travel over the test's plain http, so
// the endpoint is saved through the model; the form's use of the guard is
// tested in development, with a metadata address.)
func TestWebhookURLsAreGuardedInProduction(t *testing.T) {
	t.Parallel()
	dns := &resolver{names: map[string]string{"evil.example": "127.0.0.1", "hooks.example": "93.184.216.34", "meta.example": "169.254.169.254", "lan.example": "192.168.0.10"}}
	ta := newWebhookApp(t, testapp.Options{Resolver: dns, Env: map[string]string{"HEARTH_ENV": "production",
		"HEARTH_BASE_URL": "https://app.example.com", "HEARTH_SMTP_URL": "smtp://u:p@smtp.example.com:587"}})
	guard := ta.App.WebhookGuard
	for _, u := range []string{"https://evil.example/hook", "http://hooks.example/hook", "https://127.0.0.1/hook", "https://[::1]:8443/",
		"https://10.0.0.8/", "https://meta.example/latest", "https://lan.example/", "https://unknown.example/", "https://[::ffff:127.0.0.1]/"} {
		if err := guard.CheckURL(t.Context(), u); !errors.Is(err, webhook.ErrURLRefused) {
			t.Errorf("%s: %v, want refused", u, err)
		}
	}
	if err := guard.CheckURL(t.Context(), "https://hooks.example/hook"); err != nil {
		t.Fatalf("public https URL refused: %v", err)
	}
	e, err := models.CreateWebhookEndpoint(t.Context(), ta.DB, ta.App.Config.SecretKey, ta.clock.Now(), models.AuditEvent{}, models.WebhookInput{URL: "https://hooks.example/hook"})
	if err != nil {
		t.Fatal(err)
	}
	dns.set("hooks.example", "127.0.0.1") // rebinding after the check
	if _, err := models.SendWebhookTest(t.Context(), ta.DB, ta.clock.Now(), models.AuditEvent{}, e.ID); err != nil {
		t.Fatal(err)
	}
	ds := waitDeliveries(t, ta, e.ID, 1)
	if ds[0].StatusCode != 0 || !strings.Contains(ds[0].Error, "refused") {
		t.Fatalf("delivery to a rebound name: %+v", ds[0])
	}
}

// TestWebhookPrivateAddressesAllowedWhenAsked: HEARTH_WEBHOOK_ALLOW_PRIVATE
// lets a production server reach an internal receiver.
func TestWebhookPrivateAddressesAllowedWhenAsked(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t, nil)
	ta := newWebhookApp(t, testapp.Options{Env: map[string]string{"HEARTH_ENV": "production", "HEARTH_WEBHOOK_ALLOW_PRIVATE": "true",
		"HEARTH_BASE_URL": "https://app.example.com", "HEARTH_SMTP_URL": "smtp://u:p@smtp.example.com:587"}})
	if err := ta.App.WebhookGuard.CheckURL(t.Context(), recv.URL); err != nil {
		t.Fatal(err)
	}
	e, err := models.CreateWebhookEndpoint(t.Context(), ta.DB, ta.App.Config.SecretKey, ta.clock.Now(), models.AuditEvent{}, models.WebhookInput{URL: recv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.SendWebhookTest(t.Context(), ta.DB, ta.clock.Now(), models.AuditEvent{}, e.ID); err != nil {
		t.Fatal(err)
	}
	if d := recv.wait(t, 1)[0]; d.event.Type != models.WebhookTestEvent {
		t.Fatalf("got %q", d.event.Type)
	}
}

// TestTwoInstancesDeliverEachEventOnce: two servers on one database, both
// working the queue, deliver every event exactly once.
func TestTwoInstancesDeliverEachEventOnce(t *testing.T) {
	t.Parallel()
	if !testdb.Postgres() {
		t.Skip("several instances share a PostgreSQL database (HEARTH_TEST_POSTGRES_URL)")
	}
	recv := newReceiver(t, nil)
	a := newWebhookApp(t, testapp.Options{})
	b := newWebhookApp(t, testapp.Options{Database: a.DBPath})
	c := a.client(t)
	c.signUpAdmin("admin@example.com")
	id, _ := addEndpoint(t, c, recv.URL, "user.created")
	const n = 40
	for i := range n {
		u := b.client(t)
		if i%2 == 0 {
			u = a.client(t)
		}
		expectStatus(t, u.post("/signup", url.Values{"name": {"N"}, "email": {"u" + itoa(int64(i)) + "@example.com"}, "password": {goodPassword}}), http.StatusSeeOther)
	}
	recv.wait(t, n)
	time.Sleep(300 * time.Millisecond) // a double delivery would have arrived
	seen := map[string]int{}
	for _, d := range recv.deliveries() {
		seen[d.header.Get("webhook-id")]++
	}
	if len(seen) != n || len(recv.deliveries()) != n {
		t.Fatalf("%d requests for %d messages, want %d of each", len(recv.deliveries()), len(seen), n)
	}
	if ds := waitDeliveries(t, a, id, n); len(ds) != n {
		t.Fatalf("%d deliveries logged", len(ds))
	}
}

// TestWebhookRedirectsAreNotFollowed: a 3xx is a failed attempt; the
// redirect's target never hears from Hearth (it could be an internal
// address the guard would refuse).
func TestWebhookRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	ta := newWebhookApp(t, testapp.Options{WebhookRetry: func(int) time.Duration { return time.Hour }})
	target := newReceiver(t, nil)
	redirector := httptest.NewServer(http.RedirectHandler(target.URL+"/elsewhere", http.StatusTemporaryRedirect))
	t.Cleanup(redirector.Close)
	c := ta.client(t)
	c.signUpAdmin("admin@example.com")
	id, _ := addEndpoint(t, c, redirector.URL)
	expectStatus(t, c.submit("/admin/webhooks/"+id, "[data-testid=webhook-test-form]", nil), http.StatusSeeOther)
	ds := waitDeliveries(t, ta, id, 1)
	if ds[0].StatusCode != http.StatusTemporaryRedirect || ds[0].OK() {
		t.Fatalf("redirect logged as %+v", ds[0])
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(target.deliveries()); n != 0 {
		t.Fatalf("the redirect was followed: %d requests at its target", n)
	}
}

// TestSessionEndedForEverySessionThatEnds: each ended session raises one
// session.ended event naming it and why, in the change's own
// transaction: a sign-out, a revocation, a password change (the other
// sessions), a ban, and the clean-up of sessions that ran out.
func TestSessionEndedForEverySessionThatEnds(t *testing.T) {
	t.Parallel()
	ta := newWebhookApp(t, testapp.Options{})
	recv := newReceiver(t, nil)
	admin := ta.client(t)
	admin.signUpAdmin("admin@example.com")
	_, secret := addEndpoint(t, admin, recv.URL, "session.ended")
	publicID := func(c *client) string { return models.HashToken(c.cookie().Value)[:16] }

	laptop, phone, tablet := ta.client(t), ta.client(t), ta.client(t)
	laptop.signUp("ada@example.com", goodPassword)
	expectRedirect(t, phone.signIn("ada@example.com", goodPassword), "/account")
	expectRedirect(t, tablet.signIn("ada@example.com", goodPassword), "/account")
	want := map[string]models.EndReason{} // public session id → reason
	want[publicID(tablet)] = models.EndedRevoked
	expectStatus(t, laptop.post("/account/sessions/"+publicID(tablet)+"/revoke", nil), http.StatusSeeOther)
	want[publicID(phone)] = models.EndedPasswordChanged // the laptop's goes on, on a new token
	expectStatus(t, laptop.post("/account/password", url.Values{"current_password": {goodPassword}, "new_password": {"another good passphrase"}}), http.StatusSeeOther)
	want[publicID(laptop)] = models.EndedBanned
	ada, err := models.UserByEmail(t.Context(), ta.DB, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	expectStatus(t, admin.adminPost("/admin/users/"+ada.ID+"/ban", url.Values{}), http.StatusSeeOther)

	bob := ta.client(t)
	bob.signUp("bob@example.com", goodPassword)
	want[publicID(bob)] = models.EndedSignOut
	expectStatus(t, bob.post("/logout", nil), http.StatusSeeOther)
	idle := ta.client(t)
	idle.signUp("idle@example.com", goodPassword)
	want[publicID(idle)] = models.EndedExpired
	want[publicID(admin)] = models.EndedExpired
	if _, err := models.DeleteExpiredSessions(t.Context(), ta.DB, ta.clock.Now().Add(8*24*time.Hour), 7*24*time.Hour); err != nil {
		t.Fatal(err)
	}

	got := recv.wait(t, len(want))
	time.Sleep(200 * time.Millisecond) // a duplicate would have arrived by now
	got = recv.deliveries()
	seen := map[string]bool{}
	for _, d := range got {
		verify(t, secret, d, true)
		s, _ := d.event.Data["session"].(map[string]any)
		id, _ := s["id"].(string)
		if d.event.Type != "session.ended" || seen[id] {
			t.Errorf("unexpected or repeated delivery: %s", d.body)
			continue
		}
		seen[id] = true
		if reason, ok := want[id]; !ok || s["reason"] != string(reason) {
			t.Errorf("session %s: reason %v, want %q (body %s)", id, s["reason"], reason, d.body)
		}
		if user, _ := d.event.Data["user"].(map[string]any); user["id"] == nil || user["email"] == nil {
			t.Errorf("session.ended without its user: %s", d.body)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("%d sessions announced, want %d", len(seen), len(want))
	}
}

// TestConcurrentEndingsAnnounceEachSessionOnce: when several requests end
// the same sessions at once (two admins pressing "sign out everywhere", on
// two instances), each session is announced by the one that ended it, not
// by every one that saw it live.
func TestConcurrentEndingsAnnounceEachSessionOnce(t *testing.T) {
	t.Parallel()
	ta := newWebhookApp(t, testapp.Options{})
	admin := ta.client(t)
	admin.signUpAdmin("admin@example.com")
	addEndpoint(t, admin, newReceiver(t, nil).URL, "session.ended")
	laptop, phone, tablet := ta.client(t), ta.client(t), ta.client(t)
	laptop.signUp("ada@example.com", goodPassword)
	expectRedirect(t, phone.signIn("ada@example.com", goodPassword), "/account")
	expectRedirect(t, tablet.signIn("ada@example.com", goodPassword), "/account")
	ada, err := models.UserByEmail(t.Context(), ta.DB, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	const revokers = 8
	var wg sync.WaitGroup
	errs := make(chan error, revokers)
	for range revokers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- models.AdminRevokeSessions(t.Context(), ta.DB, ta.clock.Now(), models.AuditEvent{}, ada, "", "")
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM webhook_events WHERE type = 'session.ended'"); n != 3 {
		t.Errorf("%d session.ended events for 3 sessions ended by %d requests at once", n, revokers)
	}
}
