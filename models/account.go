package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-app/hearth/internal/password"
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
	ended, err := endSessions(tx, n, sessionsOf(u.ID, keep, EndedAddressProven))
	p.EndedSessions = ended
	return p, err
}

// Proved is what a use case that proves an address did, for the mails that
// tell of it: the user as changed, what a first proof took away, and for an
// email change the address it replaced.
type Proved struct {
	User     *User
	Proof    Proof
	OldEmail string
}

// VerifyEmail uses a verification token and marks its address verified. A
// link for an address the user no longer has is invalid. The first proof
// ends the account's other sessions and removes its identities (proveAddress);
// when the caller is signed in as the user, its session stays and the
// password the user signed up with counts as theirs.
//
// mail composes the mails that tell of it, queued in the same transaction.
func VerifyEmail(ctx context.Context, db *DB, now time.Time, by AuditEvent, raw string, caller Caller, mail *Announce[Proved]) (*User, Proof, error) {
	var user *User
	var proof Proof
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, u, err := useToken(tx, now, raw, TokenVerifyEmail)
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
		if err := recordEventTx(tx, userEvent(by, AuditEmailVerified, u, "")); err != nil {
			return err
		}
		user = u
		return mail.queue(tx, now, Proved{User: u, Proof: proof})
	})
	return user, proof, mail.settle(err)
}

// ConfirmEmailChange uses an email-change token: the new address, now proven,
// replaces the old one. It returns the user and the old address; mail
// composes the mails that tell of it, queued in the same transaction.
func ConfirmEmailChange(ctx context.Context, db *DB, now time.Time, by AuditEvent, raw string, caller Caller, mail *Announce[Proved]) (*User, string, Proof, error) {
	var user *User
	var old string
	var proof Proof
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, u, err := useToken(tx, now, raw, TokenChangeEmail)
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
		if err := setSearchText(tx, u); err != nil {
			return err
		}
		keep := ""
		if caller.UserID == u.ID {
			keep = caller.SessionHash
		}
		if proof, err = proveAddress(tx, now, u, keep); err != nil {
			return err
		}
		if err := recordEventTx(tx, userEvent(by, AuditEmailChange, u, "from "+old)); err != nil {
			return err
		}
		user = u
		return mail.queue(tx, now, Proved{User: u, Proof: proof, OldEmail: old})
	})
	return user, old, proof, mail.settle(err)
}

// CancelEmailChange ends the user's pending email changes: their links stop
// working. It is audited in the same transaction.
func CancelEmailChange(ctx context.Context, db *DB, by AuditEvent, u *User) error {
	return db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("user_id = ? AND purpose = ? AND used_at IS NULL", u.ID, TokenChangeEmail).Delete(&UserToken{}).Error; err != nil {
			return err
		}
		return recordEventTx(tx, userEvent(by, AuditEmailChange, u, "pending change cancelled"))
	})
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
// and kills their pending email links, audited in the same transaction.
func SignOutEverywhere(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, keep string) error {
	return db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := endSessions(tx, now, sessionsOf(u.ID, keep, EndedRevoked)); err != nil {
			return err
		}
		if err := killPendingLinks(tx, u.ID); err != nil {
			return err
		}
		return recordEventTx(tx, userEvent(by, AuditSessionRevoke, u, "all other sessions"))
	})
}

// ResetPassword uses a reset token to set a new password and ends every
// session of the user. The link proves the address: it is marked verified
// (with proveAddress's first-proof rule), and the account's sign-in lock is
// the caller's to lift. A refused password is an *InvalidInput; mail
// composes the mails that tell of the reset, queued in its transaction.
func ResetPassword(ctx context.Context, db *DB, h *password.Hasher, now time.Time, by AuditEvent, raw, newPassword string, mail *Announce[Proved]) (*User, Proof, error) {
	_, u, err := PeekToken(ctx, db, now, raw, TokenResetPassword)
	if err != nil {
		return nil, Proof{}, err
	}
	if err := h.Check(ctx, newPassword, u.Email, u.Name); err != nil {
		return nil, Proof{}, &InvalidInput{Password: err}
	}
	hash, err := h.Hash(ctx, newPassword) // before the transaction: never hash while holding the writer
	if err != nil {
		return nil, Proof{}, err
	}
	var proof Proof
	err = db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, u, err = useToken(tx, now, raw, TokenResetPassword); err != nil {
			return err
		}
		if proof, err = proveAddress(tx, now, u, ""); err != nil {
			return err
		}
		if err := setPassword(tx, now, u, hash, false, ""); err != nil {
			return err
		}
		if err := recordEventTx(tx, userEvent(by, AuditPasswordReset, u, "")); err != nil {
			return err
		}
		return mail.queue(tx, now, Proved{User: u, Proof: proof})
	})
	return u, proof, mail.settle(err)
}

