package models

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// MaxPasskeyNameLen bounds a passkey's name, in characters.
const MaxPasskeyNameLen = 100

// MaxPasskeys is how many passkeys one account may hold.
const MaxPasskeys = 20

// DefaultPasskeyName names a passkey its owner did not name.
const DefaultPasskeyName = "Passkey"

// ChallengeTTL is how long a WebAuthn ceremony may take, from its options
// to the authenticator's answer.
const ChallengeTTL = 5 * time.Minute

// WebAuthn ceremonies, as a challenge records them.
const (
	CeremonyRegister = "register"
	CeremonyLogin    = "login"
	CeremonyConfirm  = "confirm" // a signed-in user proving it is them (step-up)
)

// Passkey is a WebAuthn credential of a user: a discoverable key pair whose
// private half never leaves the authenticator.
type Passkey struct {
	ID                string `gorm:"primaryKey"`
	UserID            string
	CredentialID      []byte
	PublicKey         []byte
	SignCount         int64
	Transports        string // comma-separated
	AAGUID            []byte `gorm:"column:aaguid"`
	Flags             int    // the authenticator data's flags byte
	AttestationFormat string
	Name              string
	CreatedAt         time.Time
	LastUsedAt        *time.Time
}

// Credential is the passkey as the WebAuthn library checks assertions
// against it.
func (p *Passkey) Credential() webauthn.Credential {
	var ts []protocol.AuthenticatorTransport
	for _, t := range strings.Split(p.Transports, ",") {
		if t != "" {
			ts = append(ts, protocol.AuthenticatorTransport(t))
		}
	}
	return webauthn.Credential{
		ID: p.CredentialID, PublicKey: p.PublicKey, Transport: ts, AttestationFormat: p.AttestationFormat,
		Flags:         webauthn.NewCredentialFlags(protocol.AuthenticatorFlags(byte(p.Flags))),
		Authenticator: webauthn.Authenticator{AAGUID: p.AAGUID, SignCount: uint32(p.SignCount)},
	}
}

// PasskeyChange is a passkey added or removed, for the mail that tells
// its owner.
type PasskeyChange struct {
	User    *User
	Passkey Passkey
}

// AddPasskey stores cred, just registered by u, named name (the default
// name when empty), recorded in the audit log (by says who asked) and
// announced by mail in the same transaction. An account whose address is
// not proven gains no way to sign in (ErrEmailUnverified).
func AddPasskey(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, cred *webauthn.Credential, name string, mail *Announce[PasskeyChange]) (*Passkey, error) {
	name, err := passkeyName(name)
	if err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	ts := make([]string, 0, len(cred.Transport))
	for _, t := range cred.Transport {
		if s := string(t); s != "" && !strings.Contains(s, ",") && len(s) <= 32 {
			ts = append(ts, s)
		}
	}
	aaguid := cred.Authenticator.AAGUID
	if aaguid == nil {
		aaguid = []byte{}
	}
	now = now.UTC()
	p := Passkey{ID: id.String(), UserID: u.ID, CredentialID: cred.ID, PublicKey: cred.PublicKey,
		SignCount: int64(cred.Authenticator.SignCount), Transports: strings.Join(ts, ","), AAGUID: aaguid,
		Flags: int(cred.Flags.ProtocolValue()), AttestationFormat: cred.AttestationFormat, Name: name, CreatedAt: now}
	err = db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		fresh, err := lockUser(tx, db.Dialect, u.ID)
		if err != nil {
			return err
		}
		if fresh.EmailVerifiedAt == nil {
			return ErrEmailUnverified
		}
		var n int64
		if err := tx.Model(&Passkey{}).Where("user_id = ?", u.ID).Count(&n).Error; err != nil {
			return err
		}
		if n >= MaxPasskeys {
			return ErrTooManyPasskeys
		}
		if err := tx.Create(&p).Error; errors.Is(err, gorm.ErrDuplicatedKey) {
			return ErrPasskeyTaken
		} else if err != nil {
			return err
		}
		by = userEvent(by, AuditPasskeyAdd, u, "passkey "+name)
		if err := recordEventTx(tx, by); err != nil {
			return err
		}
		return mail.queue(tx, now, PasskeyChange{User: fresh, Passkey: p})
	})
	if err := mail.settle(err); err != nil {
		return nil, err
	}
	return &p, nil
}

