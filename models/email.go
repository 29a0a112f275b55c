package models

import (
	"gorm.io/gorm"

	"github.com/hearth-app/hearth/internal/emailaddr"
)

// Email addresses have one spelling each (package emailaddr): NormalizeEmail
// makes it, ValidateEmail checks it, and stored addresses are compared with
// it exactly (whereEmail).

// NormalizeEmail gives an address its one spelling (emailaddr.Normalize).
func NormalizeEmail(s string) string { return emailaddr.Normalize(s) }

// ValidateEmail says what is wrong with a normalized address (ErrEmailMissing,
// ErrEmailTooLong, ErrEmailInvalid, ErrEmailNotASCII), or nil.
func ValidateEmail(email string) error { return emailaddr.Validate(email) }

// whereEmail narrows q to the user stored with exactly this (normalized)
// address. The unique index users_email_key is on lower(email), hence the
// first term; the second makes the match exact, whatever lower() does to
// characters outside ASCII on either database.
func whereEmail(q *gorm.DB, email string) *gorm.DB {
	return q.Where("lower(email) = ? AND email = ?", email, email)
}
