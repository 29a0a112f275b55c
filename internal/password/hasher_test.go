package password

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPasswordHashAndVerify(t *testing.T) {
	t.Parallel()
	h := NewHasher(2, time.Second)
	ctx := context.Background()
	hash, err := h.Hash(ctx, "tr0ub4dor & 3")
	if err != nil {
		t.Fatal(err)
	}
	hash2, _ := h.Hash(ctx, "tr0ub4dor & 3")
	if hash == hash2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for pw, want := range map[string]bool{"tr0ub4dor & 3": true, "tr0ub4dor & 4": false, "": false} {
		if ok, err := h.Verify(ctx, hash, pw); err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	if ok, err := h.Verify(ctx, "", "anything"); ok || err != nil {
		t.Errorf("an empty hash must never match: %v %v", ok, err)
	}
	// A tampered row asking for 4 GiB of memory is refused, not computed.
	evil := strings.Replace(hash, "m=19456", "m=4194304", 1)
	if _, err := h.Verify(ctx, evil, "x"); err == nil {
		t.Error("out-of-range argon2 parameters were accepted")
	}
}

func TestHasherIsBounded(t *testing.T) {
	t.Parallel()
	h := NewHasher(1, 5*time.Millisecond)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	busy := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := h.Hash(ctx, "password password"); errors.Is(err, ErrBusy) {
				mu.Lock()
				busy++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if busy == 0 {
		t.Error("8 concurrent hashes with one slot and a 5 ms wait: none was refused")
	}
}

func TestPolicyRefusesWithItsSentinels(t *testing.T) {
	t.Parallel()
	p := Policy{MinLength: 10}
	for pw, want := range map[string]error{
		"short one":                  ErrTooShort, // 9 characters
		strings.Repeat("x", 129):     ErrTooLong,
		"ann@example.com":            ErrIsEmail,
		" ANN@example.com ":          ErrIsEmail,
		"password1234":               ErrTooCommon,
		"a long \xff invalid phrase": ErrBadText,
		"a sturdy passphrase":        nil,
		"zzzzzzzzzzzzzzz":            ErrGuessable, // repeated
		"xyzxyzxyzxyz":               ErrGuessable, // repeated
		"abcdefghijklmn":             ErrGuessable, // a sequence
	} {
		if err := p.Check(t.Context(), pw, "ann@example.com"); !errors.Is(err, want) || (want == nil) != (err == nil) {
			t.Errorf("Check(%q) = %v, want %v", pw, err, want)
		}
	}
	if err := p.Check(t.Context(), "short one", ""); err == nil || !strings.Contains(err.Error(), "at least 10") {
		t.Errorf("a short password's error %v does not say the length asked for", err)
	}
}
