package models

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"
)

// TOTP parameters (RFC 6238, as every authenticator app reads them): SHA-1,
// 30-second steps, 6 digits; a code of the step before or after now is
// accepted too (clock drift), once.
const (
	TOTPPeriod = 30
	TOTPSkew   = 1
	// RecoveryCodeCount is how many recovery codes a set holds.
	RecoveryCodeCount = 10
	// recoveryCodeBytes is each code's randomness: 80 bits.
	recoveryCodeBytes = 10
)

var totpOpts = totp.ValidateOpts{Period: TOTPPeriod, Skew: TOTPSkew, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPSecret is a user's authenticator secret, sealed with
// HEARTH_SECRET_KEY. EnabledAt is nil while enrolment waits for its first
// code; LastStep is the time step of the last code accepted.
type TOTPSecret struct {
	UserID    string `gorm:"primaryKey"`
	SecretEnc string
	CreatedAt time.Time
	EnabledAt *time.Time
	LastStep  *int64
}

// TableName is the table of TOTPSecret.
func (TOTPSecret) TableName() string { return "totp_secrets" }

// RecoveryCode is one unused recovery code: its SHA-256 only.
type RecoveryCode struct {
	UserID    string `gorm:"primaryKey"`
	CodeHash  string `gorm:"primaryKey"`
	CreatedAt time.Time
}

// TOTPEnrolment is what the setup page shows: the secret in base32 for
// manual entry and the otpauth:// URI the QR code holds.
type TOTPEnrolment struct {
	Secret string
	URI    string
}

// TwoFactorChange is what a two-factor change mails about: the user, and
// for recovery codes, how many are left.
type TwoFactorChange struct {
	User *User
	Left int
}

// TwoFactorState is a user's two-factor status, as the security and admin
// pages show it.
type TwoFactorState struct {
	Enabled      bool
	Since        *time.Time
	RecoveryLeft int
}

func totpPurpose(userID string) string { return "totp|" + userID }

// BeginTOTP starts enrolment: a new secret for u, pending until
// ConfirmTOTP (a pending one from before is replaced). The issuer names the
// app in the authenticator. Refused for an unverified address
// (ErrEmailUnverified), when 2FA is on already (ErrTwoFactorOn), and
// without HEARTH_SECRET_KEY (ErrNoSecretKey).
func BeginTOTP(ctx context.Context, db *DB, secretKey []byte, now time.Time, u *User, issuer string) (TOTPEnrolment, error) {
	if u.EmailVerifiedAt == nil {
		return TOTPEnrolment{}, ErrEmailUnverified
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: u.Email, Period: TOTPPeriod,
		SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return TOTPEnrolment{}, err
	}
	sealed, err := seal(secretKey, totpPurpose(u.ID), []byte(key.Secret()))
	if err != nil {
		return TOTPEnrolment{}, err
	}
	err = db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var on int64
		if err := tx.Model(&TOTPSecret{}).Where("user_id = ? AND enabled_at IS NOT NULL", u.ID).Count(&on).Error; err != nil {
			return err
		}
		if on > 0 {
			return ErrTwoFactorOn
		}
		if err := tx.Where("user_id = ?", u.ID).Delete(&TOTPSecret{}).Error; err != nil {
			return err
		}
		return tx.Create(&TOTPSecret{UserID: u.ID, SecretEnc: sealed, CreatedAt: now.UTC()}).Error
	})
	if err != nil {
		return TOTPEnrolment{}, err
	}
	return TOTPEnrolment{Secret: key.Secret(), URI: key.URL()}, nil
}

