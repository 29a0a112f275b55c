package models

import (
	"context"
	"fmt"
	"time"
)

// UserSession is a live session as an admin sees it. ID is the SHA-256 of
// the cookie token, which cannot be replayed as a cookie.
type UserSession struct {
	ID         string
	UserAgent  string
	IP         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	Expiry     time.Time
}

// ListUserSessions returns a user's live sessions, most recently used first.
func ListUserSessions(ctx context.Context, db *DB, now time.Time, userID string) ([]UserSession, error) {
	var out []UserSession
	err := db.Read.WithContext(ctx).Raw(`
SELECT token_hash AS id, user_agent, ip, created_at, last_seen_at, expiry FROM sessions
WHERE user_id = ? AND expiry > ? AND revoked_at IS NULL
ORDER BY last_seen_at DESC`, userID, now.UTC()).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return out, nil
}

// RevokeUserSession ends one session of a user. It reports ErrNotFound when
// the user has no such live session.
func RevokeUserSession(ctx context.Context, db *DB, now time.Time, userID, sessionID string) error {
	res := db.Write.WithContext(ctx).Exec(
		"UPDATE sessions SET revoked_at = ?, data = '' WHERE revoked_at IS NULL AND user_id = ? AND token_hash = ?",
		now.UTC(), userID, sessionID)
	if res.Error != nil {
		return fmt.Errorf("revoke session: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}
