package models_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/models"
)

// requestSignIn asks for an email sign-in and returns the binding secret
// and what its mail would carry.
func requestSignIn(t *testing.T, db *models.DB, now time.Time, email string) (string, models.EmailSignInMail) {
	t.Helper()
	var sent models.EmailSignInMail
	mail := &models.Announce[models.EmailSignInMail]{Compose: func(m models.EmailSignInMail) ([]models.OutboxMail, error) {
		sent = m
		return []models.OutboxMail{{Template: "email_signin", ToAddr: m.Email, Subject: "s", TextBody: m.Code + " " + m.Token}}, nil
	}}
	binding, err := models.RequestEmailSignIn(context.Background(), db, now, email, mail)
	if err != nil {
		t.Fatal(err)
	}
	if len(mail.Queued) != 1 {
		t.Fatalf("%d mails queued, want 1", len(mail.Queued))
	}
	return binding, sent
}

func countEmailSignIns(t *testing.T, db *models.DB) int64 {
	t.Helper()
	var n int64
	if err := db.Read.Raw("SELECT count(*) FROM email_signins").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEmailSignInIsUsedOnceUnderConcurrency: many uses of one link (or
// code) at once sign in exactly once: the conditional delete decides; and
// concurrent wrong guesses never get more tries than allowed.
func TestEmailSignInIsUsedOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	now := time.Now()
	if _, err := models.CreateUser(ctx, db, password.NewHasher(1, time.Second), models.NewUser{Email: "race@example.com", Password: "a long enough passphrase", Verified: true}, nil); err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{models.EmailSignInByLink, models.EmailSignInByCode} {
		binding, m := requestSignIn(t, db, now, "race@example.com")
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, ended := 0, 0
		for range 8 {
			wg.Go(func() {
				var err error
				if method == models.EmailSignInByLink {
					_, err = models.SignInWithEmailLink(ctx, db, now, models.AuditEvent{}, m.Token, "", nil)
				} else {
					_, err = models.SignInWithEmailCode(ctx, db, now, models.AuditEvent{}, binding, m.Code, nil)
				}
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, models.ErrTokenInvalid), errors.Is(err, models.ErrEmailSignInEnded):
					ended++
				default:
					t.Errorf("%s: %v", method, err)
				}
			})
		}
		wg.Wait()
		if wins != 1 || ended != 7 {
			t.Errorf("%s used 8 times at once: %d sign-ins, %d refused; want 1 and 7", method, wins, ended)
		}
	}

	binding, m := requestSignIn(t, db, now, "race@example.com")
	wrong := "000000"
	if m.Code == wrong {
		wrong = "111111"
	}
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() { _, _ = models.SignInWithEmailCode(ctx, db, now, models.AuditEvent{}, binding, wrong, nil) })
	}
	wg.Wait()
	if _, err := models.SignInWithEmailCode(ctx, db, now, models.AuditEvent{}, binding, m.Code, nil); !errors.Is(err, models.ErrEmailSignInEnded) {
		t.Errorf("the right code after 12 concurrent wrong ones: %v, want ErrEmailSignInEnded", err)
	}
	var failed int64
	if err := db.Read.Raw("SELECT count(*) FROM audit_events WHERE action = ? AND detail = 'wrong email code'", models.AuditSignInFailed).Scan(&failed).Error; err != nil {
		t.Fatal(err)
	}
	if failed != models.EmailSignInMaxAttempts {
		t.Errorf("%d wrong codes were compared, want %d", failed, models.EmailSignInMaxAttempts)
	}
}

