package e2e_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// toggleState reads a password input's type and its toggle's state.
func (tb *tab) toggleState(input string) (typ, pressed string, visible bool) {
	tb.t.Helper()
	type state struct {
		Type    string `json:"type"`
		Pressed string `json:"pressed"`
		Visible bool   `json:"visible"`
	}
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[state](`(() => {
		const i = document.querySelector(`+"`"+`#${CSS.escape(`+quoteJS(input)+`)}`+"`"+`);
		const b = document.querySelector(`+"`"+`[aria-controls="${i.id}"]`+"`"+`);
		return {type: i.type, pressed: b.getAttribute('aria-pressed'), visible: b.offsetParent !== null};
	})()`))
	if err != nil {
		tb.t.Fatalf("toggle state: %v", err)
	}
	return s.Type, s.Pressed, s.Visible
}

func quoteJS(s string) string { return "'" + s + "'" }

// TestBrowserPasswordToggle: every password field has a show/hide button
// that reveals what was typed and hides it again; without JavaScript the
// button is not there, and the field is a plain password field.
func TestBrowserPasswordToggle(t *testing.T) {
	srv := startServer(t)
	b := newTab(t)
	b.do(chromedp.Navigate(srv.URL+"/signup"), chromedp.WaitVisible("#field-password"),
		chromedp.SendKeys("#field-password", "secret words"))
	if typ, pressed, visible := b.toggleState("field-password"); typ != "password" || pressed != "false" || !visible {
		t.Fatalf("before: type %s, aria-pressed %s, toggle visible %v", typ, pressed, visible)
	}
	b.do(chromedp.Click(`[aria-controls=field-password]`))
	if typ, pressed, _ := b.toggleState("field-password"); typ != "text" || pressed != "true" {
		t.Errorf("shown: type %s, aria-pressed %s", typ, pressed)
	}
	if v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector('#field-password').value`)); err != nil || v != "secret words" {
		t.Errorf("the shown password reads %q (%v)", v, err)
	}
	b.runAxe("sign-up page, password shown")
	b.do(chromedp.Click(`[aria-controls=field-password]`))
	if typ, pressed, _ := b.toggleState("field-password"); typ != "password" || pressed != "false" {
		t.Errorf("hidden again: type %s, aria-pressed %s", typ, pressed)
	}

	// Every password field of the account page has one.
	b.signUp(srv, "Ada", "ada@example.com", "analytical engine")
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](
		`[...document.querySelectorAll('input[type=password]')].filter(i => { const t = document.querySelector('[aria-controls="' + i.id + '"]'); return !t || t.hidden; }).length`))
	if err != nil || n != 0 {
		t.Errorf("%d password fields without a visible toggle (%v)", n, err)
	}

	// Without JavaScript: no toggle.
	nojs := newTab(t)
	nojs.do(scriptsDisabled(true), chromedp.Navigate(srv.URL+"/login"), chromedp.WaitVisible("#field-password"))
	if _, _, visible := nojs.toggleState("field-password"); visible {
		t.Error("the toggle shows without JavaScript")
	}
}

// TestBrowserPasswordStrengthMeter: typing a new password fills the meter
// below it with the server's verdict; a guessable one says why, a long
// passphrase reads strong.
func TestBrowserPasswordStrengthMeter(t *testing.T) {
	srv := startServer(t)
	b := newTab(t)
	read := `(() => { const box = document.querySelector('[data-password-strength=field-password]');
		return box.hidden ? '' : box.dataset.score + ' ' + box.querySelector('p').textContent; })()`
	b.do(chromedp.Navigate(srv.URL+"/signup"), chromedp.WaitVisible("#field-password"),
		chromedp.SendKeys("#field-email", "ann@example.com"),
		chromedp.SendKeys("#field-password", "zzzzzzzzzzzz"),
		chromedp.Poll[chromedp.Void](read+` !== ''`))
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](read))
	if err != nil || !strings.HasPrefix(got, "0 ") || !strings.Contains(got, "Repeated characters") {
		t.Errorf("a repeated password: the meter reads %q (%v)", got, err)
	}
	b.runAxe("sign-up page, strength meter shown")
	b.do(chromedp.Clear("#field-password"), chromedp.SendKeys("#field-password", "correct horse battery staple"),
		chromedp.Poll[chromedp.Void](`document.querySelector('[data-password-strength=field-password]').dataset.score === '4'`))
	if got, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](read)); !strings.Contains(got, "Strong") {
		t.Errorf("a long passphrase: the meter reads %q", got)
	}
}
