package e2e_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserOrganizationInviteAcceptAndSwitch: an owner creates an
// organization and invites someone; in a second browser the invitee opens
// the mail in the development mailbox, signs up from the invitation,
// confirms the address and accepts; the owner switches between
// organizations from the nav. Every new page passes axe, light and dark.
func TestBrowserOrganizationInviteAcceptAndSwitch(t *testing.T) {
	srv := startServer(t)
	owner := newTab(t)
	owner.signUp(srv, "Olga", "olga@example.com", "organizations in a browser")
	owner.do(chromedp.Navigate(srv.URL+"/orgs"), chromedp.WaitVisible("[data-testid=orgs]"))
	owner.checkAccessibility("organizations page")
	owner.do(
		chromedp.SendKeys("form[data-testid=create-org] #field-name", "Rocket Club"),
		chromedp.Submit("form[data-testid=create-org]"),
		chromedp.WaitVisible("[data-testid=org-home]"),
	)
	if loc := owner.location(); !strings.HasSuffix(loc, "/orgs/rocket-club") {
		t.Fatalf("after creating: %s", loc)
	}
	owner.checkAccessibility("organization home")
	owner.do(chromedp.Click("[data-testid=org-members-link]"), chromedp.WaitVisible("[data-testid=org-members]"))
	owner.do(
		chromedp.SendKeys("form[data-testid=invite-form] #field-email", "bob@example.com"),
		chromedp.Submit("form[data-testid=invite-form]"),
		chromedp.WaitVisible("[data-testid=invitation-row]"),
	)
	owner.checkAccessibility("members page")
	owner.do(chromedp.Click("[data-testid=org-settings-link]"), chromedp.WaitVisible("[data-testid=org-settings]"))
	owner.checkAccessibility("organization settings")

	bob := newTab(t)
	bob.followLatestMail(srv)
	bob.do(chromedp.WaitVisible("[data-testid=invitation-signup]"))
	bob.checkAccessibility("invitation page, signed out")
	bob.do(
		chromedp.Click("[data-testid=invitation-signup]"),
		chromedp.WaitVisible("[data-testid=signup]"),
		chromedp.SendKeys("#field-name", "Bob"),
		chromedp.SendKeys("#field-email", "bob@example.com"),
		chromedp.SendKeys("#field-password", "joining the rocket club"),
		chromedp.Click("[data-testid=signup-submit]"),
		chromedp.WaitVisible("[data-testid=invitation-unverified]"),
	)
	bob.checkAccessibility("invitation page, unverified")
	bob.followLatestMail(srv)
	bob.do(chromedp.WaitVisible("[data-testid=confirm-button]"), chromedp.Click("[data-testid=confirm-button]"),
		chromedp.WaitVisible("[data-testid=my-invitation]"))
	bob.checkAccessibility("organizations page with an invitation")
	bob.do(chromedp.Click("[data-testid=accept-invitation]"), chromedp.WaitVisible("[data-testid=org-home]"))
	if role := bob.text("[data-testid=org-role]"); role != "Member" {
		t.Errorf("bob's role: %q", role)
	}

	owner.do(chromedp.Navigate(srv.URL+"/orgs/rocket-club/members"), chromedp.WaitVisible("[data-testid=member-row]"))
	if !strings.Contains(owner.text("[data-testid=org-members] tbody"), "bob@example.com") || owner.exists("[data-testid=invitation-row]") {
		t.Error("the members page does not show Bob as a member, or still as invited")
	}
	owner.screenshot("org-members")

	// A second organization, then switch back from the nav (a fresh tab:
	// each has a minute, and a loaded machine runs axe slowly).
	owner = newTab(t)
	owner.signIn(srv, "olga@example.com", "organizations in a browser")
	owner.do(
		chromedp.Navigate(srv.URL+"/orgs"),
		chromedp.SendKeys("form[data-testid=create-org] #field-name", "Second Shop"),
		chromedp.Submit("form[data-testid=create-org]"),
		chromedp.WaitVisible("[data-testid=org-home]"),
	)
	if got := owner.text("[data-testid=active-org]"); got != "Second Shop" {
		t.Errorf("active organization %q", got)
	}
	owner.do(
		chromedp.Click("[data-testid=org-switcher] summary"),
		chromedp.WaitVisible(`[data-testid=switch-org][data-slug="rocket-club"]`),
	)
	owner.runAxe("organization switcher, open")
	owner.do(chromedp.Click(`[data-testid=switch-org][data-slug="rocket-club"]`), chromedp.WaitVisible("[data-testid=org-home]"))
	if got := owner.text("[data-testid=active-org]"); got != "Rocket Club" {
		t.Errorf("after switching: active organization %q", got)
	}
	owner.do(chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible("[data-testid=account]"))
	if got := owner.text("[data-testid=active-org]"); got != "Rocket Club" {
		t.Errorf("the session forgot the active organization: %q", got)
	}
}
