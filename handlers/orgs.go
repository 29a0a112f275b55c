package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/internal/sessionstore"
	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/admin"
	"github.com/hearth-app/hearth/views/layout"
	mailview "github.com/hearth-app/hearth/views/mail"
	"github.com/hearth-app/hearth/views/orgs"
)

// ctxMembership holds, on an /orgs/{slug}/ request, the signed-in user's
// membership of that organization (requireOrgRole).
const ctxMembership = "org_membership"

// switcherOrgs is how many organizations the nav's switcher lists.
const switcherOrgs = 10

// requireOrgRole lets through members of the organization named by the
// route's :slug whose role is min or above; a non-member (or no such
// organization: the same answer, so slugs cannot be probed) gets 404, a
// member below min 403. The membership comes through the session cache,
// which the database's triggers tell of every change to memberships (and
// to an organization's name or slug), so a removed member or a lowered
// role is refused on the very next request, on every instance, as a
// signed-out session is. Routes for a product's org-scoped pages go in the
// group Routes builds with it and read currentOrg / currentMembership.
func (a *App) requireOrgRole(min models.OrgRole) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return a.requireUser(func(c echo.Context) error {
			m := currentMembership(c)
			if m == nil {
				found, err := a.membership(c, c.Param("slug"))
				if errors.Is(err, models.ErrNotFound) {
					return echo.NewHTTPError(http.StatusNotFound)
				} else if err != nil {
					return err
				}
				m = &found
				c.Set(ctxMembership, m)
				// Visiting an organization makes it the active one.
				if ctx := c.Request().Context(); c.Request().Method == http.MethodGet && a.sessionString(ctx, keyActiveOrg) != m.OrgID {
					a.putSession(ctx, keyActiveOrg, m.OrgID)
				}
			}
			if !m.Role.AtLeast(min) {
				return echo.NewHTTPError(http.StatusForbidden, "Your role in "+m.Name+" does not allow this.")
			}
			return next(c)
		})
	}
}

// membership is the signed-in user's membership of the organization slug
// (models.ErrNotFound), remembered by the session cache until a change to
// the user's memberships.
func (a *App) membership(c echo.Context, slug string) (models.OrgMembership, error) {
	u := currentUser(c)
	if models.ValidateSlug(slug) != nil { // no organization has it

		return models.OrgMembership{}, models.ErrNotFound
	}
	return sessionstore.Remember(a.SessionStore, u.ID, "org:"+slug, func() (models.OrgMembership, error) {
		return models.MembershipOf(c.Request().Context(), a.DB, u.ID, slug)
	}, nil)
}

// currentMembership is the signed-in user's membership of the request's
// organization (behind requireOrgRole), or nil.
func currentMembership(c echo.Context) *models.OrgMembership {
	m, _ := c.Get(ctxMembership).(*models.OrgMembership)
	return m
}

// currentOrg is the request's organization (behind requireOrgRole), or nil.
func currentOrg(c echo.Context) *models.Organization {
	if m := currentMembership(c); m != nil {
		return m.Organization()
	}
	return nil
}

// orgSwitcher is what the nav's switcher shows: the user's first
// organizations and the active one.
func (a *App) orgSwitcher(c echo.Context, u *models.User) ([]layout.OrgLink, *layout.OrgLink) {
	list, err := sessionstore.Remember(a.SessionStore, u.ID, "org-switcher", func() ([]models.OrgMembership, error) {
		return models.UserOrgs(c.Request().Context(), a.DB, u.ID, switcherOrgs)
	}, slices.Clone)
	if err != nil {
		a.Logger.Warn("organization switcher", "request_id", c.Get(ctxRequestID), "err", err)
		return nil, nil
	}
	active := a.sessionString(c.Request().Context(), keyActiveOrg)
	if m := currentMembership(c); m != nil {
		active = m.OrgID
	}
	links := make([]layout.OrgLink, 0, len(list))
	var current *layout.OrgLink
	for _, m := range list {
		links = append(links, layout.OrgLink{Name: m.Name, Slug: m.Slug})
		if m.OrgID == active {
			current = &layout.OrgLink{Name: m.Name, Slug: m.Slug}
		}
	}
	if m := currentMembership(c); m != nil && current == nil {
		current = &layout.OrgLink{Name: m.Name, Slug: m.Slug}
	}
	return links, current
}

// OrgsPage lists the user's organizations and open invitations, with the
// form to create one.
func (a *App) OrgsPage(c echo.Context) error {
	return a.renderOrgs(c, http.StatusOK, orgs.OrgForm{})
}

