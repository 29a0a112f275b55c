package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/hearth-app/hearth/internal/testapp"
	"github.com/hearth-app/hearth/models"
)

func (tb *tab) signUp(srv *testapp.Server, name, email, password string) {
	tb.t.Helper()
	tb.do(
		chromedp.Navigate(srv.URL+"/signup"),
		chromedp.SendKeys("#field-name", name),
		chromedp.SendKeys("#field-email", email),
		chromedp.SendKeys("#field-password", password),
		chromedp.Click("[data-testid=signup-submit]"),
		chromedp.WaitVisible("[data-testid=account]"),
	)
}

func (tb *tab) signIn(srv *testapp.Server, email, password string) {
	tb.t.Helper()
	tb.do(
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.SendKeys("#field-email", email),
		chromedp.SendKeys("#field-password", password),
		chromedp.Click("[data-testid=login-submit]"),
		chromedp.WaitVisible("[data-testid=account]"),
	)
}

// makeAdmin gives the account of email the admin role and signs the tab
// in again (a role change ends the user's sessions); it returns the user.
func (tb *tab) makeAdmin(srv *testapp.Server, email, password string) *models.User {
	tb.t.Helper()
	u := userByEmail(tb.t, srv, email)
	if _, _, err := models.SetRole(context.Background(), srv.DB, time.Now(), models.AuditEvent{}, u.ID, models.RoleAdmin, ""); err != nil {
		tb.t.Fatal(err)
	}
	tb.signIn(srv, email, password)
	return u
}

