package account

import (
	"github.com/hearth-app/hearth/views/components"
	"github.com/hearth-app/hearth/views/layout"
)

// IdentityRow is a connected provider on the account page.
type IdentityRow struct {
	ID    string
	Label string
	Email string
}

// ProfilePageData is what the account page (the Profile section) shows: the
// profile and the forms to change it, each with its own errors and typed
// values. The password and deleting the account are on the security page.
type ProfilePageData struct {
	HasPassword bool
	// TwoFactorOn is set for an account without a password that has a
	// second factor: a current code confirms changes instead.
	TwoFactorOn bool
	// PasskeyConfirm is set for an account without a password that has a
	// passkey: confirming with it stands in for the password.
	PasskeyConfirm bool
	PendingEmail   string // a new address waiting for its verification link

	PhotoError    string // the last upload's refusal (photo.templ)
	Name          string
	NameError     string
	TimeZone      string // the zone chosen, "" for the browser's
	TimeZoneError string
	NewEmail      string
	EmailErrors   map[string]string

	Identities  []IdentityRow
	Connectable []components.ProviderButton // enabled providers not yet connected
}

// timeZoneHint says what an empty time zone means for this reader.
func timeZoneHint(p layout.Page) string {
	if p.BrowserTimeZone != "" {
		return "Leave it empty for your browser's (" + p.BrowserTimeZone + "), or name one, such as America/New_York."
	}
	return "Leave it empty for your browser's, or name one, such as America/New_York."
}