func (a *App) renderOrgs(c echo.Context, status int, f orgs.OrgForm) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	list, err := models.UserOrgs(ctx, a.DB, u.ID, 0)
	if err != nil {
		return err
	}
	d := orgs.OrgsPageData{Orgs: list, Create: f}
	if u.EmailVerifiedAt != nil {
		if d.Invitations, err = models.InvitationsFor(ctx, a.DB, a.Now(), u.Email); err != nil {
			return err
		}
	}
	return a.render(c, status, orgs.OrgsPage(a.page(c, "Organizations"), d))
}

// OrgCreateSubmit creates an organization with the user as its owner.
func (a *App) OrgCreateSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	f := orgs.OrgForm{Name: form.Get("name"), Slug: form.Get("slug")}
	org, err := models.CreateOrg(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), currentUser(c), f.Name, f.Slug)
	var bad *models.InvalidOrg
	if errors.As(err, &bad) {
		f.NameError, f.SlugError = a.orgMessage(bad.Name), a.orgMessage(bad.Slug)
		return a.renderOrgs(c, http.StatusUnprocessableEntity, f)
	} else if err != nil {
		return err
	}
	a.putSession(c.Request().Context(), keyActiveOrg, org.ID)
	a.flash(c, layout.FlashSuccess, org.Name+" was created. Invite your team from its members page.")
	return redirect(c, "/orgs/"+org.Slug)
}

// orgMessage is what the user reads about a refused name or slug.
func (a *App) orgMessage(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, models.ErrOrgNameMissing):
		return "Give the organization a name."
	case errors.Is(err, models.ErrNameTooLong):
		return "Use a name of at most " + strconv.Itoa(models.MaxOrgNameLen) + " characters."
	case errors.Is(err, models.ErrNameBadText), errors.Is(err, models.ErrNameControl):
		return "Use only printable characters in the name."
	case errors.Is(err, models.ErrSlugReserved):
		return "This slug is reserved: choose another."
	case errors.Is(err, models.ErrSlugTaken):
		return "Another organization has this slug: choose another."
	case errors.Is(err, models.ErrSlugInvalid):
		return "Use 2 to 48 lowercase letters a–z, digits and single hyphens, starting and ending with a letter or digit."
	}
	return a.inputMessage(err)
}

// OrgHome is an organization's home page: the example of an org-scoped
// page, which costs no query of its own (the membership comes through the
// session cache).
func (a *App) OrgHome(c echo.Context) error {
	m := currentMembership(c)
	return a.render(c, http.StatusOK, orgs.HomePage(a.page(c, m.Name), orgs.HomePageData{Org: *m}))
}

// OrgMembersPage lists a page of members and the open invitations.
func (a *App) OrgMembersPage(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	return a.renderMembers(c, http.StatusOK, page, orgs.InviteForm{Role: string(models.OrgMember)}, "")
}

func (a *App) renderMembers(c echo.Context, status, page int, invite orgs.InviteForm, formError string) error {
	m := currentMembership(c)
	ctx := c.Request().Context()
	list, err := models.ListMembers(ctx, a.DB, m.OrgID, page)
	if err != nil {
		return err
	}
	d := orgs.MembersPageData{Org: *m, List: list, Invite: invite, Me: currentUser(c).ID, Now: a.Now(), Error: formError}
	if m.Role.Can(models.OrgInvite) {
		if d.Invitations, err = models.OpenInvitations(ctx, a.DB, m.OrgID); err != nil {
			return err
		}
	}
	return a.render(c, status, orgs.MembersPage(a.page(c, m.Name+": members"), d))
}

// OrgInviteSubmit invites an address (email, role) and mails the link.
func (a *App) OrgInviteSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	m := currentMembership(c)
	if err := a.limit(c, a.Config.Rates.OrgInvite, "org-invite:"+currentUser(c).ID); err != nil {
		return err // mail to any address: bounded per inviter
	}
	f := orgs.InviteForm{Email: strings.TrimSpace(form.Get("email")), Role: form.Get("role")}
	mail := a.invitationMail(c)
	_, err = models.Invite(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), m.OrgID, currentUser(c), f.Email, models.OrgRole(f.Role), mail)
	var bad *models.InvalidInput
	switch {
	case errors.As(err, &bad):
		f.EmailError = a.inputMessage(bad.Email)
		return a.renderMembers(c, http.StatusUnprocessableEntity, 1, f, "")
	case errors.Is(err, models.ErrOrgRoleInvalid):
		f.RoleError = "Choose member, admin or owner."
		return a.renderMembers(c, http.StatusUnprocessableEntity, 1, f, "")
	case errors.Is(err, models.ErrAlreadyMember):
		f.EmailError = "This address is a member already."
		return a.renderMembers(c, http.StatusUnprocessableEntity, 1, f, "")
	case err != nil:
		return a.orgRefused(c, err)
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	a.flash(c, layout.FlashSuccess, "An invitation was mailed to "+models.NormalizeEmail(f.Email)+".")
	return redirect(c, "/orgs/"+m.Slug+"/members")
}

