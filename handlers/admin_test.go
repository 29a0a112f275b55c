package handlers_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/devseed"
	"github.com/hearth-app/hearth/models"
)

// adminForms are the form values each admin POST route needs to succeed.
// A new route that needs fields gets an entry here.
var adminForms = map[string]func(target *models.User) url.Values{
	"/admin/users/:id/role":      func(*models.User) url.Values { return url.Values{"role": {"admin"}} },
	"/admin/users/:id/delete":    func(u *models.User) url.Values { return url.Values{"confirm": {u.Email}} },
	"/admin/users/:id/2fa/reset": func(*models.User) url.Values { return url.Values{"confirmed": {"yes"}} },
	"/admin/webhooks":            func(*models.User) url.Values { return url.Values{"url": {"http://127.0.0.1:9/hook"}} },
	"/admin/webhooks/:id":        func(*models.User) url.Values { return url.Values{"url": {"http://127.0.0.1:9/other"}} },
	"/admin/webhooks/:id/delete": func(*models.User) url.Values { return url.Values{"confirm": {"delete"}} },
}

// adminRouteID is what a route's :id stands for: a row that adminIDs
// makes for its path, a webhook endpoint under /admin/webhooks/ (a new one
// for each admin request), a user elsewhere.
func adminRouteID(t *testing.T, ta *testApp, path string, target *models.User) string {
	t.Helper()
	if f := adminIDs[path]; f != nil {
		return f(t, ta, target)
	}
	if !strings.HasPrefix(path, "/admin/webhooks/") {
		return target.ID
	}
	e, err := models.CreateWebhookEndpoint(t.Context(), ta.DB, ta.App.Config.SecretKey, ta.clock.Now(), models.AuditEvent{}, models.WebhookInput{URL: "http://127.0.0.1:9/hook"})
	if err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// adminIDs give the :id of admin routes whose id is not a user's: a new
// route of another kind of row gets an entry here.
var adminIDs = map[string]func(t *testing.T, ta *testApp, target *models.User) string{
	"/admin/orgs/:id": func(t *testing.T, ta *testApp, target *models.User) string {
		org, err := models.CreateOrg(t.Context(), ta.DB, ta.clock.Now(), models.AuditEvent{}, target, "Guarded", "")
		if err != nil {
			t.Fatal(err)
		}
		return org.ID
	},
}

// TestEveryAdminRouteIsGuarded walks the router's own list of routes under
// /admin, so a route added without the guard fails here.
func TestEveryAdminRouteIsGuarded(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_SECRET_KEY", testSecretKey))
	ta.client(t).signUpAdmin("boss@example.com")
	member := ta.client(t)
	member.signUpMember("member@example.com")
	victim := insertUser(t, ta, "victim@example.com", models.RoleMember)

	var routes int
	for _, r := range ta.App.Routes().Routes() {
		if !strings.HasPrefix(r.Path, "/admin") || (r.Method != http.MethodGet && r.Method != http.MethodPost) {
			continue
		}
		routes++
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			do := func(c *client, target *models.User) *response {
				path := strings.ReplaceAll(r.Path, ":id", adminRouteID(t, ta, r.Path, target))
				if r.Method == http.MethodGet {
					return c.get(path)
				}
				form := url.Values{}
				if f := adminForms[r.Path]; f != nil {
					form = f(target)
				}
				return c.post(path, form)
			}
			// Anonymous: sent to sign in.
			res := do(ta.client(t), victim)
			expectStatus(t, res, http.StatusSeeOther)
			if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
				t.Fatalf("anonymous: Location %q, want /login…", loc)
			}
			// Member: the 403 page, and nothing changed.
			res = do(member, victim)
			expectStatus(t, res, http.StatusForbidden)
			if res.Doc.Find("[data-testid=error-page]").Length() != 1 {
				t.Error("member: no 403 page")
			}
			if u := userByID(t, ta, victim.ID); u.BannedAt != nil || u.Role != models.RoleMember {
				t.Fatalf("a member's request changed the victim: %+v", u)
			}
			// Admin (a fresh session and target each time): in.
			admin := ta.client(t)
			expectRedirect(t, admin.signIn("boss@example.com", goodPassword), "/account")
			target := insertUser(t, ta, "target-"+strings.ToLower(r.Method)+strings.NewReplacer("/", "-", ":", "").Replace(r.Path)+"@example.com", models.RoleMember)
			res = do(admin, target)
			if res.StatusCode < 200 || res.StatusCode >= 400 {
				t.Fatalf("admin: status %d\n%s", res.StatusCode, res.Doc.Find("main").Text())
			}
		})
	}
	if routes < 12 {
		t.Fatalf("found %d admin routes, want at least 12: is the router listing them?", routes)
	}
}

