package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/models"
)

func TestSignUpHappyPath(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)

	res := c.submit("/signup", "form[action='/signup']", url.Values{
		"name": {"  Ada   Lovelace "}, "email": {"  Ada@Example.COM "}, "password": {goodPassword},
	})
	expectRedirect(t, res, "/account")
	if c.cookie() == nil {
		t.Fatal("no session cookie after sign-up")
	}

	page := c.get("/account")
	expectStatus(t, page, http.StatusOK)
	if got := page.Doc.Find("[data-testid=account-email]").Text(); got != "ada@example.com" {
		t.Errorf("account email = %q, want the trimmed, lowercased address", got)
	}
	if got := page.Doc.Find("[data-testid=account-name]").Text(); strings.TrimSpace(got) != "Ada Lovelace" {
		t.Errorf("account name = %q", got)
	}
	if got := page.Doc.Find("[data-testid=flash]").Text(); !strings.Contains(got, "Welcome") {
		t.Errorf("flash = %q, want a welcome", got)
	}
	if page.Doc.Find("[data-testid=email-unverified]").Length() != 1 {
		t.Error("a new address should show as not verified")
	}
	// The flash is shown once.
	if again := c.get("/account"); again.Doc.Find("[data-testid=flash]").Length() != 0 {
		t.Error("flash shown twice")
	}

	u, err := models.UserByEmail(t.Context(), ta.DB, "ada@example.com")
	if err != nil {
		t.Fatalf("user not stored: %v", err)
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("password hash %q is not argon2id with OWASP parameters", u.PasswordHash)
	}
	if u.Role != models.RoleMember {
		t.Errorf("role = %q, want member", u.Role)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM sessions WHERE user_id = ? AND revoked_at IS NULL", u.ID); n != 1 {
		t.Errorf("live sessions for the new user = %d, want 1", n)
	}
}

func TestSignUpValidation(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	long := strings.Repeat("a", 200)
	cases := []struct {
		name, field, email, password, userName, want string
	}{
		{"empty email", "email", "", goodPassword, "", "Enter your email"},
		{"not an email", "email", "not-an-email", goodPassword, "", "valid email"},
		{"display-name email", "email", "Bob <bob@example.com>", goodPassword, "", "valid email"},
		{"no domain dot", "email", "bob@localhost", goodPassword, "", "valid email"},
		{"huge email", "email", long + "@example.com" + long, goodPassword, "", "at most 254"},
		{"short password", "password", "bob@example.com", "short", "", "at least 8"},
		{"empty password", "password", "bob@example.com", "", "", "at least 8"},
		{"password too long", "password", "bob@example.com", strings.Repeat("x", 129), "", "at most 128"},
		{"common password", "password", "bob@example.com", "password123", "", "too common"},
		{"password is the email", "password", "bob@example.com", "Bob@Example.com", "", "email address"},
		{"name too long", "name", "bob@example.com", goodPassword, strings.Repeat("é", 101), "at most 100"},
		{"control characters in name", "name", "bob@example.com", goodPassword, "Bob\x07", "printable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ta.client(t)
			res := c.post("/signup", url.Values{"name": {tc.userName}, "email": {tc.email}, "password": {tc.password}})
			expectStatus(t, res, http.StatusUnprocessableEntity)
			if got := res.Doc.Find("[data-testid=error-" + tc.field + "]").Text(); !strings.Contains(got, tc.want) {
				t.Errorf("error next to %s = %q, want it to mention %q", tc.field, got, tc.want)
			}
			input := res.Doc.Find("input[name=" + tc.field + "]")
			if v, _ := input.Attr("aria-invalid"); v != "true" {
				t.Errorf("input %s not marked aria-invalid", tc.field)
			}
			if v, _ := res.Doc.Find("input[name=email]").Attr("value"); v != tc.email {
				t.Errorf("typed email not kept: %q", v)
			}
			if v, _ := res.Doc.Find("input[name=password]").Attr("value"); v != "" {
				t.Error("the password was echoed back into the form")
			}
			if tc.password != "" && strings.Contains(res.Body, tc.password) && tc.field != "password" {
				t.Error("the password appears in the page")
			}
		})
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users"); n != 0 {
		t.Errorf("%d users created from invalid input", n)
	}
}

