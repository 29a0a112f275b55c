// Package orgs holds the organization pages: the list, an organization's
// home, its members, its settings, and an invitation.
package orgs

import (
	"time"

	"github.com/hearth-app/hearth/models"
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
