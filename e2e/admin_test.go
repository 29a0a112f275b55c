package e2e_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAdminSearchAndBan: an admin finds a user and bans them; the
// banned user's browser is signed out on its very next click.
func TestBrowserAdminSearchAndBan(t *testing.T) {
	srv := startServer(t)
	member, admin := newTab(t), newTab(t)
	member.signUp(srv, "Mallory", "mallory@example.com", "up to no good")
	admin.signUp(srv, "Alice", "alice@example.com", "the admin of it all")
	admin.makeAdmin(srv, "alice@example.com", "the admin of it all")

	admin.do(chromedp.Navigate(srv.URL+"/admin"), chromedp.WaitVisible("body"))
	admin.checkAccessibility("admin dashboard")
	admin.screenshot("admin-dashboard")
	admin.do(
		chromedp.Navigate(srv.URL+"/admin/users"),
		chromedp.WaitVisible("[data-testid=user-filters]"),
		chromedp.SendKeys("#q", "mallory"),
		chromedp.Submit("#q"),
		// The results page: its search field carries the query as its value
		// attribute (typing sets only the property), so this waits for the
		// navigation, not for the list shown before it.
		chromedp.WaitVisible(`#q[value="mallory"]`),
		chromedp.WaitVisible("[data-testid=user-link]"),
	)
	admin.checkAccessibility("admin users list")
	admin.screenshot("admin-users")
	if got := admin.text("[data-testid=user-link]"); got != "mallory@example.com" {
		t.Fatalf("search found %q", got)
	}
	admin.do(chromedp.Click("[data-testid=user-link]"), chromedp.WaitVisible("[data-testid=ban-form]"))
	admin.checkAccessibility("admin user page")
	admin.screenshot("admin-user")
	// Banning asks in a dialog first: Cancel (the focused, safe choice)
	// leaves the user as they were; confirming bans.
	admin.do(chromedp.Click("[data-testid=ban-form] button"), chromedp.WaitVisible("[data-testid=confirm-dialog]"))
	if got := admin.text("[data-testid=confirm-dialog] p"); !strings.HasPrefix(got, "Ban mallory@example.com?") {
		t.Errorf("the dialog asks %q", got)
	}
	admin.checkAccessibility("ban confirmation dialog")
	admin.do(chromedp.Click("[data-testid=confirm-dialog] button[value=cancel]"), chromedp.WaitNotVisible("[data-testid=confirm-dialog]"))
	if admin.exists("[data-testid=unban-form]") {
		t.Fatal("Cancel banned the user")
	}
	// Asked again at once (before the browser has told of the first
	// closing): the new question is answered by its own OK.
	admin.do(chromedp.Click("[data-testid=ban-form] button"), chromedp.WaitVisible("[data-testid=confirm-dialog]"))
	if !admin.evalBool(`(() => {
		document.querySelector("[data-testid=confirm-dialog] button[value=cancel]").click();
		document.querySelector("[data-testid=ban-form] button").click();
		return document.querySelector("[data-testid=confirm-dialog]").open;
	})()`) {
		t.Fatal("the dialog did not open again")
	}
	admin.do(chromedp.WaitVisible("[data-testid=confirm-dialog-ok]"),
		chromedp.Click("[data-testid=confirm-dialog-ok]"), chromedp.WaitVisible("[data-testid=unban-form]"))

	member.do(chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible("[data-testid=login]"))
	if !strings.Contains(member.location(), "/login") {
		t.Errorf("the banned browser is at %s", member.location())
	}
}
