package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hearth-app/hearth/models"
)

// headerTransport adds fixed headers to every request a client sends, as a
// browser (or an attacker) with an odd User-Agent would.
type headerTransport struct {
	header http.Header
	next   http.RoundTripper
}

func (h headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	for k, vs := range h.header {
		req.Header[k] = vs
	}
	return h.next.RoundTrip(req)
}

// withHeader makes the client send header k: v on every request.
func (c *client) withHeader(k, v string) *client {
	c.http.Transport = headerTransport{header: http.Header{http.CanonicalHeaderKey(k): {v}}, next: http.DefaultTransport}
	return c
}

// strangeUserAgents are User-Agent headers no browser sends: bytes that are
// not UTF-8 (which PostgreSQL refuses in a text column), and 10 KB whose
// 512-byte cut falls inside a character.
var strangeUserAgents = map[string]string{
	"invalid UTF-8": "\xff\xfe",
	"10 KB":         "M" + strings.Repeat("é", 5000) + "\xff",
}

// expectStoredText checks that every value of column in table is valid
// UTF-8 of at most max bytes, and that there is at least one.
func expectStoredText(t *testing.T, ta *testApp, table, column, where string, max int, args ...any) {
	t.Helper()
	var values []string
	if err := ta.DB.Read.Raw("SELECT "+column+" FROM "+table+" WHERE "+where, args...).Scan(&values).Error; err != nil {
		t.Fatal(err)
	}
	if len(values) == 0 {
		t.Fatalf("no %s row where %s", table, where)
	}
	for _, v := range values {
		if !utf8.ValidString(v) || len(v) > max {
			t.Errorf("%s.%s = %q (%d bytes): want valid UTF-8 of at most %d bytes", table, column, v, len(v), max)
		}
	}
}

// A User-Agent that is not UTF-8, or is huge, must not cost a visitor their
// session nor an admin action its audit row (it did on PostgreSQL: the
// insert failed, sign-in answered 303 without a cookie and the next page 500).
func TestStrangeUserAgentsKeepSessionsAndAuditRows(t *testing.T) {
	t.Parallel()
	for name, ua := range strangeUserAgents {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ta := newTestApp(t)
			ta.client(t).signUp("member@example.com", goodPassword)
			m, _ := models.UserByEmail(t.Context(), ta.DB, "member@example.com")

			c := ta.client(t).withHeader("User-Agent", ua)
			expectRedirect(t, c.signIn("member@example.com", goodPassword), "/account")
			if c.cookie() == nil {
				t.Fatal("a correct sign-in set no session cookie")
			}
			c.expectSignedIn()
			expectStatus(t, c.get("/account/sessions"), http.StatusOK)
			expectStoredText(t, ta, "sessions", "user_agent", "user_id = ? AND revoked_at IS NULL", 512, m.ID)
			expectStoredText(t, ta, "audit_events", "user_agent", "action = ? AND target_id = ?", 512, models.AuditSignIn, m.ID)

			admin := ta.client(t)
			boss := admin.signUpAdmin("boss@example.com")
			admin.withHeader("User-Agent", ua)
			expectRedirect(t, admin.post("/admin/users/"+m.ID+"/role", url.Values{"role": {models.RoleAdmin}}), "/admin/users/"+m.ID)
			expectRedirect(t, admin.post("/admin/users/"+m.ID+"/role", url.Values{"role": {models.RoleMember}}), "/admin/users/"+m.ID)
			expectRedirect(t, admin.post("/admin/users/"+m.ID+"/ban", url.Values{"reason": {"spam"}}), "/admin/users/"+m.ID)
			if n := auditCount(t, ta, models.AuditRoleChange, boss.ID, m.ID); n != 2 {
				t.Errorf("role change audit rows = %d, want 2", n)
			}
			if n := auditCount(t, ta, models.AuditBan, boss.ID, m.ID); n != 1 {
				t.Errorf("ban audit rows = %d, want 1", n)
			}
			expectStoredText(t, ta, "audit_events", "user_agent", "actor_id = ?", 512, boss.ID)
			expectStatus(t, admin.get("/admin/audit"), http.StatusOK)
			expectStatus(t, admin.get("/admin/users/"+m.ID), http.StatusOK)
		})
	}
}

// An admin action and its audit row are one transaction: when the row
// cannot be written, the action does not happen either.
func TestAdminActionWithoutItsAuditRowDoesNotHappen(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	admin.signUpAdmin("boss@example.com")
	victim := ta.client(t)
	m := victim.signUpMember("member@example.com")
	if err := ta.DB.Write.Exec("DROP TABLE audit_events").Error; err != nil {
		t.Fatal(err)
	}

	for path, form := range map[string]url.Values{
		"/role":   {"role": {models.RoleAdmin}},
		"/ban":    {"reason": {"spam"}},
		"/delete": {"confirm": {m.Email}},
	} {
		res := admin.post("/admin/users/"+m.ID+path, form)
		expectStatus(t, res, http.StatusInternalServerError)
	}
	u := userByID(t, ta, m.ID)
	if u.Role != models.RoleMember || u.BannedAt != nil {
		t.Errorf("the user changed without an audit row: role %s, banned %v", u.Role, u.BannedAt)
	}
	victim.expectSignedIn()
}