// PendingTOTP is u's enrolment under way (ErrNotFound if none), to show the
// setup page again after a wrong code.
func PendingTOTP(ctx context.Context, db *DB, secretKey []byte, u *User, issuer string) (TOTPEnrolment, error) {
	var row TOTPSecret
	err := db.Read.WithContext(ctx).Where("user_id = ? AND enabled_at IS NULL", u.ID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return TOTPEnrolment{}, ErrNotFound
	} else if err != nil {
		return TOTPEnrolment{}, err
	}
	secret, err := unseal(secretKey, totpPurpose(u.ID), row.SecretEnc)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	key, err := totpKey(issuer, u.Email, string(secret))
	if err != nil {
		return TOTPEnrolment{}, err
	}
	return TOTPEnrolment{Secret: key.Secret(), URI: key.URL()}, nil
}

// totpKey is the key (its otpauth:// URI) of a base32 secret made before.
func totpKey(issuer, account, secret string) (*otp.Key, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	if err != nil {
		return nil, err
	}
	return totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: TOTPPeriod,
		Secret: raw, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// ConfirmTOTP enables the pending secret of u with a code from the app,
// and returns the first set of recovery codes (shown once). The enabling,
// its audit row (by says who) and its mail are one transaction. Errors:
// ErrNotFound (no enrolment under way), ErrCodeInvalid.
func ConfirmTOTP(ctx context.Context, db *DB, secretKey []byte, now time.Time, by AuditEvent, u *User, code string, mail *Announce[TwoFactorChange]) ([]string, error) {
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	now = now.UTC()
	err = db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row TOTPSecret
		if err := tx.Where("user_id = ? AND enabled_at IS NULL", u.ID).Take(&row).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		step, err := matchTOTP(secretKey, row, code, now)
		if err != nil {
			return err
		}
		res := tx.Model(&TOTPSecret{}).Where("user_id = ? AND enabled_at IS NULL", u.ID).
			Updates(map[string]any{"enabled_at": now, "last_step": step})
		if res.Error != nil {
			return res.Error
		} else if res.RowsAffected != 1 {
			return ErrNotFound // confirmed by a concurrent request
		}
		if err := replaceRecoveryCodes(tx, u.ID, hashes, now); err != nil {
			return err
		}
		by = userEvent(by, AuditTwoFactorEnable, u, "authenticator app")
		if err := recordEventTx(tx, by); err != nil {
			return err
		}
		return mail.queue(tx, now, TwoFactorChange{User: u, Left: RecoveryCodeCount})
	})
	if err := mail.settle(err); err != nil {
		return nil, err
	}
	return codes, nil
}

// VerifyTOTP accepts a code of u's enabled authenticator, once: the step
// it belongs to is recorded by a conditional UPDATE that succeeds only if
// no code of that step or a later one was accepted before, so a replayed
// code (or a concurrent second use) gets ErrCodeInvalid like a wrong one.
// ErrTwoFactorOff when u has no enabled authenticator.
func VerifyTOTP(ctx context.Context, db *DB, secretKey []byte, now time.Time, userID, code string) error {
	var row TOTPSecret
	err := db.Write.WithContext(ctx).Where("user_id = ? AND enabled_at IS NOT NULL", userID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrTwoFactorOff
	} else if err != nil {
		return err
	}
	step, err := matchTOTP(secretKey, row, code, now)
	if err != nil {
		return err
	}
	res := db.Write.WithContext(ctx).Model(&TOTPSecret{}).
		Where("user_id = ? AND enabled_at IS NOT NULL AND (last_step IS NULL OR last_step < ?)", userID, step).
		Update("last_step", step)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrCodeInvalid // this step, or a later one, was used already
	}
	return nil
}

// matchTOTP returns the time step whose code code is, among now's and its
// neighbours (TOTPSkew), or ErrCodeInvalid.
func matchTOTP(secretKey []byte, row TOTPSecret, code string, now time.Time) (int64, error) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return 0, ErrCodeInvalid
	}
	secret, err := unseal(secretKey, totpPurpose(row.UserID), row.SecretEnc)
	if err != nil {
		return 0, err
	}
	base := now.Unix() / TOTPPeriod
	for d := int64(-TOTPSkew); d <= TOTPSkew; d++ {
		step := base + d
		want, err := totp.GenerateCodeCustom(string(secret), time.Unix(step*TOTPPeriod, 0), totpOpts)
		if err != nil {
			return 0, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, nil
		}
	}
	return 0, ErrCodeInvalid
}

