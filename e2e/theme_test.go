package e2e_test

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// theme reads the page's data-theme and its computed background colour.
func (tb *tab) theme() (string, string) {
	tb.t.Helper()
	type state struct {
		Theme string `json:"theme"`
		BG    string `json:"bg"`
	}
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[state](
		`({theme: document.documentElement.dataset.theme, bg: getComputedStyle(document.body).backgroundColor})`))
	if err != nil {
		tb.t.Fatalf("theme: %v", err)
	}
	return s.Theme, s.BG
}

const (
	lightBG = "rgb(250, 250, 249)"
	darkBG  = "rgb(12, 10, 9)"
)

// TestBrowserThemeSwitch: the footer's switch picks light or dark over the
// system's scheme, in place with JavaScript and by a form post without it;
// the choice survives a reload (a cookie), and every theme passes axe.
func TestBrowserThemeSwitch(t *testing.T) {
	srv := startServer(t)
	b := newTab(t)
	b.do(prefersColorScheme("light"), chromedp.Navigate(srv.URL+"/login"), chromedp.WaitVisible("[data-testid=theme-switch]"))
	if th, bg := b.theme(); th != "system" || bg != lightBG {
		t.Fatalf("first visit, system light: theme %q, background %s", th, bg)
	}

	// With JavaScript: the page switches in place (no navigation).
	b.do(chromedp.SendKeys("#field-email", "typed@example.com"), chromedp.Click("[data-testid=theme-dark]"),
		chromedp.WaitVisible(`html[data-theme=dark]`), chromedp.WaitVisible(`[data-testid=theme-dark][aria-pressed=true]`))
	if th, bg := b.theme(); th != "dark" || bg != darkBG {
		t.Errorf("dark chosen: theme %q, background %s", th, bg)
	}
	var typed string
	if v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector('#field-email').value`)); err == nil {
		typed = v
	}
	if typed != "typed@example.com" {
		t.Errorf("switching in place lost what was typed: %q", typed)
	}
	b.runAxe("sign-in page, dark chosen over a light system")

	// Remembered: a new page renders dark from the server.
	b.do(chromedp.Navigate(srv.URL+"/signup"), chromedp.WaitVisible("[data-testid=theme-switch]"))
	if th, bg := b.theme(); th != "dark" || bg != darkBG {
		t.Errorf("after a reload: theme %q, background %s", th, bg)
	}

	// Without JavaScript: the form posts, the server comes back to the page.
	b.do(scriptsDisabled(true), prefersColorScheme("dark"), chromedp.Navigate(srv.URL+"/signup"), chromedp.WaitVisible("[data-testid=theme-switch]"))
	b.do(chromedp.Click("[data-testid=theme-light]"), chromedp.WaitVisible(`html[data-theme=light]`))
	if th, bg := b.theme(); th != "light" || bg != lightBG {
		t.Errorf("light chosen over a dark system, without JavaScript: theme %q, background %s", th, bg)
	}
	if loc := b.location(); loc != srv.URL+"/signup" {
		t.Errorf("the switch came back to %s", loc)
	}
	b.do(scriptsDisabled(false)) // axe needs them
	b.runAxe("sign-up page, light chosen over a dark system")
	b.do(scriptsDisabled(true))
	b.do(chromedp.Click("[data-testid=theme-system]"), chromedp.WaitVisible(`html[data-theme=system]`))
	if th, bg := b.theme(); th != "system" || bg != darkBG {
		t.Errorf("system again, system dark: theme %q, background %s", th, bg)
	}
	b.do(scriptsDisabled(false), prefersColorScheme(""))
}

// scriptsDisabled turns the page's JavaScript off (or on again).
func scriptsDisabled(off bool) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off})
		return chromedp.Void{}, err
	}
}
