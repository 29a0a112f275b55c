package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/models"
)

// createToken makes a token through the tokens page and returns its secret,
// read from the page that shows it once.
func createToken(t testing.TB, c *client, name, days string) string {
	t.Helper()
	res := c.submit("/account/tokens", "form[data-testid=create-token]", url.Values{"name": {name}, "expires_days": {days}})
	expectStatus(t, res, http.StatusOK)
	secret, _ := res.Doc.Find("[data-testid=token-secret]").Attr("value")
	if !strings.HasPrefix(secret, "hth_") || len(secret) < 4+43 {
		t.Fatalf("token secret %q: want hth_ and 32 bytes in base64url", secret)
	}
	if res.Doc.Find("button[data-copy=token-secret]").Length() != 1 || res.Doc.Find(`script[src="/static/js/copy.js"]`).Length() != 1 {
		t.Error("the page showing the token has no copy button")
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the page showing the token: Cache-Control %q, want no-store", cc)
	}
	return secret
}

// TestATokenIsShownOnceAndOnlyItsHashIsStored: the secret is on the page
// answering the create form and nowhere after; the database holds its
// SHA-256 alone; the list shows name, created, last used and expiry; the
// creation is audited and mailed.
func TestATokenIsShownOnceAndOnlyItsHashIsStored(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("tok@example.com", goodPassword)
	res := c.get("/account")
	if res.Doc.Find("[data-testid=account-nav] a[href='/account/tokens']").Length() != 1 {
		t.Fatal("the account page's menu does not link to the tokens page")
	}
	secret := createToken(t, c, "backup script", "30")

	list := c.get("/account/tokens")
	expectStatus(t, list, http.StatusOK)
	if strings.Contains(list.Body, secret) || strings.Contains(list.Body, secret[4:]) {
		t.Fatal("the tokens page shows the secret again")
	}
	row := list.Doc.Find("[data-testid=token-row]")
	if row.Length() != 1 || !strings.Contains(row.Text(), "backup script") || !strings.Contains(row.Text(), "Never") {
		t.Fatalf("token list: %q", row.Text())
	}
	if got := countRows(t, ta.DB, "SELECT count(*) FROM api_tokens WHERE token_hash = ?", models.HashToken(secret)); got != 1 {
		t.Fatalf("rows with the token's hash: %d", got)
	}
	if got := countRows(t, ta.DB, "SELECT count(*) FROM api_tokens WHERE token_hash LIKE ? OR name LIKE ?", "%"+secret[4:]+"%", "%"+secret[4:]+"%"); got != 0 {
		t.Fatal("the secret itself is in the database")
	}
	if got := countRows(t, ta.DB, "SELECT count(*) FROM api_tokens WHERE expires_at IS NOT NULL"); got != 1 {
		t.Fatal("a 30-day token has no expiry")
	}
	if got := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ?", models.AuditAPITokenCreate); got != 1 {
		t.Fatalf("creation audit rows: %d", got)
	}
	if got := countRows(t, ta.DB, "SELECT count(*) FROM outbox WHERE template = 'api_token_created' AND to_addr = 'tok@example.com'"); got != 1 {
		t.Fatalf("creation mails: %d", got)
	}
	if got := countRows(t, ta.DB, "SELECT count(*) FROM outbox WHERE text_body LIKE ? OR html_body LIKE ?", "%"+secret+"%", "%"+secret+"%"); got != 0 {
		t.Fatal("a mail carries the secret")
	}

	if js := c.get("/static/js/copy.js"); js.StatusCode != http.StatusOK || !strings.Contains(js.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("copy.js: %d %s", js.StatusCode, js.Header.Get("Content-Type"))
	}

	// No name: 422 with the form, nothing created.
	res = c.submit("/account/tokens", "form[data-testid=create-token]", url.Values{"name": {"  "}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if got := countRows(t, ta.DB, "SELECT count(*) FROM api_tokens"); got != 1 {
		t.Fatalf("tokens after a nameless one: %d", got)
	}
	// A lifetime the form does not offer: 422 saying so, not another lifetime.
	for _, days := range []string{"12", "-1", "forever", ""} {
		res = c.submit("/account/tokens", "form[data-testid=create-token]", url.Values{"name": {"odd expiry"}, "expires_days": {days}})
		expectStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Doc.Find("[data-testid=error-expires_days]").Text(), "7, 30 or 90 days") {
			t.Errorf("expires_days %q: no message about the expiry", days)
		}
	}
	if got := countRows(t, ta.DB, "SELECT count(*) FROM api_tokens"); got != 1 {
		t.Fatalf("tokens after odd expiries: %d", got)
	}
}

