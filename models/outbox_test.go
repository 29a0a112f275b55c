package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/models"
)

func outboxRows(t *testing.T, db *models.DB, template string) int {
	t.Helper()
	mails, err := models.RecentMail(context.Background(), db, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range mails {
		if m.Template == template {
			n++
		}
	}
	return n
}

// TestAnnouncedMailIsPartOfTheChange: a mail that tells of a change is
// queued in the change's transaction. If it cannot be composed, the change
// does not happen; when it happens, its mail is in the outbox, and Queued
// lists it with its id.
func TestAnnouncedMailIsPartOfTheChange(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	h := password.NewHasher(1, time.Second)
	now := time.Now().UTC()

	broken := errors.New("the template broke")
	failing := &models.Announce[models.Issued]{Compose: func(models.Issued) ([]models.OutboxMail, error) { return nil, broken }}
	if _, err := models.CreateUser(ctx, db, h, models.NewUser{Email: "ann@example.com", Password: "a sturdy passphrase"}, failing); !errors.Is(err, broken) {
		t.Fatalf("sign-up whose welcome mail fails: %v, want the compose error", err)
	}
	if _, err := models.UserByEmail(ctx, db, "ann@example.com"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("the user was created without their verification mail: %v", err)
	}

	var token string
	welcome := &models.Announce[models.Issued]{Compose: func(is models.Issued) ([]models.OutboxMail, error) {
		token = is.Token
		return []models.OutboxMail{{Template: "verify_email", ToAddr: is.User.Email, UserID: &is.User.ID, Subject: "Confirm"}}, nil
	}}
	u, err := models.CreateUser(ctx, db, h, models.NewUser{Email: "ann@example.com", Password: "a sturdy passphrase"}, welcome)
	if err != nil {
		t.Fatal(err)
	}
	if len(welcome.Queued) != 1 || welcome.Queued[0].ID == "" || outboxRows(t, db, "verify_email") != 1 {
		t.Fatalf("queued %+v", welcome.Queued)
	}
	if _, _, err := models.PeekToken(ctx, db, now, token, models.TokenVerifyEmail); err != nil {
		t.Errorf("the mailed token does not work: %v", err)
	}

	notice := &models.Announce[*models.User]{Compose: func(*models.User) ([]models.OutboxMail, error) { return nil, broken }}
	if err := models.ChangePassword(ctx, db, h, now, models.AuditEvent{}, u, "a sturdy passphrase", "another sturdy phrase", "", notice); !errors.Is(err, broken) {
		t.Fatalf("password change whose notice fails: %v", err)
	}
	if _, err := models.Authenticate(ctx, db, h, "ann@example.com", "a sturdy passphrase"); err != nil {
		t.Errorf("the password changed without its notice: %v", err)
	}
	if len(notice.Queued) != 0 || outboxRows(t, db, "password_changed") != 0 {
		t.Errorf("a rolled-back change left mail: %+v", notice.Queued)
	}
}
