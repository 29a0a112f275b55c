package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

// orgTeam is a signed-in owner, admin and member of one organization, and
// a signed-in outsider.
type orgTeam struct {
	ta                             *testApp
	owner, admin, member, outsider *client
	ownerU, adminU, memberU        *models.User
}

// verifiedClient signs up email and marks the address verified (as its
// mailed link would).
func verifiedClient(t *testing.T, ta *testApp, email string) (*client, *models.User) {
	t.Helper()
	c := ta.client(t)
	u := c.signUpMember(email)
	if err := ta.DB.Write.Exec("UPDATE users SET email_verified_at = ? WHERE id = ?", ta.clock.Now(), u.ID).Error; err != nil {
		t.Fatal(err)
	}
	now := ta.clock.Now()
	u.EmailVerifiedAt = &now
	return c, u
}

func newOrgTeam(t *testing.T, ta *testApp) *orgTeam {
	t.Helper()
	team := &orgTeam{ta: ta}
	team.owner, team.ownerU = verifiedClient(t, ta, "owner@example.com")
	team.admin, team.adminU = verifiedClient(t, ta, "admin@example.com")
	team.member, team.memberU = verifiedClient(t, ta, "member@example.com")
	team.outsider, _ = verifiedClient(t, ta, "outsider@example.com")
	return team
}

// newOrg creates an organization of the team (the owner through the model,
// the admin and member added directly) and returns it.
func (team *orgTeam) newOrg(t *testing.T, name string) *models.Organization {
	t.Helper()
	ta := team.ta
	org, err := models.CreateOrg(t.Context(), ta.DB, ta.clock.Now(), models.AuditEvent{}, team.ownerU, name, "")
	if err != nil {
		t.Fatal(err)
	}
	for u, role := range map[*models.User]models.OrgRole{team.adminU: models.OrgAdmin, team.memberU: models.OrgMember} {
		addOrgMember(t, ta, org, u, role)
	}
	return org
}

func addOrgMember(t *testing.T, ta *testApp, org *models.Organization, u *models.User, role models.OrgRole) {
	t.Helper()
	if err := ta.DB.Write.Create(&models.Membership{OrgID: org.ID, UserID: u.ID, Role: role, JoinedAt: ta.clock.Now()}).Error; err != nil {
		t.Fatal(err)
	}
}

func roleOf(t *testing.T, ta *testApp, org *models.Organization, u *models.User) models.OrgRole {
	t.Helper()
	var roles []string
	if err := ta.DB.Read.Raw("SELECT role FROM memberships WHERE org_id = ? AND user_id = ?", org.ID, u.ID).Scan(&roles).Error; err != nil {
		t.Fatal(err)
	}
	if len(roles) == 0 {
		return ""
	}
	return models.OrgRole(roles[0])
}

// invitationLink is the path of the newest invitation mailed to email.
func invitationLink(t *testing.T, ta *testApp, email string) string {
	t.Helper()
	link := linkIn(t, lastMail(t, ta, email, "org_invitation"))
	if !strings.HasPrefix(link, "/invitations/") {
		t.Fatalf("invitation link %q", link)
	}
	return link
}

