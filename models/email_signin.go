package models

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Email sign-in: one mail holds a 6-digit code and a link. The code works
// only in the browser that asked for it (it holds the binding secret, in
// its server-side session); the link works in any browser, from a page
// whose button signs in, so that a mail scanner's GET uses nothing up.
const (
	// EmailSignInTTL is how long a code and its link work.
	EmailSignInTTL = 10 * time.Minute
	// EmailSignInMaxAttempts is how many codes may be tried: the last
	// wrong one ends the sign-in, link included.
	EmailSignInMaxAttempts = 5
	// EmailCodeDigits is the length of the code.
	EmailCodeDigits = 6
)

// Sign-in methods, as audited.
const (
	EmailSignInByCode = "email code"
	EmailSignInByLink = "email link"
)

// EmailSignIn is an email sign-in under way, one per address. UserID is
// the account it was issued for, nil when no account had the address (the
// row exists anyway, so that both cases cost the same and answer alike).
type EmailSignIn struct {
	ID          string `gorm:"primaryKey"`
	Email       string
	UserID      *string
	CodeHash    string // HMAC-SHA256 of the code under the binding secret
	LinkHash    string // SHA-256 of the link's token
	BindingHash string // SHA-256 of the secret the asking browser holds
	Attempts    int
	ExpiresAt   time.Time
	CreatedAt   time.Time
}

// TableName implements gorm's Tabler.
func (EmailSignIn) TableName() string { return "email_signins" }

// EmailSignInMail is what a request mails to Email: to an account (User
// set) the code and the link's token; to an address without one (User
// nil) nothing secret, only that there is no account.
type EmailSignInMail struct {
	Email string
	User  *User
	Code  string
	Token string
}

// RequestEmailSignIn starts an email sign-in for email, replacing one
// already under way for the address, and queues its mail (mail composes
// it) in the same transaction. Whether an account has the address, the
// work is the same: one lookup, one row written, one mail queued. It
// returns the binding secret, for the caller to keep in the asking
// browser's session: the code works only alongside it. A refused address
// is an *InvalidInput.
func RequestEmailSignIn(ctx context.Context, db *DB, now time.Time, email string, mail *Announce[EmailSignInMail]) (binding string, err error) {
	email = NormalizeEmail(email)
	if err := ValidateEmail(email); err != nil {
		return "", &InvalidInput{Email: err}
	}
	binding, err = randomSecret()
	if err != nil {
		return "", err
	}
	token, err := randomSecret()
	if err != nil {
		return "", err
	}
	code, err := randomCode()
	if err != nil {
		return "", err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	now = now.UTC()
	err = mail.settle(db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := firstUser(whereEmail(tx, email))
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		var userID *string
		if u != nil {
			userID = &u.ID
		}
		// One statement replaces the address's earlier sign-in, also when
		// two requests for it race.
		if err := tx.Exec(`INSERT INTO email_signins (id, email, user_id, code_hash, link_hash, binding_hash, attempts, expires_at, created_at)
VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)
ON CONFLICT (email) DO UPDATE SET id = excluded.id, user_id = excluded.user_id, code_hash = excluded.code_hash,
    link_hash = excluded.link_hash, binding_hash = excluded.binding_hash, attempts = 0,
    expires_at = excluded.expires_at, created_at = excluded.created_at`,
			id.String(), email, userID, codeMAC(binding, code), HashToken(token), HashToken(binding), now.Add(EmailSignInTTL), now).Error; err != nil {
			return fmt.Errorf("request email sign-in: %w", err)
		}
		m := EmailSignInMail{Email: email, User: u}
		if u != nil {
			m.Code, m.Token = code, token
		}
		return mail.queue(tx, now, m)
	}))
	if err != nil {
		return "", err
	}
	return binding, nil
}

// EmailSignedIn is what using a code or a link did, for the session, the
// page and the mails that tell of it.
type EmailSignedIn struct {
	User   *User
	Method string // EmailSignInByCode or EmailSignInByLink
	// Proof: signing in this way proves the address (proveAddress).
	Proof Proof
	// PasswordRemoved: the account's password had been chosen before the
	// address was proven and was dropped, like at an auto-link.
	PasswordRemoved bool
	// AttemptsLeft, after a wrong code, is how many more may be tried.
	AttemptsLeft int
	// SameBrowser: the link was used in the browser that asked for it.
	SameBrowser bool
}