// passkeyName is name as stored: trimmed, the default when empty; names
// too long, with control characters or invalid UTF-8 are refused
// (ErrPasskeyName).
func passkeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return DefaultPasskeyName, nil
	}
	if utf8.RuneCountInString(name) > MaxPasskeyNameLen || !cleanTokenName(name) {
		return "", ErrPasskeyName
	}
	return name, nil
}

// lockUser reads u's row in tx, locked on PostgreSQL until the transaction
// ends (SQLite's single writer already serializes transactions), so that
// two removals of sign-in methods at once cannot both pass the check.
func lockUser(tx *gorm.DB, d Dialect, userID string) (*User, error) {
	q := tx.Where("id = ?", userID)
	if d == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return firstUser(q)
}

// ListPasskeys returns a user's passkeys, oldest first.
func ListPasskeys(ctx context.Context, db *DB, userID string) ([]Passkey, error) {
	var ps []Passkey
	if err := db.Read.WithContext(ctx).Where("user_id = ?", userID).Order("created_at, id").Find(&ps).Error; err != nil {
		return nil, err
	}
	for i := range ps {
		ps[i].CreatedAt = ps[i].CreatedAt.UTC()
		if ps[i].LastUsedAt != nil {
			t := ps[i].LastUsedAt.UTC()
			ps[i].LastUsedAt = &t
		}
	}
	return ps, nil
}

// CountPasskeys is how many passkeys a user has.
func CountPasskeys(ctx context.Context, db *DB, userID string) (int64, error) {
	var n int64
	err := db.Read.WithContext(ctx).Model(&Passkey{}).Where("user_id = ?", userID).Count(&n).Error
	return n, err
}

// multiFactorUsers selects the ids of the users whose sign-in can take more
// than a password: an enabled second factor (secondFactorUsers), or a
// passkey, which is multi-factor by itself.
const multiFactorUsers = secondFactorUsers + ` UNION SELECT user_id FROM passkeys`

// HasMultiFactor reports whether the user is among multiFactorUsers: what
// HEARTH_REQUIRE_ADMIN_2FA asks of an admin. (HasSecondFactor alone decides
// the code step after a password: a passkey does not make a password
// sign-in ask for a code.)
func HasMultiFactor(ctx context.Context, db *DB, userID string) (bool, error) {
	var n int64
	err := db.Read.WithContext(ctx).Raw(`SELECT count(*) FROM (`+multiFactorUsers+`) f WHERE f.user_id = ?`, userID).Scan(&n).Error
	return n > 0, err
}

// PasskeyByCredentialID returns the passkey whose credential id is credID
// and its user (ErrNotFound for an unknown one).
func PasskeyByCredentialID(ctx context.Context, db *DB, credID []byte) (*Passkey, *User, error) {
	if len(credID) == 0 || len(credID) > 1023 {
		return nil, nil, ErrNotFound
	}
	var p Passkey
	err := db.Read.WithContext(ctx).Where("credential_id = ?", credID).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, ErrNotFound
	} else if err != nil {
		return nil, nil, err
	}
	u, err := firstUser(db.Read.WithContext(ctx).Where("id = ?", p.UserID))
	if err != nil {
		return nil, nil, err
	}
	return &p, u, nil
}

// UsePasskey records a sign-in with p whose assertion carried signCount
// and flags: the counter moves forward (a counter that did not, where the
// authenticator keeps one, is refused with ErrPasskeyCounter: a cloned
// key, or an assertion answered twice), the last-used time and the user's
// last sign-in are set. The check is in the UPDATE itself, so two sign-ins
// at once with one counter value cannot both pass.
func UsePasskey(ctx context.Context, db *DB, now time.Time, p *Passkey, signCount uint32, flags byte) error {
	now = now.UTC()
	return db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Passkey{}).
			Where("id = ? AND (sign_count < ? OR (sign_count = 0 AND ? = 0))", p.ID, int64(signCount), int64(signCount)).
			Updates(map[string]any{"sign_count": int64(signCount), "flags": int(flags), "last_used_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrPasskeyCounter
		}
		p.SignCount, p.Flags, p.LastUsedAt = int64(signCount), int(flags), &now
		return tx.Model(&User{}).Where("id = ?", p.UserID).UpdateColumn("last_sign_in_at", now).Error
	})
}

