// Package emailaddr gives every email address one spelling: Normalize makes
// it, Validate checks it. Sign-up, sign-in, forgot-password, email change,
// provider sign-in, the admin panel, the CLI and migration 00012 all go
// through it (models wraps it for the rest of the app).
package emailaddr

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// MaxLength is the longest address accepted, in bytes (RFC 5321's path limit).
const MaxLength = 254

// Why Validate refuses an address.
var (
	ErrMissing  = errors.New("no email address")
	ErrTooLong  = fmt.Errorf("email address longer than %d bytes", MaxLength)
	ErrInvalid  = errors.New("not a valid email address")
	ErrNotASCII = errors.New("email address with letters other than a–z before the @")
)

// Normalize gives an address its one spelling: trimmed, ASCII letters
// before the @ in lower case, and the domain in the ASCII form DNS resolves
// (NFKC, then IDNA's mapping for lookup, then punycode), so "Bob@Exämple.com"
// is "bob@xn--exmple-cua.com" and "a@ｅｘａｍｐｌｅ.com" is "a@example.com".
//
// Other characters before the @ are kept as they are, for Validate to
// refuse: folding them onto ASCII (strings.ToLower turns "İ" into "i") would
// turn another mailbox, admİn@example.com, into an existing account's.
// Normalize(Normalize(s)) == Normalize(s).
func Normalize(s string) string {
	s = strings.TrimSpace(s)
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return asciiLower(s)
	}
	return asciiLower(s[:at]) + "@" + normalizeDomain(s[at+1:])
}

// normalizeDomain is a domain's IDNA ASCII form, or the domain with ASCII
// letters lowered when it is not a domain name (Validate refuses it).
func normalizeDomain(d string) string {
	a, err := idna.Lookup.ToASCII(norm.NFKC.String(d))
	if err != nil {
		return asciiLower(d)
	}
	return a
}

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Validate says what is wrong with a normalized address, or nil. An
// address it accepts is ASCII: the part before the @ must be (Hearth refuses
// non-ASCII local parts rather than judge which scripts and confusables are
// safe), and the domain must be a valid IDNA domain name in its ASCII form.
func Validate(email string) error {
	switch {
	case email == "":
		return ErrMissing
	case len(email) > MaxLength:
		return ErrTooLong
	case !utf8.ValidString(email):
		return ErrInvalid
	}
	at := strings.LastIndexByte(email, '@')
	if at < 1 {
		return ErrInvalid
	}
	local, domain := email[:at], email[at+1:]
	if !isASCII(local) {
		return ErrNotASCII
	}
	// Registration is IDNA's strict profile: valid labels of at most 63
	// characters, no empty label, nothing left to map (so the domain is
	// already in its normalized ASCII form).
	if d, err := idna.Registration.ToASCII(domain); err != nil || d != domain || !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
		return ErrInvalid
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return ErrInvalid
	}
	return nil
}
