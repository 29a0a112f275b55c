package models_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hearth-app/hearth/models"
)

// A provider's picture (Replace false) never takes the place of a photo
// the user chose, and an upload always does.
func TestPhotoFromAProviderNeverReplacesOne(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := t.Context()
	now := time.Now().UTC()
	u := &models.User{ID: uuid.Must(uuid.NewV7()).String(), Email: "p@example.com", Role: models.RoleMember, CreatedAt: now, UpdatedAt: now}
	if err := db.Write.Create(u).Error; err != nil {
		t.Fatal(err)
	}
	mine, err := models.SetPhoto(ctx, db, now, models.NewPhoto{UserID: u.ID, Data: []byte("jpeg one"), Source: models.PhotoUploaded, Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.SetPhoto(ctx, db, now, models.NewPhoto{UserID: u.ID, Data: []byte("jpeg two"), Source: "github"}); !errors.Is(err, models.ErrPhotoExists) {
		t.Fatalf("the provider's picture over an upload: %v, want ErrPhotoExists", err)
	}
	p, err := models.PhotoOf(ctx, db, u.ID, mine)
	if err != nil || string(p.Data) != "jpeg one" || p.Source != models.PhotoUploaded {
		t.Fatalf("the upload is gone: %+v %v", p, err)
	}
	if _, err := models.SetPhoto(ctx, db, now, models.NewPhoto{UserID: "no-such-user", Data: []byte("x"), Source: "github"}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a photo for a user that is gone: %v, want ErrNotFound", err)
	}
	newer, err := models.SetPhoto(ctx, db, now, models.NewPhoto{UserID: u.ID, Data: []byte("jpeg three"), Source: models.PhotoUploaded, Replace: true})
	if err != nil || newer == mine {
		t.Fatalf("a new upload: version %q (was %q), %v", newer, mine, err)
	}
	if _, err := models.PhotoOf(ctx, db, u.ID, mine); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the old version still answers: %v", err)
	}
	if got, _ := models.UserByID(ctx, db, u.ID); got.AvatarVersion != newer {
		t.Errorf("users.avatar_version %q, want %q", got.AvatarVersion, newer)
	}
	removed, err := models.RemovePhoto(ctx, db, now, u.ID, nil)
	if err != nil || !removed {
		t.Fatalf("remove: %v %v", removed, err)
	}
	if got, _ := models.UserByID(ctx, db, u.ID); got.AvatarVersion != "" {
		t.Errorf("users.avatar_version %q after removal", got.AvatarVersion)
	}
}
