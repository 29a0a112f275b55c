package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/models"
)

// TestLookAlikeAddressesCannotSignUpAsAnother: with admin@example.com taken,
// its look-alikes are refused as invalid, and its other spellings (full-width
// or Unicode domain) are the same address, so taken.
func TestLookAlikeAddressesCannotSignUpAsAnother(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	h := password.NewHasher(1, time.Second)
	if _, err := models.CreateUser(ctx, db, h, models.NewUser{Email: "admin@example.com", Password: "the admin's passphrase", Role: models.RoleAdmin}, nil); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"admİn@example.com", "admın@example.com", "ａｄｍｉｎ@example.com", "ａｄｍｉｎ＠example.com", "аdmin@example.com"} {
		_, err := models.CreateUser(ctx, db, h, models.NewUser{Email: email, Password: "an attacker's passphrase"}, nil)
		var invalid *models.InvalidInput
		if !errors.As(err, &invalid) || !errors.Is(invalid.Email, models.ErrEmailNotASCII) && !errors.Is(invalid.Email, models.ErrEmailInvalid) {
			t.Errorf("sign-up as %q: %v, want the address refused as invalid", email, err)
		}
	}
	for _, email := range []string{"admin@ｅｘａｍｐｌｅ.com", "ADMIN@EXAMPLE.COM"} {
		if _, err := models.CreateUser(ctx, db, h, models.NewUser{Email: email, Password: "an attacker's passphrase"}, nil); !errors.Is(err, models.ErrEmailTaken) {
			t.Errorf("sign-up as %q: %v, want ErrEmailTaken", email, err)
		}
	}
	// A Unicode domain is stored in its ASCII form; its punycode spelling is the same address.
	u, err := models.CreateUser(ctx, db, h, models.NewUser{Email: "Bob@Exämple.com", Password: "bob's own passphrase"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "bob@xn--exmple-cua.com" {
		t.Errorf("stored %q, want bob@xn--exmple-cua.com", u.Email)
	}
	var stored string
	db.Read.Raw("SELECT email FROM users WHERE id = ?", u.ID).Scan(&stored)
	if stored != "bob@xn--exmple-cua.com" {
		t.Errorf("the database holds %q, want bob@xn--exmple-cua.com", stored)
	}
	if _, err := models.CreateUser(ctx, db, h, models.NewUser{Email: "bob@xn--exmple-cua.com", Password: "another passphrase"}, nil); !errors.Is(err, models.ErrEmailTaken) {
		t.Errorf("punycode spelling: %v, want ErrEmailTaken", err)
	}
	if _, err := models.Authenticate(ctx, db, h, "bob@exämple.com", "bob's own passphrase"); err != nil {
		t.Errorf("sign-in with the Unicode spelling: %v", err)
	}
	var n int64
	db.Read.Raw("SELECT count(*) FROM users").Scan(&n)
	if n != 2 {
		t.Errorf("%d users, want 2", n)
	}
}

// TestProviderLookAlikeAddressDoesNotLink: a provider vouching for
// admİn@example.com (another mailbox, which strings.ToLower used to turn into
// admin@example.com) does not sign in as, or link to, admin@example.com.
// A spelling of the very same address (Unicode domain) does link.
func TestProviderLookAlikeAddressDoesNotLink(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	h := password.NewHasher(1, time.Second)
	now := time.Now().UTC()
	admin, err := models.CreateUser(ctx, db, h, models.NewUser{Email: "admin@example.com", Password: "the admin's passphrase", Role: models.RoleAdmin}, nil)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := models.CreateUser(ctx, db, h, models.NewUser{Email: "bob@exämple.com", Password: "bob's own passphrase"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Write.Exec("UPDATE users SET email_verified_at = ?", now)

	for i, email := range []string{"admİn@example.com", "admın@example.com", "ａｄｍｉｎ@example.com", "ADMİN@EXAMPLE.COM"} {
		ext := models.External{Provider: "oidc", ProviderUserID: "attacker-" + string(rune('a'+i)), Email: email, EmailVerified: true, Name: "Mallory"}
		res, err := models.SignInWithProvider(ctx, db, now, ext, nil)
		u := res.User
		if err == nil || (u != nil && u.ID == admin.ID) {
			t.Errorf("provider address %q: signed in as %v (err %v), want refused", email, u, err)
		}
	}
	var linked int64
	db.Read.Raw("SELECT count(*) FROM identities WHERE user_id = ?", admin.ID).Scan(&linked)
	if linked != 0 {
		t.Errorf("%d identities linked to the admin", linked)
	}

	res, err := models.SignInWithProvider(ctx, db, now, models.External{Provider: "oidc", ProviderUserID: "bob", Email: "Bob@EXÄMPLE.com", EmailVerified: true}, nil)
	u, outcome := res.User, res.Outcome
	if err != nil || u == nil || u.ID != bob.ID || outcome != models.SocialLinked {
		t.Errorf("bob's own address in another spelling: %v %q %v, want linked to bob", u, outcome, err)
	}
	var idEmail string
	db.Read.Raw("SELECT email FROM identities WHERE provider_user_id = 'bob'").Scan(&idEmail)
	if idEmail != "bob@xn--exmple-cua.com" {
		t.Errorf("identity stored %q, want the normalised address", idEmail)
	}
}

// TestMigrationNormalisesStoredAddresses: addresses stored before
// normalisation took its current form (a Unicode domain, kept as typed) are
// rewritten to it, so their owners still sign in and nobody can sign up
// again with the punycode spelling. Addresses that cannot be normalised
// without meeting another account, or whose local part is not ASCII, stay.
func TestMigrationNormalisesStoredAddresses(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	h := password.NewHasher(1, time.Second)
	// Back to before 00012, whatever migrations came after it.
	for {
		var version int64
		if err := db.Read.Raw("SELECT max(version_id) FROM goose_db_version").Scan(&version).Error; err != nil {
			t.Fatal(err)
		}
		if version < 12 {
			break
		}
		if err := db.MigrateDown(ctx); err != nil {
			t.Fatal(err)
		}
	}
	hash, _ := h.Hash(ctx, "a legacy passphrase")
	for id, email := range map[string]string{
		"1": "carol@exämple.com",       // the old NormalizeEmail kept Unicode domains
		"2": "dave@xn--exmple-cua.com", // already normalised
		"3": "dave@exämple.com",        // the same mailbox as 2: left for an admin
		"4": "ünï@cödé.de",             // not ASCII before the @: left as is
		"5": "plain@example.com",
	} {
		if err := db.Write.Exec("INSERT INTO users (id, email, name, password_hash, role, created_at, updated_at) VALUES (?, ?, '', ?, 'member', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", id, email, hash).Error; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"1": "carol@xn--exmple-cua.com", "2": "dave@xn--exmple-cua.com", "3": "dave@exämple.com", "4": "ünï@cödé.de", "5": "plain@example.com"}
	for id, email := range want {
		var got string
		db.Read.Raw("SELECT email FROM users WHERE id = ?", id).Scan(&got)
		if got != email {
			t.Errorf("user %s: %q after the migration, want %q", id, got, email)
		}
	}
	if u, err := models.Authenticate(ctx, db, h, "Carol@Exämple.com", "a legacy passphrase"); err != nil || u.ID != "1" {
		t.Errorf("carol signs in: %v, %v", u, err)
	}
	if _, err := models.CreateUser(ctx, db, h, models.NewUser{Email: "carol@xn--exmple-cua.com", Password: "a second account"}, nil); !errors.Is(err, models.ErrEmailTaken) {
		t.Errorf("sign-up with carol's punycode spelling: %v, want ErrEmailTaken", err)
	}
}