// TestEmailSignInStoresNoSecret: the table holds neither the code nor the
// link's token nor the binding secret; a new request replaces the row; an
// unknown address gets a row too (the same work) that signs nobody in.
func TestEmailSignInStoresNoSecret(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	now := time.Now()
	if _, err := models.CreateUser(ctx, db, password.NewHasher(1, time.Second), models.NewUser{Email: "known@example.com", Password: "a long enough passphrase"}, nil); err != nil {
		t.Fatal(err)
	}
	binding, m := requestSignIn(t, db, now, " Known@Example.com ")
	if len(m.Code) != models.EmailCodeDigits || strings.Trim(m.Code, "0123456789") != "" || len(m.Token) < 40 || m.User == nil {
		t.Fatalf("mail for a known address: %+v", m)
	}
	var rows []map[string]any
	if err := db.Read.Raw("SELECT * FROM email_signins").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0]["email"] != "known@example.com" {
		t.Fatalf("rows: %v", rows)
	}
	for k, v := range rows[0] {
		s, _ := v.(string)
		for _, secret := range []string{m.Code, m.Token, binding} {
			if s != "" && strings.Contains(s, secret) {
				t.Errorf("column %s holds a secret", k)
			}
		}
	}

	// A new request replaces the old one: the old code and link are dead.
	binding2, m2 := requestSignIn(t, db, now, "known@example.com")
	if n := countEmailSignIns(t, db); n != 1 {
		t.Fatalf("%d rows after a second request, want 1", n)
	}
	if _, err := models.SignInWithEmailCode(ctx, db, now, models.AuditEvent{}, binding, m.Code, nil); !errors.Is(err, models.ErrEmailSignInEnded) {
		t.Errorf("the replaced code: %v", err)
	}
	if _, err := models.SignInWithEmailLink(ctx, db, now, models.AuditEvent{}, m.Token, "", nil); !errors.Is(err, models.ErrTokenInvalid) {
		t.Errorf("the replaced link: %v", err)
	}
	// The code from the other binding does not work with this one.
	if _, err := models.SignInWithEmailCode(ctx, db, now, models.AuditEvent{}, binding, m2.Code, nil); !errors.Is(err, models.ErrEmailSignInEnded) {
		t.Errorf("the new code with the old browser's secret: %v", err)
	}
	res, err := models.SignInWithEmailCode(ctx, db, now, models.AuditEvent{}, binding2, m2.Code, nil)
	if err != nil || res.User == nil || res.User.EmailVerifiedAt == nil || !res.Proof.First {
		t.Fatalf("the new code: %+v, %v; want a sign-in that proves the address", res, err)
	}

	// An unknown address: a row, a mail without secrets, and nothing to use.
	_, unknown := requestSignIn(t, db, now, "nobody@example.com")
	if unknown.User != nil || unknown.Code != "" || unknown.Token != "" {
		t.Errorf("the mail to an unknown address carries %+v", unknown)
	}
	if n := countEmailSignIns(t, db); n != 1 {
		t.Errorf("%d rows, want the unknown address's", n)
	}
	if n, err := models.DeleteExpiredEmailSignIns(ctx, db, now.Add(models.EmailSignInTTL+time.Second)); err != nil || n != 1 {
		t.Errorf("DeleteExpiredEmailSignIns: %d, %v", n, err)
	}
	for _, bad := range []string{"", "not an address", strings.Repeat("a", 300) + "@example.com", "\xff@example.com"} {
		var invalid *models.InvalidInput
		if _, err := models.RequestEmailSignIn(ctx, db, now, bad, nil); !errors.As(err, &invalid) {
			t.Errorf("request for %q: %v, want *InvalidInput", bad, err)
		}
	}
}

// TestEmailSignInIsForTheAccountItWasIssuedFor: deleted and signed up
// again with the same address within the ten minutes, the account is
// another one: the old code signs nobody in.
func TestEmailSignInIsForTheAccountItWasIssuedFor(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	now := time.Now()
	h := password.NewHasher(1, time.Second)
	u, err := models.CreateUser(ctx, db, h, models.NewUser{Email: "again@example.com", Password: "a long enough passphrase", Verified: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	binding, m := requestSignIn(t, db, now, "again@example.com")
	if err := models.DeleteUser(ctx, db, models.AuditEvent{}, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := models.CreateUser(ctx, db, h, models.NewUser{Email: "again@example.com", Password: "another long passphrase", Verified: true}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := models.SignInWithEmailCode(ctx, db, now, models.AuditEvent{}, binding, m.Code, nil); !errors.Is(err, models.ErrEmailSignInEnded) {
		t.Errorf("the deleted account's code for the new account: %v, want ErrEmailSignInEnded", err)
	}
}
