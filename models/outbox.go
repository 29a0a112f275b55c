package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// OutboxMail is a mail waiting to be sent, or sent.
type OutboxMail struct {
	ID            string `gorm:"primaryKey"`
	UserID        *string
	Template      string // which mail, for logs: never the body
	ToAddr        string
	Subject       string
	HTMLBody      string `gorm:"column:html_body"`
	TextBody      string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	SentAt        *time.Time
	CreatedAt     time.Time
}

// TableName implements gorm's Tabler.
func (OutboxMail) TableName() string { return "outbox" }

// EnqueueMail stores a mail for the background sender, on its own. A mail
// that tells of a change is queued in the change's transaction instead
// (Announce).
func EnqueueMail(ctx context.Context, db *DB, now time.Time, m OutboxMail) (*OutboxMail, error) {
	var queued *OutboxMail
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		queued, err = enqueue(tx, now, m)
		return err
	})
	return queued, err
}

// enqueue stores m and the job that sends it, in the transaction tx.
func enqueue(tx *gorm.DB, now time.Time, m OutboxMail) (*OutboxMail, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	m.ID, m.CreatedAt, m.NextAttemptAt = id.String(), now.UTC(), now.UTC()
	if err := tx.Create(&m).Error; err != nil {
		return nil, fmt.Errorf("enqueue mail: %w", err)
	}
	if err := insertJobTx(tx, MailJob{OutboxID: m.ID}); err != nil {
		return nil, err
	}
	return &m, nil
}

// Announce carries the mails that tell of a change. The caller renders
// them (Compose) from what the change did, T; the use case calls Compose
// inside the change's transaction and queues what it returns there, so the
// mails go out if and only if the change is committed, and a change is
// never committed without them. Compose must not use the database. Once
// the use case has returned without error, Queued holds the stored mails
// (with their ids), for the caller's log. A nil *Announce queues nothing.
type Announce[T any] struct {
	Compose func(T) ([]OutboxMail, error)
	Queued  []OutboxMail

	pending []OutboxMail
}

// queue composes the mails for v and stores them in tx.
func (a *Announce[T]) queue(tx *gorm.DB, now time.Time, v T) error {
	if a == nil || a.Compose == nil {
		return nil
	}
	mails, err := a.Compose(v)
	if err != nil {
		return fmt.Errorf("compose mail: %w", err)
	}
	for _, m := range mails {
		queued, err := enqueue(tx, now, m)
		if err != nil {
			return err
		}
		a.pending = append(a.pending, *queued)
	}
	return nil
}

// settle ends the transaction's part: the mails count as queued only if it
// committed (err is the transaction's result). It returns err.
func (a *Announce[T]) settle(err error) error {
	if a == nil {
		return err
	}
	if err == nil {
		a.Queued = append(a.Queued, a.pending...)
	}
	a.pending = nil
	return err
}

// ClaimDueMail returns up to limit unsent mails whose time has come, each
// claimed for lease (its next attempt pushed back) so that another instance
// running the same sender does not send it too.
func ClaimDueMail(ctx context.Context, db *DB, now time.Time, limit int, lease time.Duration) ([]OutboxMail, error) {
	now = now.UTC()
	var due []OutboxMail
	if err := db.Write.WithContext(ctx).Where("sent_at IS NULL AND next_attempt_at <= ?", now).
		Order("next_attempt_at").Limit(limit).Find(&due).Error; err != nil {
		return nil, err
	}
	claimed := due[:0]
	for _, m := range due {
		res := db.Write.WithContext(ctx).Model(&OutboxMail{}).
			Where("id = ? AND next_attempt_at = ? AND sent_at IS NULL", m.ID, m.NextAttemptAt).
			Update("next_attempt_at", now.Add(lease))
		if res.Error != nil {
			return nil, res.Error
		}
		if res.RowsAffected == 1 {
			claimed = append(claimed, m)
		}
	}
	return claimed, nil
}

