package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Purposes of mailed tokens, and how long each lives.
const (
	TokenVerifyEmail   = "verify_email"
	TokenResetPassword = "reset_password"
	TokenChangeEmail   = "change_email"

	VerifyEmailTTL   = 48 * time.Hour
	ResetPasswordTTL = time.Hour
	ChangeEmailTTL   = 24 * time.Hour
)

// UserToken is a single-use link's server side. Only the hash is stored.
type UserToken struct {
	TokenHash     string `gorm:"primaryKey"`
	UserID        string
	Purpose       string
	Email         string // the address the link proves (verification, email change)
	PasswordStamp string // reset and email-change links die when the password changes
	ExpiresAt     time.Time
	UsedAt        *time.Time
	CreatedAt     time.Time
}

// PasswordStamp fingerprints a password hash (a digest: no hash is copied
// where it is kept), so that what a password proved dies with it: a reset
// link issued before a password change, a sign-in waiting for its second
// factor. Every new password, even the same one again, has a new salt and
// so a new stamp.
func PasswordStamp(hash string) string {
	sum := sha256.Sum256([]byte("stamp|" + hash))
	return hex.EncodeToString(sum[:8])
}

// linkTTL is how long a link of purpose lives.
func linkTTL(purpose string) time.Duration {
	switch purpose {
	case TokenVerifyEmail:
		return VerifyEmailTTL
	case TokenResetPassword:
		return ResetPasswordTTL
	}
	return ChangeEmailTTL
}

// Issued is what issuing a link did: whose it is, and the raw token to put
// in the mailed link (only its hash is stored).
type Issued struct {
	User  *User
	Token string
}

// MailLink issues u a single-use link for purpose (TokenVerifyEmail,
// TokenResetPassword, TokenChangeEmail) proving the address to, and queues
// the mails that carry it (mail) in the same transaction, with the audit
// events given (an admin's sending, say). Earlier unused links of the same
// purpose stop working.
func MailLink(ctx context.Context, db *DB, now time.Time, u *User, purpose, to string, mail *Announce[Issued], audits ...AuditEvent) error {
	return mail.settle(db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		raw, err := issueToken(tx, now, u, purpose, to)
		if err != nil {
			return err
		}
		for _, e := range audits {
			if err := recordEventTx(tx, e); err != nil {
				return err
			}
		}
		return mail.queue(tx, now, Issued{User: u, Token: raw})
	}))
}

// issueToken creates a single-use token for u in tx and returns the raw
// value to mail. Earlier unused tokens of the same purpose stop working.
func issueToken(tx *gorm.DB, now time.Time, u *User, purpose, email string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	raw := hex.EncodeToString(b)
	now = now.UTC()
	if err := tx.Where("user_id = ? AND purpose = ? AND used_at IS NULL", u.ID, purpose).Delete(&UserToken{}).Error; err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	t := UserToken{TokenHash: HashToken(raw), UserID: u.ID, Purpose: purpose, Email: email,
		PasswordStamp: PasswordStamp(u.PasswordHash), ExpiresAt: now.Add(linkTTL(purpose)), CreatedAt: now}
	if err := tx.Create(&t).Error; err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	return raw, nil
}

// PeekToken checks a token without using it (for the page a link opens) and
// returns it with its user.
func PeekToken(ctx context.Context, db *DB, now time.Time, raw, purpose string) (*UserToken, *User, error) {
	return peekToken(db.Read.WithContext(ctx), now, raw, purpose)
}

// peekToken is PeekToken on q (a pool or a transaction).
func peekToken(q *gorm.DB, now time.Time, raw, purpose string) (*UserToken, *User, error) {
	var t UserToken
	err := q.Where("token_hash = ? AND purpose = ?", HashToken(raw), purpose).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, ErrTokenInvalid
	} else if err != nil {
		return nil, nil, err
	}
	if t.UsedAt != nil || !now.UTC().Before(t.ExpiresAt) {
		return nil, nil, ErrTokenInvalid
	}
	u, err := firstUser(q.Where("id = ?", t.UserID))
	if errors.Is(err, ErrNotFound) {
		return nil, nil, ErrTokenInvalid
	} else if err != nil {
		return nil, nil, err
	}
	// Links that hand over the account die with any password change, even
	// one that did not delete them (a password set by another process).
	if (purpose == TokenResetPassword || purpose == TokenChangeEmail) && t.PasswordStamp != PasswordStamp(u.PasswordHash) {
		return nil, nil, ErrTokenInvalid
	}
	return &t, u, nil
}

// useToken marks a token used inside tx; it fails with ErrTokenInvalid if a
// concurrent request used it first.
func useToken(tx *gorm.DB, now time.Time, raw, purpose string) (*UserToken, *User, error) {
	t, u, err := peekToken(tx, now, raw, purpose)
	if err != nil {
		return nil, nil, err
	}
	res := tx.Model(&UserToken{}).Where("token_hash = ? AND used_at IS NULL", t.TokenHash).Update("used_at", now.UTC())
	if res.Error != nil {
		return nil, nil, res.Error
	}
	if res.RowsAffected != 1 {
		return nil, nil, ErrTokenInvalid
	}
	return t, u, nil
}

// DeleteExpiredTokens removes tokens past their expiry. Safe on every instance.
func DeleteExpiredTokens(ctx context.Context, db *DB, now time.Time) (int64, error) {
	res := db.Write.WithContext(ctx).Where("expires_at < ?", now.UTC()).Delete(&UserToken{})
	return res.RowsAffected, res.Error
}
