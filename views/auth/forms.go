// Package auth holds the sign-up and sign-in screens.
package auth

import "github.com/hearth-app/hearth/views/components"

// SignupForm is what the sign-up form shows: the values typed (never the
// password) and what is wrong with each field.
type SignupForm struct {
	Name   string
	Email  string
	Stamp  string // signed time the form was first shown
	Next   string // a local path to go to once signed up (an invitation)
	Error  string // about the whole form
	Errors map[string]string
	// Providers are the social sign-in buttons to show.
	Providers []components.ProviderButton
}

// LoginForm is what the sign-in form shows.
type LoginForm struct {
	Email string
	Next  string // a local path to go to after signing in
	Error string // one message for the whole form: never which field was wrong
	// Throttled: too many attempts; the error offers the reset link.
	Throttled bool
	// Providers are the social sign-in buttons to show.
	Providers []components.ProviderButton
	// Forget is "Keep me signed in" unticked: the session ends with the
	// browser, or after a short while unused.
	Forget bool
	// EmailSignIn offers "Email me a sign-in code" (HEARTH_EMAIL_SIGNIN).
	EmailSignIn bool
	// Passkeys: the server can use passkeys, so the page offers "Sign in
	// with a passkey" and the email field's passkey autofill.
	Passkeys bool
}

// emailAutocomplete is the email field's autocomplete: with passkeys, the
// browser may offer them there (conditional mediation).
func (f LoginForm) emailAutocomplete() string {
	if f.Passkeys {
		return "username webauthn"
	}
	return "username"
}

// loginFocus is the sign-in field that gets autofocus: the password when
// the email is already filled in (after a failed attempt), else the email.
func loginFocus(f LoginForm, name string) bool {
	if f.Email != "" {
		return name == "password"
	}
	return name == "email"
}

// signupFocus is the sign-up field that gets autofocus: the first with an
// error, else the first field.
func signupFocus(f SignupForm, name string) bool {
	for _, n := range []string{"name", "email", "password"} {
		if f.Errors[n] != "" {
			return n == name
		}
	}
	return name == "name"
}
