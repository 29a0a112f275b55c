package password

import (
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
)

// Policy is NIST SP 800-63B's password policy: a minimum length, room for
// long passphrases, a blocklist of common and breached passwords, no
// composition rules.
type Policy struct {
	MinLength int // at least MinLength characters; 0 means MinLength
}

// Check says what is wrong with password for the account with this email,
// or nil.
func (p Policy) Check(password, email string) error {
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
	return nil
}
