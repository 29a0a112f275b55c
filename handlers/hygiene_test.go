package handlers_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/handlers"
	"github.com/hearth-app/hearth/internal/sessionstore"
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
			expectRedirect(t, admin.adminPost("/admin/users/"+m.ID+"/role", url.Values{"role": {models.RoleAdmin}}), "/admin/users/"+m.ID)
			expectRedirect(t, admin.adminPost("/admin/users/"+m.ID+"/role", url.Values{"role": {models.RoleMember}}), "/admin/users/"+m.ID)
			expectRedirect(t, admin.adminPost("/admin/users/"+m.ID+"/ban", url.Values{"reason": {"spam"}}), "/admin/users/"+m.ID)
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
		"/role":        {"role": {models.RoleAdmin}},
		"/ban":         {"reason": {"spam"}},
		"/delete":      {"confirm": {m.Email}},
		"/impersonate": {},
	} {
		res := admin.adminPost("/admin/users/"+m.ID+path, form)
		expectStatus(t, res, http.StatusInternalServerError)
	}
	u := userByID(t, ta, m.ID)
	if u.Role != models.RoleMember || u.BannedAt != nil {
		t.Errorf("the user changed without an audit row: role %s, banned %v", u.Role, u.BannedAt)
	}
	victim.expectSignedIn()
	if res := admin.get("/account"); res.StatusCode != http.StatusOK || res.Doc.Find("[data-testid=impersonation-banner]").Length() != 0 ||
		!strings.Contains(res.Body, "boss@example.com") {
		t.Errorf("after a failed impersonation the admin is not themselves (status %d)", res.StatusCode)
	}
}

// A visitor without a session gets none by signing out: the goodbye message
// needs no row in the sessions table (every anonymous POST made one, kept
// for the whole session lifetime).
func TestSigningOutWithoutASessionStoresNone(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	for range 3 {
		expectRedirect(t, c.post("/logout", nil), "/")
	}
	expectStatus(t, c.get("/"), http.StatusOK)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM sessions"); n != 0 {
		t.Errorf("anonymous sign-outs left %d session rows, want 0", n)
	}

	// Signing out for real ends the session and leaves no new one either;
	// the message is still shown, once.
	c.signUp("leaving@example.com", goodPassword)
	expectRedirect(t, c.post("/logout", nil), "/")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM sessions WHERE revoked_at IS NULL"); n != 0 {
		t.Errorf("after sign-out %d live session rows, want 0", n)
	}
	if got := c.get("/").Doc.Find("[data-testid=flash]").Text(); !strings.Contains(got, "signed out") {
		t.Errorf("flash after sign-out = %q, want the signed-out message", got)
	}
	if c.get("/").Doc.Find("[data-testid=flash]").Length() != 0 {
		t.Error("the flash was shown twice")
	}

	// The cookie is signed: no one can make the site say what they like.
	forger := ta.client(t)
	u, _ := url.Parse(ta.URL)
	msg := base64.RawURLEncoding.EncodeToString([]byte("error|Your account is locked: call +1 555 0100"))
	forger.http.Jar.SetCookies(u, []*http.Cookie{{Name: config.CookiePrefix + "_flash", Value: msg + ".bm90LWEtbWFj", Path: "/"}})
	if got := forger.get("/").Doc.Find("[data-testid=flash]").Text(); got != "" {
		t.Errorf("a forged flash cookie was shown: %q", got)
	}
}

// A session that holds no user (an OAuth sign-in under way, say) lives for
// minutes, not for the signed-in lifetime.
func TestAnonymousSessionsAreShortLived(t *testing.T) {
	t.Parallel()
	m := startOIDC(t)
	ta := newTestApp(t, withOIDC(m))
	c := ta.client(t)
	begin := c.get("/auth/oidc")
	expectStatus(t, begin, http.StatusSeeOther)
	var expiry []time.Time
	if err := ta.DB.Read.Raw("SELECT expiry FROM sessions WHERE user_id IS NULL").Scan(&expiry).Error; err != nil {
		t.Fatal(err)
	}
	if len(expiry) != 1 {
		t.Fatalf("sign-in start left %d anonymous session rows, want 1 (for the OAuth state)", len(expiry))
	}
	limit := ta.clock.Now().Add(sessionstore.AnonymousTimeout + time.Second)
	if expiry[0].After(limit) {
		t.Errorf("anonymous session expires at %s, want by %s", expiry[0], limit)
	}
	if ck := c.cookie(); ck == nil {
		t.Fatal("no session cookie for the OAuth state")
	}
	// Its cookie ends with the browser: nothing in it outlives a sign-in.
	for _, sc := range begin.Header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, handlers.SessionCookieName+"=") && (strings.Contains(sc, "Max-Age=") || strings.Contains(sc, "Expires=")) {
			t.Errorf("an anonymous session's cookie persists: %s", sc)
		}
	}
	// After the limit the sign-in cannot be finished: the state is gone.
	m.QueueUser(&mockoidc.MockUser{Subject: "sub-late", Email: "late@example.com", EmailVerified: true})
	callback := providerRoundTrip(t, begin.Header.Get("Location"))
	ta.clock.Advance(sessionstore.AnonymousTimeout + time.Minute)
	expectStatus(t, c.get(callback), http.StatusBadRequest)

	// Signed in, the session gets the full lifetime.
	c = ta.client(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "sub-on-time", Email: "ontime@example.com", EmailVerified: true})
	expectRedirect(t, c.socialSignIn("oidc"), "/account")
	ta.clock.Advance(sessionstore.AnonymousTimeout + time.Minute)
	c.expectSignedIn()
}

