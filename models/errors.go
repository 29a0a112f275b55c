package models

import (
	"errors"
	"strings"

	"github.com/hearth-app/hearth/internal/emailaddr"
	"github.com/hearth-app/hearth/internal/password"
)

// Every error a use case returns on purpose is one of these (or wraps one),
// for handlers to map to what the user reads with errors.Is. Their texts are
// for logs and the command line, never shown on a page.
var (
	// ErrNotFound: no such row (user, identity, session, mail).
	ErrNotFound = errors.New("not found")
	// ErrEmailTaken: another account has this address.
	ErrEmailTaken = errors.New("an account with this email already exists")
	// ErrInvalidCredentials: unknown email or wrong password (the same error).
	ErrInvalidCredentials = errors.New("invalid email or password")
	// ErrWrongPassword: the current password given to confirm a change is
	// not the account's.
	ErrWrongPassword = errors.New("not the current password")
	// ErrBanned: the account is banned.
	ErrBanned = errors.New("account is banned")
	// ErrTokenInvalid covers unknown, used, expired and outdated links alike.
	ErrTokenInvalid = errors.New("this link is invalid or has expired")
	// ErrEmailCodeWrong: not the code of the email sign-in under way; more
	// tries are left.
	ErrEmailCodeWrong = errors.New("wrong sign-in code")
	// ErrEmailSignInEnded: no email sign-in under way for this browser, or
	// it expired, was used, or its last try was wrong.
	ErrEmailSignInEnded = errors.New("no email sign-in under way: ask for a new code")

	// ErrLastAdmin: the change would leave no admin able to sign in.
	ErrLastAdmin = errors.New("this is the last admin")
	// ErrSelf: admins cannot ban or delete themselves.
	ErrSelf = errors.New("admins cannot do this to themselves")

	// ErrNotLinked: the provider's address belongs to an account, but one of
	// the two has not verified it, so signing in as that account would let
	// whoever controls the provider account take it over (Auth.js calls this
	// OAuthAccountNotLinked). The user must sign in with their password and
	// connect the provider from the account page.
	ErrNotLinked = errors.New("an account with this email exists; sign in with your password, then connect the provider")
	// ErrIdentityTaken: this provider account is connected to another user.
	ErrIdentityTaken = errors.New("this provider account is connected to another user")
	// ErrLastSignInMethod: disconnecting would leave no way to sign in.
	ErrLastSignInMethod = errors.New("you can't remove your only way to sign in; set a password, connect a provider or add a passkey first")
	// ErrEmailUnverified: an account whose address is not yet proven cannot
	// gain a sign-in method (a provider, a password): whoever signed up with
	// someone else's address must not keep a way in once the owner proves it.
	ErrEmailUnverified = errors.New("confirm your email address first")
	// ErrNoEmail: the provider shared no usable email address.
	ErrNoEmail = errors.New("the provider did not share an email address")

	// ErrHasherBusy: too many password hashes are being computed; the
	// caller should answer "try again in a moment".
	ErrHasherBusy = password.ErrBusy
	// ErrTokenName: a token needs a name of at most MaxTokenNameLen characters.
	ErrTokenName = errors.New("a token needs a name of at most 100 characters")
	// ErrCodeInvalid: a two-factor code (TOTP or recovery) is wrong,
	// malformed, or was used already.
	ErrCodeInvalid = errors.New("that code is not valid")
	// ErrTwoFactorOn: two-factor authentication is enabled already.
	ErrTwoFactorOn = errors.New("two-factor authentication is already on")
	// ErrTwoFactorOff: the user has no two-factor authentication.
	ErrTwoFactorOff = errors.New("two-factor authentication is off")
	// ErrTokenExpiry: a token's lifetime is one of APITokenLifetimes.
	ErrTokenExpiry = errors.New("a token expires after 7, 30 or 90 days, or never")

	// ErrPasskeyName: a passkey's name is at most MaxPasskeyNameLen
	// characters of text.
	ErrPasskeyName = errors.New("a passkey's name is at most 100 characters")
	// ErrTooManyPasskeys: the account holds MaxPasskeys already.
	ErrTooManyPasskeys = errors.New("too many passkeys")
	// ErrPasskeyTaken: this credential is registered already.
	ErrPasskeyTaken = errors.New("this passkey is registered already")
	// ErrPasskeyCounter: the authenticator's signature counter went back
	// (a cloned key, or a replayed assertion).
	ErrPasskeyCounter = errors.New("the passkey's signature counter did not advance")
	// ErrChallengeInvalid covers unknown, used and expired WebAuthn
	// challenges alike.
	ErrChallengeInvalid = errors.New("the passkey request is invalid or has expired")
)

