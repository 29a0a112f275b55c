package models

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Limit allows Count events per Window: all at once, then one every
// Window/Count (the generic cell rate algorithm). A client over the limit is
// slowed to that pace, never locked out for good.
type Limit struct {
	Count  int
	Window time.Duration
}

func (l Limit) String() string { return fmt.Sprintf("%d/%s", l.Count, l.Window) }

// ErrThrottled is returned with how long to wait when a limit is reached.
type ErrThrottled struct{ RetryAfter time.Duration }

func (e *ErrThrottled) Error() string {
	return fmt.Sprintf("rate limit reached; retry after %s", e.RetryAfter.Round(time.Second))
}

// Throttle counts one event for key against l and returns *ErrThrottled when
// the limit is reached (the event is then not counted). The bucket lives in
// the database, so it holds across restarts and across instances; updates are
// compare-and-set, so concurrent instances never lose a count.
func Throttle(ctx context.Context, db *DB, now time.Time, l Limit, key string) error {
	if l.Count <= 0 {
		return nil // no limit configured
	}
	interval := l.Window / time.Duration(l.Count)
	key = bucketKey(key)
	nowMs := now.UnixMilli()
	for range 10 {
		var rows []struct{ TatMs int64 }
		if err := db.Write.WithContext(ctx).Raw("SELECT tat_ms FROM throttle_buckets WHERE key = ?", key).Scan(&rows).Error; err != nil {
			return fmt.Errorf("throttle: %w", err)
		}
		tat := nowMs
		if len(rows) == 1 && rows[0].TatMs > nowMs {
			tat = rows[0].TatMs
		}
		next := tat + interval.Milliseconds()
		if over := next - nowMs - l.Window.Milliseconds(); over > 0 {
			return &ErrThrottled{RetryAfter: time.Duration(over) * time.Millisecond}
		}
		q := db.Write.WithContext(ctx)
		if len(rows) == 0 {
			q = q.Exec("INSERT INTO throttle_buckets (key, tat_ms) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, next)
		} else {
			q = q.Exec("UPDATE throttle_buckets SET tat_ms = ? WHERE key = ? AND tat_ms = ?", next, key, rows[0].TatMs)
		}
		if q.Error != nil {
			return fmt.Errorf("throttle: %w", q.Error)
		}
		if q.RowsAffected == 1 {
			return nil
		}
		// Another request updated the bucket in between: read it again.
	}
	return errors.New("throttle: too much contention on " + key)
}

// ResetThrottle empties a bucket, e.g. the failed-sign-in count of an
// account after a successful sign-in.
func ResetThrottle(ctx context.Context, db *DB, key string) error {
	return db.Write.WithContext(ctx).Exec("DELETE FROM throttle_buckets WHERE key = ?", bucketKey(key)).Error
}

// bucketKey is how a key like "signin-account:EMAIL" is stored: its kind
// (before the first colon) in clear, the rest as its SHA-256. Keys are then
// bounded (at most 76 bytes) whatever a request sent, and the table holds no
// email or client address.
func bucketKey(key string) string {
	kind, value, ok := strings.Cut(key, ":")
	if !ok || len(kind) > maxBucketKind {
		kind, value = "", key
	}
	sum := sha256.Sum256([]byte(value))
	return kind + ":" + base64.RawURLEncoding.EncodeToString(sum[:])
}

const maxBucketKind = 32

// DeleteIdleThrottles removes buckets that have fully refilled.
func DeleteIdleThrottles(ctx context.Context, db *DB, now time.Time) (int64, error) {
	res := db.Write.WithContext(ctx).Exec("DELETE FROM throttle_buckets WHERE tat_ms < ?", now.UnixMilli())
	return res.RowsAffected, res.Error
}
