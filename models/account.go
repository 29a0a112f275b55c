package models

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"time"

	"gorm.io/gorm"
)

// Caller is the browser a request comes from: the user it is signed in as
// ("" when none) and its session's token hash.
type Caller struct {
	UserID      string
	SessionHash string
}

// Proof is what proving an address did. The first proof of an account's
// address ends its other sessions and removes the sign-in methods it had,
// since until then anyone could have signed up with that address.
type Proof struct {
	First             bool       // the address had not been proven before
	RemovedIdentities []Identity // providers connected before the proof
	EndedSessions     int64      // sessions ended by the proof
}

// Removed reports whether the proof took anything away (the owner is told).
func (p Proof) Removed() bool { return len(p.RemovedIdentities) > 0 || p.EndedSessions > 0 }

// proveAddress marks u's address verified, inside tx. On the first proof
// every session of u but keep ends and every identity of u is removed: an
// account whose address nobody had proven may have been set up by someone
// else (pre-hijacking), and whatever they added must not outlive the
// owner's proof.
func proveAddress(tx *gorm.DB, now time.Time, u *User, keep string) (Proof, error) {
	if u.EmailVerifiedAt != nil {
		return Proof{}, nil
	}
	n := now.UTC()
	p := Proof{First: true}
	if err := tx.Model(u).Updates(map[string]any{"email_verified_at": n, "updated_at": n}).Error; err != nil {
		return p, err
	}
	u.EmailVerifiedAt, u.UpdatedAt = &n, n
	if err := tx.Where("user_id = ?", u.ID).Order("created_at").Find(&p.RemovedIdentities).Error; err != nil {
		return p, err
	}
	if len(p.RemovedIdentities) > 0 {
		if err := tx.Where("user_id = ?", u.ID).Delete(&Identity{}).Error; err != nil {
			return p, err
		}
	}
	ended, err := revokeSessionsTx(tx, n, "user_id = ? AND token_hash <> ?", u.ID, keep)
	p.EndedSessions = ended
	return p, err
}

// VerifyEmail uses a verification token and marks its address verified. A
// link for an address the user no longer has is invalid. The first proof
// ends the account's other sessions and removes its identities (proveAddress);
// when the caller is signed in as the user, its session stays and the
// password the user signed up with counts as theirs.
func VerifyEmail(ctx context.Context, db *DB, now time.Time, raw string, caller Caller) (*User, Proof, error) {
	var user *User
	var proof Proof
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, u, err := useToken(ctx, tx, now, raw, TokenVerifyEmail)
		if err != nil {
			return err
		}
		if t.Email != u.Email {
			return ErrTokenInvalid
		}
		keep := ""
		if caller.UserID == u.ID {
			keep = caller.SessionHash
			if u.PasswordUnproven {
				if err := tx.Model(u).Update("password_unproven", false).Error; err != nil {
					return err
				}
				u.PasswordUnproven = false
			}
		}
		if proof, err = proveAddress(tx, now, u, keep); err != nil {
			return err
		}
		user = u
		return nil
	})
	return user, proof, err
}

// ConfirmEmailChange uses an email-change token: the new address, now proven,
// replaces the old one. It returns the user and the old address.
func ConfirmEmailChange(ctx context.Context, db *DB, now time.Time, raw string, caller Caller) (*User, string, Proof, error) {
	var user *User
	var old string
	var proof Proof
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, u, err := useToken(ctx, tx, now, raw, TokenChangeEmail)
		if err != nil {
			return err
		}
		old = u.Email
		n := now.UTC()
		if err := tx.Model(u).Updates(map[string]any{"email": t.Email, "updated_at": n}).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrEmailTaken
			}
			return err
		}
		u.Email = t.Email
		keep := ""
		if caller.UserID == u.ID {
			keep = caller.SessionHash
		}
		if proof, err = proveAddress(tx, now, u, keep); err != nil {
			return err
		}
		user = u
		return nil
	})
	return user, old, proof, err
}