// ClaimMail claims the unsent mail id for lease, as ClaimDueMail does, for
// the job queue's mail worker: the row's next attempt time is the lock that
// keeps two instances (or the worker and the sweep) from sending it twice.
// It returns nil when the mail is gone, sent, or being sent; when it is not
// due yet, nil and the time it will be.
func ClaimMail(ctx context.Context, db *DB, id string, now time.Time, lease time.Duration) (*OutboxMail, time.Time, error) {
	now = now.UTC()
	var m OutboxMail
	err := db.Write.WithContext(ctx).Where("id = ? AND sent_at IS NULL", id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, time.Time{}, nil
	} else if err != nil {
		return nil, time.Time{}, err
	}
	if m.NextAttemptAt.After(now) {
		return nil, m.NextAttemptAt, nil
	}
	res := db.Write.WithContext(ctx).Model(&OutboxMail{}).
		Where("id = ? AND next_attempt_at = ? AND sent_at IS NULL", m.ID, m.NextAttemptAt).
		Update("next_attempt_at", now.Add(lease))
	if res.Error != nil || res.RowsAffected != 1 {
		return nil, time.Time{}, res.Error
	}
	return &m, time.Time{}, nil
}

// MarkMailSent records a delivery and wipes the mail's bodies: they hold its
// link, a live token for a reset or a verification, and the row outlives the
// delivery (in backups too). To, subject, template and sent_at stay as the
// record of what was sent.
func MarkMailSent(ctx context.Context, db *DB, id string, now time.Time) error {
	return db.Write.WithContext(ctx).Model(&OutboxMail{}).Where("id = ?", id).
		Updates(map[string]any{"sent_at": now.UTC(), "attempts": gorm.Expr("attempts + 1"), "last_error": "", "html_body": "", "text_body": ""}).Error
}

// MarkMailKept records that a mail reached the development mailbox, which
// is its row: the bodies stay for /dev/mail to show.
func MarkMailKept(ctx context.Context, db *DB, id string, now time.Time) error {
	return db.Write.WithContext(ctx).Model(&OutboxMail{}).Where("id = ?", id).
		Updates(map[string]any{"sent_at": now.UTC(), "attempts": gorm.Expr("attempts + 1"), "last_error": ""}).Error
}

// SentMailRetention is how long the record of a sent mail is kept.
const SentMailRetention = 7 * 24 * time.Hour

// DeleteOldSentMail deletes mail sent more than SentMailRetention ago (in
// the development mailbox too). Unsent mail is never deleted.
func DeleteOldSentMail(ctx context.Context, db *DB, now time.Time) (int64, error) {
	res := db.Write.WithContext(ctx).Where("sent_at < ?", now.UTC().Add(-SentMailRetention)).Delete(&OutboxMail{})
	return res.RowsAffected, res.Error
}

// MarkMailFailed records a failed attempt and when to try again: after 30 s,
// then doubling up to an hour. Mail is never dropped.
func MarkMailFailed(ctx context.Context, db *DB, m OutboxMail, now time.Time, sendErr error) error {
	backoff := 30 * time.Second << min(m.Attempts, 7)
	if backoff > time.Hour {
		backoff = time.Hour
	}
	msg := sendErr.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	return db.Write.WithContext(ctx).Model(&OutboxMail{}).Where("id = ?", m.ID).
		Updates(map[string]any{"attempts": m.Attempts + 1, "next_attempt_at": now.UTC().Add(backoff), "last_error": msg}).Error
}

// RecentMail lists the newest mails, for the development mailbox.
func RecentMail(ctx context.Context, db *DB, limit int) ([]OutboxMail, error) {
	var ms []OutboxMail
	err := db.Read.WithContext(ctx).Order("created_at DESC, id DESC").Limit(limit).Find(&ms).Error
	return ms, err
}

// MailByID loads one mail.
func MailByID(ctx context.Context, db *DB, id string) (*OutboxMail, error) {
	var m OutboxMail
	if err := db.Read.WithContext(ctx).Where("id = ?", id).Take(&m).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return &m, nil
}
