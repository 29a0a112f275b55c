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

	"github.com/hearth-app/hearth/internal/emailaddr"
	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/internal/searchtext"
)

// Roles.
const (
	RoleMember = "member"
	RoleAdmin  = "admin"
)

// Limits on what a user may type.
const (
	MinPasswordLen = password.MinLength
	MaxPasswordLen = password.MaxLength // NIST asks for at least 64; the cap bounds hashing work
	MaxNameLen     = 100
	MaxEmailLen    = emailaddr.MaxLength
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
	// TimeZone is the IANA zone the user chose for times on the pages; ""
	// for their browser's (Location).
	TimeZone string
	// AvatarVersion names the user's profile photo (PhotoURL); "" when
	// there is none and the initials stand in.
	AvatarVersion string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// AfterCreate gives a new user's row the admin search's folded text, in
// the transaction of the insert (setSearchText): every way a user is
// created (sign-up, a provider's first sign-in, hearth user create) gets
// it.
func (u *User) AfterCreate(tx *gorm.DB) error { return setSearchText(tx, u) }

// setSearchText writes users.search_text, what the admin search matches
// (searchtext.User: lower case, accents removed), for u's email and name.
// Every write of an email or a name calls it after the write, in its
// transaction, in a statement of its own: the database's trigger sets
// search_text to lower(email || ' ' || name) whenever a statement sets
// either, so that writes around the app stay searchable (migration
// 00024), and this refines it.
func setSearchText(tx *gorm.DB, u *User) error {
	return tx.Exec("UPDATE users SET search_text = ? WHERE id = ?", searchtext.User(u.Email, u.Name), u.ID).Error
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

// NormalizeName trims a display name and folds runs of white space.
func NormalizeName(s string) string { return strings.Join(strings.Fields(s), " ") }

// ValidateName says what is wrong with a normalized name (ErrNameBadText,
// ErrNameTooLong, ErrNameControl), or nil.
func ValidateName(name string) error {
	if !utf8.ValidString(name) {
		return ErrNameBadText
	}
	if utf8.RuneCountInString(name) > MaxNameLen {
		return ErrNameTooLong
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return ErrNameControl
		}
	}
	return nil
}

// validRole refuses a role that is neither RoleAdmin nor RoleMember.
func validRole(role string) error {
	if role != RoleMember && role != RoleAdmin {
		return ErrRoleInvalid
	}
	return nil
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
	// Now is when the account is created (the app's clock); the wall
	// clock when zero.
	Now time.Time
	// Audit, when set, is the event recording the creation, written in
	// the same transaction (its target is the new user).
	Audit *AuditEvent
}

// CreateUser validates the input, hashes the password and stores the user.
// It returns *InvalidInput for bad input and ErrEmailTaken for a duplicate.
// An unverified user is sent the link that proves the address: welcome
// composes its mail, queued in the transaction that creates the user (nil
// sends none, and issues no link).
func CreateUser(ctx context.Context, db *DB, h *password.Hasher, in NewUser, welcome *Announce[Issued]) (*User, error) {
	u := &User{Email: NormalizeEmail(in.Email), Name: NormalizeName(in.Name), Role: in.Role}
	if u.Role == "" {
		u.Role = RoleMember
	}
	invalid := &InvalidInput{Email: ValidateEmail(u.Email), Name: ValidateName(u.Name),
		Password: h.Check(ctx, in.Password, u.Email, u.Name), Role: validRole(u.Role)}
	if err := invalid.orNil(); err != nil {
		return nil, err
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
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	u.ID, u.PasswordHash, u.PasswordUnproven, u.CreatedAt, u.UpdatedAt = id.String(), hash, !in.Verified, now, now
	if in.Verified {
		u.EmailVerifiedAt = &now
	}
	err = welcome.settle(db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(u).Error; err != nil {
			return err
		}
		if in.Audit != nil {
			e := *in.Audit
			e.TargetID, e.Email = &u.ID, u.Email
			if err := recordEventTx(tx, e); err != nil {
				return err
			}
		}
		if in.Verified || welcome == nil {
			return nil
		}
		raw, err := issueToken(tx, now, u, TokenVerifyEmail, u.Email)
		if err != nil {
			return err
		}
		return welcome.queue(tx, now, Issued{User: u, Token: raw})
	}))
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, ErrEmailTaken
	} else if err != nil {
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
func Authenticate(ctx context.Context, db *DB, h *password.Hasher, email, password string) (*User, error) {
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