func TestCreateOrganizationAndSlugs(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c, _ := verifiedClient(t, ta, "founder@example.com")
	expectStatus(t, c.get("/orgs"), http.StatusOK)

	res := c.submit("/orgs", "form[data-testid=create-org]", url.Values{"name": {"Acme Inc."}})
	expectRedirect(t, res, "/orgs/acme-inc")
	home := c.get("/orgs/acme-inc")
	expectStatus(t, home, http.StatusOK)
	if got := home.Doc.Find("[data-testid=org-role]").Text(); got != "Owner" {
		t.Fatalf("the creator's role: %q", got)
	}
	if got := home.Doc.Find("[data-testid=active-org]").Text(); got != "Acme Inc." {
		t.Errorf("the switcher's active org: %q", got)
	}
	// The same name again: a suffix.
	expectRedirect(t, c.submit("/orgs", "form[data-testid=create-org]", url.Values{"name": {"Acme Inc."}}), "/orgs/acme-inc-2")
	// Unicode names: folded, or a fallback when nothing is left.
	expectRedirect(t, c.submit("/orgs", "form[data-testid=create-org]", url.Values{"name": {"Crème Brûlée"}}), "/orgs/creme-brulee")
	expectRedirect(t, c.submit("/orgs", "form[data-testid=create-org]", url.Values{"name": {"日本の会社"}}), "/orgs/org")

	for _, bad := range []struct {
		name, slug, field string
	}{
		{"", "", "name"},
		{"   ", "", "name"},
		{strings.Repeat("n", 101), "", "name"},
		{"Typed taken", "acme-inc", "slug"},
		{"Reserved", "admin", "slug"},
		{"Bad slug", "Not A Slug", "slug"},
		{"Unicode slug", "café", "slug"},
		{"Huge slug", strings.Repeat("s", 200), "slug"},
		{"Hyphens", "-x-", "slug"},
	} {
		res := c.submit("/orgs", "form[data-testid=create-org]", url.Values{"name": {bad.name}, "slug": {bad.slug}})
		expectStatus(t, res, http.StatusUnprocessableEntity)
		if res.Doc.Find("[data-testid=error-"+bad.field+"]").Length() != 1 {
			t.Errorf("%q/%q: no error beside %s\n%s", bad.name, bad.slug, bad.field, res.Doc.Find("form").Text())
		}
		if v, _ := res.Doc.Find("input[name=name]").Attr("value"); v != strings.TrimSpace(bad.name) && v != bad.name {
			t.Errorf("%q: the form lost the name (%q)", bad.name, v)
		}
	}
	// Invalid UTF-8 is refused before any model sees it.
	if res := c.post("/orgs", url.Values{"name": {"\xff\xfe"}}); res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid UTF-8: %d", res.StatusCode)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM organizations"); n != 4 {
		t.Fatalf("%d organizations, want 4", n)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND org_id IS NOT NULL", models.AuditOrgCreate); n != 4 {
		t.Fatalf("%d creation events with their org, want 4", n)
	}
	list := c.get("/orgs")
	if n := list.Doc.Find("[data-testid=org-row]").Length(); n != 4 {
		t.Fatalf("/orgs lists %d organizations", n)
	}
	// A signed-out visitor is sent to sign in.
	if res := ta.client(t).get("/orgs/acme-inc"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("signed out: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

// TestInvitationToANewUser: the invitee signs up from the invitation's
// page, comes back to it, confirms the address with the sign-up's own mail,
// and accepts; the link then is dead.
func TestInvitationToANewUser(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	team := newOrgTeam(t, ta)
	org := team.newOrg(t, "Team")
	res := team.admin.submit("/orgs/team/members", "form[data-testid=invite-form]", url.Values{"email": {" New@Example.com "}, "role": {"member"}})
	expectRedirect(t, res, "/orgs/team/members")
	link := invitationLink(t, ta, "new@example.com")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM invitations WHERE token_hash = ?", models.HashToken(strings.TrimPrefix(link, "/invitations/"))); n != 1 {
		t.Fatal("the invitation's token hash is not stored")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM invitations WHERE token_hash = ?", strings.TrimPrefix(link, "/invitations/")); n != 0 {
		t.Fatal("the raw token is stored")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND org_id = ? AND email = 'new@example.com'", models.AuditOrgInvite, org.ID); n != 1 {
		t.Fatal("the invitation is not audited with its org")
	}
	members := team.admin.get("/orgs/team/members")
	if members.Doc.Find("[data-testid=invitation-row][data-email='new@example.com']").Length() != 1 {
		t.Fatal("the members page does not list the pending invitation")
	}

	c := ta.client(t)
	page := c.get(link)
	expectStatus(t, page, http.StatusOK)
	signup, _ := page.Doc.Find("[data-testid=invitation-signup]").Attr("href")
	if signup != "/signup?next="+url.QueryEscape(link) {
		t.Fatalf("sign-up link %q", signup)
	}
	res = c.submit(signup, "form[action='/signup']", url.Values{"email": {"new@example.com"}, "password": {goodPassword}})
	expectRedirect(t, res, link)
	page = c.get(link)
	expectStatus(t, page, http.StatusForbidden)
	if page.Doc.Find("[data-testid=invitation-unverified]").Length() != 1 {
		t.Fatal("an unverified invitee is not told to confirm the address")
	}
	expectStatus(t, c.post(link, url.Values{"answer": {"accept"}}), http.StatusForbidden)

	verify := linkIn(t, lastMail(t, ta, "new@example.com", models.TokenVerifyEmail))
	expectRedirect(t, c.submit(verify, "form[action='/verify-email']", nil), "/orgs")
	if c.get("/orgs").Doc.Find("[data-testid=my-invitation]").Length() != 1 {
		t.Fatal("/orgs does not list the invitation")
	}
	expectRedirect(t, c.submit(link, "form[action^='/invitations/']", url.Values{"answer": {"accept"}}), "/orgs/team")
	u, err := models.UserByEmail(t.Context(), ta.DB, "new@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if r := roleOf(t, ta, org, u); r != models.OrgMember {
		t.Fatalf("role after accepting: %q", r)
	}
	expectStatus(t, c.get("/orgs/team"), http.StatusOK)
	// Single use.
	expectStatus(t, c.get(link), http.StatusNotFound)
	expectStatus(t, c.post(link, url.Values{"answer": {"accept"}}), http.StatusNotFound)
	// The request log never holds the token of the link.
	if tok := strings.TrimPrefix(link, "/invitations/"); strings.Contains(ta.Logs.String(), tok) {
		t.Error("the log holds an invitation's token")
	}
}

func TestInvitationToAnExistingUserAndRefusals(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	team := newOrgTeam(t, ta)
	org := team.newOrg(t, "Team")
	carol, carolU := verifiedClient(t, ta, "carol@example.com")
	expectRedirect(t, team.owner.submit("/orgs/team/members", "form[data-testid=invite-form]", url.Values{"email": {"carol@example.com"}, "role": {"admin"}}), "/orgs/team/members")
	link := invitationLink(t, ta, "carol@example.com")

	// Someone else, signed in with another address: refused, clearly.
	page := team.outsider.get(link)
	expectStatus(t, page, http.StatusForbidden)
	if msg := page.Doc.Find("[data-testid=invitation-elsewhere]").Text(); !strings.Contains(msg, "carol@example.com") || !strings.Contains(msg, "outsider@example.com") {
		t.Fatalf("the refusal does not say why: %q", msg)
	}
	expectStatus(t, team.outsider.post(link, url.Values{"answer": {"accept"}}), http.StatusForbidden)
	// Through the /orgs list's id too.
	var id string
	if err := ta.DB.Read.Raw("SELECT id FROM invitations WHERE email = 'carol@example.com'").Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	expectStatus(t, team.outsider.post("/orgs/invitations/"+id+"/accept", nil), http.StatusForbidden)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM memberships WHERE org_id = ?", org.ID); n != 3 {
		t.Fatalf("a refused accept changed the members: %d", n)
	}

	// Resend: the old link dies, the new one works.
	team.owner.submit("/orgs/team/members", "form[action$='/resend']", nil)
	fresh := invitationLink(t, ta, "carol@example.com")
	if fresh == link {
		t.Fatal("resend kept the token")
	}
	expectStatus(t, carol.get(link), http.StatusNotFound)
	page = carol.get(fresh)
	expectStatus(t, page, http.StatusOK)
	if page.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Error("the invitation page may leak its token in Referer")
	}
	// Carol sees it on /orgs and accepts from there.
	expectRedirect(t, carol.submit("/orgs", "form[action$='/accept']", nil), "/orgs/team")
	if r := roleOf(t, ta, org, carolU); r != models.OrgAdmin {
		t.Fatalf("carol's role: %q", r)
	}
	expectStatus(t, carol.get(fresh), http.StatusNotFound)
	// A member already: refused.
	res := team.owner.submit("/orgs/team/members", "form[data-testid=invite-form]", url.Values{"email": {"carol@example.com"}, "role": {"member"}})
	expectStatus(t, res, http.StatusUnprocessableEntity)

	// Bad input: a 422 beside the field.
	for _, email := range []string{"", "not an address", strings.Repeat("a", 300) + "@example.com"} {
		res := team.owner.submit("/orgs/team/members", "form[data-testid=invite-form]", url.Values{"email": {email}, "role": {"member"}})
		expectStatus(t, res, http.StatusUnprocessableEntity)
		if res.Doc.Find("[data-testid=error-email]").Length() != 1 {
			t.Errorf("%q: no error beside the email", email)
		}
	}
	expectStatus(t, team.owner.post("/orgs/team/invitations", url.Values{"email": {"x@example.com"}, "role": {"god"}}), http.StatusUnprocessableEntity)
	// An admin cannot invite an owner.
	expectStatus(t, team.admin.post("/orgs/team/invitations", url.Values{"email": {"boss@example.com"}, "role": {"owner"}}), http.StatusForbidden)

	// Declined: dead.

	expectRedirect(t, team.owner.post("/orgs/team/invitations", url.Values{"email": {"outsider@example.com"}, "role": {"member"}}), "/orgs/team/members")
	no := invitationLink(t, ta, "outsider@example.com")
	expectRedirect(t, team.outsider.post(no, url.Values{"answer": {"decline"}}), "/orgs")
	expectStatus(t, team.outsider.get(no), http.StatusNotFound)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM invitations WHERE email = 'outsider@example.com' AND declined_at IS NOT NULL"); n != 1 {
		t.Fatal("the decline is not recorded")
	}
	// Revoke.
	expectRedirect(t, team.owner.post("/orgs/team/invitations", url.Values{"email": {"gone@example.com"}, "role": {"member"}}), "/orgs/team/members")
	gone := invitationLink(t, ta, "gone@example.com")
	var goneID string
	if err := ta.DB.Read.Raw("SELECT id FROM invitations WHERE email = 'gone@example.com'").Scan(&goneID).Error; err != nil {
		t.Fatal(err)
	}
	expectStatus(t, team.member.post("/orgs/team/invitations/"+goneID+"/revoke", nil), http.StatusForbidden)
	expectRedirect(t, team.admin.post("/orgs/team/invitations/"+goneID+"/revoke", nil), "/orgs/team/members")
	expectStatus(t, ta.client(t).get(gone), http.StatusNotFound)

	// Expired: 7 days later the link is dead (sessions have idled out too).
	expectRedirect(t, team.owner.post("/orgs/team/invitations", url.Values{"email": {"late@example.com"}, "role": {"member"}}), "/orgs/team/members")
	late := invitationLink(t, ta, "late@example.com")
	expectStatus(t, ta.client(t).get(late), http.StatusOK)
	ta.clock.Advance(models.InvitationTTL + time.Minute)
	expectStatus(t, ta.client(t).get(late), http.StatusNotFound)
}

