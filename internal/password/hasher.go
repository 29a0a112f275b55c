// Package password holds how Hearth treats passwords: argon2id hashing with
// bounded concurrency (Hasher), the policy a new password must meet
// (Policy), and the common-password blocklist the policy consults.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// ErrBusy is returned when too many password hashes are already being
// computed and the caller waited long enough: answer 429, do not queue more.
var ErrBusy = errors.New("password hashing is busy")

// Argon2id parameters from the OWASP Password Storage Cheat Sheet: 19 MiB of
// memory, two passes, one lane. About 30 ms per hash on this kind of machine.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Hasher hashes and verifies passwords with argon2id. It bounds how many
// hashes run at once, so a flood of sign-ins costs at most
// concurrency × 19 MiB of memory; the rest wait up to maxWait, then fail with
// ErrBusy.
type Hasher struct {
	// Policy is what a new password must meet (MinLength defaults to 8).
	Policy

	slots   chan struct{}
	maxWait time.Duration
	dummy   string // a real hash, verified when there is no user, to equalise timing
}

// NewHasher returns a hasher allowing concurrency hashes at once (0 means one
// per CPU).
func NewHasher(concurrency int, maxWait time.Duration) *Hasher {
	if concurrency <= 0 {
		concurrency = runtime.NumCPU()
	}
	h := &Hasher{Policy: Policy{MinLength: MinLength}, slots: make(chan struct{}, concurrency), maxWait: maxWait}
	h.dummy = encodeArgon2id(make([]byte, argonSaltLen), argon2.IDKey([]byte("hearth-dummy-password"), make([]byte, argonSaltLen), argonTime, argonMemory, argonThreads, argonKeyLen))
	return h
}

func (h *Hasher) acquire(ctx context.Context) error {
	t := time.NewTimer(h.maxWait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-t.C:
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash returns the PHC-format argon2id hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return encodeArgon2id(salt, key), nil
}

// Verify reports whether password matches encoded. An empty encoded hash (a
// user without a password, or no user at all) is checked against a dummy
// hash so that the answer takes the same time, and is never a match.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	target := encoded
	if target == "" {
		target = h.dummy
	}
	salt, key, m, t, p, err := decodeArgon2id(target)
	if err != nil {
		return false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(key)))
	return encoded != "" && subtle.ConstantTimeCompare(got, key) == 1, nil
}

func encodeArgon2id(salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func decodeArgon2id(encoded string) (salt, key []byte, m, t uint32, p uint8, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return nil, nil, 0, 0, 0, errors.New("password hash: not argon2id")
	}
	var version int
	if _, err = fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return nil, nil, 0, 0, 0, errors.New("password hash: unsupported version")
	}
	if _, err = fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return nil, nil, 0, 0, 0, errors.New("password hash: bad parameters")
	}
	// Refuse parameters that would let a tampered row exhaust memory or CPU.
	if m == 0 || m > 256*1024 || t == 0 || t > 10 || p == 0 {
		return nil, nil, 0, 0, 0, errors.New("password hash: parameters out of range")
	}
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return nil, nil, 0, 0, 0, errors.New("password hash: bad salt")
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) == 0 {
		return nil, nil, 0, 0, 0, errors.New("password hash: bad key")
	}
	return salt, key, m, t, p, nil
}
