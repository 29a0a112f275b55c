package e2e_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hearth-app/hearth/internal/testapp"
)

// TestBrowserAdminRegistersAWebhook: an admin adds an endpoint in the
// browser, sends a test event, and a receiver verifies it with the
// Standard Webhooks library and the secret the page shows; the pages pass
// axe in light and dark.
func TestBrowserAdminRegistersAWebhook(t *testing.T) {
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	srv := testapp.New(t, testapp.Options{Throttled: true, Jobs: true,
		Env: map[string]string{"HEARTH_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}})
	admin := newTab(t)
	admin.signUp(srv, "Alice", "alice@example.com", "the admin of it all")
	admin.makeAdmin(srv, "alice@example.com", "the admin of it all")

	admin.do(chromedp.Navigate(srv.URL+"/admin"), chromedp.WaitVisible("[data-testid=admin-nav]"),
		chromedp.Click(`[data-testid=admin-nav] a[href="/admin/webhooks"]`), chromedp.WaitVisible("[data-testid=webhook-form]"))
	admin.checkAccessibility("admin webhooks")
	admin.screenshot("admin-webhooks")
	admin.do(
		chromedp.SendKeys("#field-url", recv.URL+"/hook"),
		chromedp.SendKeys("#field-description", "CRM sync"),
		chromedp.Click(`input[name=event_types][value="user.created"]`),
		chromedp.Submit("#field-url"),
		chromedp.WaitVisible("[data-testid=webhook-secret]"),
	)
	admin.checkAccessibility("admin webhook")
	secret := strings.TrimSpace(admin.text("[data-testid=webhook-secret]"))
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}
	admin.do(chromedp.Click("[data-testid=webhook-test-form] button"), chromedp.WaitVisible("[data-testid=webhook-test-form]"))
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the test event never arrived")
		}
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if err := wh.Verify(bodies[0], got[0].Header); err != nil {
		t.Fatalf("the receiver refuses the test event: %v", err)
	}
	mu.Unlock()
	admin.do(chromedp.Reload(), chromedp.WaitVisible("[data-testid=delivery-row]"))
	admin.checkAccessibility("admin webhook with deliveries")
	admin.screenshot("admin-webhook")
}