// orgRouteRoles is the least role each /orgs/:slug route needs. A route
// added without an entry fails TestEveryOrgRouteIsGuarded.
var orgRouteRoles = map[string]models.OrgRole{
	"GET /orgs/:slug":                         models.OrgMember,
	"GET /orgs/:slug/members":                 models.OrgMember,
	"POST /orgs/:slug/leave":                  models.OrgMember,
	"POST /orgs/:slug/invitations":            models.OrgAdmin,
	"POST /orgs/:slug/invitations/:id/resend": models.OrgAdmin,
	"POST /orgs/:slug/invitations/:id/revoke": models.OrgAdmin,
	"POST /orgs/:slug/members/:id/role":       models.OrgAdmin,
	"POST /orgs/:slug/members/:id/remove":     models.OrgAdmin,
	"GET /orgs/:slug/settings":                models.OrgOwner,
	"POST /orgs/:slug/settings":               models.OrgOwner,
	"POST /orgs/:slug/transfer":               models.OrgOwner,
	"POST /orgs/:slug/delete":                 models.OrgOwner,
}

// TestEveryOrgRouteIsGuarded walks the router's own list of routes under
// /orgs/:slug as a signed-out visitor (sent to sign in), a non-member (404,
// nothing changed), and a member, admin and owner (in when the role is
// enough, 403 otherwise), each on a fresh organization.
func TestEveryOrgRouteIsGuarded(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	team := newOrgTeam(t, ta)
	target := insertUser(t, ta, "target@example.com", models.RoleMember)
	n := 0
	routes := 0
	for _, r := range ta.App.Routes().Routes() {
		if !strings.HasPrefix(r.Path, "/orgs/:slug") || strings.Contains(r.Path, "*") || (r.Method != http.MethodGet && r.Method != http.MethodPost) {
			continue
		}
		key := r.Method + " " + r.Path
		min, ok := orgRouteRoles[key]
		if !ok || min == "" {
			t.Errorf("%s has no entry in orgRouteRoles", key)
			continue
		}
		routes++
		t.Run(key, func(t *testing.T) {
			type asWho struct {
				name string
				c    *client
				role models.OrgRole // "" for the non-member
			}
			for _, who := range []asWho{{"anonymous", ta.client(t), ""}, {"outsider", team.outsider, ""},
				{"member", team.member, models.OrgMember}, {"admin", team.admin, models.OrgAdmin}, {"owner", team.owner, models.OrgOwner}} {
				n++
				org := team.newOrg(t, "Walk "+strings.Repeat("x", n%3)+" "+time.Now().Format("150405.000000"))
				addOrgMember(t, ta, org, target, models.OrgMember)
				inv, err := models.Invite(t.Context(), ta.DB, ta.clock.Now(), models.AuditEvent{}, org.ID, team.ownerU, "invitee@example.com", models.OrgMember, nil)
				if err != nil {
					t.Fatal(err)
				}
				path := strings.NewReplacer(":slug", org.Slug, ":id", target.ID).Replace(r.Path)
				if strings.Contains(r.Path, "/invitations/:id") {
					path = strings.NewReplacer(":slug", org.Slug, ":id", inv.Invitation.ID).Replace(r.Path)
				}
				form := url.Values{"role": {"admin"}, "name": {"Renamed"}, "slug": {org.Slug + "-new"}, "email": {"new-" + who.name + "@example.com"}, "confirm": {org.Slug}}
				if strings.HasSuffix(r.Path, "/transfer") {
					form.Set("email", "admin@example.com")
				}
				var res *response
				if r.Method == http.MethodGet {
					res = who.c.get(path)
				} else {
					res = who.c.post(path, form)
				}
				switch {
				case who.name == "anonymous":
					if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
						t.Fatalf("anonymous: %d %s", res.StatusCode, res.Header.Get("Location"))
					}
				case who.role == "":
					expectStatus(t, res, http.StatusNotFound)
					if got := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE org_id = ? AND action <> ?", org.ID, models.AuditOrgInvite); got != 1 {
						t.Fatalf("a non-member's request changed the organization (%d events)", got)
					}
				case !who.role.AtLeast(min):
					expectStatus(t, res, http.StatusForbidden)
					if got := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE org_id = ? AND action <> ?", org.ID, models.AuditOrgInvite); got != 1 {
						t.Fatalf("%s's refused request changed the organization", who.name)
					}
				default:
					if res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusNotFound || res.StatusCode >= 500 {
						t.Fatalf("%s: status %d\n%s", who.name, res.StatusCode, res.Doc.Find("main").Text())
					}
				}
			}
		})
	}
	if routes < 12 {
		t.Fatalf("found %d org routes, want at least 12: is the router listing them?", routes)
	}
}

