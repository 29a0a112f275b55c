package handlers

import (
	"errors"
	"fmt"

	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/models"
)

// inputMessage is what the user reads about a refused part of their input:
// the words for the models' sentinels (models.InvalidInput's reasons, and
// ErrWrongPassword). TestEveryInputErrorHasWords checks that each has its own.
func (a *App) inputMessage(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, models.ErrEmailMissing):
		return "Enter your email address."
	case errors.Is(err, models.ErrEmailTooLong):
		return fmt.Sprintf("Use an email address of at most %d characters.", models.MaxEmailLen)
	case errors.Is(err, models.ErrEmailNotASCII):
		return "Use only the letters a–z, digits and signs such as . _ + - before the @: other letters can pass for someone else's address."
	case errors.Is(err, models.ErrEmailInvalid):
		return "Enter a valid email address, like name@example.com."
	case errors.Is(err, models.ErrNameBadText):
		return "Use only valid characters in your name."
	case errors.Is(err, models.ErrNameTooLong):
		return fmt.Sprintf("Use a name of at most %d characters.", models.MaxNameLen)
	case errors.Is(err, models.ErrNameControl):
		return "Use only printable characters in your name."
	case errors.Is(err, models.ErrPasswordTooShort):
		return fmt.Sprintf("Use at least %d characters.", a.Hasher.MinLength)
	case errors.Is(err, models.ErrPasswordTooLong):
		return fmt.Sprintf("Use at most %d characters.", models.MaxPasswordLen)
	case errors.Is(err, models.ErrPasswordBadText):
		return "Use only valid characters."
	case errors.Is(err, models.ErrPasswordIsEmail):
		return "Don't use your email address as your password."
	case errors.Is(err, models.ErrPasswordTooCommon):
		return "This password is too common. Pick one that is harder to guess."
	case errors.Is(err, models.ErrPasswordGuessable):
		var g *password.Guessable
		if errors.As(err, &g) && g.Warning != "" {
			return "This password is too easy to guess. " + g.Warning
		}
		return "This password is too easy to guess. Add another word or two."
	case errors.Is(err, models.ErrPasswordBreached):
		return "This password has appeared in a data breach, so attackers try it first. Pick another one."
	case errors.Is(err, models.ErrRoleInvalid):
		return "Choose admin or member."
	case errors.Is(err, models.ErrWrongPassword):
		return "That is not your current password."
	}
	return "Check this field."
}

// inputFields names the form field that holds each part of a use case's
// input ("" for a part the form does not have).
type inputFields struct {
	Email, Name, Password, Role string
}

// fieldErrors puts the reasons of inv next to the fields that hold them.
func (a *App) fieldErrors(inv *models.InvalidInput, f inputFields) map[string]string {
	out := map[string]string{}
	for _, p := range []struct {
		field string
		err   error
	}{{f.Email, inv.Email}, {f.Name, inv.Name}, {f.Password, inv.Password}, {f.Role, inv.Role}} {
		if p.err != nil && p.field != "" {
			out[p.field] = a.inputMessage(p.err)
		}
	}
	return out
}
