package models

import (
	"context"
	"fmt"
	"time"
)

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
