package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Roles.
const (
	RoleMember = "member"
	RoleAdmin  = "admin"
)

// Limits on what a user may type.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128 // NIST asks for at least 64; the cap bounds hashing work
	MaxNameLen     = 100
	MaxEmailLen    = 254
)

// Sentinel errors, mapped to answers by handlers with errors.Is.
var (
	ErrNotFound           = errors.New("not found")
	ErrEmailTaken         = errors.New("an account with this email already exists")
	ErrInvalidCredentials = errors.New("invalid email or password")
	ErrBanned             = errors.New("account is banned")
)

// User is an account.
type User struct {
	ID           string `gorm:"primaryKey"`
	Email        string
	Name         string
	PasswordHash string
	// PasswordUnproven: the password was chosen before the address was
	// proven, so it may be the one of someone who signed up with another
	// person's address (see SignInWithProvider).
	PasswordUnproven bool
	Role             string
	EmailVerifiedAt  *time.Time
	BannedAt         *time.Time
	LastSignInAt     *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// IsAdmin reports whether the user has the admin role.
func (u *User) IsAdmin() bool { return u.Role == RoleAdmin }

// DisplayName is the name, or the email when no name was given.
func (u *User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// FieldErrors maps a form field to what is wrong with it. It is returned as
// an error by functions that validate input.
type FieldErrors map[string]string

func (fe FieldErrors) Error() string {
	parts := make([]string, 0, len(fe))
	for f, msg := range fe {
		parts = append(parts, f+": "+msg)
	}
	return strings.Join(parts, "; ")
}

// NormalizeName trims a display name and folds runs of white space.
func NormalizeName(s string) string { return strings.Join(strings.Fields(s), " ") }

// ValidateName says what is wrong with a normalized name, or "".
func ValidateName(name string) string {
	if !utf8.ValidString(name) {
		return "Use only valid characters in your name."
	}
	if utf8.RuneCountInString(name) > MaxNameLen {
		return fmt.Sprintf("Use a name of at most %d characters.", MaxNameLen)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "Use only printable characters in your name."
		}
	}
	return ""
}

// ValidatePassword applies the default password policy; see validatePassword.
func ValidatePassword(password, email string) string {
	return validatePassword(password, email, MinPasswordLen)
}

// validatePassword applies the password policy of NIST SP 800-63B — a
// minimum length, room for long passphrases, a blocklist of common and
// breached passwords, no composition rules — and says what is wrong, or "".
func validatePassword(password, email string, minLen int) string {
	n := utf8.RuneCountInString(password)
	switch {
	case n < minLen:
		return fmt.Sprintf("Use at least %d characters.", minLen)
	case n > MaxPasswordLen:
		return fmt.Sprintf("Use at most %d characters.", MaxPasswordLen)
	case !utf8.ValidString(password):
		return "Use only valid characters."
	case email != "" && strings.EqualFold(strings.TrimSpace(password), email):
		return "Don't use your email address as your password."
	case isCommonPassword(password):
		return "This password is too common. Pick one that is harder to guess."
	}
	return ""
}

// NewUser is the input for CreateUser.
type NewUser struct {
	Email    string
	Name     string
	Password string
	Role     string // RoleMember when empty
	// Verified: the address is vouched for (an operator's `hearth user
	// create`); a sign-up's address is proven later, by its mailed link.
	Verified bool
}

// CreateUser validates the input, hashes the password and stores the user.
// It returns FieldErrors for bad input and ErrEmailTaken for a duplicate.
func CreateUser(ctx context.Context, db *DB, h *Hasher, in NewUser) (*User, error) {
	u := &User{Email: NormalizeEmail(in.Email), Name: NormalizeName(in.Name), Role: in.Role}
	if u.Role == "" {
		u.Role = RoleMember
	}
	errs := FieldErrors{}
	if msg := ValidateEmail(u.Email); msg != "" {
		errs["email"] = msg
	}
	if msg := ValidateName(u.Name); msg != "" {
		errs["name"] = msg
	}
	if msg := h.Validate(in.Password, u.Email); msg != "" {
		errs["password"] = msg
	}
	if u.Role != RoleMember && u.Role != RoleAdmin {
		errs["role"] = "Role must be admin or member."
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if exists, err := emailExists(ctx, db, u.Email); err != nil {
		return nil, err
	} else if exists {
		return nil, ErrEmailTaken // checked before hashing, so a duplicate costs no hash
	}

	hash, err := h.Hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	u.ID, u.PasswordHash, u.PasswordUnproven = id.String(), hash, !in.Verified
	if in.Verified {
		n := time.Now().UTC()
		u.EmailVerifiedAt = &n
	}
	if err := db.Write.WithContext(ctx).Create(u).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil, ErrEmailTaken
		}
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

func emailExists(ctx context.Context, db *DB, email string) (bool, error) {
	var n int64
	err := whereEmail(db.Read.WithContext(ctx).Model(&User{}), email).Count(&n).Error
	return n > 0, err
}

// Authenticate checks an email and password. Unknown emails cost the same
// hashing work as wrong passwords, and both return ErrInvalidCredentials.
// A banned user with the right password gets ErrBanned. With either error the
// user, when one exists, is returned too, for the audit log only.
func Authenticate(ctx context.Context, db *DB, h *Hasher, email, password string) (*User, error) {
	u, err := UserByEmail(ctx, db, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	stored := ""
	if u != nil {
		stored = u.PasswordHash
	}
	if len(password) > 4*MaxPasswordLen {
		password = password[:4*MaxPasswordLen] // bound the work; such a password never matched
	}
	ok, err := h.Verify(ctx, stored, password)
	if err != nil {
		return nil, err
	}
	if !ok || u == nil {
		return u, ErrInvalidCredentials // u (nil when unknown) lets the caller audit the attempt
	}
	if u.BannedAt != nil {
		return u, ErrBanned // the user, so the caller can record who tried
	}
	now := time.Now().UTC()
	if err := db.Write.WithContext(ctx).Model(u).UpdateColumn("last_sign_in_at", now).Error; err != nil {
		return nil, fmt.Errorf("record sign-in: %w", err)
	}
	u.LastSignInAt = &now
	return u, nil
}

// UserByID loads a user.
func UserByID(ctx context.Context, db *DB, id string) (*User, error) {
	return firstUser(db.Read.WithContext(ctx).Where("id = ?", id))
}

// UserByEmail loads a user by address (normalized here).
func UserByEmail(ctx context.Context, db *DB, email string) (*User, error) {
	return firstUser(whereEmail(db.Read.WithContext(ctx), NormalizeEmail(email)))
}

func firstUser(q *gorm.DB) (*User, error) {
	var u User
	if err := q.Take(&u).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return &u, nil
}

// SetRole changes a user's role from the command line, and ends the user's
// sessions (SetUserRole is the admin panel's, with its last-admin guard).
func SetRole(ctx context.Context, db *DB, userID, role string) error {
	if role != RoleMember && role != RoleAdmin {
		return FieldErrors{"role": "Role must be admin or member."}
	}
	_, err := adminChange(ctx, db, userID, func(tx *gorm.DB, u *User) error {
		return changeRole(tx, time.Now(), u, role, "")
	})
	return err
}