func TestBanEndsEverySessionAtOnceAndBlocksSignIn(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	boss := admin.signUpAdmin("boss@example.com")
	phone, laptop := ta.client(t), ta.client(t)
	m := phone.signUpMember("member@example.com")
	expectRedirect(t, laptop.signIn("member@example.com", goodPassword), "/account")

	res := admin.confirm(admin.submit("/admin/users/"+m.ID, "[data-testid=ban-form]", url.Values{"reason": {"spam"}}))
	expectRedirect(t, res, "/admin/users/"+m.ID)
	phone.expectSignedOut()
	laptop.expectSignedOut()
	expectStatus(t, ta.client(t).signIn("member@example.com", goodPassword), http.StatusForbidden)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND actor_id = ? AND target_id = ? AND detail LIKE '%spam%'", models.AuditBan, boss.ID, m.ID); n != 1 {
		t.Errorf("ban audit rows = %d, want 1", n)
	}
	page := admin.get("/admin/users/" + m.ID)
	if page.Doc.Find("[data-testid=user-status]").Text() == "Active" || page.Doc.Find("[data-testid=unban-form]").Length() != 1 {
		t.Error("the user page does not show the ban")
	}

	expectRedirect(t, admin.submit("/admin/users/"+m.ID, "[data-testid=unban-form]", nil), "/admin/users/"+m.ID)
	expectRedirect(t, phone.signIn("member@example.com", goodPassword), "/account")
	phone.expectSignedIn()
	if n := auditCount(t, ta, models.AuditUnban, boss.ID, m.ID); n != 1 {
		t.Errorf("unban audit rows = %d, want 1", n)
	}
}

