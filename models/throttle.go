package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-app/hearth/internal/ratelimit"
)

// Throttle counts one event for key against rate and returns
// *ratelimit.Limited when the rate is reached (the event is then not
// counted). The bucket lives in the database, so it holds across restarts
// and across instances; updates are compare-and-set, so concurrent
// instances never lose a count.
func Throttle(ctx context.Context, db *DB, now time.Time, rate ratelimit.Rate, key string) error {
	if rate.Off() {
		return nil
	}
	key = ratelimit.BucketKey(key)
	nowMs := now.UnixMilli()
	w := db.Write.WithContext(ctx)
	for range 10 {
		var rows []struct{ TatMs int64 }
		if err := w.Raw("SELECT tat_ms FROM throttle_buckets WHERE key = ?", key).Scan(&rows).Error; err != nil {
			return fmt.Errorf("throttle: %w", err)
		}
		var tat int64
		if len(rows) == 1 {
			tat = rows[0].TatMs
		}
		next, err := rate.Allow(tat, nowMs)
		if err != nil {
			return err
		}
		var q *gorm.DB
		if len(rows) == 0 {
			q = w.Exec("INSERT INTO throttle_buckets (key, tat_ms) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, next)
		} else {
			q = w.Exec("UPDATE throttle_buckets SET tat_ms = ? WHERE key = ? AND tat_ms = ?", next, key, tat)
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
	return db.Write.WithContext(ctx).Exec("DELETE FROM throttle_buckets WHERE key = ?", ratelimit.BucketKey(key)).Error
}

// DeleteIdleThrottles removes buckets that have fully refilled.
func DeleteIdleThrottles(ctx context.Context, db *DB, now time.Time) (int64, error) {
	res := db.Write.WithContext(ctx).Exec("DELETE FROM throttle_buckets WHERE tat_ms < ?", now.UnixMilli())
	return res.RowsAffected, res.Error
}