// CancelEmailChange ends the user's pending email changes: their links stop
// working.
func CancelEmailChange(ctx context.Context, db *DB, userID string) error {
	return db.Write.WithContext(ctx).Where("user_id = ? AND purpose = ? AND used_at IS NULL", userID, TokenChangeEmail).
		Delete(&UserToken{}).Error
}

// killPendingLinks deletes the user's unused email-change and verification
// links: a password change or reset, or signing out everywhere, means the
// account may have been in someone else's hands, and a link they asked for
// (to their own address) must not outlive that.
func killPendingLinks(tx *gorm.DB, userID string) error {
	return tx.Where("user_id = ? AND purpose IN ? AND used_at IS NULL", userID, []string{TokenChangeEmail, TokenVerifyEmail}).
		Delete(&UserToken{}).Error
}

// SignOutEverywhere ends every session of the user but keep ("" for all)
// and kills their pending email links.
func SignOutEverywhere(ctx context.Context, db *DB, now time.Time, userID, keep string) error {
	return db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := revokeSessionsTx(tx, now, "user_id = ? AND token_hash <> ?", userID, keep); err != nil {
			return err
		}
		return killPendingLinks(tx, userID)
	})
}

// ResetPassword uses a reset token to set a new password and ends every
// session of the user. The link proves the address: it is marked verified
// (with proveAddress's first-proof rule), and the account's sign-in lock is
// the caller's to lift. Bad passwords give FieldErrors{"password": …}.
func ResetPassword(ctx context.Context, db *DB, h *Hasher, now time.Time, raw, password string) (*User, Proof, error) {
	_, u, err := PeekToken(ctx, db.Read, now, raw, TokenResetPassword)
	if err != nil {
		return nil, Proof{}, err
	}
	if msg := h.Validate(password, u.Email); msg != "" {
		return nil, Proof{}, FieldErrors{"password": msg}
	}
	hash, err := h.Hash(ctx, password) // before the transaction: never hash while holding the writer
	if err != nil {
		return nil, Proof{}, err
	}
	var proof Proof
	err = db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, u, err = useToken(ctx, tx, now, raw, TokenResetPassword); err != nil {
			return err
		}
		if proof, err = proveAddress(tx, now, u, ""); err != nil {
			return err
		}
		return setPassword(tx, now, u, hash, false, "")
	})
	return u, proof, err
}

// ChangePassword checks the current password, sets a new one, and ends every
// other session of the user (all but the one whose token hash is keep).
func ChangePassword(ctx context.Context, db *DB, h *Hasher, now time.Time, u *User, current, password, keep string) error {
	if ok, err := h.Verify(ctx, u.PasswordHash, current); err != nil {
		return err
	} else if !ok {
		return FieldErrors{"current_password": "That is not your current password."}
	}
	if msg := h.Validate(password, u.Email); msg != "" {
		return FieldErrors{"new_password": msg}
	}
	hash, err := h.Hash(ctx, password)
	if err != nil {
		return err
	}
	return db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Whoever knew an unproven password still does not prove the address.
		return setPassword(tx, now, u, hash, u.PasswordUnproven, keep)
	})
}

// setPassword stores a password hash, revokes the user's sessions but keep,
// and kills the user's pending email links.
func setPassword(tx *gorm.DB, now time.Time, u *User, hash string, unproven bool, keep string) error {
	n := now.UTC()
	if err := tx.Model(u).Updates(map[string]any{"password_hash": hash, "password_unproven": unproven, "updated_at": n}).Error; err != nil {
		return err
	}
	u.PasswordHash, u.PasswordUnproven = hash, unproven
	if _, err := revokeSessionsTx(tx, n, "user_id = ? AND token_hash <> ?", u.ID, keep); err != nil {
		return err
	}
	return killPendingLinks(tx, u.ID)
}

// CheckPassword reports whether password is u's, as FieldErrors on field.
func CheckPassword(ctx context.Context, h *Hasher, u *User, password, field string) error {
	ok, err := h.Verify(ctx, u.PasswordHash, password)
	if err != nil {
		return err
	}
	if !ok {
		return FieldErrors{field: "That is not your current password."}
	}
	return nil
}