func TestBanReasonIsBounded(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	admin.signUpAdmin("boss@example.com")
	v := insertUser(t, ta, "victim@example.com", models.RoleMember)
	res := admin.submit("/admin/users/"+v.ID, "[data-testid=ban-form]", url.Values{"reason": {strings.Repeat("x", 201)}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if res.Doc.Find("[data-testid=error-reason]").Length() != 1 {
		t.Error("no message next to the reason field")
	}
	if userByID(t, ta, v.ID).BannedAt != nil {
		t.Error("banned despite the invalid form")
	}
}

func TestDeleteEndsSessionsAndNeedsConfirmation(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	boss := admin.signUpAdmin("boss@example.com")
	member := ta.client(t)
	m := member.signUpMember("member@example.com")

	res := admin.submit("/admin/users/"+m.ID, "[data-testid=delete-form]", url.Values{"confirm": {"someone@example.com"}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if got := res.Doc.Find("#field-confirm").AttrOr("value", ""); got != "someone@example.com" {
		t.Errorf("typed confirmation not kept: %q", got)
	}
	if res.Doc.Find("[data-testid=error-confirm]").Length() != 1 {
		t.Error("no message next to the confirmation field")
	}
	member.expectSignedIn()

	res = admin.submit("/admin/users/"+m.ID, "[data-testid=delete-form]", url.Values{"confirm": {"Member@Example.com "}})
	expectRedirect(t, res, "/admin/users")
	member.expectSignedOut()
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE id = ?", m.ID); n != 0 {
		t.Error("the user is still there")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM sessions WHERE user_id = ?", m.ID); n != 0 {
		t.Errorf("%d sessions of the deleted user remain", n)
	}
	if n := auditCount(t, ta, models.AuditUserDelete, boss.ID, m.ID); n != 1 {
		t.Errorf("delete audit rows = %d, want 1", n)
	}
	expectStatus(t, admin.get("/admin/users/"+m.ID), http.StatusNotFound)
}

func TestLastAdminAndSelfGuards(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	boss := admin.signUpAdmin("boss@example.com")
	self := "/admin/users/" + boss.ID

	page := admin.get(self)
	if page.Doc.Find("[data-testid=ban-form], [data-testid=delete-form], [data-testid=impersonate-form]").Length() != 0 {
		t.Error("an admin is offered to ban, delete or impersonate themselves")
	}
	for _, tc := range []struct {
		path string
		form url.Values
		want string
	}{
		{self + "/role", url.Values{"role": {"member"}}, "last admin"},
		{self + "/ban", nil, "your own account"},
		{self + "/delete", url.Values{"confirm": {boss.Email}}, "your own account"},
		{self + "/impersonate", nil, "your own account"},
	} {
		res := admin.adminPost(tc.path, tc.form)
		expectStatus(t, res, http.StatusConflict)
		if msg := res.Doc.Find("[data-testid=form-error]").Text(); !strings.Contains(msg, tc.want) {
			t.Errorf("POST %s: message %q, want it to mention %q", tc.path, msg, tc.want)
		}
	}
	if u := userByID(t, ta, boss.ID); !u.IsAdmin() || u.BannedAt != nil {
		t.Fatalf("a guard let a change through: %+v", u)
	}
	admin.expectSignedIn()

	// With a second admin, the first may demote the second; then the first
	// is the last again. A banned admin does not count as one.
	second := insertUser(t, ta, "second@example.com", models.RoleAdmin)
	expectRedirect(t, admin.adminPost("/admin/users/"+second.ID+"/ban", nil), "/admin/users/"+second.ID)
	expectStatus(t, admin.adminPost(self+"/role", url.Values{"role": {"member"}}), http.StatusConflict)
	expectRedirect(t, admin.adminPost("/admin/users/"+second.ID+"/role", url.Values{"role": {"member"}}), "/admin/users/"+second.ID)
	if n := auditCount(t, ta, models.AuditRoleChange, boss.ID, second.ID); n != 1 {
		t.Errorf("role change audit rows = %d, want 1", n)
	}
	// An unknown role is a validation error, not a 500.
	expectStatus(t, admin.adminPost("/admin/users/"+second.ID+"/role", url.Values{"role": {"owner"}}), http.StatusUnprocessableEntity)
}

func TestDemotingYourselfRenewsTheTokenAndClosesTheAdminArea(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	boss := admin.signUpAdmin("boss@example.com")
	insertUser(t, ta, "other-admin@example.com", models.RoleAdmin)
	before := admin.cookie().Value

	res := admin.adminPost("/admin/users/"+boss.ID+"/role", url.Values{"role": {"member"}})
	expectRedirect(t, res, "/account")
	if admin.cookie().Value == before {
		t.Error("the session token was not renewed after a role change")
	}
	expectStatus(t, admin.get("/admin"), http.StatusForbidden)
	admin.expectSignedIn()
}

func TestRevokeOneOrAllSessions(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	boss := admin.signUpAdmin("boss@example.com")
	phone, laptop := ta.client(t), ta.client(t)
	m := phone.signUpMember("member@example.com")
	expectRedirect(t, laptop.signIn("member@example.com", goodPassword), "/account")

	page := admin.get("/admin/users/" + m.ID)
	if n := page.Doc.Find("[data-testid=session-row]").Length(); n != 2 {
		t.Fatalf("%d sessions listed, want 2", n)
	}
	// The device reads as on the user's own sessions page, not as a raw
	// User-Agent header.
	own := strings.Join(strings.Fields(laptop.get("/account/sessions").Doc.Find("[data-testid=session-row] td").First().Text()), " ")
	if got := page.Doc.Find("[data-testid=session-device]").First().Text(); got == "" || !strings.HasPrefix(own, got) {
		t.Errorf("admin sees the device as %q, its owner as %q", got, own)
	}
	// Revoke the laptop's session, as listed: under the name its owner sees
	// on their own sessions page.
	id := laptop.get("/account/sessions").Doc.Find("[data-testid=session-row]:has([data-testid=current-session])").AttrOr("data-session-id", "")
	if id == "" {
		t.Fatal("the laptop's own sessions page does not name its session")
	}
	if page.Doc.Find("[data-testid=revoke-session-form] input[name=session][value='"+id+"']").Length() != 1 {
		t.Fatalf("the laptop's session %s is not listed with a revoke button under that name", id)
	}
	if strings.Contains(page.Body, models.HashToken(laptop.cookie().Value)) {
		t.Error("the admin page shows a session's full token hash")
	}
	expectRedirect(t, admin.adminPost("/admin/users/"+m.ID+"/sessions/revoke", url.Values{"session": {id}}), "/admin/users/"+m.ID)
	laptop.expectSignedOut()
	phone.expectSignedIn()
	// Another user's session id does nothing to them.
	expectRedirect(t, admin.adminPost("/admin/users/"+boss.ID+"/sessions/revoke", url.Values{"session": {id}}), "/admin/users/"+boss.ID)
	admin.expectSignedIn()

	expectRedirect(t, admin.confirm(admin.submit("/admin/users/"+m.ID, "[data-testid=revoke-all-form]", nil)), "/admin/users/"+m.ID)
	phone.expectSignedOut()
	if n := auditCount(t, ta, models.AuditSessionRevoke, boss.ID, m.ID); n != 2 {
		t.Errorf("session revoke audit rows = %d, want 2", n)
	}
	// On their own page an admin keeps the session in use.
	expectRedirect(t, admin.adminPost("/admin/users/"+boss.ID+"/sessions/revoke", nil), "/admin/users/"+boss.ID)
	admin.expectSignedIn()
}

func TestMarkEmailVerified(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	boss := admin.signUpAdmin("boss@example.com")
	v := insertUser(t, ta, "unverified@example.com", models.RoleMember)
	expectRedirect(t, admin.submit("/admin/users/"+v.ID, "[data-testid=verify-form]", nil), "/admin/users/"+v.ID)
	if userByID(t, ta, v.ID).EmailVerifiedAt == nil {
		t.Fatal("not marked verified")
	}
	if admin.get("/admin/users/"+v.ID).Doc.Find("[data-testid=email-verified]").Length() != 1 {
		t.Error("the page does not show the address as verified")
	}
	if n := auditCount(t, ta, models.AuditEmailVerified, boss.ID, v.ID); n != 1 {
		t.Errorf("email_verified audit rows = %d, want 1", n)
	}
}

func TestImpersonation(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	boss := admin.signUpAdmin("boss@example.com")
	m := insertUser(t, ta, "member@example.com", models.RoleMember)
	other := insertUser(t, ta, "other-admin@example.com", models.RoleAdmin)

	// Not other admins.
	res := admin.adminPost("/admin/users/"+other.ID+"/impersonate", nil)
	expectStatus(t, res, http.StatusConflict)
	if admin.get("/admin/users/"+other.ID).Doc.Find("[data-testid=impersonate-form]").Length() != 0 {
		t.Error("the impersonate button is offered for an admin")
	}

	before := admin.cookie().Value
	expectRedirect(t, admin.submit("/admin/users/"+m.ID, "[data-testid=impersonate-form]", nil), "/account")
	if admin.cookie().Value == before {
		t.Error("impersonation did not renew the session token")
	}
	page := admin.get("/account")
	expectStatus(t, page, http.StatusOK)
	if got := page.Doc.Find("[data-testid=account-email]").Text(); got != m.Email {
		t.Errorf("account page shows %q, want the member's %q", got, m.Email)
	}
	banner := page.Doc.Find("[data-testid=impersonation-banner]")
	if banner.Length() != 1 || !strings.Contains(banner.Text(), boss.Email) {
		t.Error("no impersonation banner naming the admin")
	}
	if page.Doc.Find("[data-testid=nav-admin]").Length() != 0 {
		t.Error("the admin link shows while impersonating")
	}
	if ta.client(t).get("/").Doc.Find("[data-testid=impersonation-banner]").Length() != 0 {
		t.Error("a stranger sees the banner")
	}
	// What it may not do: the admin area, even with the member promoted
	// meanwhile. The refusal is no dead end: it offers the way out.
	refused := admin.get("/admin")
	expectStatus(t, refused, http.StatusForbidden)
	if refused.Doc.Find("form[action='/admin/impersonation/stop'] [data-testid=stop-impersonating]").Length() != 1 {
		t.Error("the 403 while impersonating does not offer to stop impersonating")
	}
	expectStatus(t, admin.adminPost("/admin/users/"+other.ID+"/impersonate", nil), http.StatusForbidden)
	// (A role change ends the member's sessions, this one included; the
	// guard must hold without that, so the role is written directly.)
	setRoleRaw := func(role string) {
		if err := ta.DB.Write.Exec("UPDATE users SET role = ? WHERE id = ?", role, m.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	setRoleRaw(models.RoleAdmin)
	expectStatus(t, admin.get("/admin/users"), http.StatusForbidden)
	setRoleRaw(models.RoleMember)

	during := admin.cookie().Value
	res = admin.submit("/account", "form[action='/admin/impersonation/stop']", nil)
	expectRedirect(t, res, "/admin/users/"+m.ID)
	if admin.cookie().Value == during {
		t.Error("stopping did not renew the session token")
	}
	expectStatus(t, admin.get("/admin"), http.StatusOK)
	if got := admin.get("/account").Doc.Find("[data-testid=account-email]").Text(); got != boss.Email {
		t.Errorf("after stopping the account page shows %q", got)
	}
	for _, action := range []string{models.AuditImpersonateStart, models.AuditImpersonateStop} {
		if n := auditCount(t, ta, action, boss.ID, m.ID); n != 1 {
			t.Errorf("%s audit rows with the admin as actor = %d, want 1", action, n)
		}
	}
	// A member who is not impersonated cannot "stop".
	member := ta.client(t)
	member.signUpMember("plain@example.com")
	expectStatus(t, member.post("/admin/impersonation/stop", url.Values{}), http.StatusForbidden)
}

func TestImpersonationEndsWhenTheAdminLosesTheRight(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	boss := admin.signUpAdmin("boss@example.com")
	m := insertUser(t, ta, "member@example.com", models.RoleMember)
	expectRedirect(t, admin.adminPost("/admin/users/"+m.ID+"/impersonate", nil), "/account")
	admin.expectSignedIn()
	if _, _, err := models.SetRole(t.Context(), ta.DB, ta.clock.Now(), models.AuditEvent{}, boss.ID, models.RoleMember, ""); err != nil {
		t.Fatal(err)
	}
	admin.expectSignedOut()
}

func TestAdminUsersList(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	admin.signUpAdmin("boss@example.com")
	_, err := devseed.Users(t.Context(), ta.DB, devseed.Options{Users: 130, PasswordHash: "x", Now: ta.clock.Now(), Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	ta.clock.Advance(time.Hour)
	special := insertUser(t, ta, "zed_100%@example.com", models.RoleMember)
	total := countRows(t, ta.DB, "SELECT count(*) FROM users")

	res := admin.get("/admin/users")
	expectStatus(t, res, http.StatusOK)
	if n := res.Doc.Find("[data-testid=user-row]").Length(); n != models.UsersPerPage {
		t.Errorf("page 1 has %d rows, want %d", n, models.UsersPerPage)
	}
	if got := res.Doc.Find("[data-testid=user-total]").Text(); !strings.HasPrefix(got, itoa(total)+" ") {
		t.Errorf("total %q, want %d", got, total)
	}
	// The newest user comes first by default.
	if got := res.Doc.Find("[data-testid=user-link]").First().Text(); got != special.Email {
		t.Errorf("first row %q, want the newest user %s", got, special.Email)
	}
	next := res.Doc.Find("[data-testid=next-page]").AttrOr("href", "")
	last := admin.get("/admin/users?page=3")
	if n := last.Doc.Find("[data-testid=user-row]").Length(); n != int(total)-2*models.UsersPerPage {
		t.Errorf("last page has %d rows", n)
	}
	if next != "/admin/users?page=2" || last.Doc.Find("[data-testid=next-page]").Length() != 0 {
		t.Errorf("pager links wrong: next=%q", next)
	}

	// Search matches a literal %, case-insensitively, in emails and names.
	res = admin.get("/admin/users?q=" + url.QueryEscape("ZED_100%"))
	if n := res.Doc.Find("[data-testid=user-row]").Length(); n != 1 {
		t.Errorf("search for a literal %% found %d users", n)
	}
	name := firstSeededName(t, ta)
	res = admin.get("/admin/users?q=" + url.QueryEscape(strings.ToUpper(name)))
	if n := res.Doc.Find("[data-testid=user-row]").Length(); n == 0 {
		t.Errorf("search by name %q found nobody", name)
	}

	for _, tc := range []struct {
		query string
		where string
	}{
		{"role=admin", "role = 'admin'"},
		{"status=banned", "banned_at IS NOT NULL"},
		{"status=active", "banned_at IS NULL"},
		{"status=unverified", "email_verified_at IS NULL AND banned_at IS NULL"},
		{"role=member&status=unverified&sort=email", "role = 'member' AND email_verified_at IS NULL AND banned_at IS NULL"},
	} {
		res := admin.get("/admin/users?" + tc.query)
		want := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE "+tc.where)
		if got := res.Doc.Find("[data-testid=user-total]").Text(); !strings.HasPrefix(got, itoa(want)+" ") {
			t.Errorf("%s: total %q, want %d", tc.query, got, want)
		}
	}
	// Sorted by email: rows in order.
	var emails []string
	admin.get("/admin/users?sort=email").Doc.Find("[data-testid=user-link]").Each(func(_ int, s *goquerySelection) { emails = append(emails, s.Text()) })
	for i := 1; i < len(emails); i++ {
		if emails[i-1] > emails[i] {
			t.Fatalf("not sorted by email: %q before %q", emails[i-1], emails[i])
		}
	}
	// No URL makes the list fail.
	for _, q := range []string{"page=-4", "page=99999999999999999999", "sort=;drop", "role=root", "status=nonsense", "per_page=7", "per_page=-1", "q=" + strings.Repeat("a", 5000)} {
		expectStatus(t, admin.get("/admin/users?"+q), http.StatusOK)
	}
	// A page past the end (an old link, a list that shrank) is its last
	// page, never "Page 400 of 3".
	expectRedirect(t, admin.get("/admin/users?page=400&sort=email"), "/admin/users?page=3&sort=email")
	expectRedirect(t, admin.get("/admin/users?page=2&q=zed_100"), "/admin/users?q=zed_100")

	// The page size is the admin's choice, among the offered ones, and the
	// pager keeps it.
	res = admin.get("/admin/users?per_page=25")
	if n := res.Doc.Find("[data-testid=user-row]").Length(); n != 25 {
		t.Errorf("per_page=25: %d rows", n)
	}
	if next := res.Doc.Find("[data-testid=next-page]").AttrOr("href", ""); next != "/admin/users?page=2&per_page=25" {
		t.Errorf("per_page=25: next page link %q", next)
	}
	if got := res.Doc.Find("#per_page option[selected]").AttrOr("value", ""); got != "25" {
		t.Errorf("the page size choice shows %q", got)
	}
	if got := res.Doc.Find("[data-testid=page-summary]").Text(); got != "Page 1 of "+itoa(int64((int(total)+24)/25))+" · "+itoa(total)+" users" {
		t.Errorf("summary %q", got)
	}
	if n := admin.get("/admin/users?per_page=7").Doc.Find("[data-testid=user-row]").Length(); n != models.UsersPerPage {
		t.Errorf("an unoffered page size gave %d rows, want the default %d", n, models.UsersPerPage)
	}
	// One match is one user, not "1 users".
	res = admin.get("/admin/users?q=zed_100")
	if got := res.Doc.Find("[data-testid=user-total]").Text(); got != "1 matching user" {
		t.Errorf("one match reads %q", got)
	}
	if got := res.Doc.Find("[data-testid=page-summary]").Text(); got != "Page 1 of 1 · 1 user" {
		t.Errorf("one match's summary reads %q", got)
	}
	// Times are relative, with the exact time on hover.
	when := res.Doc.Find("[data-testid=user-row] time").First()
	if when.Text() != "just now" || !strings.HasSuffix(when.AttrOr("title", ""), " UTC") || when.AttrOr("datetime", "") == "" {
		t.Errorf("signed-up time: %q title=%q", when.Text(), when.AttrOr("title", ""))
	}
	expectStatus(t, admin.get("/admin/users?q=%00"), http.StatusBadRequest) // NUL is refused before any query
	expectStatus(t, admin.get("/admin/users/not-a-user"), http.StatusNotFound)
	expectStatus(t, admin.adminPost("/admin/users/not-a-user/ban", nil), http.StatusNotFound)
}

// TestDashboardOfAYoungApp: a day-old app's chart is its last week, not 30
// days of nothing and one sliver, and the heading says so.
func TestDashboardOfAYoungApp(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	admin.signUpAdmin("boss@example.com")
	res := admin.get("/admin")
	if n := res.Doc.Find("svg[data-testid=chart] rect").Length(); n != 2*7 {
		t.Errorf("a new app's chart has %d bars, want a week's 14", n)
	}
	if got := res.Doc.Find("[data-testid=activity-heading]").Text(); !strings.HasPrefix(got, "Sign-ups and sign-ins since ") {
		t.Errorf("heading %q", got)
	}
	if n := res.Doc.Find("[data-testid=activity-table] tbody tr").Length(); n != models.DashboardDays {
		t.Errorf("the figures table has %d days, want all %d", n, models.DashboardDays)
	}
}

func TestDashboard(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	admin.signUpAdmin("boss@example.com")
	if _, err := devseed.Users(t.Context(), ta.DB, devseed.Options{Users: 300, PasswordHash: "x", Now: ta.clock.Now(), Seed: 3}); err != nil {
		t.Fatal(err)
	}
	res := admin.get("/admin")
	expectStatus(t, res, http.StatusOK)
	if got := res.Doc.Find("[data-testid=stat-users]").Text(); got != "301" {
		t.Errorf("total users %q, want 301", got)
	}
	if got := res.Doc.Find("[data-testid=stat-sessions]").Text(); got != "1" {
		t.Errorf("active sessions %q, want 1", got)
	}
	svg := res.Doc.Find("svg[data-testid=chart]")
	if n := svg.Find("rect").Length(); n != 2*models.DashboardDays {
		t.Errorf("chart has %d bars, want %d", n, 2*models.DashboardDays)
	}
	var signIns int64
	res.Doc.Find("[data-testid=activity-table] tbody tr").Each(func(_ int, s *goquerySelection) {
		signIns += atoi(s.Find("td").Eq(2).Text())
	})
	want := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = 'signin' AND created_at >= ?", ta.clock.Now().Truncate(24*time.Hour).AddDate(0, 0, -29))
	if signIns == 0 || signIns != want {
		t.Errorf("sign-ins over 30 days: table says %d, database %d", signIns, want)
	}
	// The one script a page has is the app's own static file.
	if regexp.MustCompile(`(?i)<script|\sstyle=`).MatchString(strings.Replace(res.Body, `<script src="/static/js/app.js" defer></script>`, "", 1)) {
		t.Error("the dashboard has a script or an inline style")
	}
}

func TestAuditLogFiltersPagesAndExports(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	boss := admin.signUpAdmin("boss@example.com")
	ta.client(t).signIn("=cmd@example.com", "wrong password 1")
	victim := insertUser(t, ta, "victim@example.com", models.RoleMember)
	admin.adminPost("/admin/users/"+victim.ID+"/ban", url.Values{"reason": {"=HYPERLINK(\"x\")"}})
	if _, err := devseed.Users(t.Context(), ta.DB, devseed.Options{Users: 60, PasswordHash: "x", Now: ta.clock.Now(), Seed: 5}); err != nil {
		t.Fatal(err)
	}

	res := admin.get("/admin/audit")
	expectStatus(t, res, http.StatusOK)
	if n := res.Doc.Find("[data-testid=event-row]").Length(); n != models.AuditPerPage {
		t.Errorf("page 1 has %d events, want %d", n, models.AuditPerPage)
	}
	expectStatus(t, admin.get("/admin/audit?page=2"), http.StatusOK)
	expectRedirect(t, admin.get("/admin/audit?page=90&action=ban"), "/admin/audit?action=ban")
	if got := admin.get("/admin/audit?action=ban").Doc.Find("[data-testid=audit-total]").Text(); got != "1 matching event" {
		t.Errorf("one ban event reads %q", got)
	}

	res = admin.get("/admin/audit?action=ban&user=" + url.QueryEscape("Victim@Example.com"))
	rows := res.Doc.Find("[data-testid=event-row]")
	if rows.Length() != 1 || rows.Find("[data-testid=event-action]").Text() != models.AuditBan || !strings.Contains(rows.Text(), boss.Email) {
		t.Errorf("filtered log: %d rows: %s", rows.Length(), rows.Text())
	}
	res = admin.get("/admin/audit?user=" + boss.ID + "&action=signup")
	if n := res.Doc.Find("[data-testid=event-row]").Length(); n != 1 {
		t.Errorf("filter by id and action: %d rows, want 1", n)
	}
	res = admin.get("/admin/audit?user=" + url.QueryEscape("=cmd@example.com"))
	if n := res.Doc.Find("[data-testid=event-row]").Length(); n != 1 {
		t.Errorf("failed sign-in of an unknown address: %d rows, want 1", n)
	}
	expectStatus(t, admin.get("/admin/audit?action=nonsense&page=-1&user=x"), http.StatusOK)
	expectStatus(t, admin.get("/admin/audit?user=%00"), http.StatusBadRequest)

	csvRes := admin.get("/admin/audit/export?action=ban")
	expectStatus(t, csvRes, http.StatusOK)
	if ct := csvRes.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := csvRes.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
		t.Errorf("Content-Disposition %q", cd)
	}
	records, err := csv.NewReader(strings.NewReader(csvRes.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 2 || records[0][1] != "action" || records[1][1] != models.AuditBan || records[1][2] != boss.ID {
		t.Fatalf("CSV: %q", records)
	}
	if !strings.HasPrefix(records[1][7], "reason: =HYPERLINK") {
		t.Errorf("detail %q", records[1][7])
	}
	all, _ := csv.NewReader(strings.NewReader(admin.get("/admin/audit/export").Body)).ReadAll()
	if want := countRows(t, ta.DB, "SELECT count(*) FROM audit_events"); int64(len(all)-1) != want {
		t.Errorf("full export has %d events, want %d", len(all)-1, want)
	}
	for _, r := range all[1:] {
		if r[4] == "=cmd@example.com" {
			t.Error("a formula-like email was exported unescaped")
		}
	}
}

// firstSeededName returns one word of a seeded user's name.
func firstSeededName(t *testing.T, ta *testApp) string {
	t.Helper()
	var name string
	if err := ta.DB.Read.Raw("SELECT name FROM users WHERE name <> '' AND name NOT LIKE '%é%' LIMIT 1").Scan(&name).Error; err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(name, " ")
	return first
}

// The search index follows every change to a user: sign-up, a new name, a
// new address (through its mailed link), deletion by the user or by an admin.
func TestAdminSearchFollowsEveryChange(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	admin.signUpAdmin("boss@example.com")
	found := func(q string) []string {
		t.Helper()
		res := admin.get("/admin/users?q=" + url.QueryEscape(q))
		expectStatus(t, res, http.StatusOK)
		var emails []string
		res.Doc.Find("[data-testid=user-link]").Each(func(_ int, s *goquerySelection) { emails = append(emails, s.Text()) })
		return emails
	}
	expect := func(q string, want ...string) {
		t.Helper()
		if got := found(q); !slices.Equal(got, want) {
			t.Errorf("search %q found %q, want %q", q, got, want)
		}
	}

	c := ta.client(t)
	c.signUp("first.address@example.com", goodPassword)
	expect("FIRST.ADDR", "first.address@example.com")

	expectRedirect(t, c.post("/account/profile", url.Values{"name": {"Ottilie Quenby"}}), "/account")
	expect("ottilie q", "first.address@example.com")
	expectRedirect(t, c.post("/account/profile", url.Values{"name": {"Wilhelmina Quenby"}}), "/account")
	expect("ottilie")
	expect("mina quen", "first.address@example.com")

	expectRedirect(t, c.post("/account/email", url.Values{"email": {"second.address@example.org"}, "current_password": {goodPassword}}), "/account")
	link := linkIn(t, lastMail(t, ta, "second.address@example.org", models.TokenChangeEmail))
	expectRedirect(t, c.submit(link, "form[action='/verify-email/change']", nil), "/account")
	expect("second.addr", "second.address@example.org")
	expect("first.addr")
	expect("quenby", "second.address@example.org")

	expectRedirect(t, c.post("/account/delete", url.Values{"current_password": {goodPassword}}), "/")
	expect("quenby")
	expect("second.addr")

	m := ta.client(t).signUpMember("gone.soon@example.com")
	expect("gone.soon", "gone.soon@example.com")
	expectRedirect(t, admin.adminPost("/admin/users/"+m.ID+"/delete", url.Values{"confirm": {m.Email}}), "/admin/users")
	expect("gone.soon")
}

// TestDangerousAdminActionsAskFirst: banning, changing a role and signing a
// user out everywhere ask first. Without JavaScript the form's post gets a
// confirm page (nothing happens yet) that carries the fields on; with it a
// dialog asks the same question (data-confirm). The ban reason shows on the
// user page afterwards.
func TestDangerousAdminActionsAskFirst(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	admin.signUpAdmin("boss@example.com")
	victim := ta.client(t)
	m := victim.signUpMember("mallory@example.com")
	page := "/admin/users/" + m.ID

	user := admin.get(page)
	for form, question := range map[string]string{
		"[data-testid=ban-form]":                      "Ban mallory@example.com? Every session",
		"[data-testid=revoke-all-form]":               "Sign mallory@example.com out everywhere?",
		"[data-testid=role-form] option[value=admin]": "Make mallory@example.com an admin?",
	} {
		if got := user.Doc.Find(form).AttrOr("data-confirm", ""); !strings.HasPrefix(got, question) {
			t.Errorf("%s asks %q, want %q…", form, got, question)
		}
	}
	if user.Doc.Find("[data-testid=danger-zone] [data-testid=ban-form]").Length() != 1 || user.Doc.Find("[data-testid=user-actions] .btn-danger").Length() != 0 {
		t.Error("the ban is not set apart from the harmless actions")
	}

	// Ban: the confirm page, then the ban.
	ask := admin.submit(page, "[data-testid=ban-form]", url.Values{"reason": {"chargebacks <3"}})
	expectStatus(t, ask, http.StatusOK)
	if got := ask.Doc.Find("[data-testid=confirm] h1").Text(); got != "Ban mallory@example.com?" {
		t.Errorf("confirm page asks %q", got)
	}
	if userByID(t, ta, m.ID).BannedAt != nil {
		t.Fatal("banned before the admin confirmed")
	}
	victim.expectSignedIn()
	if href := ask.Doc.Find("[data-testid=confirm-cancel]").AttrOr("href", ""); href != page {
		t.Errorf("Cancel goes to %q", href)
	}
	expectRedirect(t, admin.confirm(ask), page)
	if userByID(t, ta, m.ID).BannedAt == nil {
		t.Fatal("not banned after confirming")
	}
	victim.expectSignedOut()
	if got := admin.get(page).Doc.Find("[data-testid=ban-reason]").Text(); got != "Reason: chargebacks <3" {
		t.Errorf("the user page shows the ban reason as %q", got)
	}

	// Role: asked when it changes, not when it stays.
	ask = admin.submit(page, "[data-testid=role-form]", url.Values{"role": {models.RoleAdmin}})
	if got := ask.Doc.Find("[data-testid=confirm] h1").Text(); got != "Make mallory@example.com an admin?" {
		t.Errorf("role confirm page asks %q", got)
	}
	if userByID(t, ta, m.ID).Role != models.RoleMember {
		t.Fatal("promoted before the admin confirmed")
	}
	expectRedirect(t, admin.confirm(ask), page)
	if userByID(t, ta, m.ID).Role != models.RoleAdmin {
		t.Error("not promoted after confirming")
	}
	expectRedirect(t, admin.submit(page, "[data-testid=role-form]", url.Values{"role": {models.RoleAdmin}}), page) // no change: nothing to ask

	// Sign out everywhere.
	other := ta.client(t)
	n := other.signUpMember("nina@example.com")
	ask = admin.submit("/admin/users/"+n.ID, "[data-testid=revoke-all-form]", nil)
	expectStatus(t, ask, http.StatusOK)
	other.expectSignedIn()
	expectRedirect(t, admin.confirm(ask), "/admin/users/"+n.ID)
	other.expectSignedOut()
}

// TestAdminSearchIgnoresAccents: "jose" finds "José", "muller" finds
// "Müller", "Zoë" finds "Zoe", whatever wrote the name: sign-up, the
// profile, the API, a new address through its link, a provider's first
// sign-in. Searches of nothing or of accents alone list everyone; bytes
// that are not UTF-8 get 400, never a 500.
func TestAdminSearchIgnoresAccents(t *testing.T) {
	t.Parallel()
	g := startGitHub(t)
	ta := newTestApp(t, withGitHub(g))
	admin := ta.client(t)
	admin.signUpAdmin("boss@example.com")
	found := func(q string) []string {
		t.Helper()
		res := admin.get("/admin/users?q=" + url.QueryEscape(q))
		expectStatus(t, res, http.StatusOK)
		var emails []string
		res.Doc.Find("[data-testid=user-link]").Each(func(_ int, s *goquerySelection) { emails = append(emails, s.Text()) })
		slices.Sort(emails)
		return emails
	}
	expect := func(q string, want ...string) {
		t.Helper()
		if got := found(q); !slices.Equal(got, want) {
			t.Errorf("search %q found %q, want %q", q, got, want)
		}
	}

	c := ta.client(t)
	res := c.submit("/signup", "form[action='/signup']", url.Values{"name": {"José Müller"}, "email": {"jm@example.com"}, "password": {goodPassword}})
	expectRedirect(t, res, "/account")
	expect("jose", "jm@example.com")
	expect("MULLER", "jm@example.com")
	expect("josé müller", "jm@example.com")
	expect("jose mu", "jm@example.com")

	expectRedirect(t, c.post("/account/profile", url.Values{"name": {"Zoë Brontë"}}), "/account")
	expect("zoe bronte", "jm@example.com")
	expect("müller")

	secret := createToken(t, c, "cli", "0")
	if r, body := apiCall(t, ta, http.MethodPatch, "/api/v1/me", secret, `{"name":"Renée Ångström"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("PATCH /api/v1/me: %d %s", r.StatusCode, body)
	}
	expect("renee angstrom", "jm@example.com")
	expect("zoe")

	expectRedirect(t, c.post("/account/email", url.Values{"email": {"renee@example.org"}, "current_password": {goodPassword}}), "/account")
	link := linkIn(t, lastMail(t, ta, "renee@example.org", models.TokenChangeEmail))
	expectRedirect(t, c.submit(link, "form[action='/verify-email/change']", nil), "/account")
	expect("renee", "renee@example.org")
	expect("ångström", "renee@example.org")
	expect("jm@")

	ta.client(t).signUpMember("zoe@example.com") // "Test User", an address with no accent
	expect("Zoë", "zoe@example.com")

	g.set(404, "", map[string]any{"email": "gh@example.com", "primary": true, "verified": true})
	g.name = "Łucja Dvořák"
	ta.client(t).socialSignIn("github")
	expect("dvorak", "gh@example.com")

	everyone := found("")
	if len(everyone) != 4 {
		t.Fatalf("the list without a search has %q", everyone)
	}
	for _, q := range []string{"\u0301", "\u0301\u0308", " ", "´"} {
		expect(q, everyone...) // folded to nothing: no search
	}
	// Not UTF-8: refused before any query (models.ListUsers would drop the
	// bytes, TestSearchFindsExactlyTheSubstrings).
	for _, raw := range []string{"%FF", "jos%FFe", "%C3", "%E2%82", "%C0%AF"} {
		expectStatus(t, admin.get("/admin/users?q="+raw), http.StatusBadRequest)
	}
}
