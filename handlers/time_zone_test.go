package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestTimesShowInTheReadersZone: app.js reports the browser's zone once
// (POST /time-zone), and times then show in it; a zone chosen in the
// profile wins over the browser's; bad names are refused with a message.
func TestTimesShowInTheReadersZone(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("tz@example.com", goodPassword)
	signedIn := func() string {
		return c.get("/account/sessions").Doc.Find("[data-label='Signed in'] time").Text()
	}
	if got := signedIn(); !strings.HasSuffix(got, " UTC") {
		t.Errorf("before the browser said its zone: %q, want UTC", got)
	}

	expectStatus(t, c.post("/time-zone", url.Values{"time_zone": {"Asia/Tokyo"}}), http.StatusNoContent)
	page := c.get("/account/sessions")
	if got := page.Doc.Find("html").AttrOr("data-time-zone", ""); got != "Asia/Tokyo" {
		t.Errorf("the page says the browser's zone is %q", got)
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	want := ta.clock.Now().In(tokyo).Format("2 Jan 2006 15:04") + " JST"
	if got := signedIn(); got != want {
		t.Errorf("in the browser's zone: %q, want %q", got, want)
	}

	// The profile's choice wins; empty gives the browser's back.
	expectRedirect(t, c.submit("/account", "[data-testid=time-zone-form]", url.Values{"time_zone": {"America/New_York"}}), "/account")
	if got := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE email = ? AND time_zone = 'America/New_York'", "tz@example.com"); got != 1 {
		t.Error("the chosen zone was not stored")
	}
	if got := signedIn(); !strings.HasSuffix(got, " EST") && !strings.HasSuffix(got, " EDT") {
		t.Errorf("in the chosen zone: %q", got)
	}
	expectRedirect(t, c.submit("/account", "[data-testid=time-zone-form]", url.Values{"time_zone": {""}}), "/account")
	if got := signedIn(); !strings.HasSuffix(got, " JST") {
		t.Errorf("back to the browser's: %q", got)
	}

	// Bad names: a message in place, nothing stored.
	for _, bad := range []string{"Mars/Olympus", "Local", "../../etc/passwd", "/etc/localtime", strings.Repeat("A", 300), "Europe/Paris\x00"} {
		res := c.submit("/account", "[data-testid=time-zone-form]", url.Values{"time_zone": {bad}})
		if res.StatusCode != http.StatusUnprocessableEntity && res.StatusCode != http.StatusBadRequest {
			t.Errorf("profile zone %.20q: status %d", bad, res.StatusCode)
		}
		if res.StatusCode == http.StatusUnprocessableEntity && !strings.Contains(res.Doc.Find("[data-testid=error-time_zone]").Text(), "Europe/Paris") {
			t.Errorf("profile zone %.20q: message %q", bad, res.Doc.Find(".field-error").Text())
		}
		if r := c.post("/time-zone", url.Values{"time_zone": {bad}}); r.StatusCode != http.StatusUnprocessableEntity && r.StatusCode != http.StatusBadRequest {
			t.Errorf("browser zone %.20q: status %d", bad, r.StatusCode)
		}
	}
	if got := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE email = ? AND time_zone = ''", "tz@example.com"); got != 1 {
		t.Error("a refused zone changed the stored one")
	}
	// A forged cookie naming no zone is ignored.
	d := ta.client(t)
	req, _ := http.NewRequest(http.MethodGet, ta.URL+"/login", nil)
	req.AddCookie(&http.Cookie{Name: "time_zone", Value: "../../../etc/passwd"})
	expectStatus(t, d.do(req), http.StatusOK)
}

// TestAccountAreaTimesAreInTheReadersZone: the tokens list and an
// organization's page (like the passkeys list, through the same
// layout.Page helpers) show times in the reader's zone, not in UTC.
func TestAccountAreaTimesAreInTheReadersZone(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("zones@example.com", goodPassword)
	expectStatus(t, c.post("/time-zone", url.Values{"time_zone": {"Asia/Tokyo"}}), http.StatusNoContent)
	expectStatus(t, c.post("/account/tokens", url.Values{"name": {"ci"}, "expires_days": {"30"}}), http.StatusOK)
	if got := c.get("/account/tokens").Doc.Find("[data-label=Created] time").Text(); !strings.HasSuffix(got, " JST") {
		t.Errorf("token created at %q, want Tokyo time", got)
	}
	expectStatus(t, c.post("/orgs", url.Values{"name": {"Zone Labs"}}), http.StatusSeeOther)
	if got := c.get("/orgs/zone-labs").Doc.Find(".details time").AttrOr("title", ""); !strings.HasSuffix(got, " JST") {
		t.Errorf("organization created at %q, want Tokyo time", got)
	}
}