// SignInWithEmailCode uses the code of the email sign-in that the browser
// holding binding asked for. A wrong code is ErrEmailCodeWrong (with
// AttemptsLeft), the last allowed one ends the sign-in and is
// ErrEmailSignInEnded, like an expired, used or unknown one, or one from
// another browser. A banned account is ErrBanned (with the user; the
// sign-in is used up). by is the audit event of the request: a failure,
// or the address's first proof, is recorded in the same transaction (the
// sign-in is recorded by the caller once complete: a second factor may
// follow), and mail composes the mails that tell of what it did.
func SignInWithEmailCode(ctx context.Context, db *DB, now time.Time, by AuditEvent, binding, code string, mail *Announce[EmailSignedIn]) (EmailSignedIn, error) {
	res := EmailSignedIn{Method: EmailSignInByCode}
	var outcome error
	if binding == "" {
		return res, ErrEmailSignInEnded
	}
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		s, err := liveEmailSignIn(tx.Where("binding_hash = ?", HashToken(binding)), now)
		if errors.Is(err, ErrEmailSignInEnded) {
			outcome = err
			return nil
		} else if err != nil {
			return err
		}
		// The attempt is counted before the code is compared: concurrent
		// guesses never get more than EmailSignInMaxAttempts tries.
		r := tx.Model(&EmailSignIn{}).Where("id = ? AND attempts < ?", s.ID, EmailSignInMaxAttempts).
			UpdateColumn("attempts", gorm.Expr("attempts + 1"))
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected != 1 {
			outcome = ErrEmailSignInEnded
			return nil
		}
		s.Attempts++
		if !hmac.Equal([]byte(codeMAC(binding, code)), []byte(s.CodeHash)) {
			res.AttemptsLeft = EmailSignInMaxAttempts - s.Attempts
			outcome = ErrEmailCodeWrong
			if res.AttemptsLeft == 0 {
				outcome = ErrEmailSignInEnded
				if err := tx.Where("id = ?", s.ID).Delete(&EmailSignIn{}).Error; err != nil {
					return err
				}
			}
			return failedEmailSignInTx(tx, by, s, "wrong email code")
		}
		outcome, err = useEmailSignIn(tx, now, by, s, &res, mail)
		return err
	})
	if err := mail.settle(err); err != nil {
		return EmailSignedIn{}, err
	}
	return res, outcome
}

// SignInWithEmailLink uses the link's token, in any browser: binding is
// the secret this browser holds ("" for none), which only tells whether it
// is the one that asked. Errors as SignInWithEmailCode's, with
// ErrTokenInvalid for an unknown, used or expired link.
func SignInWithEmailLink(ctx context.Context, db *DB, now time.Time, by AuditEvent, token, binding string, mail *Announce[EmailSignedIn]) (EmailSignedIn, error) {
	res := EmailSignedIn{Method: EmailSignInByLink}
	var outcome error
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		s, err := liveEmailSignIn(tx.Where("link_hash = ?", HashToken(token)), now)
		if errors.Is(err, ErrEmailSignInEnded) {
			outcome = ErrTokenInvalid
			return nil
		} else if err != nil {
			return err
		}
		res.SameBrowser = binding != "" && hmac.Equal([]byte(HashToken(binding)), []byte(s.BindingHash))
		outcome, err = useEmailSignIn(tx, now, by, s, &res, mail)
		if errors.Is(outcome, ErrEmailSignInEnded) {
			outcome = ErrTokenInvalid
		}
		return err
	})
	if err := mail.settle(err); err != nil {
		return EmailSignedIn{}, err
	}
	return res, outcome
}

// PeekEmailSignInLink checks a link without using it, for the page it
// opens: the address it signs in, and whether this browser (holding
// binding) is the one that asked. ErrTokenInvalid when it would not work.
func PeekEmailSignInLink(ctx context.Context, db *DB, now time.Time, token, binding string) (email string, sameBrowser bool, err error) {
	s, err := liveEmailSignIn(db.Read.WithContext(ctx).Where("link_hash = ?", HashToken(token)), now)
	if errors.Is(err, ErrEmailSignInEnded) || (err == nil && s.UserID == nil) {
		return "", false, ErrTokenInvalid
	} else if err != nil {
		return "", false, err
	}
	return s.Email, binding != "" && hmac.Equal([]byte(HashToken(binding)), []byte(s.BindingHash)), nil
}