func TestSignUpDuplicateEmail(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.client(t).signUp("dup@example.com", goodPassword)

	res := ta.client(t).post("/signup", url.Values{"email": {"  DUP@example.com"}, "password": {"another good password"}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if got := res.Doc.Find("[data-testid=error-email]").Text(); !strings.Contains(got, "already exists") {
		t.Errorf("error = %q, want it to say the account exists", got)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users"); n != 1 {
		t.Errorf("users = %d, want 1", n)
	}
}

func TestSignInUnknownEmailAndWrongPasswordLookAlike(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.client(t).signUp("known@example.com", goodPassword)

	wrong := ta.client(t).signIn("known@example.com", "not the password")
	unknown := ta.client(t).signIn("nobody@example.com", "not the password")
	for _, res := range []*response{wrong, unknown} {
		expectStatus(t, res, http.StatusUnauthorized)
	}
	msg := func(r *response) string { return r.Doc.Find("[data-testid=form-error]").Text() }
	if msg(wrong) != msg(unknown) || msg(wrong) == "" {
		t.Errorf("answers differ: %q vs %q", msg(wrong), msg(unknown))
	}
	// Apart from the echoed address, the pages are the same.
	strip := func(r *response) string {
		main, _ := r.Doc.Find("main").Html()
		return strings.NewReplacer("known@example.com", "", "nobody@example.com", "").Replace(main)
	}
	if strip(wrong) != strip(unknown) {
		t.Error("the page for an unknown email differs from the page for a wrong password")
	}
	if v, _ := wrong.Doc.Find("input[name=password]").Attr("value"); v != "" {
		t.Error("password echoed back")
	}
	if wrong.Header.Get("Set-Cookie") != "" {
		t.Error("a failed sign-in set a cookie")
	}
}

func TestSignInEmptyFields(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	res := ta.client(t).post("/login", url.Values{"email": {""}, "password": {""}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Doc.Find("[data-testid=form-error]").Text(), "Enter your email and password") {
		t.Error("no clear message for an empty form")
	}
}

func TestSignOutMakesTheOldCookieWorthless(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("leave@example.com", goodPassword)
	old := c.cookie()

	expectRedirect(t, c.post("/logout", nil), "/")
	if c.cookie() != nil && c.cookie().Value == old.Value {
		t.Fatal("the session token did not change at sign-out")
	}
	home := c.get("/")
	if home.Doc.Find("[data-testid=nav-login]").Length() != 1 {
		t.Error("header still shows the user as signed in")
	}
	if !strings.Contains(home.Doc.Find("[data-testid=flash]").Text(), "signed out") {
		t.Error("no signed-out message")
	}

	// Replay the old cookie from another client.
	thief := ta.client(t)
	u, _ := url.Parse(ta.URL)
	thief.http.Jar.SetCookies(u, []*http.Cookie{{Name: old.Name, Value: old.Value, Path: "/"}})
	expectRedirect(t, thief.get("/account"), "/login?next=%2Faccount")
}

func TestSignInIssuesANewToken(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withOIDC(startOIDC(t)))
	c := ta.client(t)
	c.signUp("fix@example.com", goodPassword)
	c.post("/logout", nil)
	c.get("/auth/oidc") // a provider sign-in begun and dropped leaves a guest session
	guest := c.cookie()
	if guest == nil {
		t.Fatal("expected a guest session")
	}

	expectRedirect(t, c.signIn("fix@example.com", goodPassword), "/account")
	if c.cookie().Value == guest.Value {
		t.Fatal("sign-in kept the pre-authentication token (session fixation)")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM sessions WHERE token_hash = ? AND revoked_at IS NULL", models.HashToken(guest.Value)); n != 0 {
		t.Error("the pre-authentication session is still live")
	}
}

func TestProtectedPageRedirectsToSignInAndBack(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.client(t).signUp("back@example.com", goodPassword)

	c := ta.client(t)
	expectRedirect(t, c.get("/account?tab=profile"), "/login?next=%2Faccount%3Ftab%3Dprofile")
	login := c.get("/login?next=%2Faccount%3Ftab%3Dprofile")
	if v, _ := login.Doc.Find("input[name=next]").Attr("value"); v != "/account?tab=profile" {
		t.Fatalf("next not carried in the form: %q", v)
	}
	expectRedirect(t, c.submit("/login?next=%2Faccount%3Ftab%3Dprofile", "form[action='/login']",
		url.Values{"email": {"back@example.com"}, "password": {goodPassword}}), "/account?tab=profile")
}

func TestOpenRedirectsLandOnALocalPage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.client(t).signUp("redir@example.com", goodPassword)
	for _, next := range []string{
		"https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
		"/\t/evil.example", "/\r\nSet-Cookie:x=y", "javascript:alert(1)", "http:/evil.example", "evil.example",
	} {
		t.Run(next, func(t *testing.T) {
			c := ta.client(t)
			res := c.post("/login", url.Values{"email": {"redir@example.com"}, "password": {goodPassword}, "next": {next}})
			expectRedirect(t, res, "/account")
		})
	}
}

func TestSignedInUsersSkipTheSignInPage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("skip@example.com", goodPassword)
	expectRedirect(t, c.get("/login"), "/account")
	expectRedirect(t, c.get("/signup"), "/account")
}

