package models

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Photo is a user's profile photo as stored: the JPEG Hearth made
// (internal/photo), never the file that was sent.
type Photo struct {
	UserID      string
	Version     string
	ContentType string
	Data        []byte
	Source      string // PhotoUploaded, or the provider it came from
	CreatedAt   time.Time
}

// PhotoUploaded is the source of a photo the user uploaded.
const PhotoUploaded = "upload"

// ErrPhotoExists: the user already has a photo, which a provider's
// picture does not replace.
var ErrPhotoExists = errors.New("the user already has a photo")

// avatarPrefix is where photos are served (handlers' AvatarImage).
const avatarPrefix = "/avatars/"

// PhotoURL is the address of a user's photo of that version. A new photo
// has a new version, so the address can be cached for good.
func PhotoURL(userID, version string) string {
	return avatarPrefix + userID + "/" + version + ".jpg"
}

// NewPhoto is the input of SetPhoto.
type NewPhoto struct {
	UserID string
	Data   []byte // from photo.Normalize
	Source string // PhotoUploaded or a provider's name
	// Replace: a photo the user already has gives way (an upload); when
	// false, SetPhoto returns ErrPhotoExists instead (a provider's picture).
	Replace bool
	// Audit, when set, is written in the same transaction (TargetID and
	// Email are filled in).
	Audit *AuditEvent
}

// SetPhoto stores the user's new photo under a new random version, which
// users.avatar_version repeats, and returns it. ErrNotFound: no such user.
func SetPhoto(ctx context.Context, db *DB, now time.Time, in NewPhoto) (string, error) {
	version := strings.ToLower(rand.Text())
	now = now.UTC()
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Table("users").Where("id = ?", in.UserID)
		if !in.Replace {
			q = q.Where("avatar_version = ''")
		}
		res := q.Updates(map[string]any{"avatar_version": version, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Raw("SELECT count(*) FROM users WHERE id = ?", in.UserID).Scan(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return ErrNotFound
			}
			return ErrPhotoExists
		}
		if err := tx.Exec(`INSERT INTO user_photos (user_id, version, content_type, data, source, created_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (user_id) DO UPDATE SET version = excluded.version, content_type = excluded.content_type,
data = excluded.data, source = excluded.source, created_at = excluded.created_at`,
			in.UserID, version, "image/jpeg", in.Data, in.Source, now).Error; err != nil {
			return err
		}
		return auditPhotoTx(tx, in.Audit, in.UserID)
	})
	if err != nil {
		return "", fmt.Errorf("set photo: %w", err)
	}
	return version, nil
}

// RemovePhoto deletes the user's photo; the initials stand in again. It
// reports whether there was one (only then is audit written).
func RemovePhoto(ctx context.Context, db *DB, now time.Time, userID string, audit *AuditEvent) (bool, error) {
	removed := false
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("DELETE FROM user_photos WHERE user_id = ?", userID)
		if res.Error != nil {
			return res.Error
		}
		removed = res.RowsAffected > 0
		if err := tx.Exec("UPDATE users SET avatar_version = '', updated_at = ? WHERE id = ? AND avatar_version <> ''", now.UTC(), userID).Error; err != nil {
			return err
		}
		if !removed {
			return nil
		}
		return auditPhotoTx(tx, audit, userID)
	})
	if err != nil {
		return false, fmt.Errorf("remove photo: %w", err)
	}
	return removed, nil
}

func auditPhotoTx(tx *gorm.DB, e *AuditEvent, userID string) error {
	if e == nil {
		return nil
	}
	ev := *e
	ev.TargetID = &userID
	if ev.Email == "" {
		if err := tx.Raw("SELECT email FROM users WHERE id = ?", userID).Scan(&ev.Email).Error; err != nil {
			return err
		}
	}
	return recordEventTx(tx, ev)
}

// PhotoOf returns the user's photo of that version (ErrNotFound when the
// user has no photo, or another one).
func PhotoOf(ctx context.Context, db *DB, userID, version string) (*Photo, error) {
	var found []Photo
	err := db.Read.WithContext(ctx).Raw("SELECT user_id, version, content_type, data, source, created_at FROM user_photos WHERE user_id = ? AND version = ?", userID, version).
		Scan(&found).Error
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, ErrNotFound
	}
	p := &found[0]
	p.CreatedAt = p.CreatedAt.UTC()
	return p, nil
}
