package models

import (
	"context"
	"database/sql"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/pressly/goose/v3"
	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
)

// Email addresses have one spelling each: NormalizeEmail makes it,
// ValidateEmail checks it, and stored addresses are compared with it
// exactly (whereEmail). Sign-up, sign-in, forgot-password, email change,
// provider sign-in, the admin panel and the CLI all go through these.

// NormalizeEmail gives an address its one spelling: trimmed, ASCII letters
// before the @ in lower case, and the domain in the ASCII form DNS resolves
// (NFKC, then IDNA's mapping for lookup, then punycode), so "Bob@Exämple.com"
// is "bob@xn--exmple-cua.com" and "a@ｅｘａｍｐｌｅ.com" is "a@example.com".
//
// Other characters before the @ are kept as they are, for ValidateEmail to
// refuse: folding them onto ASCII (strings.ToLower turns "İ" into "i") would
// turn another mailbox, admİn@example.com, into an existing account's.
// NormalizeEmail(NormalizeEmail(s)) == NormalizeEmail(s).
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return asciiLower(s)
	}
	return asciiLower(s[:at]) + "@" + normalizeDomain(s[at+1:])
}

// normalizeDomain is a domain's IDNA ASCII form, or the domain with ASCII
// letters lowered when it is not a domain name (ValidateEmail refuses it).
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

// Messages of ValidateEmail.
const (
	msgEmailInvalid  = "Enter a valid email address, like name@example.com."
	msgEmailNotASCII = "Use only the letters a–z, digits and signs such as . _ + - before the @: other letters can pass for someone else's address."
)

// ValidateEmail says what is wrong with a normalized address, or "". An
// address it accepts is ASCII: the part before the @ must be (Hearth refuses
// non-ASCII local parts rather than judge which scripts and confusables are
// safe), and the domain must be a valid IDNA domain name in its ASCII form.
func ValidateEmail(email string) string {
	switch {
	case email == "":
		return "Enter your email address."
	case len(email) > MaxEmailLen:
		return fmt.Sprintf("Use an email address of at most %d characters.", MaxEmailLen)
	case !utf8.ValidString(email):
		return msgEmailInvalid
	}
	at := strings.LastIndexByte(email, '@')
	if at < 1 {
		return msgEmailInvalid
	}
	local, domain := email[:at], email[at+1:]
	if !isASCII(local) {
		return msgEmailNotASCII
	}
	// Registration is IDNA's strict profile: valid labels of at most 63
	// characters, no empty label, nothing left to map (so the domain is
	// already in its normalized ASCII form).
	if d, err := idna.Registration.ToASCII(domain); err != nil || d != domain || !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
		return msgEmailInvalid
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return msgEmailInvalid
	}
	return ""
}

// whereEmail narrows q to the user stored with exactly this (normalized)
// address. The unique index users_email_key is on lower(email), hence the
// first term; the second makes the match exact, whatever lower() does to
// characters outside ASCII on either database.
func whereEmail(q *gorm.DB, email string) *gorm.DB {
	return q.Where("lower(email) = ? AND email = ?", email, email)
}

// normalizeEmailsMigration is migration 00012, in Go because it needs IDNA:
// it rewrites stored addresses to the spelling NormalizeEmail gives them
// today. Before it, addresses were lowercased with strings.ToLower and
// Unicode domains were kept as typed, so bob@exämple.com could not sign in
// as bob@xn--exmple-cua.com and someone could sign up under that second
// spelling. Left as they are, for an admin to look at: addresses that do
// not validate now (a local part that is not ASCII) and addresses whose
// normal form another account already holds. Down changes nothing.
func normalizeEmailsMigration(dialect string) *goose.Migration {
	m := goose.NewGoMigration(12, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		return normalizeStoredEmails(ctx, tx, dialect)
	}}, nil)
	m.Source = "00012_normalize_emails.go"
	return m
}

func normalizeStoredEmails(ctx context.Context, tx *sql.Tx, dialect string) error {
	ph := func(int) string { return "?" }
	if dialect == "postgres" {
		ph = func(n int) string { return fmt.Sprintf("$%d", n) }
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, email FROM users")
	if err != nil {
		return err
	}
	type change struct{ id, email string }
	var changes []change
	for rows.Next() {
		var c change
		if err := rows.Scan(&c.id, &c.email); err != nil {
			rows.Close()
			return err
		}
		if n := NormalizeEmail(c.email); n != c.email && ValidateEmail(n) == "" {
			changes = append(changes, change{c.id, n})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range changes {
		var taken int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE lower(email) = "+ph(1), c.email).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET email = "+ph(1)+" WHERE id = "+ph(2), c.email, c.id); err != nil {
			return fmt.Errorf("normalize the email of user %s: %w", c.id, err)
		}
	}
	return nil
}
