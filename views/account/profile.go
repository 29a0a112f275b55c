package account

import (
	"fmt"

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
	PendingEmail string // a new address waiting for its verification link

	Name         string
	NameError    string
	NewEmail     string
	EmailErrors  map[string]string
	PassErrors   map[string]string
	DeleteErrors map[string]string

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