// invitationMail mails an invitation's link to the invited address.
func (a *App) invitationMail(c echo.Context) *models.Announce[models.NewInvitation] {
	return announce(a, c.Request().Context(), func(n models.NewInvitation) []letter {
		return []letter{{nil, n.Invitation.Email, mailview.OrgInvitation(n, a.link("/invitations/"+n.Token, nil))}}
	})
}

// OrgInvitationResend mails an open invitation again, with a new link.
func (a *App) OrgInvitationResend(c echo.Context) error {
	m := currentMembership(c)
	if err := a.limit(c, a.Config.Rates.OrgInvite, "org-invite:"+currentUser(c).ID); err != nil {
		return err
	}
	mail := a.invitationMail(c)
	n, err := models.ResendInvitation(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), m.OrgID, currentUser(c), c.Param("id"), mail)
	if err != nil {
		return a.orgRefused(c, err)
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	a.flash(c, layout.FlashSuccess, "The invitation was mailed again to "+n.Invitation.Email+"; the earlier link no longer works.")
	return redirect(c, "/orgs/"+m.Slug+"/members")
}

// OrgInvitationRevoke deletes an open invitation.
func (a *App) OrgInvitationRevoke(c echo.Context) error {
	m := currentMembership(c)
	if err := models.RevokeInvitation(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), m.OrgID, currentUser(c), c.Param("id")); err != nil {
		return a.orgRefused(c, err)
	}
	a.flash(c, layout.FlashSuccess, "The invitation was revoked.")
	return redirect(c, "/orgs/"+m.Slug+"/members")
}

// OrgMemberRole changes a member's role (field role).
func (a *App) OrgMemberRole(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	m := currentMembership(c)
	err = models.SetMemberRole(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), m.OrgID, currentUser(c), c.Param("id"), models.OrgRole(form.Get("role")))
	if errors.Is(err, models.ErrOrgRoleInvalid) {
		return a.renderMembers(c, http.StatusUnprocessableEntity, 1, orgs.InviteForm{Role: string(models.OrgMember)}, "Choose member, admin or owner.")
	} else if err != nil {
		return a.orgRefused(c, err)
	}
	a.flash(c, layout.FlashSuccess, "The role was changed.")
	if c.Param("id") == currentUser(c).ID && !models.OrgRole(form.Get("role")).Can(models.OrgView) {
		return redirect(c, "/orgs")
	}
	return redirect(c, "/orgs/"+m.Slug+"/members")
}

// OrgMemberRemove takes a member out of the organization.
func (a *App) OrgMemberRemove(c echo.Context) error {
	m := currentMembership(c)
	u := currentUser(c)
	if err := models.RemoveMember(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), m.OrgID, u, c.Param("id")); err != nil {
		return a.orgRefused(c, err)
	}
	if c.Param("id") == u.ID {
		return a.leftOrg(c, m)
	}
	a.flash(c, layout.FlashSuccess, "The member was removed.")
	return redirect(c, "/orgs/"+m.Slug+"/members")
}

// OrgLeave takes the user out of the organization.
func (a *App) OrgLeave(c echo.Context) error {
	m := currentMembership(c)
	if err := models.LeaveOrg(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), m.OrgID, currentUser(c)); err != nil {
		return a.orgRefused(c, err)
	}
	return a.leftOrg(c, m)
}

func (a *App) leftOrg(c echo.Context, m *models.OrgMembership) error {
	if ctx := c.Request().Context(); a.sessionString(ctx, keyActiveOrg) == m.OrgID {
		a.removeSession(ctx, keyActiveOrg)
	}
	a.flash(c, layout.FlashInfo, "You left "+m.Name+".")
	return redirect(c, "/orgs")
}

