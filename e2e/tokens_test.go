package e2e_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserCreateATokenCopyItAndCallTheAPI: a token created in the browser
// is shown once with a working copy button, and calls the API.
func TestBrowserCreateATokenCopyItAndCallTheAPI(t *testing.T) {
	srv := startServer(t)
	tb := newTab(t)
	tb.signUp(srv, "Tao", "tao@example.com", "tokens in a browser")
	tb.do(
		chromedp.Navigate(srv.URL+"/account/tokens"),
		chromedp.WaitVisible("[data-testid=tokens]"),
		chromedp.SendKeys("#field-name", "laptop script"),
		chromedp.Submit("form[data-testid=create-token]"),
		chromedp.WaitVisible("[data-testid=copy-token]"),
	)
	tb.checkAccessibility("new token page")
	secret, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.getElementById("token-secret").value`))
	if err != nil || !strings.HasPrefix(secret, "hth_") {
		t.Fatalf("token on the page: %q, %v", secret, err)
	}
	tb.do(chromedp.Click("[data-testid=copy-token]"))
	// The clipboard answers asynchronously: wait for the button to say so.
	got := ""
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got = tb.text("[data-testid=copy-token]"); got == "Copied" {
			break
		}
	}
	if got != "Copied" {
		t.Errorf("copy button says %q after a click", got)
	}

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"email":"tao@example.com"`) {
		t.Fatalf("API with the browser's token: %d %s", res.StatusCode, body)
	}

	tb.do(chromedp.Navigate(srv.URL+"/account/tokens"), chromedp.WaitVisible("[data-testid=token-row]"))
	if tb.exists("[data-testid=token-secret]") {
		t.Error("the token is shown again")
	}
}
