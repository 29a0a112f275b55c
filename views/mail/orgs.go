package mail

import "github.com/hearth-app/hearth/models"

// OrgInvitation invites an address to an organization; link opens the
// invitation's page, where the invitee signs in or up, then accepts or
// declines.
func OrgInvitation(n models.NewInvitation, link string) Mail {
	by := "Someone"
	if n.Inviter != nil {
		by = n.Inviter.DisplayName() + " (" + n.Inviter.Email + ")"
	}
	return Mail{
		Template:    "org_invitation",
		Subject:     "You are invited to join " + n.Org.Name,
		Heading:     "Join " + n.Org.Name,
		Lines:       []string{by + " invited " + n.Invitation.Email + " to join the organization " + n.Org.Name + " as " + string(n.Invitation.Role) + "."},
		ButtonLabel: "See the invitation", URL: link,
		Footer: "The link works for 7 days, once, and only for " + n.Invitation.Email + ". If you did not expect it, ignore this mail.",
	}
}
