package main

import (
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
	c.fails("HEARTH_SECRET_KEY is not set", "", "keys", "rotate")
	c.env["HEARTH_SECRET_KEY"] = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
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
