package handlers_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/models"
)

// The account's data export holds what Hearth stores about the user —
// profile, sessions, token names, audit events — and no secret or hash.
func TestAccountExportHoldsTheUsersDataAndNoSecret(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("export@example.com", goodPassword)
	if c.get("/account").Doc.Find("a[href='/account/export']").Length() != 1 {
		t.Error("the account page does not link to the export")
	}
	secret := createToken(t, c, "build server", "30")

	res := c.get("/account/export")
	expectStatus(t, res, http.StatusOK)
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".json") {
		t.Errorf("Content-Disposition %q: want a JSON download", cd)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	var ex models.Export
	if err := json.Unmarshal([]byte(res.Body), &ex); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if ex.Profile.Email != "export@example.com" || !ex.Profile.HasPassword || len(ex.Sessions) != 1 {
		t.Errorf("profile %+v, %d sessions", ex.Profile, len(ex.Sessions))
	}
	if len(ex.APITokens) != 1 || ex.APITokens[0].Name != "build server" {
		t.Errorf("tokens %+v", ex.APITokens)
	}
	actions := map[string]bool{}
	for _, e := range ex.AuditEvents {
		actions[e.Action] = true
	}
	if !actions[models.AuditSignUp] || !actions[models.AuditAPITokenCreate] {
		t.Errorf("audit events %v: want the sign-up and the token", actions)
	}
	var hash, tokenHash string
	ta.DB.Read.Raw("SELECT password_hash FROM users WHERE email = 'export@example.com'").Scan(&hash)
	ta.DB.Read.Raw("SELECT token_hash FROM api_tokens").Scan(&tokenHash)
	sessionHash := models.HashToken(c.cookie().Value)
	for what, s := range map[string]string{"the password hash": hash, "the token": secret, "the token's hash": tokenHash,
		"the session token": c.cookie().Value, "the session's hash": sessionHash} {
		if s != "" && strings.Contains(res.Body, s) {
			t.Errorf("the export holds %s", what)
		}
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ?", models.AuditDataExport); n != 1 {
		t.Errorf("%d export audit rows, want 1", n)
	}
	// Signed out: to sign-in, like every account page.
	expectRedirect(t, ta.client(t).get("/account/export"), "/login?next=%2Faccount%2Fexport")
}