func TestOrgRoleRulesAndLastOwner(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	team := newOrgTeam(t, ta)
	org := team.newOrg(t, "Rules")
	base := "/orgs/" + org.Slug

	// The last owner cannot leave, be demoted or be removed.
	res := team.owner.post(base+"/leave", nil)
	expectStatus(t, res, http.StatusConflict)
	if !strings.Contains(res.Doc.Find("[data-testid=form-error]").Text(), "needs an owner") {
		t.Errorf("the refusal does not say why: %q", res.Doc.Find("main").Text())
	}
	expectStatus(t, team.owner.post(base+"/members/"+team.ownerU.ID+"/role", url.Values{"role": {"admin"}}), http.StatusConflict)
	expectStatus(t, team.owner.post(base+"/members/"+team.ownerU.ID+"/remove", nil), http.StatusConflict)
	// An admin cannot touch an owner, nor make one.
	expectStatus(t, team.admin.post(base+"/members/"+team.ownerU.ID+"/remove", nil), http.StatusForbidden)
	expectStatus(t, team.admin.post(base+"/members/"+team.ownerU.ID+"/role", url.Values{"role": {"member"}}), http.StatusForbidden)
	expectStatus(t, team.admin.post(base+"/members/"+team.memberU.ID+"/role", url.Values{"role": {"owner"}}), http.StatusForbidden)
	expectStatus(t, team.admin.post(base+"/members/"+team.memberU.ID+"/role", url.Values{"role": {"boss"}}), http.StatusUnprocessableEntity)
	expectStatus(t, team.admin.post(base+"/members/nobody/role", url.Values{"role": {"admin"}}), http.StatusNotFound)
	if r := roleOf(t, ta, org, team.ownerU); r != models.OrgOwner {
		t.Fatalf("owner's role: %q", r)
	}
	// Deleting the last owner's account is refused, naming the org.
	res = team.owner.submit("/account/security", "form[action='/account/delete']", url.Values{"current_password": {goodPassword}, "confirm": {"DELETE"}})
	expectStatus(t, res, http.StatusConflict)
	if !strings.Contains(res.Body, "Rules ("+org.Slug+")") {
		t.Errorf("the refusal does not name the organization")
	}
	boss := ta.client(t)
	boss.signUpAdmin("boss@example.com")
	res = boss.adminPost("/admin/users/"+team.ownerU.ID+"/delete", url.Values{"confirm": {"owner@example.com"}})
	expectStatus(t, res, http.StatusConflict)
	if !strings.Contains(res.Body, "last owner of Rules") {
		t.Errorf("the admin's refusal does not name the organization")
	}

	// With a second owner, the first may step down.
	expectRedirect(t, team.owner.post(base+"/members/"+team.adminU.ID+"/role", url.Values{"role": {"owner"}}), base+"/members")
	expectRedirect(t, team.owner.post(base+"/members/"+team.ownerU.ID+"/role", url.Values{"role": {"member"}}), base+"/members")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND org_id = ?", models.AuditOrgRoleChange, org.ID); n != 2 {
		t.Fatalf("role changes audited with the org: %d", n)
	}
}