// A huge email in a failed sign-in reaches neither the audit log nor the
// throttle table: it is refused like a wrong password before either.
func TestHugeEmailsAreNeitherAuditedNorThrottleKeys(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_RATE_SIGNIN_IP", "30/5m"), withEnv("HEARTH_RATE_SIGNIN_ACCOUNT", "10/15m"),
		withEnv("HEARTH_RATE_SIGNUP_IP", "10/1h"))
	huge := strings.Repeat("a", MaxBodyForEmail) + "@example.com"
	c := ta.client(t)
	res := c.post("/login", url.Values{"email": {huge}, "password": {"wrong password!"}})
	expectStatus(t, res, http.StatusUnauthorized)
	if !strings.Contains(res.Doc.Find("[data-testid=form-error]").Text(), "Incorrect email or password") {
		t.Errorf("message = %q, want the usual one", res.Doc.Find("[data-testid=form-error]").Text())
	}
	// The honeypot path audits the email it was given.
	expectStatus(t, c.post("/signup", url.Values{"email": {huge}, "password": {goodPassword}, "website": {"x"}}), http.StatusUnprocessableEntity)
	// Ordinary attempts still make keys, all bounded.
	expectStatus(t, c.post("/login", url.Values{"email": {"someone@example.com"}, "password": {"wrong password!"}}), http.StatusUnauthorized)

	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE length(email) > 254 OR length(detail) > 1000"); n != 0 {
		t.Errorf("%d audit rows hold the huge email", n)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM throttle_buckets"); n == 0 {
		t.Error("no throttle buckets: is throttling on?")
	}
	if n := countRows(t, ta.DB, "SELECT coalesce(max(length(key)), 0) FROM throttle_buckets"); n > 100 {
		t.Errorf("a throttle key of %d bytes, want at most 100", n)
	}
}

// MaxBodyForEmail is an email's share of a body just under the 1 MB limit.
const MaxBodyForEmail = 1<<20 - 1024

// One IPv6 subscriber holds a whole /64 and can take a fresh address for
// every request: throttles count the /64 (and IPv4 per address).
func TestThrottlesCountAnIPv6SlashSixtyFourAsOneClient(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_RATE_SIGNIN_IP", "3/1m"), withEnv("HEARTH_TRUSTED_PROXIES", "127.0.0.1/32"))
	attempt := func(xff string) *response {
		form := url.Values{"email": {"someone@example.com"}, "password": {"wrong password!"}}
		req, _ := http.NewRequest(http.MethodPost, ta.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("X-Forwarded-For", xff)
		return ta.client(t).do(req)
	}
	for _, ip := range []string{"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:fffe"} {
		expectStatus(t, attempt(ip), http.StatusUnauthorized)
	}
	retryAfter(t, attempt("2001:db8:1:2:abcd::9"))                       // the same /64: over the limit
	expectStatus(t, attempt("2001:db8:1:3::1"), http.StatusUnauthorized) // the next /64 is someone else

	// IPv4 stays per address, written plainly or mapped into IPv6.
	for range 3 {
		expectStatus(t, attempt("198.51.100.1"), http.StatusUnauthorized)
	}
	retryAfter(t, attempt("::ffff:198.51.100.1"))
	expectStatus(t, attempt("198.51.100.2"), http.StatusUnauthorized)
}

// An idle timeout of a minute slides like a long one: the store refreshes
// last-seen at most every quarter of it (it did so once a minute at most, so
// a session used every 40 s died after its second request).
func TestShortIdleTimeoutSlides(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_SESSION_IDLE_TIMEOUT", "1m"))
	c := ta.client(t)
	c.signUp("brief@example.com", goodPassword)
	for elapsed := time.Duration(0); elapsed < 5*time.Minute; elapsed += 40 * time.Second {
		ta.clock.Advance(40 * time.Second)
		if res := c.get("/account"); res.StatusCode != http.StatusOK {
			t.Fatalf("after %s of use every 40 s: status %d, want 200", elapsed+40*time.Second, res.StatusCode)
		}
	}
	ta.clock.Advance(61 * time.Second)
	c.expectSignedOut()
}
