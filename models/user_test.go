package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/models"
)

func TestCreateUserNormalizesAndRefusesDuplicates(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	h := password.NewHasher(1, time.Second)
	u, err := models.CreateUser(ctx, db, h, models.NewUser{Email: " MiXeD@Example.org ", Name: " Zoë  Ünïcode ", Password: "pässwörd-ünïcode"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "mixed@example.org" || u.Name != "Zoë Ünïcode" {
		t.Errorf("stored %q / %q", u.Email, u.Name)
	}
	if _, err := models.CreateUser(ctx, db, h, models.NewUser{Email: "mixed@EXAMPLE.org", Password: "another password"}, nil); !errors.Is(err, models.ErrEmailTaken) {
		t.Errorf("duplicate: %v, want ErrEmailTaken", err)
	}
	if _, err := models.Authenticate(ctx, db, h, "MIXED@example.org", "pässwörd-ünïcode"); err != nil {
		t.Errorf("unicode password sign-in: %v", err)
	}
	// The unique index holds even for a row written around the model.
	err = db.Write.Exec("INSERT INTO users (id, email, created_at, updated_at) VALUES ('x', 'MIXED@example.org', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)").Error
	if err == nil {
		t.Error("the database accepted a case-variant duplicate email")
	}
}
