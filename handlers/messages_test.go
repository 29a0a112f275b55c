package handlers

import (
	"errors"
	"testing"

	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/models"
)

// TestEveryInputErrorHasWords: each reason a use case gives for refusing a
// part of the input reads differently on the page, and none falls through
// to the generic answer.
func TestEveryInputErrorHasWords(t *testing.T) {
	a := &App{Hasher: password.NewHasher(1, 0)}
	generic := a.inputMessage(errors.New("a reason no one gave words to"))
	seen := map[string]error{}
	for _, err := range []error{
		models.ErrEmailMissing, models.ErrEmailTooLong, models.ErrEmailInvalid, models.ErrEmailNotASCII,
		models.ErrNameBadText, models.ErrNameTooLong, models.ErrNameControl,
		models.ErrPasswordTooShort, models.ErrPasswordTooLong, models.ErrPasswordBadText, models.ErrPasswordIsEmail, models.ErrPasswordTooCommon,
		models.ErrPasswordGuessable, models.ErrPasswordBreached, &password.Guessable{Warning: "Dates are often easy to guess."},
		models.ErrRoleInvalid, models.ErrWrongPassword,
	} {
		msg := a.inputMessage(err)
		if msg == generic {
			t.Errorf("%v has no words of its own", err)
		}
		if other, dup := seen[msg]; dup {
			t.Errorf("%v and %v both read %q", err, other, msg)
		}
		seen[msg] = err
	}
	if got := a.inputMessage(password.Policy{MinLength: 8}.Check(t.Context(), "short", "")); got != "Use at least 8 characters." {
		t.Errorf("a short password reads %q", got)
	}
}