// liveEmailSignIn loads the sign-in q selects, or ErrEmailSignInEnded when
// there is none still usable.
func liveEmailSignIn(q *gorm.DB, now time.Time) (*EmailSignIn, error) {
	var s EmailSignIn
	err := q.Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrEmailSignInEnded
	} else if err != nil {
		return nil, err
	}
	if !now.UTC().Before(s.ExpiresAt) || s.Attempts >= EmailSignInMaxAttempts {
		return nil, ErrEmailSignInEnded
	}
	return &s, nil
}

// useEmailSignIn uses s up (once: the delete that finds it wins, a
// concurrent use finds nothing), then signs in its account, in tx: the
// account must still be the one it was issued for, and not banned. The
// address is proven (the first proof's rule), a password chosen before the
// address was proven is dropped with every other session, and a first
// proof is audited. The sign-in itself is the caller's to complete and
// audit (a second factor may follow). The returned error is the outcome,
// err a failure.
func useEmailSignIn(tx *gorm.DB, now time.Time, by AuditEvent, s *EmailSignIn, res *EmailSignedIn, mail *Announce[EmailSignedIn]) (outcome, err error) {
	r := tx.Where("id = ?", s.ID).Delete(&EmailSignIn{})
	if r.Error != nil {
		return nil, r.Error
	}
	if r.RowsAffected != 1 || s.UserID == nil {
		return ErrEmailSignInEnded, nil
	}
	u, err := firstUser(whereEmail(tx, s.Email))
	if errors.Is(err, ErrNotFound) || (err == nil && u.ID != *s.UserID) {
		return ErrEmailSignInEnded, nil
	} else if err != nil {
		return nil, err
	}
	res.User = u
	if u.BannedAt != nil {
		return ErrBanned, failedEmailSignInTx(tx, by, s, "account banned")
	}
	n := now.UTC()
	if res.Proof, err = proveAddress(tx, n, u, ""); err != nil {
		return nil, err
	}
	if u.PasswordHash != "" && u.PasswordUnproven {
		// Whoever signed up with this address before its owner proved it
		// may have chosen that password: it goes, with every session.
		if err := tx.Model(u).Updates(map[string]any{"password_hash": "", "password_unproven": false, "updated_at": n}).Error; err != nil {
			return nil, err
		}
		u.PasswordHash, u.PasswordUnproven, res.PasswordRemoved = "", false, true
		ended, err := endSessions(tx, n, sessionsOf(u.ID, "", EndedAddressProven))
		if err != nil {
			return nil, err
		}
		res.Proof.EndedSessions += ended
		if err := killPendingLinks(tx, u.ID); err != nil {
			return nil, err
		}
	}
	if err := tx.Model(u).UpdateColumn("last_sign_in_at", n).Error; err != nil {
		return nil, err
	}
	u.LastSignInAt = &n
	if res.Proof.First {
		by = userEvent(by, AuditEmailVerified, u, "by "+res.Method)
		if err := recordEventTx(tx, by); err != nil {
			return nil, err
		}
	}
	return nil, mail.queue(tx, now, *res)
}

// failedEmailSignInTx audits a refused code or a banned account's sign-in.
func failedEmailSignInTx(tx *gorm.DB, by AuditEvent, s *EmailSignIn, detail string) error {
	by.Action, by.TargetID, by.Email, by.Detail = AuditSignInFailed, s.UserID, s.Email, detail
	return recordEventTx(tx, by)
}

// DeleteExpiredEmailSignIns removes email sign-ins past their expiry. Safe
// on every instance.
func DeleteExpiredEmailSignIns(ctx context.Context, db *DB, now time.Time) (int64, error) {
	res := db.Write.WithContext(ctx).Where("expires_at < ?", now.UTC()).Delete(&EmailSignIn{})
	return res.RowsAffected, res.Error
}

// randomSecret is 32 random bytes in base64url.
func randomSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// randomCode is EmailCodeDigits uniformly random digits.
func randomCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// codeMAC is how a code is stored: keyed by the browser's binding secret,
// so the table alone does not give it away (a 6-digit code's plain hash
// would be reversed by trying a million).
func codeMAC(binding, code string) string {
	m := hmac.New(sha256.New, []byte(binding))
	m.Write([]byte("email-signin-code|" + code))
	return hex.EncodeToString(m.Sum(nil))
}