// TestRemovalIsEffectiveOnTheNextRequest: the membership comes through the
// session cache; a removal or a lowered role is seen by the very next
// request.
func TestRemovalIsEffectiveOnTheNextRequest(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	team := newOrgTeam(t, ta)
	org := team.newOrg(t, "Cached")
	base := "/orgs/" + org.Slug
	for range 3 { // warm the cache
		expectStatus(t, team.member.get(base), http.StatusOK)
		expectStatus(t, team.admin.get(base+"/members"), http.StatusOK)
	}
	expectRedirect(t, team.owner.post(base+"/members/"+team.memberU.ID+"/remove", nil), base+"/members")
	expectStatus(t, team.member.get(base), http.StatusNotFound)
	expectStatus(t, team.member.get(base+"/members"), http.StatusNotFound)
	if team.member.get("/orgs").Doc.Find("[data-testid=switch-org][data-slug='"+org.Slug+"']").Length() != 0 {
		t.Error("the switcher still lists the organization")
	}

	expectRedirect(t, team.owner.post(base+"/members/"+team.adminU.ID+"/role", url.Values{"role": {"member"}}), base+"/members")
	expectStatus(t, team.admin.post(base+"/invitations", url.Values{"email": {"x@example.com"}, "role": {"member"}}), http.StatusForbidden)

	// A rename: the old slug is gone for everyone at once.
	expectRedirect(t, team.owner.post(base+"/settings", url.Values{"name": {"Renamed"}, "slug": {"renamed"}}), "/orgs/renamed/settings")
	expectStatus(t, team.admin.get(base), http.StatusNotFound)
	expectStatus(t, team.admin.get("/orgs/renamed"), http.StatusOK)
	// A write from outside the app (psql, a script) too.
	if err := ta.DB.Write.Exec("DELETE FROM memberships WHERE org_id = ? AND user_id = ?", org.ID, team.adminU.ID).Error; err != nil {
		t.Fatal(err)
	}
	if err := ta.Store.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, team.admin.get("/orgs/renamed"), http.StatusNotFound)
}

