package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/config"
)

// TestThemeSwitchIsRememberedByACookie: the choice is a cookie the server
// reads, so the next page renders in that theme without JavaScript; the
// switch goes back to the page it was on (a local path only).
func TestThemeSwitchIsRememberedByACookie(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)

	theme := func(path string) (dataTheme, scheme, pressed string) {
		t.Helper()
		res := c.get(path)
		expectStatus(t, res, http.StatusOK)
		dataTheme, _ = res.Doc.Find("html").Attr("data-theme")
		scheme, _ = res.Doc.Find(`meta[name=color-scheme]`).Attr("content")
		pressed, _ = res.Doc.Find(`[data-testid=theme-switch] button[aria-pressed=true]`).Attr("value")
		if n := res.Doc.Find(`[data-testid=theme-switch] button[aria-pressed=true]`).Length(); n != 1 {
			t.Errorf("%s: %d pressed theme buttons, want 1", path, n)
		}
		return
	}
	if d, s, p := theme("/login"); d != "system" || s != "light dark" || p != "system" {
		t.Errorf("no cookie: data-theme %q, color-scheme %q, pressed %q; want system", d, s, p)
	}
	if next, _ := c.get("/login?next=%2Faccount").Doc.Find(`[data-testid=theme-switch] input[name=next]`).Attr("value"); next != "/login?next=%2Faccount" {
		t.Errorf("the switch comes back to %q", next)
	}

	for _, tc := range []struct {
		theme, next, location string
		dataTheme, scheme     string
	}{
		{"dark", "/login", "/login", "dark", "dark"},
		{"light", "/signup?x=1", "/signup?x=1", "light", "light"},
		{"system", "//evil.example/", "/", "system", "light dark"},
	} {
		expectRedirect(t, c.post("/theme", url.Values{"theme": {tc.theme}, "next": {tc.next}}), tc.location)
		if d, s, p := theme("/"); d != tc.dataTheme || s != tc.scheme || p != tc.theme {
			t.Errorf("after %s: data-theme %q, color-scheme %q, pressed %q", tc.theme, d, s, p)
		}
	}

	expectStatus(t, c.post("/theme", url.Values{"theme": {"neon"}}), http.StatusBadRequest)
	// A forged cookie value is ignored.
	req, _ := http.NewRequest(http.MethodGet, ta.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: config.CookiePrefix + "_theme", Value: `"><script>`})
	if d, _ := ta.client(t).do(req).Doc.Find("html").Attr("data-theme"); d != "system" {
		t.Errorf("a bad cookie gave data-theme %q", d)
	}
	// The cookie itself: a year, the whole site, not for scripts.
	res := ta.client(t).post("/theme", url.Values{"theme": {"dark"}})
	var ck *http.Cookie
	for _, k := range res.Cookies() {
		if k.Name == config.CookiePrefix+"_theme" {
			ck = k
		}
	}
	js := ta.client(t).get("/static/js/app.js")
	expectStatus(t, js, http.StatusOK)
	if ct := js.Header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("app.js served as %q", ct)
	}
	if ck == nil || ck.Value != "dark" || ck.Path != "/" || !ck.HttpOnly || ck.MaxAge < 300*24*3600 || ck.SameSite != http.SameSiteLaxMode {
		t.Errorf("theme cookie: %+v", ck)
	}
}
