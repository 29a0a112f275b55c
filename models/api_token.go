package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// APITokenPrefix starts every personal access token, so that a leaked one is
// recognisable (secret scanners, logs).
const APITokenPrefix = "hth_"

// apiTokenBytes is how much randomness a token carries.
const apiTokenBytes = 32

// MaxTokenNameLen bounds a token's name, in characters.
const MaxTokenNameLen = 100

// APITokenLastUsedEvery is how stale a token's last-used time may get: it is
// written at most this often, not on every request.
const APITokenLastUsedEvery = time.Minute

// APITokenLifetimes are the expiries a user may choose; 0 is none.
var APITokenLifetimes = []int{7, 30, 90, 0} // days

// APIToken is a personal access token. Only the SHA-256 of the secret is
// stored; ID is the public handle pages and admins use.
type APIToken struct {
	ID         string `gorm:"primaryKey"`
	UserID     string
	Name       string
	TokenHash  string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
}

// Expired reports whether t no longer works at now.
func (t *APIToken) Expired(now time.Time) bool {
	return t.ExpiresAt != nil && !now.UTC().Before(*t.ExpiresAt)
}

// NewAPIToken is the secret of a new token, shown once, and its row.
type NewAPIToken struct {
	User   *User
	Token  APIToken
	Secret string
}

// CreateAPIToken gives u a token named name that expires after days (0:
// never), recorded in the audit log (by says who asked) and announced by
// mail in the same transaction.
func CreateAPIToken(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, name string, days int, mail *Announce[NewAPIToken]) (NewAPIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxTokenNameLen || !cleanTokenName(name) {
		return NewAPIToken{}, ErrTokenName
	}
	if !slices.Contains(APITokenLifetimes, days) {
		return NewAPIToken{}, ErrTokenExpiry
	}
	b := make([]byte, apiTokenBytes)
	if _, err := rand.Read(b); err != nil {
		return NewAPIToken{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return NewAPIToken{}, err
	}
	now = now.UTC()
	secret := APITokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	t := APIToken{ID: id.String(), UserID: u.ID, Name: name, TokenHash: HashToken(secret), CreatedAt: now}
	if days > 0 {
		exp := now.Add(time.Duration(days) * 24 * time.Hour)
		t.ExpiresAt = &exp
	}
	out := NewAPIToken{User: u, Token: t, Secret: secret}
	by = userEvent(by, AuditAPITokenCreate, u, "token "+name)
	err = db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&t).Error; err != nil {
			return err
		}
		if err := recordEventTx(tx, by); err != nil {
			return err
		}
		return mail.queue(tx, now, out)
	})
	if err := mail.settle(err); err != nil {
		return NewAPIToken{}, err
	}
	return out, nil
}

// cleanTokenName refuses control characters and invalid UTF-8.
func cleanTokenName(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// ListAPITokens returns a user's tokens, newest first (expired ones too,
// until they are revoked).
func ListAPITokens(ctx context.Context, db *DB, userID string) ([]APIToken, error) {
	var ts []APIToken
	err := db.Read.WithContext(ctx).Where("user_id = ?", userID).Order("created_at DESC, id DESC").Find(&ts).Error
	return ts, err
}

// RevokeAPIToken deletes the token id of user u (ErrNotFound if u has no
// such token), recorded in the audit log (by says who) and announced by mail
// in the same transaction. The token stops working at once.
func RevokeAPIToken(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, id string, mail *Announce[NewAPIToken]) error {
	return mail.settle(db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var t APIToken
		if err := tx.Where("id = ? AND user_id = ?", id, u.ID).Take(&t).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if err := tx.Where("id = ?", t.ID).Delete(&APIToken{}).Error; err != nil {
			return err
		}
		by = userEvent(by, AuditAPITokenRevoke, u, "token "+t.Name)
		if err := recordEventTx(tx, by); err != nil {
			return err
		}
		return mail.queue(tx, now, NewAPIToken{User: u, Token: t})
	}))
}

// AuthenticateAPIToken returns the token whose secret is raw and its user,
// read from the database on every call, so that a revoked or expired token,
// or one of a banned or deleted user, fails on its very next use
// (ErrTokenInvalid). The last-used time is written at most once every
// APITokenLastUsedEvery.
func AuthenticateAPIToken(ctx context.Context, db *DB, now time.Time, raw string) (*APIToken, *User, error) {
	if !strings.HasPrefix(raw, APITokenPrefix) || len(raw) > 100 {
		return nil, nil, ErrTokenInvalid
	}
	now = now.UTC()
	var t APIToken
	err := db.Read.WithContext(ctx).Where("token_hash = ?", HashToken(raw)).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, ErrTokenInvalid
	} else if err != nil {
		return nil, nil, err
	}
	if t.Expired(now) {
		return nil, nil, ErrTokenInvalid
	}
	u, err := firstUser(db.Read.WithContext(ctx).Where("id = ?", t.UserID))
	if errors.Is(err, ErrNotFound) || (err == nil && u.BannedAt != nil) {
		return nil, nil, ErrTokenInvalid
	} else if err != nil {
		return nil, nil, err
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= APITokenLastUsedEvery {
		stale := now.Add(-APITokenLastUsedEvery)
		if err := db.Write.WithContext(ctx).Model(&APIToken{}).
			Where("id = ? AND (last_used_at IS NULL OR last_used_at <= ?)", t.ID, stale).
			Update("last_used_at", now).Error; err != nil {
			return nil, nil, err
		}
		t.LastUsedAt = &now
	}
	return &t, u, nil
}