// Organizations (org.go).
var (
	// ErrLastOwner: the change would leave an organization without an owner.
	ErrLastOwner = errors.New("this is the organization's last owner")
	// ErrOrgForbidden: the member's role does not allow the change.
	ErrOrgForbidden = errors.New("your role in this organization does not allow this")
	// ErrOrgRoleInvalid: not owner, admin or member.
	ErrOrgRoleInvalid = errors.New("role must be owner, admin or member")
	// ErrOrgSelf: ownership is transferred to someone else.
	ErrOrgSelf = errors.New("choose another member")
	// ErrAlreadyMember: the address or user is in the organization already.
	ErrAlreadyMember = errors.New("already a member of this organization")
	// ErrInvitationElsewhere: the invitation is for another address than
	// the signed-in user's.
	ErrInvitationElsewhere = errors.New("this invitation is for another email address")

	ErrOrgNameMissing = errors.New("an organization needs a name")
	ErrSlugInvalid    = errors.New("a slug is 2 to 48 lowercase letters, digits and single hyphens")
	ErrSlugReserved   = errors.New("this slug is reserved")
	ErrSlugTaken      = errors.New("another organization has this slug")
)

// Why a part of the input is refused (the values of InvalidInput's fields).
var (
	ErrEmailMissing  = emailaddr.ErrMissing
	ErrEmailTooLong  = emailaddr.ErrTooLong
	ErrEmailInvalid  = emailaddr.ErrInvalid
	ErrEmailNotASCII = emailaddr.ErrNotASCII

	ErrNameBadText = errors.New("name holds invalid characters")
	ErrNameTooLong = errors.New("name too long")
	ErrNameControl = errors.New("name holds control characters")

	ErrPasswordTooShort  = password.ErrTooShort
	ErrPasswordTooLong   = password.ErrTooLong
	ErrPasswordBadText   = password.ErrBadText
	ErrPasswordIsEmail   = password.ErrIsEmail
	ErrPasswordTooCommon = password.ErrTooCommon
	ErrPasswordGuessable = password.ErrGuessable // a *password.Guessable says why
	ErrPasswordBreached  = password.ErrBreached

	ErrRoleInvalid = errors.New("role must be admin or member")

	ErrTimeZoneInvalid = errors.New("not a time zone")
)

// InvalidInput is input a use case refused: for each part that is wrong,
// the error saying why (one of the sentinels above, possibly wrapped with a
// detail such as the length asked for). Parts that are fine are nil.
// Handlers find it with errors.As and show each reason next to the form
// field that holds that part.
type InvalidInput struct {
	Email    error
	Name     error
	Password error
	Role     error
	TimeZone error
}

func (e *InvalidInput) Error() string {
	var parts []string
	for _, p := range []struct {
		name string
		err  error
	}{{"email", e.Email}, {"name", e.Name}, {"password", e.Password}, {"role", e.Role}, {"time zone", e.TimeZone}} {
		if p.err != nil {
			parts = append(parts, p.name+": "+p.err.Error())
		}
	}
	return strings.Join(parts, "; ")
}

// orNil is e when some part is invalid, nil otherwise.
func (e *InvalidInput) orNil() error {
	if e.Email == nil && e.Name == nil && e.Password == nil && e.Role == nil && e.TimeZone == nil {
		return nil
	}
	return e
}

// Why a webhook endpoint is refused (each names its form field).
var (
	ErrWebhookURL         = errors.New("a webhook URL is an absolute http or https URL of at most 2000 characters")
	ErrWebhookEventType   = errors.New("unknown event type")
	ErrWebhookDescription = errors.New("a description holds at most 500 characters of text")
)
