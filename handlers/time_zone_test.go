package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/models"
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

// TestAdminPagesShowTimesInTheAdminsZone: the admin pages print times in
// the admin's own zone (the audit log, a user's page, the users and
// organizations lists), relative with the exact time on hover, while the
// <time datetime> and the CSV export stay RFC 3339 in UTC.
func TestAdminPagesShowTimesInTheAdminsZone(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	admin.signUpAdmin("admin@example.com")
	expectRedirect(t, admin.submit("/account", "[data-testid=time-zone-form]", url.Values{"time_zone": {"Asia/Tokyo"}}), "/account")

	signedUp := ta.clock.Now()
	member := ta.client(t)
	m := member.signUpMember("member@example.com")
	expectStatus(t, member.post("/orgs", url.Values{"name": {"Acme"}}), http.StatusSeeOther)
	ta.clock.Advance(3 * time.Hour)

	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	wantTitle := signedUp.In(tokyo).Format("2 Jan 2006 15:04") + " JST"
	wantAttr := signedUp.UTC().Format(time.RFC3339)
	check := func(page, where string, tm *goquerySelection) {
		t.Helper()
		if tm.Length() == 0 {
			t.Fatalf("%s: no time in %s", page, where)
		}
		if got := tm.First().AttrOr("title", ""); got != wantTitle {
			t.Errorf("%s, %s: title %q, want %q (Tokyo)", page, where, got, wantTitle)
		}
		if got := tm.First().AttrOr("datetime", ""); got != wantAttr {
			t.Errorf("%s, %s: datetime %q, want %q (UTC)", page, where, got, wantAttr)
		}
		if got := tm.First().Text(); got != "3 hours ago" {
			t.Errorf("%s, %s: text %q, want 3 hours ago", page, where, got)
		}
	}
	signUpRow := func(res *response) *goquerySelection {
		t.Helper()
		expectStatus(t, res, http.StatusOK)
		return res.Doc.Find("[data-testid=event-row]").FilterFunction(func(_ int, s *goquerySelection) bool {
			return s.Find("[data-testid=event-action]").Text() == models.AuditSignUp
		})
	}

	check("audit log", "the sign-up event", signUpRow(admin.get("/admin/audit?user=member@example.com")).Find("[data-testid=event-time] time"))
	user := admin.get("/admin/users/" + m.ID)
	check("user page", "signed up", user.Doc.Find("[data-testid=user-created] time"))
	check("user page", "the sign-up event", signUpRow(user).Find("[data-testid=event-time] time"))
	check("user page", "the session", user.Doc.Find("[data-testid=session-row] [data-label=Started] time"))
	check("users list", "created", admin.get("/admin/users?q=member").Doc.Find("[data-testid=user-row] time"))
	check("organizations", "created", admin.get("/admin/orgs").Doc.Find("[data-testid=admin-org-row] time"))
	if strings.Contains(user.Body, " UTC<") || strings.Contains(user.Body, " UTC ") {
		t.Error("the user page still prints a time in UTC")
	}

	// The export is for machines: UTC, as its README line says.
	export := admin.get("/admin/audit/export?user=member@example.com")
	expectStatus(t, export, http.StatusOK)
	if !strings.Contains(export.Body, "\n"+wantAttr+","+models.AuditSignUp+",") {
		t.Errorf("the CSV export has no sign-up row at %s:\n%s", wantAttr, export.Body)
	}
}
