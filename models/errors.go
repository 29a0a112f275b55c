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
	ErrLastSignInMethod = errors.New("you can't disconnect your only way to sign in; set a password first")
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
	// ErrTokenExpiry: a token's lifetime is one of APITokenLifetimes.
	ErrTokenExpiry = errors.New("a token expires after 7, 30 or 90 days, or never")
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

	ErrRoleInvalid = errors.New("role must be admin or member")
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
}

func (e *InvalidInput) Error() string {
	var parts []string
	for _, p := range []struct {
		name string
		err  error
	}{{"email", e.Email}, {"name", e.Name}, {"password", e.Password}, {"role", e.Role}} {
		if p.err != nil {
			parts = append(parts, p.name+": "+p.err.Error())
		}
	}
	return strings.Join(parts, "; ")
}

// orNil is e when some part is invalid, nil otherwise.
func (e *InvalidInput) orNil() error {
	if e.Email == nil && e.Name == nil && e.Password == nil && e.Role == nil {
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
