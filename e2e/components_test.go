package e2e_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// evalBool evaluates a JavaScript expression of the page.
func (tb *tab) evalBool(js string) bool {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// TestBrowserComponentGallery: /dev/components, the visual test of
// views/components, passes axe in both themes at both widths; its dialog
// opens as a modal and gives focus back when closed, and shows in place
// without JavaScript; its drop-down opens and closes on Escape and a click
// elsewhere; its tabs switch by a page load.
func TestBrowserComponentGallery(t *testing.T) {
	srv := startServer(t)
	b := newTab(t)
	b.do(chromedp.Navigate(srv.URL+"/dev/components"), chromedp.WaitVisible("[data-testid=components]"))
	b.checkAccessibility("component gallery")
	b.screenshot("dev-components")

	// The dialog: a modal, labelled, focus inside; Close gives focus back.
	if b.visible("[data-testid=example-dialog]") {
		t.Fatal("the dialog is open before it was asked for")
	}
	b.do(chromedp.Click("[data-dialog-open=example-dialog]"), chromedp.WaitVisible("[data-testid=example-dialog]"))
	if !b.evalBool(`document.querySelector('#example-dialog').matches(':modal')`) {
		t.Error("the dialog is not modal")
	}
	if !b.evalBool(`document.querySelector('#example-dialog').contains(document.activeElement)`) {
		t.Error("focus is not in the open dialog")
	}
	b.runAxe("component gallery, dialog open")
	b.do(chromedp.Click("[data-testid=example-dialog] [data-dialog-close]"), chromedp.WaitNotVisible("[data-testid=example-dialog]"))
	if !b.evalBool(`document.activeElement.id === 'example-dialog-open'`) {
		t.Error("closing the dialog did not give focus back to its button")
	}
	b.do(chromedp.Click("[data-dialog-open=example-dialog]"), chromedp.WaitVisible("[data-testid=example-dialog]"), chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible("[data-testid=example-dialog]"))
	if loc := b.location(); loc != srv.URL+"/dev/components" {
		t.Errorf("opening the dialog with JavaScript went to %s", loc)
	}

	// The drop-down: opens on its button; Escape and a click elsewhere close it.
	if b.visible("[data-testid=example-dropdown-item]") {
		t.Fatal("the drop-down is open before it was asked for")
	}
	b.do(chromedp.Click("[data-testid=example-dropdown] summary"), chromedp.WaitVisible("[data-testid=example-dropdown-item]"))
	b.runAxe("component gallery, drop-down open")
	b.do(chromedp.KeyEvent(kb.Escape))
	if b.evalBool(`document.querySelector('[data-testid=example-dropdown]').open`) {
		t.Error("Escape left the drop-down open")
	}
	b.do(chromedp.Click("[data-testid=example-dropdown] summary"), chromedp.WaitVisible("[data-testid=example-dropdown-item]"), chromedp.Click("h1"))
	if b.evalBool(`document.querySelector('[data-testid=example-dropdown]').open`) {
		t.Error("a click elsewhere left the drop-down open")
	}

	// The tabs: links; the clicked one is the current page.
	b.do(chromedp.Click("[data-testid=example-tab-1]"), chromedp.WaitVisible("[data-testid=example-tab-1][aria-current=page]"))
	if got := b.text("[data-testid=example-tab-panel]"); got != "This is the Activity tab: each tab is a page of its own, rendered by the server." {
		t.Errorf("after switching tabs the panel says %q", got)
	}
	if b.exists("[data-testid=example-tab-0][aria-current]") {
		t.Error("the first tab is still marked current")
	}

	// Without JavaScript the dialog's link shows it in place, and Close
	// hides it again; the drop-down still opens.
	nojs := newTab(t)
	nojs.do(scriptsDisabled(true), chromedp.Navigate(srv.URL+"/dev/components"), chromedp.WaitVisible("[data-testid=components]"))
	nojs.do(chromedp.Click("[data-dialog-open=example-dialog]"), chromedp.WaitVisible("[data-testid=example-dialog]"))
	nojs.do(chromedp.Click("[data-testid=example-dialog] [data-dialog-close]"), chromedp.WaitNotVisible("[data-testid=example-dialog]"))
	nojs.do(chromedp.Click("[data-testid=example-dropdown] summary"), chromedp.WaitVisible("[data-testid=example-dropdown-item]"))
	nojs.do(scriptsDisabled(false))
}