// LooksLikeTOTP reports whether code has the shape of an authenticator
// code (6 digits, spaces allowed) rather than a recovery code.
func LooksLikeTOTP(code string) bool {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	return len(code) == 6 && strings.Trim(code, "0123456789") == ""
}

// UseRecoveryCode accepts one of u's recovery codes, once: its row is
// deleted, and only the request that deleted it succeeds. The use, its
// audit row ("N left") and its mail are one transaction. ErrCodeInvalid
// for a wrong or used code.
func UseRecoveryCode(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, code string, mail *Announce[TwoFactorChange]) (left int, err error) {
	norm := normalizeRecoveryCode(code)
	if norm == "" {
		return 0, ErrCodeInvalid
	}
	now = now.UTC()
	err = db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("user_id = ? AND code_hash = ?", u.ID, HashToken(norm)).Delete(&RecoveryCode{})
		if res.Error != nil {
			return res.Error
		} else if res.RowsAffected != 1 {
			return ErrCodeInvalid
		}
		var n int64
		if err := tx.Model(&RecoveryCode{}).Where("user_id = ?", u.ID).Count(&n).Error; err != nil {
			return err
		}
		left = int(n)
		by.Action, by.TargetID, by.Email = AuditRecoveryCodeUse, &u.ID, u.Email
		by.Detail = "recovery code used; " + strconv.Itoa(left) + " left"
		if err := recordEventTx(tx, by); err != nil {
			return err
		}
		return mail.queue(tx, now, TwoFactorChange{User: u, Left: left})
	})
	if err := mail.settle(err); err != nil {
		return 0, err
	}
	return left, nil
}

// RegenerateRecoveryCodes gives u a new set of recovery codes (shown once);
// the old set stops working in the same transaction, which records it in
// the audit log and mails u. ErrTwoFactorOff without 2FA.
func RegenerateRecoveryCodes(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, mail *Announce[TwoFactorChange]) ([]string, error) {
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	now = now.UTC()
	err = db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var on int64
		if err := tx.Model(&TOTPSecret{}).Where("user_id = ? AND enabled_at IS NOT NULL", u.ID).Count(&on).Error; err != nil {
			return err
		}
		if on == 0 {
			return ErrTwoFactorOff
		}
		if err := replaceRecoveryCodes(tx, u.ID, hashes, now); err != nil {
			return err
		}
		by = userEvent(by, AuditRecoveryCodesNew, u, "the old set stopped working")
		if err := recordEventTx(tx, by); err != nil {
			return err
		}
		return mail.queue(tx, now, TwoFactorChange{User: u, Left: RecoveryCodeCount})
	})
	if err := mail.settle(err); err != nil {
		return nil, err
	}
	return codes, nil
}

// DisableTwoFactor turns u's 2FA off at u's request: the secret and the
// recovery codes are deleted, audited and mailed in one transaction.
// ErrTwoFactorOff when it was off.
func DisableTwoFactor(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, mail *Announce[TwoFactorChange]) error {
	by.Action, by.Detail = AuditTwoFactorDisable, "by the user"
	return removeTwoFactor(ctx, db, now, by, u, mail)
}

// ResetTwoFactor is an admin's reset of u's 2FA (u lost the device and the
// recovery codes): as DisableTwoFactor, audited as the admin's act.
func ResetTwoFactor(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, mail *Announce[TwoFactorChange]) error {
	by.Action, by.Detail = AuditTwoFactorReset, "by an admin"
	return removeTwoFactor(ctx, db, now, by, u, mail)
}