// orgRefused answers a membership change the rules refused: the last owner
// (409, on the members page, saying what to do), a role that does not
// allow it (403), a member or invitation that is not there (404).
func (a *App) orgRefused(c echo.Context, err error) error {
	switch {
	case errors.Is(err, models.ErrLastOwner):
		return a.renderMembers(c, http.StatusConflict, 1, orgs.InviteForm{Role: string(models.OrgMember)},
			"An organization needs an owner: make another member an owner (or transfer ownership) first, or delete the organization.")
	case errors.Is(err, models.ErrOrgForbidden):
		return echo.NewHTTPError(http.StatusForbidden, "Your role in this organization does not allow this.")
	case errors.Is(err, models.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, "That member or invitation is not (or no longer) in this organization.")
	}
	return err
}

// OrgSettingsPage shows the owner's settings: name and slug, transfer,
// delete.
func (a *App) OrgSettingsPage(c echo.Context) error {
	m := currentMembership(c)
	return a.renderSettings(c, http.StatusOK, orgs.SettingsPageData{Settings: orgs.OrgForm{Name: m.Name, Slug: m.Slug}})
}

func (a *App) renderSettings(c echo.Context, status int, d orgs.SettingsPageData) error {
	d.Org = *currentMembership(c)
	return a.render(c, status, orgs.SettingsPage(a.page(c, d.Org.Name+": settings"), d))
}

// OrgSettingsSubmit renames the organization and changes its slug.
func (a *App) OrgSettingsSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	m := currentMembership(c)
	f := orgs.OrgForm{Name: form.Get("name"), Slug: form.Get("slug")}
	org, err := models.UpdateOrg(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), m.OrgID, currentUser(c), f.Name, f.Slug)
	var bad *models.InvalidOrg
	if errors.As(err, &bad) {
		f.NameError, f.SlugError = a.orgMessage(bad.Name), a.orgMessage(bad.Slug)
		return a.renderSettings(c, http.StatusUnprocessableEntity, orgs.SettingsPageData{Settings: f})
	} else if err != nil {
		return a.orgRefused(c, err)
	}
	a.flash(c, layout.FlashSuccess, "The settings were saved.")
	return redirect(c, "/orgs/"+org.Slug+"/settings")
}

// OrgTransferSubmit makes the member with the address email an owner, and
// the user an admin.
func (a *App) OrgTransferSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	m := currentMembership(c)
	ctx := c.Request().Context()
	email := strings.TrimSpace(form.Get("email"))
	d := orgs.SettingsPageData{Settings: orgs.OrgForm{Name: m.Name, Slug: m.Slug}, TransferEmail: email}
	target, err := models.UserByEmail(ctx, a.DB, models.NormalizeEmail(email))
	if err == nil {
		err = models.TransferOrg(ctx, a.DB, a.Now(), a.auditBy(c), m.OrgID, currentUser(c), target.ID)
	}
	switch {
	case errors.Is(err, models.ErrNotFound):
		d.TransferError = "No member of " + m.Name + " has this address."
		return a.renderSettings(c, http.StatusUnprocessableEntity, d)
	case errors.Is(err, models.ErrOrgSelf):
		d.TransferError = "You are an owner already: enter another member's address."
		return a.renderSettings(c, http.StatusUnprocessableEntity, d)
	case err != nil:
		return a.orgRefused(c, err)
	}
	a.flash(c, layout.FlashSuccess, target.Email+" is now an owner of "+m.Name+"; you are an admin.")
	return redirect(c, "/orgs/"+m.Slug+"/members")
}

// OrgDeleteSubmit deletes the organization once its slug is typed.
func (a *App) OrgDeleteSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	m := currentMembership(c)
	if confirm := strings.TrimSpace(form.Get("confirm")); confirm != m.Slug {
		return a.renderSettings(c, http.StatusUnprocessableEntity, orgs.SettingsPageData{Settings: orgs.OrgForm{Name: m.Name, Slug: m.Slug},
			DeleteConfirm: confirm, DeleteError: "Type " + m.Slug + " to confirm."})
	}
	if err := models.DeleteOrg(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), m.OrgID, currentUser(c)); err != nil {
		return a.orgRefused(c, err)
	}
	if ctx := c.Request().Context(); a.sessionString(ctx, keyActiveOrg) == m.OrgID {
		a.removeSession(ctx, keyActiveOrg)
	}
	a.flash(c, layout.FlashInfo, m.Name+" was deleted.")
	return redirect(c, "/orgs")
}

