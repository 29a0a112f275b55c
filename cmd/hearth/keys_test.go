package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/models"
)

// TestCLIKeysRotate: each rotation adds a key that signs; the previous one
// is retired but still published; the private halves are sealed.
func TestCLIKeysRotate(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.fails("usage", "", "keys")
	if out := c.ok("", "keys", "rotate"); !strings.HasPrefix(out, "new signing key ") {
		t.Fatalf("stdout %q", out)
	}
	c.ok("", "keys", "rotate")
	db := c.openDB()
	defer db.Close()
	ks, err := models.PublishedSigningKeys(t.Context(), db, time.Now())
	if err != nil || len(ks) != 2 || ks[0].RetiredAt != nil || ks[1].RetiredAt == nil {
		t.Fatalf("published keys after two rotations: %+v, %v", ks, err)
	}
	if _, err := ks[0].Private([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	if _, err := ks[0].Private([]byte("another secret key of 32 bytes!!")); err == nil {
		t.Fatal("a signing key opens with another HEARTH_SECRET_KEY")
	}
}

// TestCLIDevelopmentGeneratesTheSecretKeyOnce: without HEARTH_SECRET_KEY a
// development hearth generates 32 random bytes into the data folder on
// first use (a file only its owner reads) and reuses them, so what one run
// sealed the next opens; production refuses to start without the key.
func TestCLIDevelopmentGeneratesTheSecretKeyOnce(t *testing.T) {
	t.Parallel()
	c := newSQLiteCLI(t)
	c.ok("", "keys", "rotate")
	path := filepath.Join(filepath.Dir(c.env["HEARTH_DATABASE"]), devSecretKeyFile)
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no generated key file: %v", err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(first)))
	if err != nil || len(key) != 32 {
		t.Fatalf("key file holds %q: want 32 bytes in base64", first)
	}
	c.ok("", "keys", "rotate")
	if again, _ := os.ReadFile(path); string(again) != string(first) {
		t.Fatal("a second run generated another key")
	}
	db := c.openDB()
	defer db.Close()
	ks, err := models.PublishedSigningKeys(t.Context(), db, time.Now())
	if err != nil || len(ks) != 2 {
		t.Fatalf("published keys: %+v, %v", ks, err)
	}
	for _, k := range ks {
		if _, err := k.Private(key); err != nil {
			t.Errorf("a signing key sealed in development does not open with the generated key: %v", err)
		}
	}

	if err := os.WriteFile(path, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.fails(devSecretKeyFile, "", "keys", "rotate")

	prod := newSQLiteCLI(t)
	prod.env["HEARTH_ENV"] = "production"
	prod.env["HEARTH_BASE_URL"] = "https://app.example.com"
	prod.env["HEARTH_SMTP_URL"] = "smtp://u:p@smtp.example.com:587"
	prod.fails("HEARTH_SECRET_KEY: required in production", "", "serve")
	prod.noDatabaseFile("a production start without HEARTH_SECRET_KEY opened the database")
}