func removeTwoFactor(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, mail *Announce[TwoFactorChange]) error {
	now = now.UTC()
	return mail.settle(db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("user_id = ? AND enabled_at IS NOT NULL", u.ID).Delete(&TOTPSecret{})
		if res.Error != nil {
			return res.Error
		} else if res.RowsAffected == 0 {
			return ErrTwoFactorOff
		}
		if err := tx.Where("user_id = ?", u.ID).Delete(&RecoveryCode{}).Error; err != nil {
			return err
		}
		by.TargetID, by.Email = &u.ID, u.Email
		if err := recordEventTx(tx, by); err != nil {
			return err
		}
		return mail.queue(tx, now, TwoFactorChange{User: u})
	}))
}

// TwoFactorStatus is u's two-factor state.
func TwoFactorStatus(ctx context.Context, db *DB, userID string) (TwoFactorState, error) {
	var row TOTPSecret
	err := db.Read.WithContext(ctx).Where("user_id = ? AND enabled_at IS NOT NULL", userID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return TwoFactorState{}, nil
	} else if err != nil {
		return TwoFactorState{}, err
	}
	var n int64
	if err := db.Read.WithContext(ctx).Model(&RecoveryCode{}).Where("user_id = ?", userID).Count(&n).Error; err != nil {
		return TwoFactorState{}, err
	}
	return TwoFactorState{Enabled: true, Since: row.EnabledAt, RecoveryLeft: int(n)}, nil
}

// secondFactorUsers selects the ids of the users who have a second factor:
// an enabled authenticator app. Passkeys do not join it: it decides whether
// a password sign-in asks for a code, and a user with a passkey but no app
// has no code to give. multiFactorUsers (passkey.go) counts both.
const secondFactorUsers = `SELECT user_id FROM totp_secrets WHERE enabled_at IS NOT NULL`

// HasSecondFactor reports whether the user has a second factor
// (secondFactorUsers). It is the question the sign-in step
// (completeFirstFactor) and the step-up for password-less accounts ask;
// HEARTH_REQUIRE_ADMIN_2FA asks HasMultiFactor.
func HasSecondFactor(ctx context.Context, db *DB, userID string) (bool, error) {
	var n int64
	err := db.Read.WithContext(ctx).Raw(`SELECT count(*) FROM (`+secondFactorUsers+`) f WHERE f.user_id = ?`, userID).Scan(&n).Error
	return n > 0, err
}

// newRecoveryCodes makes a set of recovery codes, as shown (groups of four
// base32 characters: 80 bits each) and as stored (their SHA-256).
func newRecoveryCodes() (codes, hashes []string, err error) {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	for range RecoveryCodeCount {
		b := make([]byte, recoveryCodeBytes)
		if _, err := rand.Read(b); err != nil {
			return nil, nil, err
		}
		s := strings.ToLower(enc.EncodeToString(b)) // 16 characters
		codes = append(codes, s[0:4]+"-"+s[4:8]+"-"+s[8:12]+"-"+s[12:16])
		hashes = append(hashes, HashToken(s))
	}
	return codes, hashes, nil
}

// normalizeRecoveryCode is a typed recovery code as hashed: lower case,
// without dashes and spaces; "" for what cannot be one.
func normalizeRecoveryCode(code string) string {
	if len(code) > 64 {
		return ""
	}
	s := strings.ToLower(strings.NewReplacer("-", "", " ", "", "\t", "").Replace(code))
	if len(s) != 16 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		return ""
	}
	return s
}

func replaceRecoveryCodes(tx *gorm.DB, userID string, hashes []string, now time.Time) error {
	if err := tx.Where("user_id = ?", userID).Delete(&RecoveryCode{}).Error; err != nil {
		return err
	}
	rows := make([]RecoveryCode, len(hashes))
	for i, h := range hashes {
		rows[i] = RecoveryCode{UserID: userID, CodeHash: h, CreatedAt: now}
	}
	return tx.Create(&rows).Error
}