// UpdateName changes the display name.
func UpdateName(ctx context.Context, db *DB, now time.Time, u *User, name string) error {
	name = NormalizeName(name)
	if msg := ValidateName(name); msg != "" {
		return FieldErrors{"name": msg}
	}
	if err := db.Write.WithContext(ctx).Model(u).Updates(map[string]any{"name": name, "updated_at": now.UTC()}).Error; err != nil {
		return err
	}
	u.Name = name
	return nil
}

// DeleteUser removes a user (their own request) and, through the foreign
// keys, their sessions, tokens and identities. The audit log keeps its
// history. The last admin cannot leave: ErrLastAdmin.
func DeleteUser(ctx context.Context, db *DB, id string) error {
	_, err := adminChange(ctx, db, id, func(tx *gorm.DB, u *User) error {
		if u.IsAdmin() {
			if err := keepOneAdmin(tx, db.Dialect, u); err != nil {
				return err
			}
		}
		return tx.Delete(&User{}, "id = ?", u.ID).Error
	})
	return err
}

// SessionInfo is one of a user's live sessions, as listed to them.
type SessionInfo struct {
	TokenHash  string
	UserAgent  string
	IP         string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// PublicID is how a session is named in URLs: a prefix of its token hash,
// which is itself no secret (it cannot be turned back into a cookie).
func (s SessionInfo) PublicID() string { return s.TokenHash[:16] }

// ListUserSessions returns a user's live sessions, most recently used first.
func ListUserSessions(ctx context.Context, db *DB, now time.Time, idle time.Duration, userID string) ([]SessionInfo, error) {
	var ss []SessionInfo
	err := db.Read.WithContext(ctx).Raw(`
SELECT token_hash, user_agent, ip, created_at, last_seen_at FROM sessions
WHERE user_id = ? AND revoked_at IS NULL AND expiry > ? AND last_seen_at > ?
ORDER BY last_seen_at DESC`, userID, now.UTC(), now.UTC().Add(-idle)).Scan(&ss).Error
	return ss, err
}

var publicSessionID = regexp.MustCompile(`^[0-9a-f]{16}$`)

// RevokeSession ends the user's session named by its public id and returns
// its token hash. Another user's session is ErrNotFound.
func RevokeSession(ctx context.Context, db *DB, now time.Time, userID, publicID string) (string, error) {
	if !publicSessionID.MatchString(publicID) {
		return "", ErrNotFound
	}
	var hash string
	err := db.Write.WithContext(ctx).Raw("SELECT token_hash FROM sessions WHERE user_id = ? AND token_hash LIKE ? AND revoked_at IS NULL",
		userID, publicID+"%").Scan(&hash).Error
	if err != nil {
		return "", err
	}
	if hash == "" {
		return "", ErrNotFound
	}
	return hash, revokeWhere(ctx, db, now, "token_hash = ?", hash)
}

// AccountSummary is what the account page shows besides the user row.
type AccountSummary struct {
	ActiveSessions int64
	PendingEmail   string // the new address of an open email change, or ""
}

// SummarizeAccount counts the user's live sessions and finds an open email
// change, in one round trip (or none, from the cache, until the next write).
func SummarizeAccount(ctx context.Context, db *DB, now time.Time, userID string) (AccountSummary, error) {
	return cached(db, "summary:"+userID, func() (AccountSummary, error) { return summarizeAccount(ctx, db, now, userID) })
}

func summarizeAccount(ctx context.Context, db *DB, now time.Time, userID string) (AccountSummary, error) {
	var sum AccountSummary
	var pending sql.NullString
	now = now.UTC()
	err := db.queryRow(ctx, `
SELECT (SELECT count(*) FROM sessions WHERE user_id = ? AND expiry > ? AND revoked_at IS NULL),
       (SELECT email FROM user_tokens WHERE user_id = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?
        ORDER BY created_at DESC LIMIT 1)`, userID, now, userID, TokenChangeEmail, now).Scan(&sum.ActiveSessions, &pending)
	sum.PendingEmail = pending.String
	return sum, err
}