// userByEmail is the user of email, read from the server's database.
func userByEmail(t *testing.T, srv *testapp.Server, email string) *models.User {
	t.Helper()
	u, err := models.UserByEmail(context.Background(), srv.DB, email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// openLatestMail opens the newest mail in the development mailbox and
// follows its link.
func (tb *tab) followLatestMail(srv *testapp.Server) {
	tb.t.Helper()
	// Some mails (a reset link) are queued by a job after the answer.
	if err := srv.App.WaitBackground(context.Background()); err != nil {
		tb.t.Fatal(err)
	}
	tb.do(chromedp.Navigate(srv.URL+"/dev/mail"), chromedp.WaitVisible("[data-testid=mail-row]"))
	tb.do(chromedp.Click("[data-testid=mail-row] a"), chromedp.WaitVisible("[data-testid=mail-text]"))
	text := tb.text("[data-testid=mail-text]")
	i := strings.Index(text, srv.URL)
	if i < 0 {
		tb.t.Fatalf("no link to %s in the mail:\n%s", srv.URL, text)
	}
	link := strings.Fields(text[i:])[0]
	tb.do(chromedp.Navigate(link))
}

// TestBrowserVerifyAndResetThroughTheDevMailbox: the mail flows a person
// clicks through, with the development mailbox as their inbox.
func TestBrowserVerifyAndResetThroughTheDevMailbox(t *testing.T) {
	srv := startServer(t)
	b := newTab(t)
	b.signUp(srv, "Ada", "ada@example.com", "analytical engine")
	if !b.exists("[data-testid=unverified-notice]") {
		t.Error("no notice that the address is unverified")
	}

	b.followLatestMail(srv)
	b.do(chromedp.WaitVisible("[data-testid=confirm-button]"))
	b.checkAccessibility("verification page")
	b.do(chromedp.Click("[data-testid=confirm-button]"), chromedp.WaitVisible("[data-testid=email-verified]"))
	if b.exists("[data-testid=unverified-notice]") {
		t.Error("the unverified notice is still shown")
	}

	b.signOut()
	b.do(
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.Click("[data-testid=forgot-link]"),
		chromedp.WaitVisible("[data-testid=forgot-password]"),
		chromedp.SendKeys("#field-email", "ada@example.com"),
		chromedp.Click("[data-testid=forgot-submit]"),
		chromedp.WaitVisible("[data-testid=forgot-sent]"),
	)
	b.checkAccessibility("forgot-password page")
	b.followLatestMail(srv)
	b.do(
		chromedp.WaitVisible("[data-testid=reset-password]"),
		chromedp.SendKeys("#field-password", "difference engine"),
		chromedp.Click("[data-testid=reset-submit]"),
		chromedp.WaitVisible("[data-testid=login]"),
	)
	b.signIn(srv, "ada@example.com", "difference engine")
}

// TestBrowserSessionsRevokeSignsTheOtherBrowserOut: two browsers, one
// account; ending the phone's session from the laptop signs the phone out on
// its very next click.
func TestBrowserSessionsRevokeSignsTheOtherBrowserOut(t *testing.T) {
	srv := startServer(t)
	laptop, phone := newTab(t), newTab(t)
	laptop.signUp(srv, "Lin", "lin@example.com", "two browsers here")
	phone.signIn(srv, "lin@example.com", "two browsers here")

	laptop.do(chromedp.Navigate(srv.URL+"/account/sessions"), chromedp.WaitVisible("[data-testid=sessions]"))
	laptop.checkAccessibility("sessions page")
	laptop.screenshot("sessions")
	laptop.do(chromedp.Click("[data-testid=revoke-others]"), chromedp.WaitVisible("[data-testid=only-session]"))

	phone.do(chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible("[data-testid=login]"))
	if !strings.Contains(phone.location(), "/login") {
		t.Errorf("the revoked browser is at %s, want the sign-in page", phone.location())
	}

	// Account edits, in the browser.
	laptop.do(
		chromedp.Navigate(srv.URL+"/account"),
		chromedp.SetValue("#field-name", "Lin Clark"),
		chromedp.Click("[data-testid=save-profile]"),
		chromedp.WaitVisible("[data-testid=flash]"),
	)
	if got := laptop.text("[data-testid=account-name]"); got != "Lin Clark" {
		t.Errorf("name = %q", got)
	}
}

// TestBrowserAccountMenu: the avatar in the header opens the account menu
// (who is signed in, the account's pages, Sign out); Escape and a click
// elsewhere close it; it opens without JavaScript too (a <details>).
func TestBrowserAccountMenu(t *testing.T) {
	srv := startServer(t)
	b := newTab(t)
	b.signUp(srv, "Ada Lovelace", "ada@example.com", "analytical engine")
	if got := b.text("[data-testid=account-menu-button] [data-testid=avatar]"); got != "AL" {
		t.Errorf("the avatar reads %q", got)
	}
	if b.visible("[data-testid=logout]") {
		t.Fatal("the menu is open before it was asked for")
	}
	b.do(chromedp.Click("[data-testid=account-menu-button]"), chromedp.WaitVisible("[data-testid=logout]"))
	if got := b.text(".account-menu-who"); !strings.Contains(got, "ada@example.com") {
		t.Errorf("the menu says %q about who is signed in", got)
	}
	b.checkAccessibility("account menu, open")
	b.do(chromedp.KeyEvent(kb.Escape))
	if open, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid=account-menu]').open`)); open {
		t.Error("Escape left the menu open")
	}
	b.do(chromedp.Click("[data-testid=account-menu-button]"), chromedp.WaitVisible("[data-testid=nav-account]"),
		chromedp.Click("main"))
	if open, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid=account-menu]').open`)); open {
		t.Error("a click elsewhere left the menu open")
	}
	b.do(chromedp.Click("[data-testid=account-menu-button]"), chromedp.WaitVisible("[data-testid=nav-account]"),
		chromedp.Click("[data-testid=nav-account]"), chromedp.WaitVisible("[data-testid=account-email]"))

	nojs := newTab(t)
	nojs.do(scriptsDisabled(true))
	nojs.signUp(srv, "Bo", "bo@example.com", "analytical engine")
	nojs.do(chromedp.Click("[data-testid=account-menu-button]"), chromedp.WaitVisible("[data-testid=logout]"),
		chromedp.Click("[data-testid=logout]"), chromedp.WaitVisible("[data-testid=home]"))
}
