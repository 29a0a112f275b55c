package handlers_test

import (
	"net/http"
	"net/url"
	"testing"
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