// RenamePasskey names u's passkey id name (ErrNotFound if u has no such
// passkey, ErrPasskeyName for a name that is not one).
func RenamePasskey(ctx context.Context, db *DB, u *User, id, name string) error {
	name, err := passkeyName(name)
	if err != nil {
		return err
	}
	res := db.Write.WithContext(ctx).Model(&Passkey{}).Where("id = ? AND user_id = ?", id, u.ID).Update("name", name)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// DeletePasskey removes u's passkey id (ErrNotFound if u has no such
// passkey), unless it is the account's last way to sign in
// (ErrLastSignInMethod; with emailSignIn, the server's email sign-in is a
// way in every account keeps), recorded in the audit log (by says who) and
// announced by mail in the same transaction.
func DeletePasskey(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, id string, emailSignIn bool, mail *Announce[PasskeyChange]) (*Passkey, error) {
	var p Passkey
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		fresh, err := lockUser(tx, db.Dialect, u.ID)
		if err != nil {
			return err
		}
		if err := tx.Where("id = ? AND user_id = ?", id, u.ID).Take(&p).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if err := keepASignInMethod(tx, fresh, signInMethod{passkeyID: p.ID, emailSignIn: emailSignIn}); err != nil {
			return err
		}
		if err := tx.Where("id = ?", p.ID).Delete(&Passkey{}).Error; err != nil {
			return err
		}
		by = userEvent(by, AuditPasskeyRemove, u, "passkey "+p.Name)
		if err := recordEventTx(tx, by); err != nil {
			return err
		}
		return mail.queue(tx, now, PasskeyChange{User: fresh, Passkey: p})
	})
	if err := mail.settle(err); err != nil {
		return nil, err
	}
	return &p, nil
}

// signInMethod names the way to sign in a change would remove: a passkey
// or an identity, by id.
type signInMethod struct {
	passkeyID  string
	identityID string
	// emailSignIn: the server offers email sign-in, which every account
	// can use, so nothing removed is the last way in.
	emailSignIn bool
}

// keepASignInMethod refuses (ErrLastSignInMethod) to remove gone when u
// would be left without a way to sign in: a password, a connected
// provider or a passkey. u is its row as read in tx.
func keepASignInMethod(tx *gorm.DB, u *User, gone signInMethod) error {
	if u.PasswordHash != "" || gone.emailSignIn {
		return nil
	}
	var ids, keys int64
	if err := tx.Model(&Identity{}).Where("user_id = ? AND id <> ?", u.ID, gone.identityID).Count(&ids).Error; err != nil {
		return err
	}
	if err := tx.Model(&Passkey{}).Where("user_id = ? AND id <> ?", u.ID, gone.passkeyID).Count(&keys).Error; err != nil {
		return err
	}
	if ids+keys == 0 {
		return ErrLastSignInMethod
	}
	return nil
}

// Challenge is a WebAuthn ceremony under way: the library's session data
// (Data, JSON) for one ceremony, and for a registration who registers and
// the name they gave.
type Challenge struct {
	ID        string `gorm:"primaryKey"`
	Ceremony  string
	UserID    *string
	Name      string
	Data      string
	ExpiresAt time.Time
}

// TableName implements gorm's Tabler.
func (Challenge) TableName() string { return "webauthn_challenges" }

// SaveChallenge stores a ceremony's challenge for ChallengeTTL and returns
// its id. Expired challenges are deleted on the way.
func SaveChallenge(ctx context.Context, db *DB, now time.Time, ch Challenge) (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	now = now.UTC()
	ch.ID, ch.ExpiresAt = id.String(), now.Add(ChallengeTTL)
	err = db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("expires_at <= ?", now).Delete(&Challenge{}).Error; err != nil {
			return err
		}
		return tx.Create(&ch).Error
	})
	if err != nil {
		return "", err
	}
	return ch.ID, nil
}

// TakeChallenge consumes the challenge id of ceremony: one DELETE removes
// it and returns it, so a challenge answers once however many requests,
// on however many instances, race for it. An unknown, used, expired or
// other ceremony's challenge is ErrChallengeInvalid.
func TakeChallenge(ctx context.Context, db *DB, now time.Time, id, ceremony string) (*Challenge, error) {
	if id == "" {
		return nil, ErrChallengeInvalid
	}
	var taken []Challenge
	if err := db.Write.WithContext(ctx).Raw(takeChallenge, id).Scan(&taken).Error; err != nil {
		return nil, err
	}
	if len(taken) != 1 {
		return nil, ErrChallengeInvalid
	}
	ch := taken[0]
	if ch.Ceremony != ceremony || !now.UTC().Before(ch.ExpiresAt.UTC()) {
		return nil, ErrChallengeInvalid
	}
	return &ch, nil
}

const takeChallenge = "DELETE FROM webauthn_challenges WHERE id = ? RETURNING id, ceremony, user_id, name, data, expires_at"