func TestOrgRemovalAcrossInstances(t *testing.T) {
	t.Parallel()
	if !testdb.Postgres() {
		t.Skip("needs PostgreSQL (" + testdb.EnvPostgresURL + "): SQLite is one machine's database")
	}
	a := newTestApp(t)
	b := newTestApp(t, withDBPath(a.DBPath))
	team := newOrgTeam(t, a)
	org := team.newOrg(t, "Multi")
	base := "/orgs/" + org.Slug
	team.member.app = b
	hits := func() int64 { h, _ := b.Store.Stats(); return h }
	before := hits()
	for i := 0; hits() == before && i < 50; i++ {
		expectStatus(t, team.member.get(base), http.StatusOK)
	}
	expectStatus(t, team.member.get(base), http.StatusOK)                                                // from B's cache
	expectRedirect(t, team.owner.post(base+"/members/"+team.memberU.ID+"/remove", nil), base+"/members") // on A
	expectStatus(t, team.member.get(base), http.StatusNotFound)                                          // on B
}

func TestTransferAndDelete(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	team := newOrgTeam(t, ta)
	org := team.newOrg(t, "Handover")
	base := "/orgs/" + org.Slug
	res := team.owner.submit(base+"/settings", "form[data-testid=org-transfer-form]", url.Values{"email": {"nobody@example.com"}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	expectStatus(t, team.owner.post(base+"/transfer", url.Values{"email": {"outsider@example.com"}}), http.StatusUnprocessableEntity)
	expectStatus(t, team.owner.post(base+"/transfer", url.Values{"email": {"owner@example.com"}}), http.StatusUnprocessableEntity)
	expectRedirect(t, team.owner.submit(base+"/settings", "form[data-testid=org-transfer-form]", url.Values{"email": {"admin@example.com"}}), base+"/members")
	if roleOf(t, ta, org, team.adminU) != models.OrgOwner || roleOf(t, ta, org, team.ownerU) != models.OrgAdmin {
		t.Fatal("the transfer did not swap the roles")
	}
	expectStatus(t, team.owner.get(base+"/settings"), http.StatusForbidden)

	// Settings: a taken slug is a clear 422.
	other := team.newOrg(t, "Other")
	res = team.admin.submit(base+"/settings", "form[data-testid=org-settings-form]", url.Values{"name": {"Handover"}, "slug": {other.Slug}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Doc.Find("[data-testid=error-slug]").Text(), "Another organization") {
		t.Errorf("taken slug: %q", res.Doc.Find("[data-testid=error-slug]").Text())
	}
	res = team.admin.submit(base+"/settings", "form[data-testid=org-settings-form]", url.Values{"name": {""}, "slug": {"Bad!"}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if res.Doc.Find("[data-testid=error-name]").Length() != 1 || res.Doc.Find("[data-testid=error-slug]").Length() != 1 {
		t.Error("not every error of the form is shown")
	}

	// Delete needs the slug typed.
	res = team.admin.submit(base+"/settings", "form[data-testid=org-delete-form]", url.Values{"confirm": {"yes"}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	expectRedirect(t, team.admin.submit(base+"/settings", "form[data-testid=org-delete-form]", url.Values{"confirm": {org.Slug}}), "/orgs")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM memberships WHERE org_id = ?", org.ID); n != 0 {
		t.Fatal("memberships outlived their organization")
	}
	expectStatus(t, team.member.get(base), http.StatusNotFound)
	if n := countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND org_id = ?", models.AuditOrgDelete, org.ID); n != 1 {
		t.Fatal("the deletion is not audited with the org")
	}
}

func TestMembersPagesAndActiveOrgInAPIAndExport(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	team := newOrgTeam(t, ta)
	org := team.newOrg(t, "Big")
	for i := range 120 {
		u := insertUser(t, ta, fmt.Sprintf("m%03d@example.com", i), models.RoleMember)
		addOrgMember(t, ta, org, u, models.OrgMember)
	}
	first := team.member.get("/orgs/big/members")
	expectStatus(t, first, http.StatusOK)
	if n := first.Doc.Find("[data-testid=member-row]").Length(); n != models.MembersPerPage {
		t.Fatalf("first page: %d rows", n)
	}
	if first.Doc.Find("[data-testid=member-role-select]").Length() != 0 || first.Doc.Find("[data-testid=invite-form]").Length() != 0 {
		t.Error("a member is offered changes they may not make")
	}
	last := team.member.get("/orgs/big/members?page=3")
	if n := last.Doc.Find("[data-testid=member-row]").Length(); n != 123-2*models.MembersPerPage {
		t.Fatalf("last page: %d rows", n)
	}
	for _, p := range []string{"0", "-1", "abc", "99999999999999999999", "4"} {
		expectStatus(t, team.member.get("/orgs/big/members?page="+p), http.StatusOK)
	}

	// The active organization is the one last opened: the switcher, the
	// JWT and /api/v1/me say so.
	me := team.member.get("/api/v1/me")
	if !strings.Contains(me.Body, `"slug":"big"`) || !strings.Contains(me.Body, `"role":"member"`) {
		t.Fatalf("/api/v1/me: %s", me.Body)
	}
	export := team.member.get("/account/export")
	if !strings.Contains(export.Body, `"slug": "big"`) && !strings.Contains(export.Body, `"slug":"big"`) {
		t.Fatalf("the export lacks the membership: %s", export.Body)
	}
}

func TestAdminOrganizations(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	team := newOrgTeam(t, ta)
	acme := team.newOrg(t, "Acme Rockets")
	team.newOrg(t, "Zenith")
	boss := ta.client(t)
	boss.signUpAdmin("boss@example.com")
	list := boss.get("/admin/orgs")
	expectStatus(t, list, http.StatusOK)
	if n := list.Doc.Find("[data-testid=admin-org-row]").Length(); n != 2 {
		t.Fatalf("%d rows", n)
	}
	if got := list.Doc.Find("[data-testid=admin-org-members]").First().Text(); got != "3" {
		t.Errorf("member count %q", got)
	}
	found := boss.get("/admin/orgs?q=ROCK")
	if n := found.Doc.Find("[data-testid=admin-org-row]").Length(); n != 1 || !strings.Contains(found.Body, "Acme Rockets") {
		t.Fatalf("search: %d rows", n)
	}
	for _, q := range []string{"%", "_", strings.Repeat("x", 5000), "'; DROP TABLE organizations; --"} {
		expectStatus(t, boss.get("/admin/orgs?q="+url.QueryEscape(q)), http.StatusOK)
	}
	expectStatus(t, boss.get("/admin/orgs?q=%ff"), http.StatusBadRequest) // invalid UTF-8: refused before the model
	one := boss.get("/admin/orgs/" + acme.ID)
	expectStatus(t, one, http.StatusOK)
	if n := one.Doc.Find("[data-testid=admin-org-member]").Length(); n != 3 {
		t.Fatalf("the org page lists %d members", n)
	}
	expectStatus(t, boss.get("/admin/orgs/nonexistent"), http.StatusNotFound)
	expectStatus(t, team.owner.get("/admin/orgs"), http.StatusForbidden)

	// The audit log filters by organization (slug or id).
	expectRedirect(t, team.owner.post("/orgs/"+acme.Slug+"/invitations", url.Values{"email": {"x@example.com"}, "role": {"member"}}), "/orgs/"+acme.Slug+"/members")
	for _, org := range []string{acme.Slug, acme.ID} {
		audit := boss.get("/admin/audit?org=" + url.QueryEscape(org))
		expectStatus(t, audit, http.StatusOK)
		if !strings.Contains(audit.Doc.Find("[data-testid=audit]").Text(), models.AuditOrgInvite) || strings.Contains(audit.Body, "zenith") {
			t.Fatalf("audit filtered by %s: %s", org, audit.Doc.Find("[data-testid=audit]").Text())
		}
	}
	if !strings.Contains(boss.get("/admin/audit?org=nothing").Doc.Find("[data-testid=audit-total]").Text(), "0 matching") {
		t.Error("an unknown org matches events")
	}
}

// TestJWTCarriesTheActiveOrganization: a JWT minted by the session names
// the organization last opened and the role in it, checked when minted: a
// removed member's next JWT names none.
func TestJWTCarriesTheActiveOrganization(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_SECRET_KEY", testSecretKey))
	team := newOrgTeam(t, ta)
	org := team.newOrg(t, "Claims")
	mint := func() hearthOrgClaims {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, ta.URL+"/api/v1/token", nil)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res := team.admin.do(req)
		var out struct{ Token string }
		if err := json.Unmarshal([]byte(res.Body), &out); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("mint: %d %s", res.StatusCode, res.Body)
		}
		tok, err := jwt.ParseSigned(out.Token, []jose.SignatureAlgorithm{jose.EdDSA})
		if err != nil {
			t.Fatal(err)
		}
		var cl hearthOrgClaims
		if err := tok.UnsafeClaimsWithoutVerification(&cl); err != nil { // verification: TestJWTsVerifyAgainstTheJWKS
			t.Fatal(err)
		}
		return cl
	}
	if cl := mint(); cl.Org != "" {
		t.Fatalf("an org before any was opened: %+v", cl)
	}
	expectStatus(t, team.admin.get("/orgs/"+org.Slug), http.StatusOK)
	if cl := mint(); cl.Org != org.ID || cl.OrgRole != "admin" {
		t.Fatalf("claims after opening the org: %+v", cl)
	}
	expectRedirect(t, team.owner.post("/orgs/"+org.Slug+"/members/"+team.adminU.ID+"/remove", nil), "/orgs/"+org.Slug+"/members")
	if cl := mint(); cl.Org != "" || cl.OrgRole != "" {
		t.Fatalf("a removed member's JWT names the org: %+v", cl)
	}
}

type hearthOrgClaims struct {
	Org     string `json:"org"`
	OrgRole string `json:"org_role"`
}

// TestInvitationsAreThrottledPerInviter: invitations mail any address, so
// each inviter may send HEARTH_RATE_ORG_INVITE of them.
func TestInvitationsAreThrottledPerInviter(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_RATE_ORG_INVITE", "3/1h"))
	team := newOrgTeam(t, ta)
	org := team.newOrg(t, "Spam")
	for i := range 3 {
		expectRedirect(t, team.owner.post("/orgs/"+org.Slug+"/invitations", url.Values{"email": {fmt.Sprintf("x%d@example.com", i)}, "role": {"member"}}), "/orgs/"+org.Slug+"/members")
	}
	res := team.owner.post("/orgs/"+org.Slug+"/invitations", url.Values{"email": {"x9@example.com"}, "role": {"member"}})
	retryAfter(t, res)
	// Another inviter has their own budget.
	expectRedirect(t, team.admin.post("/orgs/"+org.Slug+"/invitations", url.Values{"email": {"y@example.com"}, "role": {"member"}}), "/orgs/"+org.Slug+"/members")
}

// TestImpersonatingAdminCannotGiveAnOrgAway: browsing as an owner, an
// admin may look at the organization, not transfer or delete it.
func TestImpersonatingAdminCannotGiveAnOrgAway(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	team := newOrgTeam(t, ta)
	org := team.newOrg(t, "Kept")
	boss := ta.client(t)
	boss.signUpAdmin("boss@example.com")
	expectRedirect(t, boss.adminPost("/admin/users/"+team.ownerU.ID+"/impersonate", nil), "/account")
	expectStatus(t, boss.get("/orgs/"+org.Slug+"/settings"), http.StatusOK)
	expectStatus(t, boss.post("/orgs/"+org.Slug+"/delete", url.Values{"confirm": {org.Slug}}), http.StatusForbidden)
	expectStatus(t, boss.post("/orgs/"+org.Slug+"/transfer", url.Values{"email": {"admin@example.com"}}), http.StatusForbidden)
	if roleOf(t, ta, org, team.ownerU) != models.OrgOwner {
		t.Fatal("the impersonated owner lost the organization")
	}
}