// InvitationPage is GET /invitations/{token}: what the invitation offers
// and what the visitor can do with it. Signed out: sign in or sign up,
// then back here.
func (a *App) InvitationPage(c echo.Context) error {
	token := c.Param("token")
	inv, org, err := models.InvitationByToken(c.Request().Context(), a.DB, a.Now(), token)
	if errors.Is(err, models.ErrTokenInvalid) {
		return echo.NewHTTPError(http.StatusNotFound, "This invitation link is invalid, has expired or was already used. Ask for a new invitation.")
	} else if err != nil {
		return err
	}
	d := orgs.InvitationPageData{OrgName: org.Name, Role: inv.Role, Email: inv.Email, Token: token, Here: c.Request().URL.Path, State: orgs.InvitationAnswerable}
	status := http.StatusOK
	switch u := currentUser(c); {
	case u == nil:
		d.State = orgs.InvitationSignedOut
	case u.Email != inv.Email:
		d.State, d.You, status = orgs.InvitationElsewhere, u.Email, http.StatusForbidden
	case u.EmailVerifiedAt == nil:
		d.State, status = orgs.InvitationUnverified, http.StatusForbidden
	}
	// The token is in the path: this page's links must not carry it on.
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return a.render(c, status, orgs.InvitationPage(a.page(c, "Join "+org.Name), d))
}

// InvitationSubmit answers an invitation from its link (answer accept or
// decline).
func (a *App) InvitationSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	return a.answerInvitation(c, models.InvitationRef{Token: c.Param("token")}, form.Get("answer"))
}

// MyInvitationAnswer answers one of the invitations /orgs lists for the
// user's verified address (:answer accept or decline).
func (a *App) MyInvitationAnswer(c echo.Context) error {
	return a.answerInvitation(c, models.InvitationRef{ID: c.Param("id")}, c.Param("answer"))
}

func (a *App) answerInvitation(c echo.Context, ref models.InvitationRef, answer string) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	var org *models.Organization
	var err error
	switch answer {
	case "accept":
		org, err = models.AcceptInvitation(ctx, a.DB, a.Now(), a.auditBy(c), u, ref)
	case "decline":
		org, err = models.DeclineInvitation(ctx, a.DB, a.Now(), a.auditBy(c), u, ref)
	default:
		return echo.NewHTTPError(http.StatusBadRequest, "Choose Accept or Decline.")
	}
	switch {
	case errors.Is(err, models.ErrTokenInvalid):
		return echo.NewHTTPError(http.StatusNotFound, "This invitation link is invalid, has expired or was already used. Ask for a new invitation.")
	case errors.Is(err, models.ErrInvitationElsewhere):
		return echo.NewHTTPError(http.StatusForbidden, "This invitation is for another email address than yours ("+u.Email+"). Sign in with the invited address to accept it.")
	case errors.Is(err, models.ErrEmailUnverified):
		return echo.NewHTTPError(http.StatusForbidden, "Confirm your email address first, with the link we mailed you; then accept the invitation.")
	case errors.Is(err, models.ErrAlreadyMember):
		return echo.NewHTTPError(http.StatusConflict, "You are a member of this organization already.")
	case err != nil:
		return err
	}
	if answer == "decline" {
		a.flash(c, layout.FlashInfo, "You declined the invitation to "+org.Name+".")
		return redirect(c, "/orgs")
	}
	a.putSession(ctx, keyActiveOrg, org.ID)
	a.flash(c, layout.FlashSuccess, "Welcome to "+org.Name+"!")
	return redirect(c, "/orgs/"+org.Slug)
}

// AdminOrgs lists organizations (search by name or slug) with their
// member counts.
func (a *App) AdminOrgs(c echo.Context) error {
	list, err := models.ListOrgs(c.Request().Context(), a.DB, models.OrgQuery{Search: c.QueryParam("q"), Page: pageParam(c)})
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, admin.OrgsPage(a.page(c, "Organizations"), admin.OrgsPageData{List: list}))
}

// AdminOrg shows one organization and a page of its members.
func (a *App) AdminOrg(c echo.Context) error {
	ctx := c.Request().Context()
	org, err := models.OrgByID(ctx, a.DB, c.Param("id"))
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound)
	} else if err != nil {
		return err
	}
	members, err := models.ListMembers(ctx, a.DB, org.ID, pageParam(c))
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, admin.OrgPage(a.page(c, org.Name), admin.OrgPageData{Org: org, Members: members}))
}
