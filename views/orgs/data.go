// Package orgs holds the organization pages: the list, an organization's
// home, its members, its settings, and an invitation.
package orgs

import (
	"strconv"
	"time"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/components"
)

// OrgsPageData is /orgs: the user's organizations, their open invitations,
// and the create form.
type OrgsPageData struct {
	Orgs        []models.OrgMembership
	Invitations []models.PendingInvitation
	Create      OrgForm
}

// OrgForm is the name and slug of an organization being created or edited.
type OrgForm struct {
	Name, Slug           string
	NameError, SlugError string
}

// HomePageData is an organization's home.
type HomePageData struct {
	Org models.OrgMembership
}

// MembersPageData is an organization's members page.
type MembersPageData struct {
	Org         models.OrgMembership
	List        models.MemberList
	Invitations []models.Invitation
	Invite      InviteForm
	Me          string // the signed-in user's id
	Now         time.Time
	Error       string // why a change was refused
}

// InviteForm is the invitation form.
type InviteForm struct {
	Email, Role string
	EmailError  string
	RoleError   string
}

// SettingsPageData is an organization's settings: name and slug, transfer,
// delete.
type SettingsPageData struct {
	Org           models.OrgMembership
	Settings      OrgForm
	TransferEmail string
	TransferError string
	DeleteConfirm string
	DeleteError   string
}

// InvitationState is what the visitor of an invitation can do.
type InvitationState string

// The states of an invitation's page.
const (
	InvitationSignedOut  InvitationState = "signed-out" // sign in or sign up first
	InvitationAnswerable InvitationState = "answerable" // accept or decline
	InvitationElsewhere  InvitationState = "elsewhere"  // signed in with another address
	InvitationUnverified InvitationState = "unverified" // the address is not proven yet
)

// InvitationPageData is GET /invitations/{token}.
type InvitationPageData struct {
	State   InvitationState
	OrgName string
	Role    models.OrgRole
	Email   string // the invited address
	Token   string
	Here    string // this page's path, to come back to after signing in
	You     string // the signed-in user's address
}

// RoleLabel is how a role reads.
func RoleLabel(r models.OrgRole) string {
	switch r {
	case models.OrgOwner:
		return "Owner"
	case models.OrgAdmin:
		return "Admin"
	}
	return "Member"
}

// orgTabs are an organization's pages, here the current one: its home,
// members, and settings for those who may change them.
func orgTabs(o models.OrgMembership, here string) []components.Tab {
	base := "/orgs/" + o.Slug
	tabs := []components.Tab{
		{Label: "Home", Href: base, Current: here == "home"},
		{Label: "Members", Href: base + "/members", Current: here == "members", TestID: "org-members-link"},
	}
	if o.Role.Can(models.OrgEditSettings) {
		tabs = append(tabs, components.Tab{Label: "Settings", Href: base + "/settings", Current: here == "settings", TestID: "org-settings-link"})
	}
	return tabs
}

// membersPager is the Pagination of the members list.
func membersPager(d MembersPageData) components.Pager {
	return components.Pager{Page: d.List.Page, Pages: d.List.Pages(), Total: d.List.Total, Noun: "member",
		URL: func(n int) string { return "/orgs/" + d.Org.Slug + "/members?page=" + strconv.Itoa(n) }}
}
