package models

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// JWTLifetime is how long a JWT Hearth issues is good for; a retired
// signing key stays published this long (and a little more) after it
// stopped signing.
const JWTLifetime = 5 * time.Minute

// keyPublishedFor is how long a retired key stays in the JWKS: its last
// tokens' lifetime and a minute of clock skew.
const keyPublishedFor = JWTLifetime + time.Minute

// ErrNoSecretKey: HEARTH_SECRET_KEY is not set, so no signing key can be
// made or read.
var ErrNoSecretKey = errors.New("HEARTH_SECRET_KEY is not set")

// SigningKey is one JWT signing key; the private half is sealed at rest.
type SigningKey struct {
	Kid        string `gorm:"primaryKey"`
	PublicKey  string // base64
	PrivateEnc string // base64 of nonce + AES-GCM(seed)
	CreatedAt  time.Time
	RetiredAt  *time.Time
}

// Public is the key's public half.
func (k *SigningKey) Public() (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(k.PublicKey)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("signing key %s: bad public key", k.Kid)
	}
	return ed25519.PublicKey(b), nil
}

// Private opens the key's private half with secret (HEARTH_SECRET_KEY).
func (k *SigningKey) Private(secret []byte) (ed25519.PrivateKey, error) {
	gcm, err := sealer(secret)
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(k.PrivateEnc)
	if err != nil || len(b) < gcm.NonceSize() {
		return nil, fmt.Errorf("signing key %s: bad sealed key", k.Kid)
	}
	seed, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], []byte("signing_key|"+k.Kid))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("signing key %s: cannot be opened with HEARTH_SECRET_KEY", k.Kid)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

func sealer(secret []byte) (cipher.AEAD, error) {
	if len(secret) != 32 {
		return nil, ErrNoSecretKey
	}
	block, err := aes.NewCipher(secret)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal encrypts plaintext with secret (HEARTH_SECRET_KEY) for purpose,
// which is bound to it as associated data: a sealed value opens only for
// the same purpose (a TOTP secret copied to another user's row does not).
// The result is base64 of nonce + AES-GCM ciphertext.
func seal(secret []byte, purpose string, plaintext []byte) (string, error) {
	gcm, err := sealer(secret)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(gcm.Seal(nonce, nonce, plaintext, []byte(purpose))), nil
}

// unseal opens what seal made for purpose.
func unseal(secret []byte, purpose, sealed string) ([]byte, error) {
	gcm, err := sealer(secret)
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(b) < gcm.NonceSize() {
		return nil, fmt.Errorf("%s: bad sealed value", purpose)
	}
	out, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], []byte(purpose))
	if err != nil {
		return nil, fmt.Errorf("%s: cannot be opened with HEARTH_SECRET_KEY", purpose)
	}
	return out, nil
}

// newSigningKey makes a key sealed with secret.
func newSigningKey(secret []byte, now time.Time) (*SigningKey, error) {
	gcm, err := sealer(secret)
	if err != nil {
		return nil, err
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	kid := id.String()
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	sealed := gcm.Seal(nonce, nonce, priv.Seed(), []byte("signing_key|"+kid))
	return &SigningKey{Kid: kid, PublicKey: base64.StdEncoding.EncodeToString(pub),
		PrivateEnc: base64.StdEncoding.EncodeToString(sealed), CreatedAt: now.UTC()}, nil
}

// CurrentSigningKey returns the key that signs now: the newest one not
// retired, made on first use.
func CurrentSigningKey(ctx context.Context, db *DB, secret []byte, now time.Time) (*SigningKey, error) {
	if len(secret) != 32 {
		return nil, ErrNoSecretKey
	}
	var k SigningKey
	err := db.Read.WithContext(ctx).Where("retired_at IS NULL").Order("created_at DESC, kid DESC").Take(&k).Error
	if err == nil {
		return &k, nil
	} else if !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, err
	}
	var out *SigningKey
	err = db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Another instance may have made it meanwhile.
		var k SigningKey
		if err := tx.Where("retired_at IS NULL").Order("created_at DESC, kid DESC").Take(&k).Error; err == nil {
			out = &k
			return nil
		}
		nk, err := newSigningKey(secret, now)
		if err != nil {
			return err
		}
		out = nk
		return tx.Create(nk).Error
	})
	return out, err
}

// RotateSigningKey makes a new signing key and retires the others: they
// sign no more, and stay published until their tokens have expired.
func RotateSigningKey(ctx context.Context, db *DB, secret []byte, now time.Time) (*SigningKey, error) {
	nk, err := newSigningKey(secret, now)
	if err != nil {
		return nil, err
	}
	err = db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&SigningKey{}).Where("retired_at IS NULL").Update("retired_at", now.UTC()).Error; err != nil {
			return err
		}
		if err := tx.Create(nk).Error; err != nil {
			return err
		}
		// Keys whose last tokens expired long ago are of no more use.
		return tx.Where("retired_at < ?", now.UTC().Add(-keyPublishedFor)).Delete(&SigningKey{}).Error
	})
	return nk, err
}

// PublishedSigningKeys are the keys a verifier may meet at now: the current
// ones and those retired less than a token's lifetime ago, newest first.
func PublishedSigningKeys(ctx context.Context, db *DB, now time.Time) ([]SigningKey, error) {
	var ks []SigningKey
	err := db.Read.WithContext(ctx).Where("retired_at IS NULL OR retired_at > ?", now.UTC().Add(-keyPublishedFor)).
		Order("created_at DESC, kid DESC").Find(&ks).Error
	return ks, err
}