// ChangePassword checks the current password (ErrWrongPassword), sets a new
// one (a refused one is an *InvalidInput), and ends every other session of
// the user (all but the one whose token hash is keep). mail composes the
// notice of the change, queued in its transaction.
func ChangePassword(ctx context.Context, db *DB, h *password.Hasher, now time.Time, by AuditEvent, u *User, current, newPassword, keep string, mail *Announce[*User]) error {
	// Both checks run, so the form can show every error at once: a wrong
	// current password and an unacceptable new one come back joined.
	wrong := CheckPassword(ctx, h, u, current)
	if wrong != nil && !errors.Is(wrong, ErrWrongPassword) {
		return wrong
	}
	var invalid error
	if err := h.Check(ctx, newPassword, u.Email, u.Name); err != nil {
		invalid = &InvalidInput{Password: err}
	}
	if wrong != nil || invalid != nil {
		return errors.Join(wrong, invalid)
	}
	hash, err := h.Hash(ctx, newPassword)
	if err != nil {
		return err
	}
	return mail.settle(db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Whoever knew an unproven password still does not prove the address.
		if err := setPassword(tx, now, u, hash, u.PasswordUnproven, keep); err != nil {
			return err
		}
		if err := recordEventTx(tx, userEvent(by, AuditPasswordChange, u, "")); err != nil {
			return err
		}
		return mail.queue(tx, now, u)
	}))
}

// setPassword stores a password hash, revokes the user's sessions but keep,
// and kills the user's pending email links.
func setPassword(tx *gorm.DB, now time.Time, u *User, hash string, unproven bool, keep string) error {
	n := now.UTC()
	if err := tx.Model(u).Updates(map[string]any{"password_hash": hash, "password_unproven": unproven, "updated_at": n}).Error; err != nil {
		return err
	}
	u.PasswordHash, u.PasswordUnproven = hash, unproven
	if _, err := endSessions(tx, n, sessionsOf(u.ID, keep, EndedPasswordChanged)); err != nil {
		return err
	}
	return killPendingLinks(tx, u.ID)
}

// CheckPassword confirms that pw is u's password: nil, ErrWrongPassword,
// or ErrHasherBusy.
func CheckPassword(ctx context.Context, h *password.Hasher, u *User, pw string) error {
	ok, err := h.Verify(ctx, u.PasswordHash, pw)
	if err != nil {
		return err
	}
	if !ok {
		return ErrWrongPassword
	}
	return nil
}

// UpdateName changes the display name, audited in the same transaction
// (by.Detail says where: "name", "name, through the API"); a refused one is
// an *InvalidInput.
func UpdateName(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, name string) error {
	name = NormalizeName(name)
	if err := ValidateName(name); err != nil {
		return &InvalidInput{Name: err}
	}
	return updateOwnProfile(ctx, db, by, u, map[string]any{"name": name, "updated_at": now.UTC()}, func(tx *gorm.DB) error {
		return setSearchText(tx, &User{ID: u.ID, Email: u.Email, Name: name})
	}, func() { u.Name = name })
}

// updateOwnProfile writes columns of the user's own row, and what also
// writes with them (nil: nothing), with their audit row (a profile update)
// in one transaction; done updates u once it is committed.
func updateOwnProfile(ctx context.Context, db *DB, by AuditEvent, u *User, columns map[string]any, also func(tx *gorm.DB) error, done func()) error {
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(u).Updates(columns).Error; err != nil {
			return err
		}
		if also != nil {
			if err := also(tx); err != nil {
				return err
			}
		}
		return recordEventTx(tx, userEvent(by, AuditProfileUpdate, u, by.Detail))
	})
	if err == nil {
		done()
	}
	return err
}

// DeleteUser removes a user at their own request (see deleteUser).
func DeleteUser(ctx context.Context, db *DB, by AuditEvent, id string) error {
	by.Action, by.Detail = AuditUserDelete, "self-service"
	_, err := deleteUser(ctx, db, by, id)
	return err
}

// AccountSummary is what the account page shows besides the user row.
type AccountSummary struct {
	ActiveSessions int64
	PendingEmail   string // the new address of an open email change, or ""
}

// SummarizeAccount counts the user's live sessions and finds an open email
// change, in one round trip.
func SummarizeAccount(ctx context.Context, db *DB, now time.Time, userID string) (AccountSummary, error) {
	var sum AccountSummary
	var pending *string
	now = now.UTC()
	err := db.Read.WithContext(ctx).Raw(`
SELECT (SELECT count(*) FROM sessions WHERE user_id = ? AND expiry > ? AND revoked_at IS NULL),
       (SELECT email FROM user_tokens WHERE user_id = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?
        ORDER BY created_at DESC LIMIT 1)`, userID, now, userID, TokenChangeEmail, now).Row().Scan(&sum.ActiveSessions, &pending)
	if pending != nil {
		sum.PendingEmail = *pending
	}
	return sum, err
}
