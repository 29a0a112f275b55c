package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearth-app/hearth/handlers"
	"github.com/hearth-app/hearth/views/layout"
)

// TestSignInAndSignUpAutofocus: the first field takes the cursor; after a
// failed attempt, the field to fix (the password once the email is kept).
func TestSignInAndSignUpAutofocus(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	for _, tc := range []struct {
		name string
		res  *response
		want string
	}{
		{"sign-in page", c.get("/login"), "field-email"},
		{"failed sign-in", c.post("/login", url.Values{"email": {"who@example.com"}, "password": {"not this one"}}), "field-password"},
		{"sign-up page", c.get("/signup"), "field-name"},
		{"failed sign-up", c.submit("/signup", "form[action='/signup']", url.Values{"name": {"Ann"}, "email": {"not-an-email"}, "password": {goodPassword}}), "field-email"},
	} {
		auto := tc.res.Doc.Find("[autofocus]")
		if id, _ := auto.Attr("id"); auto.Length() != 1 || id != tc.want {
			t.Errorf("%s: %d autofocused, #%s; want #%s", tc.name, auto.Length(), id, tc.want)
		}
	}
}

// TestThrottledSignInKeepsTheFormAndOffersTheReset: a throttled sign-in is
// not a dead end: 429 with Retry-After, the form with the email kept, and
// the reset link, which needs no waiting.
func TestThrottledSignInKeepsTheFormAndOffersTheReset(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_RATE_SIGNIN_ACCOUNT", "2/3m"))
	ta.client(t).signUp("locked@example.com", goodPassword)
	c := ta.client(t)
	for range 2 {
		expectStatus(t, c.signIn("locked@example.com", "guess guess guess"), http.StatusUnauthorized)
	}
	res := c.signIn("locked@example.com", goodPassword)
	retryAfter(t, res)
	if v, _ := res.Doc.Find("form[action='/login'] input[name=email]").Attr("value"); v != "locked@example.com" {
		t.Errorf("the email is not kept: %q", v)
	}
	if res.Doc.Find("form[action='/login'] input[name=password]").Length() != 1 {
		t.Error("no password field on the throttled page")
	}
	if href, _ := res.Doc.Find("[data-testid=form-error] a[data-testid=throttled-reset-link]").Attr("href"); href != "/forgot-password" {
		t.Errorf("reset link in the message: %q", href)
	}
	if res.Doc.Find("[data-testid=error-page]").Length() != 0 {
		t.Error("the throttled sign-in shows the error page")
	}
}

// sessionSetCookie is the session cookie a response sets, as sent.
func sessionSetCookie(t *testing.T, res *response) string {
	t.Helper()
	for _, sc := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, handlers.SessionCookieName+"=") {
			return sc
		}
	}
	t.Fatalf("no session cookie set: %v", res.Header.Values("Set-Cookie"))
	return ""
}

// TestKeepMeSignedIn: ticked (the default), the session cookie lasts the
// session's lifetime and the session the usual idle timeout; unticked, the
// cookie ends with the browser and the session after 30 minutes unused,
// on the server (a copied cookie dies too).
func TestKeepMeSignedIn(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_SESSION_IDLE_TIMEOUT", "8h"))
	c := ta.client(t)
	c.signUp("kim@example.com", goodPassword)
	c.post("/logout", nil)

	page := c.get("/login")
	if box := page.Doc.Find("input[type=checkbox][name=remember]"); box.Length() != 1 || box.AttrOr("checked", "none") == "none" {
		t.Fatal("the sign-in form has no ticked 'Keep me signed in'")
	}
	kept := c.submit("/login", "form[action='/login']", url.Values{"email": {"kim@example.com"}, "password": {goodPassword}, "remember": {"yes"}})
	expectRedirect(t, kept, "/account")
	if sc := sessionSetCookie(t, kept); !strings.Contains(sc, "Max-Age=") {
		t.Errorf("kept signed in, the cookie ends with the browser: %s", sc)
	}
	ta.clock.Advance(2 * time.Hour)
	c.expectSignedIn()

	d := ta.client(t)
	forgot := d.submit("/login", "form[action='/login']", url.Values{"email": {"kim@example.com"}, "password": {goodPassword}}) // unticked: not sent
	expectRedirect(t, forgot, "/account")
	if sc := sessionSetCookie(t, forgot); strings.Contains(sc, "Max-Age=") || strings.Contains(sc, "Expires=") {
		t.Errorf("unticked, the cookie persists: %s", sc)
	}
	ta.clock.Advance(20 * time.Minute)
	d.expectSignedIn() // in use: alive
	ta.clock.Advance(31 * time.Minute)
	d.expectSignedOut()
	c.expectSignedIn() // the kept session is another matter

	// A refused attempt keeps the choice on the form.
	res := d.submit("/login", "form[action='/login']", url.Values{"email": {"kim@example.com"}, "password": {"not my password"}})
	expectStatus(t, res, http.StatusUnauthorized)
	if res.Doc.Find("input[name=remember][checked]").Length() != 0 {
		t.Error("the unticked box came back ticked")
	}
}

// TestProductNavLinks: the product's own header links come from App.Nav,
// with no edit to the layout; a signed-in-only link shows after sign-in.
func TestProductNavLinks(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withNav(layout.NavLink{Href: "/pricing", Label: "Pricing"}, layout.NavLink{Href: "/dashboard", Label: "Dashboard", SignedIn: true}))
	c := ta.client(t)
	links := func() []string {
		var got []string
		c.get("/").Doc.Find("[data-testid=nav-product]").Each(func(_ int, s *goquery.Selection) { got = append(got, s.AttrOr("href", "")+" "+s.Text()) })
		return got
	}
	if got := links(); len(got) != 1 || got[0] != "/pricing Pricing" {
		t.Errorf("signed out, the product's links are %q", got)
	}
	c.signUp("nav@example.com", goodPassword)
	if got := links(); len(got) != 2 || got[1] != "/dashboard Dashboard" {
		t.Errorf("signed in, the product's links are %q", got)
	}
}
