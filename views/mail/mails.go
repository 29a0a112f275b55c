package mail

import (
	"strconv"
	"time"

	"github.com/hearth-app/hearth/models"
)

// VerifyEmail asks a new account to confirm its address; link opens the
// confirmation page.
func VerifyEmail(u *models.User, link string) Mail {
	return Mail{
		Template:    models.TokenVerifyEmail,
		Subject:     "Confirm your email address",
		Heading:     "Confirm your email address",
		Lines:       []string{"Welcome! Please confirm that " + u.Email + " is your address."},
		ButtonLabel: "Confirm my email", URL: link,
		Footer: "The link works for " + ttlText(models.VerifyEmailTTL) + ". If you did not sign up, ignore this mail.",
	}
}

// ConfirmNewEmail goes to newEmail, the address u asked to use instead of
// theirs; link opens the confirmation page.
func ConfirmNewEmail(u *models.User, newEmail, link string) Mail {
	return Mail{
		Template:    models.TokenChangeEmail,
		Subject:     "Confirm your new email address",
		Heading:     "Confirm your new email address",
		Lines:       []string{"You asked to use " + newEmail + " for your account instead of " + u.Email + "."},
		ButtonLabel: "Use this address", URL: link,
		Footer: "The link works for " + ttlText(models.ChangeEmailTTL) + ". If you did not ask for this, ignore this mail: nothing changes.",
	}
}

// EmailChangeRequested tells u's current address that a change to newEmail
// was asked for; accountURL is where to cancel it.
func EmailChangeRequested(u *models.User, newEmail, accountURL string) Mail {
	return Mail{
		Template: "email_change_requested",
		Subject:  "Someone asked to change your email address",
		Heading:  "A change of your email address was requested",
		Lines: []string{"Someone signed in to your account asked to use " + newEmail + " instead of " + u.Email + ". Nothing changes until the link mailed there is opened.",
			"If this wasn't you, cancel the change from your account page and change your password (or reset it): that also stops the change."},
		ButtonLabel: "Review the change", URL: accountURL,
	}
}

// EmailChanged tells the old address that u now uses another one.
func EmailChanged(u *models.User, oldEmail string) Mail {
	return Mail{
		Template: "email_changed",
		Subject:  "Your email address was changed",
		Heading:  "Your email address was changed",
		Lines:    []string{"Your account now uses " + u.Email + " instead of " + oldEmail + ".", "If this wasn't you, contact support right away."},
	}
}

// ResetPassword is the forgotten-password mail; link opens the page to
// choose a new one.
func ResetPassword(u *models.User, link string) Mail {
	return Mail{
		Template:    models.TokenResetPassword,
		Subject:     "Reset your password",
		Heading:     "Reset your password",
		Lines:       []string{"Someone (hopefully you) asked to reset the password of the account " + u.Email + "."},
		ButtonLabel: "Choose a new password", URL: link,
		Footer: "The link works once, for " + ttlText(models.ResetPasswordTTL) + ". If you did not ask for it, ignore this mail: your password stays the same.",
	}
}

// ChoosePassword gives an account without a password (provider sign-in
// only) the link to choose one: a reset link, with its own wording.
func ChoosePassword(u *models.User, link string) Mail {
	return Mail{
		Template:    models.TokenResetPassword,
		Subject:     "Choose a password",
		Heading:     "Choose a password",
		Lines:       []string{"You asked to add a password to your account " + u.Email + ", so that you can also sign in with your email."},
		ButtonLabel: "Choose my password", URL: link,
		Footer: "The link works once, for " + ttlText(models.ResetPasswordTTL) + ". Choosing the password signs you out everywhere; sign in again with it. If you did not ask for this, ignore this mail.",
	}
}

// PasswordChanged tells u their password was changed from the account
// page; resetURL is the way out if it was not them.
func PasswordChanged(u *models.User, resetURL string) Mail {
	return Mail{
		Template: "password_changed",
		Subject:  "Your password was changed",
		Heading:  "Your password was changed",
		Lines: []string{"The password of your account " + u.Email + " was just changed, and your other sessions were signed out.",
			"If this wasn't you, reset your password now and check your account's sessions."},
		ButtonLabel: "Reset my password", URL: resetURL,
	}
}

// PasswordWasReset tells u their password was reset through a mailed link.
func PasswordWasReset(u *models.User) Mail {
	return Mail{
		Template: "password_changed",
		Subject:  "Your password was reset",
		Heading:  "Your password was reset",
		Lines:    []string{"The password of your account " + u.Email + " was reset, and every session was signed out.", "If this wasn't you, reset it again right away."},
	}
}

// PasswordRemoved tells u that linking provider (its label) dropped a
// password chosen before the address was proven; chooseURL is where to
// choose a new one.
func PasswordRemoved(u *models.User, provider, chooseURL string) Mail {
	return Mail{
		Template: "password_removed",
		Subject:  "Your account's password was removed",
		Heading:  "Choose a new password",
		Lines: []string{provider + " confirmed that " + u.Email + " is yours, and is now connected to your account.",
			"The password on the account had been chosen before the address was confirmed, so it may not have been yours: we removed it and signed out every other session. You can keep signing in with " + provider + ", or choose a new password."},
		ButtonLabel: "Choose a password", URL: chooseURL,
	}
}

// RemovedIdentity is a provider connection the first proof of an address
// removed: the provider's label and the connection's address.
type RemovedIdentity struct {
	Label string
	Email string
}