func TestNameIsEscaped(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	res := c.submit("/signup", "form[action='/signup']", url.Values{
		"name": {`<script>alert("x")</script>`}, "email": {"xss@example.com"}, "password": {goodPassword},
	})
	expectRedirect(t, res, "/account")
	page := c.get("/account")
	// The one script a page has is the app's own static file.
	if page.Doc.Find("script").Not("script[src='/static/js/app.js']").Length() != 0 {
		t.Fatal("a <script> element made it into the page")
	}
	if !strings.Contains(page.Body, "&lt;script&gt;") {
		t.Error("the name is not shown escaped")
	}
}

func TestBannedOrDeletedUserIsSignedOutOnTheNextRequest(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	banned, deleted := ta.client(t), ta.client(t)
	banned.signUp("banned@example.com", goodPassword)
	deleted.signUp("deleted@example.com", goodPassword)

	if err := ta.DB.Write.Exec("UPDATE users SET banned_at = CURRENT_TIMESTAMP WHERE email = ?", "banned@example.com").Error; err != nil {
		t.Fatal(err)
	}
	if err := ta.DB.Write.Exec("DELETE FROM users WHERE email = ?", "deleted@example.com").Error; err != nil {
		t.Fatal(err)
	}
	expectRedirect(t, banned.get("/account"), "/login?next=%2Faccount")
	expectRedirect(t, deleted.get("/account"), "/login?next=%2Faccount")

	res := ta.client(t).signIn("banned@example.com", goodPassword)
	expectStatus(t, res, http.StatusForbidden)
	if !strings.Contains(res.Doc.Find("[data-testid=form-error]").Text(), "suspended") {
		t.Error("a banned user is not told why sign-in failed")
	}
}

func TestAuthEventsAreAudited(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("audit@example.com", goodPassword)
	c.post("/logout", nil)
	c.signIn("audit@example.com", "wrong password here")
	c.signIn("ghost@example.com", "wrong password here")
	c.signIn("audit@example.com", goodPassword)

	u, _ := models.UserByEmail(t.Context(), ta.DB, "audit@example.com")
	for action, want := range map[string]int64{
		models.AuditSignUp: 1, models.AuditSignOut: 1, models.AuditSignIn: 1, models.AuditSignInFailed: 1,
	} {
		if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND target_id = ? AND ip = '127.0.0.1'", action, u.ID); n != want {
			t.Errorf("%s events for the user = %d, want %d", action, n, want)
		}
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND target_id IS NULL AND email = 'ghost@example.com'", models.AuditSignInFailed); n != 1 {
		t.Errorf("failed sign-in for an unknown address not recorded (%d)", n)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE detail LIKE '%wrong password here%' OR user_agent LIKE '%wrong password here%'"); n != 0 {
		t.Error("a password made it into the audit log")
	}
}
