package password

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Lengths, in characters. NIST SP 800-63B asks for at least 64 allowed; the
// cap bounds hashing work.
const (
	MinLength = 8
	MaxLength = 128
)

// Why a password is refused. Policy.Check wraps them with the detail (the
// length it asks for), so errors.Is finds them.
var (
	ErrTooShort  = errors.New("password too short")
	ErrTooLong   = errors.New("password too long")
	ErrBadText   = errors.New("password holds invalid characters")
	ErrIsEmail   = errors.New("password is the email address")
	ErrTooCommon = errors.New("password too common")
	ErrGuessable = errors.New("password too easy to guess")
	ErrBreached  = errors.New("password found in a data breach")
)

// Guessable is ErrGuessable with the reason, in words, for the form.
type Guessable struct{ Warning string }

func (g *Guessable) Error() string { return ErrGuessable.Error() + ": " + g.Warning }
func (g *Guessable) Unwrap() error { return ErrGuessable }

// Policy is NIST SP 800-63B's password policy: a minimum length, room for
// long passphrases, a blocklist of common and breached passwords, no
// composition rules; and nothing zxcvbn guesses at once (MinScore).
type Policy struct {
	MinLength int // at least MinLength characters; 0 means MinLength

	// Breached, when set, is asked after the offline checks pass (Have I
	// Been Pwned's range API: HEARTH_BREACHED_PASSWORDS=hibp). When it
	// cannot answer, the offline list has already decided, and
	// OnBreachCheckFailed hears why.
	Breached            BreachChecker
	OnBreachCheckFailed func(error)
}

// Check says what is wrong with password for the account with this email
// (and these other words of the account's, such as its name), or nil.
func (p Policy) Check(ctx context.Context, password, email string, userInputs ...string) error {
	if err := p.checkOffline(password, email, userInputs); err != nil {
		return err
	}
	if p.Breached == nil {
		return nil
	}
	breached, err := p.Breached.Breached(ctx, password)
	switch {
	case err != nil:
		if p.OnBreachCheckFailed != nil {
			p.OnBreachCheckFailed(err)
		}
		return nil
	case breached:
		return ErrBreached
	}
	return nil
}

// CheckOffline is Check without the breach service: what the strength meter
// asks on every keystroke.
func (p Policy) CheckOffline(password, email string, userInputs ...string) error {
	return p.checkOffline(password, email, userInputs)
}

func (p Policy) checkOffline(password, email string, userInputs []string) error {
	minLen := p.MinLength
	if minLen <= 0 {
		minLen = MinLength
	}
	n := utf8.RuneCountInString(password)
	switch {
	case n < minLen:
		return fmt.Errorf("%w: use at least %d characters", ErrTooShort, minLen)
	case n > MaxLength:
		return fmt.Errorf("%w: use at most %d characters", ErrTooLong, MaxLength)
	case !utf8.ValidString(password):
		return ErrBadText
	case email != "" && strings.EqualFold(strings.TrimSpace(password), email):
		return ErrIsEmail
	case IsCommon(password):
		return ErrTooCommon
	}
	if n > estimateLength {
		return nil // long enough: a guessable start does not make it guessable
	}
	if s := Estimate(password, append(userInputs, email)...); s.Score < MinScore {
		return &Guessable{Warning: s.Warning}
	}
	return nil
}