// SignInMethodsRemoved tells u what the first proof of their address took
// away: endedSessions other sessions and the removed connections.
// accountURL is where to connect them again.
func SignInMethodsRemoved(u *models.User, endedSessions int64, removed []RemovedIdentity, accountURL string) Mail {
	lines := []string{"Your address " + u.Email + " has just been confirmed for the first time. Until then anyone could have signed up with it, so to make sure nobody else kept a way into your account:"}
	if endedSessions > 0 {
		lines = append(lines, "- we signed out "+plural(endedSessions, "session", "sessions")+" on other devices;")
	}
	for _, id := range removed {
		lines = append(lines, "- we disconnected "+id.Label+" ("+id.Email+").")
	}
	lines = append(lines, "If those were yours, sign in again and connect them from your account page.")
	return Mail{
		Template: "signin_methods_removed",
		Subject:  "We secured your account", Heading: "We secured your account", Lines: lines,
		ButtonLabel: "Review your account", URL: accountURL,
	}
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(n, 10) + " " + many
}

// ttlText says how long a link works: "one hour", "48 hours", "30 minutes".
func ttlText(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "one hour"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + " hours"
	default:
		return strconv.FormatInt(int64(d/time.Minute), 10) + " minutes"
	}
}

// APITokenCreated tells u a personal access token named name was created;
// tokensURL is where to revoke it.
func APITokenCreated(u *models.User, name, tokensURL string) Mail {
	return Mail{
		Template: "api_token_created",
		Subject:  "A new API token was created",
		Heading:  "A new API token was created",
		Lines: []string{"A personal access token named “" + name + "” was just created for your account " + u.Email + ". It can use the API as you.",
			"If this wasn't you, revoke it now and change your password."},
		ButtonLabel: "Review my tokens", URL: tokensURL,
	}
}

// APITokenRevoked tells u the token named name was revoked.
func APITokenRevoked(u *models.User, name, tokensURL string) Mail {
	return Mail{
		Template:    "api_token_revoked",
		Subject:     "An API token was revoked",
		Heading:     "An API token was revoked",
		Lines:       []string{"The personal access token named “" + name + "” of your account " + u.Email + " was revoked. Programs using it can no longer reach the API."},
		ButtonLabel: "Review my tokens", URL: tokensURL,
	}
}

// EmailSignInCode gives u the code to type in the browser that asked for
// it, and the link that signs in from any browser (after a click on the
// page it opens).
func EmailSignInCode(u *models.User, code, link string) Mail {
	return Mail{
		Template:    "email_signin_code",
		Subject:     "Your sign-in code is " + code,
		Heading:     "Your sign-in code",
		Lines:       []string{"Someone (hopefully you) asked to sign in to the account " + u.Email + ". Enter this code in the browser where you asked for it:"},
		Code:        code,
		ButtonLabel: "Sign in", URL: link,
		Footer: "The code and the link work once, for " + ttlText(models.EmailSignInTTL) + ". If you did not ask for them, ignore this mail: nobody can sign in without them.",
	}
}

// EmailSignInNoAccount answers a sign-in code asked for an address that
// has no account; signupURL is where to create one.
func EmailSignInNoAccount(email, signupURL string) Mail {
	return Mail{
		Template: "email_signin_no_account",
		Subject:  "No account for this address",
		Heading:  "There is no account for this address",
		Lines: []string{"Someone (hopefully you) asked for a sign-in code for " + email + ", but no account uses this address.",
			"If you meant to create one, you can sign up now. If you have an account under another address, ask for the code there."},
		ButtonLabel: "Create an account", URL: signupURL,
		Footer: "If you did not ask for this, ignore this mail.",
	}
}

// PasswordRemovedAtEmailSignIn tells u that signing in with a mailed code
// or link dropped a password chosen before the address was proven;
// securityURL is where to choose a new one.
func PasswordRemovedAtEmailSignIn(u *models.User, securityURL string) Mail {
	return Mail{
		Template: "password_removed",
		Subject:  "Your account's password was removed",
		Heading:  "Choose a new password",
		Lines: []string{"You just signed in with a code or a link mailed to " + u.Email + ", which confirmed that the address is yours.",
			"The password on the account had been chosen before the address was confirmed, so it may not have been yours: we removed it and signed out every other session. You can keep signing in with a mailed code, or choose a new password on your account's security page."},
		ButtonLabel: "Choose a password", URL: securityURL,
	}
}

// PasskeyAdded tells u a passkey named name was added; securityURL is where
// to remove it.
func PasskeyAdded(u *models.User, name, securityURL string) Mail {
	return Mail{
		Template: "passkey_added",
		Subject:  "A passkey was added to your account",
		Heading:  "A passkey was added",
		Lines: []string{"A passkey named “" + name + "” was just added to your account " + u.Email + ". It can sign in to your account without a password.",
			"If this wasn't you, remove it now and change your password."},
		ButtonLabel: "Review my passkeys", URL: securityURL,
	}
}

// PasskeyRemoved tells u the passkey named name was removed.
func PasskeyRemoved(u *models.User, name, securityURL string) Mail {
	return Mail{
		Template:    "passkey_removed",
		Subject:     "A passkey was removed from your account",
		Heading:     "A passkey was removed",
		Lines:       []string{"The passkey named “" + name + "” of your account " + u.Email + " was removed: it can no longer sign in. If this wasn't you, change your password and review your account's security."},
		ButtonLabel: "Review my passkeys", URL: securityURL,
	}
}

// WebhookDisabled tells an admin that an endpoint failed for 5 days and
// was turned off.
func WebhookDisabled(endpointURL, pageURL string) Mail {
	return Mail{
		Template: "webhook_disabled",
		Subject:  "A webhook endpoint was disabled",
		Heading:  "A webhook endpoint was disabled",
		Lines: []string{"Deliveries to " + endpointURL + " have failed for 5 days, so Hearth stopped sending to it.",
			"Fix the receiver, then enable the endpoint again; events from while it was off are not sent."},
		ButtonLabel: "Open the endpoint", URL: pageURL,
	}
}