// TestRevokingATokenIsAuditedAndMailed, and only the owner can revoke it.
func TestRevokingATokenIsAuditedAndMailed(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("rev@example.com", goodPassword)
	createToken(t, c, "ci", "0")
	id, _ := c.get("/account/tokens").Doc.Find("[data-testid=token-row]").Attr("data-token-id")

	other := ta.client(t)
	other.signUp("other@example.com", goodPassword)
	expectStatus(t, other.post("/account/tokens/"+id+"/revoke", nil), http.StatusNotFound)

	expectRedirect(t, c.post("/account/tokens/"+id+"/revoke", nil), "/account/tokens")
	if got := countRows(t, ta.DB, "SELECT count(*) FROM api_tokens"); got != 0 {
		t.Fatalf("tokens after revoking: %d", got)
	}
	if got := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ?", models.AuditAPITokenRevoke); got != 1 {
		t.Fatalf("revocation audit rows: %d", got)
	}
	if got := countRows(t, ta.DB, "SELECT count(*) FROM outbox WHERE template = 'api_token_revoked' AND to_addr = 'rev@example.com'"); got != 1 {
		t.Fatalf("revocation mails: %d", got)
	}
	expectStatus(t, c.post("/account/tokens/"+id+"/revoke", nil), http.StatusNotFound)
}

// TestAdminsSeeAndRevokeAUsersTokens: the admin user page lists the
// member's tokens (never a secret) and revokes one, audited with the admin
// as actor and mailed to the member; a member cannot use the admin route.
func TestAdminsSeeAndRevokeAUsersTokens(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	adm := admin.signUpAdmin("tokadmin@example.com")
	c := ta.client(t)
	c.signUp("tokmember@example.com", goodPassword)
	secret := createToken(t, c, "deploy bot", "90")
	u, err := models.UserByEmail(t.Context(), ta.DB, "tokmember@example.com")
	if err != nil {
		t.Fatal(err)
	}

	page := admin.get("/admin/users/" + u.ID)
	expectStatus(t, page, http.StatusOK)
	row := page.Doc.Find("[data-testid=user-tokens] [data-testid=token-row]")
	if row.Length() != 1 || !strings.Contains(row.Text(), "deploy bot") || strings.Contains(page.Body, secret[4:]) {
		t.Fatalf("admin token list: %q", row.Text())
	}
	id, _ := row.Attr("data-token-id")

	// A member posting to the admin route is refused.
	expectStatus(t, c.adminPost("/admin/users/"+u.ID+"/tokens/revoke", url.Values{"token": {id}}), http.StatusForbidden)

	expectRedirect(t, admin.adminPost("/admin/users/"+u.ID+"/tokens/revoke", url.Values{"token": {id}}), "/admin/users/"+u.ID)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM api_tokens"); n != 0 {
		t.Fatalf("tokens after the admin revoked: %d", n)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND actor_id = ? AND target_id = ?", models.AuditAPITokenRevoke, adm.ID, u.ID); n != 1 {
		t.Fatalf("admin revocation audit rows: %d", n)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM outbox WHERE template = 'api_token_revoked' AND to_addr = 'tokmember@example.com'"); n != 1 {
		t.Fatalf("revocation mails: %d", n)
	}
	res, body := apiCall(t, ta, http.MethodGet, "/api/v1/me", secret, "")
	expectProblem(t, res, body, http.StatusUnauthorized)
	if page := admin.get("/admin/users/" + u.ID); page.Doc.Find("[data-testid=user-tokens] [data-testid=no-tokens]").Length() != 1 {
		t.Fatal("the admin page still lists the revoked token")
	}
}
