// Package security holds the security settings page (/account/security)
// and the two-factor pages: enrolment, recovery codes and the second step
// of signing in.
package security

import (
	"fmt"
	"time"

	"github.com/hearth-app/hearth/views/passkeys"
)

// SecurityPageData is what /account/security shows: how the user signs in,
// the forms that change it, and the form that deletes the account.
type SecurityPageData struct {
	HasPassword bool
	EmailSignIn bool // HEARTH_EMAIL_SIGNIN: every account can sign in with a mailed code
	Verified    bool // the address is proven: two-factor enrolment needs it

	TwoFactorOn    bool       // TOTP is enabled
	TwoFactorSince *time.Time // when it was enabled
	RecoveryLeft   int        // unused recovery codes
	Unavailable    bool       // HEARTH_SECRET_KEY is not set on this server

	DisableErrors  map[string]string // the disable form's errors
	RecoveryErrors map[string]string // the new-recovery-codes form's errors
	PassErrors     map[string]string // the change-password form's errors
	DeleteErrors   map[string]string // the delete-account form's errors

	Passkeys passkeys.SectionData // the passkeys section (views/passkeys)
	// PasskeyConfirm: an account without a password that has a passkey may
	// confirm the forms here with it instead of a code.
	PasskeyConfirm bool
}

func recoveryText(n int) string {
	if n == 1 {
		return "1 recovery code left"
	}
	return fmt.Sprintf("%d recovery codes left", n)
}
