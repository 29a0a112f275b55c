package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/models"
)

func passkeyUser(t *testing.T, db *models.DB, email string, verified bool) *models.User {
	t.Helper()
	u, err := models.CreateUser(context.Background(), db, password.NewHasher(1, time.Second),
		models.NewUser{Email: email, Password: "correct horse battery", Verified: verified}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func testCredential(id string) *webauthn.Credential {
	return &webauthn.Credential{ID: []byte(id), PublicKey: []byte("cose key of " + id)}
}

// A challenge answers once, however many callers race for it, and not
// after its five minutes or for another ceremony.
func TestChallengesAreSingleUseAndExpire(t *testing.T) {
	t.Parallel()
	db, ctx, now := openTestDB(t), context.Background(), time.Now().UTC()
	id, err := models.SaveChallenge(ctx, db, now, models.Challenge{Ceremony: models.CeremonyLogin, Data: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 8 {
		wg.Go(func() {
			if _, err := models.TakeChallenge(ctx, db, now, id, models.CeremonyLogin); err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			} else if !errors.Is(err, models.ErrChallengeInvalid) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d callers took the challenge, want 1", won)
	}

	old, _ := models.SaveChallenge(ctx, db, now, models.Challenge{Ceremony: models.CeremonyLogin, Data: "{}"})
	if _, err := models.TakeChallenge(ctx, db, now.Add(models.ChallengeTTL), old, models.CeremonyLogin); !errors.Is(err, models.ErrChallengeInvalid) {
		t.Fatalf("expired challenge: %v", err)
	}
	reg, _ := models.SaveChallenge(ctx, db, now, models.Challenge{Ceremony: models.CeremonyRegister, Data: "{}"})
	if _, err := models.TakeChallenge(ctx, db, now, reg, models.CeremonyLogin); !errors.Is(err, models.ErrChallengeInvalid) {
		t.Fatalf("a registration's challenge used to sign in: %v", err)
	}
}

// The counter only moves forward; zero stays allowed for authenticators
// that keep none.
func TestPasskeyCounterOnlyMovesForward(t *testing.T) {
	t.Parallel()
	db, ctx, now := openTestDB(t), context.Background(), time.Now().UTC()
	u := passkeyUser(t, db, "ada@example.com", true)
	cred := testCredential("cred-1")
	cred.Authenticator.SignCount = 5
	p, err := models.AddPasskey(ctx, db, now, models.AuditEvent{}, u, cred, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != models.DefaultPasskeyName {
		t.Fatalf("name %q", p.Name)
	}
	for _, c := range []struct {
		count uint32
		want  error
	}{{5, models.ErrPasskeyCounter}, {4, models.ErrPasskeyCounter}, {6, nil}, {6, models.ErrPasskeyCounter}, {0, models.ErrPasskeyCounter}} {
		if err := models.UsePasskey(ctx, db, now, p, c.count, 0); !errors.Is(err, c.want) {
			t.Fatalf("counter %d after %d: %v, want %v", c.count, p.SignCount, err, c.want)
		}
	}

	zero, err := models.AddPasskey(ctx, db, now, models.AuditEvent{}, u, testCredential("cred-0"), "Phone", nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := models.UsePasskey(ctx, db, now, zero, 0, 0); err != nil {
			t.Fatalf("an authenticator without a counter: %v", err)
		}
	}
	if _, err := models.AddPasskey(ctx, db, now, models.AuditEvent{}, u, testCredential("cred-0"), "Again", nil); !errors.Is(err, models.ErrPasskeyTaken) {
		t.Fatalf("the same credential twice: %v", err)
	}
}

// An unverified account gains no passkey; the last way to sign in stays.
func TestPasskeyRulesOfTheAccount(t *testing.T) {
	t.Parallel()
	db, ctx, now := openTestDB(t), context.Background(), time.Now().UTC()
	fresh := passkeyUser(t, db, "new@example.com", false)
	if _, err := models.AddPasskey(ctx, db, now, models.AuditEvent{}, fresh, testCredential("x"), "", nil); !errors.Is(err, models.ErrEmailUnverified) {
		t.Fatalf("unverified: %v", err)
	}

	u := passkeyUser(t, db, "ada@example.com", true)
	if err := db.Write.Exec("UPDATE users SET password_hash = '' WHERE id = ?", u.ID).Error; err != nil {
		t.Fatal(err)
	}
	a, _ := models.AddPasskey(ctx, db, now, models.AuditEvent{}, u, testCredential("a"), "A", nil)
	b, _ := models.AddPasskey(ctx, db, now, models.AuditEvent{}, u, testCredential("b"), "B", nil)
	if _, err := models.DeletePasskey(ctx, db, now, models.AuditEvent{}, u, a.ID, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := models.DeletePasskey(ctx, db, now, models.AuditEvent{}, u, b.ID, false, nil); !errors.Is(err, models.ErrLastSignInMethod) {
		t.Fatalf("the last passkey of an account without a password: %v", err)
	}
	if err := models.RenamePasskey(ctx, db, u, b.ID, "Laptop"); err != nil {
		t.Fatal(err)
	}
	if err := models.RenamePasskey(ctx, db, u, b.ID, "bad\x00name"); !errors.Is(err, models.ErrPasskeyName) {
		t.Fatalf("control characters: %v", err)
	}
	other := passkeyUser(t, db, "eve@example.com", true)
	if err := models.RenamePasskey(ctx, db, other, b.ID, "Mine"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("someone else's passkey: %v", err)
	}
	if _, err := models.DeletePasskey(ctx, db, now, models.AuditEvent{}, other, b.ID, false, nil); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("someone else's passkey: %v", err)
	}
}
