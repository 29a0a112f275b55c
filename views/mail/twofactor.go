package mail

import (
	"strconv"

	"github.com/hearth-app/hearth/models"
)

// The two-factor mails: each tells u of a change to how the account is
// protected, with the way to review it (securityURL, /account/security).

// TwoFactorEnabled: an authenticator app now guards the account.
func TwoFactorEnabled(u *models.User, securityURL string) Mail {
	return Mail{
		Template: "two_factor_enabled",
		Subject:  "Two-factor authentication is on",
		Heading:  "Two-factor authentication is on",
		Lines: []string{"Signing in to your account " + u.Email + " now asks for a code from your authenticator app after your password.",
			"Keep your recovery codes somewhere safe: each one signs you in once if you lose your phone.",
			"If this wasn't you, reset your password and contact support."},
		ButtonLabel: "Review my security settings", URL: securityURL,
	}
}

// TwoFactorDisabled: u turned two-factor authentication off.
func TwoFactorDisabled(u *models.User, securityURL string) Mail {
	return Mail{
		Template: "two_factor_disabled",
		Subject:  "Two-factor authentication was turned off",
		Heading:  "Two-factor authentication was turned off",
		Lines: []string{"Two-factor authentication was turned off for your account " + u.Email + ": signing in no longer asks for a code. Your recovery codes stopped working.",
			"If this wasn't you, change your password now and turn it on again."},
		ButtonLabel: "Review my security settings", URL: securityURL,
	}
}

// TwoFactorReset: an admin reset u's two-factor authentication.
func TwoFactorReset(u *models.User, securityURL string) Mail {
	return Mail{
		Template: "two_factor_reset",
		Subject:  "An administrator reset your two-factor authentication",
		Heading:  "Your two-factor authentication was reset",
		Lines: []string{"An administrator turned two-factor authentication off for your account " + u.Email + ", usually because the device with the authenticator app was lost. Your recovery codes stopped working.",
			"Set it up again from your security settings. If you did not ask for this, contact support."},
		ButtonLabel: "Set up two-factor authentication", URL: securityURL,
	}
}

// RecoveryCodesCreated: a new set of recovery codes replaced the old one.
func RecoveryCodesCreated(u *models.User, securityURL string) Mail {
	return Mail{
		Template: "recovery_codes_created",
		Subject:  "New recovery codes were made",
		Heading:  "New recovery codes were made",
		Lines: []string{"A new set of recovery codes was made for your account " + u.Email + ". The codes you had before no longer work.",
			"If this wasn't you, change your password now."},
		ButtonLabel: "Review my security settings", URL: securityURL,
	}
}

// RecoveryCodeUsed: a recovery code signed in to the account; left remain.
func RecoveryCodeUsed(u *models.User, left int, securityURL string) Mail {
	n := strconv.Itoa(left)
	if left == 1 {
		n += " is"
	} else {
		n += " are"
	}
	return Mail{
		Template: "recovery_code_used",
		Subject:  "A recovery code was used to sign in",
		Heading:  "A recovery code was used",
		Lines: []string{"A recovery code was used to sign in to your account " + u.Email + ". Each code works once: " + n + " left.",
			"If this wasn't you, change your password and make new recovery codes now."},
		ButtonLabel: "Review my security settings", URL: securityURL,
	}
}
