package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Identity is a user's account at a provider.
type Identity struct {
	ID             string `gorm:"primaryKey"`
	UserID         string
	Provider       string
	ProviderUserID string
	Email          string
	EmailVerified  bool
	CreatedAt      time.Time
}

// External is who a provider says signed in.
type External struct {
	Provider       string
	ProviderUserID string
	Email          string
	EmailVerified  bool // the provider vouches for the address
	Name           string
}

// SocialResult is what a provider sign-in did.
type SocialResult struct {
	User    *User
	Outcome string // SocialReturning, SocialLinked or SocialCreated
	// PasswordRemoved: linking dropped a password chosen before the address
	// was proven (the owner is mailed a way to choose one).
	PasswordRemoved bool
}

// Social sign-in outcomes.
const (
	SocialReturning = "returning" // a known identity signed in
	SocialLinked    = "linked"    // a new identity joined an account with the same verified address
	SocialCreated   = "created"   // a new user was created
)

// SignInWithProvider finds or creates the user for an external identity, in
// one transaction, following the linking rules:
//   - a known identity signs its user in;
//   - a new identity whose address matches an account links to it only when
//     the provider verified the address and the account has verified it too;
//     otherwise ErrNotLinked. Linking ends every session of the account and
//     drops a password chosen before the address was proven: it may be the
//     one of someone who signed up with this address before its owner;
//   - otherwise a new user is created, verified only if the provider said so.
//
// Banned users get ErrBanned (with the user). mail composes the mails that
// tell of what the sign-in did (a removed password), queued in its
// transaction; it is not called for a banned user.
func SignInWithProvider(ctx context.Context, db *DB, now time.Time, ext External, mail *Announce[SocialResult]) (SocialResult, error) {
	var res SocialResult
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var id Identity
		err := tx.Where("provider = ? AND provider_user_id = ?", ext.Provider, ext.ProviderUserID).Take(&id).Error
		switch {
		case err == nil:
			u, err := firstUser(tx.Where("id = ?", id.UserID))
			if err != nil {
				return err
			}
			res.User, res.Outcome = u, SocialReturning
			return tx.Model(&id).Updates(map[string]any{"email": NormalizeEmail(ext.Email), "email_verified": ext.EmailVerified}).Error
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}

		email := NormalizeEmail(ext.Email)
		if email == "" || ValidateEmail(email) != nil {
			return ErrNoEmail
		}
		existing, err := firstUser(whereEmail(tx, email))
		switch {
		case err == nil:
			if !ext.EmailVerified || existing.EmailVerifiedAt == nil {
				return ErrNotLinked
			}
			res.User, res.Outcome = existing, SocialLinked
			if _, err := endSessions(tx, now, sessionsOf(existing.ID, "", EndedAddressProven)); err != nil {
				return err
			}
			if existing.PasswordHash != "" && existing.PasswordUnproven {
				if err := tx.Model(existing).Updates(map[string]any{"password_hash": "", "password_unproven": false, "updated_at": now.UTC()}).Error; err != nil {
					return err
				}
				existing.PasswordHash, existing.PasswordUnproven, res.PasswordRemoved = "", false, true
			}
		case errors.Is(err, ErrNotFound):
			uid, err := uuid.NewV7()
			if err != nil {
				return err
			}
			n := now.UTC()
			u := &User{ID: uid.String(), Email: email, Name: NormalizeName(ext.Name), Role: RoleMember, CreatedAt: n, UpdatedAt: n}
			if ValidateName(u.Name) != nil {
				u.Name = ""
			}
			if ext.EmailVerified {
				u.EmailVerifiedAt = &n
			}
			if err := tx.Create(u).Error; err != nil {
				return err
			}
			res.User, res.Outcome = u, SocialCreated
		default:
			return err
		}
		if err := insertIdentity(tx, now, res.User.ID, ext); err != nil {
			return err
		}
		if res.User.BannedAt != nil {
			return nil
		}
		return mail.queue(tx, now, res)
	})
	if err := mail.settle(err); err != nil {
		return SocialResult{}, err
	}
	if res.User.BannedAt != nil {
		return res, ErrBanned
	}
	n := now.UTC()
	if err := db.Write.WithContext(ctx).Model(res.User).UpdateColumn("last_sign_in_at", n).Error; err != nil {
		return SocialResult{}, err
	}
	res.User.LastSignInAt = &n
	return res, nil
}

// ConnectIdentity adds an identity to a signed-in user whose address is
// proven (ErrEmailUnverified otherwise), audited in the same transaction.
func ConnectIdentity(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, ext External) error {
	return db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		fresh, err := firstUser(tx.Where("id = ?", u.ID))
		if err != nil {
			return err
		}
		if fresh.EmailVerifiedAt == nil {
			return ErrEmailUnverified
		}
		var id Identity
		err = tx.Where("provider = ? AND provider_user_id = ?", ext.Provider, ext.ProviderUserID).Take(&id).Error
		if err == nil {
			if id.UserID == u.ID {
				return nil // already connected
			}
			return ErrIdentityTaken
		} else if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		if err := insertIdentity(tx, now, u.ID, ext); err != nil {
			return err
		}
		return recordEventTx(tx, userEvent(by, AuditIdentityLink, u, ext.Provider))
	})
}

func insertIdentity(tx *gorm.DB, now time.Time, userID string, ext External) error {
	iid, err := uuid.NewV7()
	if err != nil {
		return err
	}
	err = tx.Create(&Identity{ID: iid.String(), UserID: userID, Provider: ext.Provider, ProviderUserID: ext.ProviderUserID,
		Email: NormalizeEmail(ext.Email), EmailVerified: ext.EmailVerified, CreatedAt: now.UTC()}).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return ErrIdentityTaken
	}
	if err != nil {
		return fmt.Errorf("connect identity: %w", err)
	}
	return nil
}

// IdentitiesOf lists a user's connected providers, oldest first.
func IdentitiesOf(ctx context.Context, db *DB, userID string) ([]Identity, error) {
	var ids []Identity
	if err := db.Read.WithContext(ctx).Where("user_id = ?", userID).Order("created_at").Find(&ids).Error; err != nil {
		return nil, err
	}
	for i := range ids {
		ids[i].CreatedAt = ids[i].CreatedAt.UTC()
	}
	return ids, nil
}

// DisconnectIdentity removes one of u's identities, unless it is their
// last way to sign in (a password, another provider or a passkey remains).
// emailSignIn says the server offers email sign-in (HEARTH_EMAIL_SIGNIN), a
// way in every account has: then an identity is never the last one. It
// returns the removed identity.
func DisconnectIdentity(ctx context.Context, db *DB, by AuditEvent, u *User, identityID string, emailSignIn bool) (*Identity, error) {
	var removed Identity
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ? AND user_id = ?", identityID, u.ID).Take(&removed).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		fresh, err := lockUser(tx, db.Dialect, u.ID)
		if err != nil {
			return err
		}
		if err := keepASignInMethod(tx, fresh, signInMethod{identityID: removed.ID, emailSignIn: emailSignIn}); err != nil {
			return err
		}
		if err := tx.Delete(&removed).Error; err != nil {
			return err
		}
		return recordEventTx(tx, userEvent(by, AuditIdentityUnlink, u, removed.Provider))
	})
	if err != nil {
		return nil, err
	}
	return &removed, nil
}
