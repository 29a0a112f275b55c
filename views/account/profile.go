package account

import (
	"fmt"
	"github.com/hearth-app/hearth/views/layout"

	"github.com/hearth-app/hearth/views/components"
)

// IdentityRow is a connected provider on the account page.
type IdentityRow struct {
	ID    string
	Label string
	Email string
}

// ProfilePageData is what the account page shows: the profile and the forms
// to change it, each with its own errors and typed values.
type ProfilePageData struct {
	ActiveSessions int64
	HasPassword    bool
	// TwoFactorOn is set for an account without a password that has a
	// second factor: a current code confirms changes instead.
	TwoFactorOn  bool
	EmailSignIn  bool   // HEARTH_EMAIL_SIGNIN: the account can sign in with a mailed code
	PendingEmail string // a new address waiting for its verification link

	PhotoError    string // the last upload's refusal (photo.templ)
	Name          string
	NameError     string
	TimeZone      string // the zone chosen, "" for the browser's
	TimeZoneError string
	NewEmail      string
	EmailErrors   map[string]string
	PassErrors    map[string]string
	DeleteErrors  map[string]string

	Identities  []IdentityRow
	Connectable []components.ProviderButton // enabled providers not yet connected
}

func sessionsText(n int64) string {
	if n == 1 {
		return "1 (this one)"
	}
	return fmt.Sprintf("%d, including this one", n)
}

// firstInvalid reports whether name is the first field, in the form's
// order, that has an error: that field gets autofocus, so a failed form far
// down the page opens scrolled to it, focused.
func firstInvalid(errs map[string]string, name string, order ...string) bool {
	for _, f := range order {
		if errs[f] != "" {
			return f == name
		}
	}
	return false
}

// timeZoneHint says what an empty time zone means for this reader.
func timeZoneHint(p layout.Page) string {
	if p.BrowserTimeZone != "" {
		return "Leave it empty for your browser's (" + p.BrowserTimeZone + "), or name one, such as America/New_York."
	}
	return "Leave it empty for your browser's, or name one, such as America/New_York."
}
