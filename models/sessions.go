package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"time"

	"gorm.io/gorm"
)

// Sessions live in the sessions table, keyed by the SHA-256 of their token;
// internal/sessionstore is the scs store that reads and writes them. What
// the domain does to them (list, end, clean up) is here.

// HashToken is how a token (a session's, a mailed link's) is keyed in the
// database.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// DeleteExpiredSessions removes sessions past their expiry or idle for longer
// than idle, and tombstones once no request can still be in flight for them.
// Safe to run from every instance at once.
func DeleteExpiredSessions(ctx context.Context, db *DB, now time.Time, idle time.Duration) (int64, error) {
	now = now.UTC()
	res := db.Write.WithContext(ctx).Exec(
		"DELETE FROM sessions WHERE expiry < ? OR last_seen_at < ? OR revoked_at < ?", now, now.Add(-idle), now.Add(-time.Hour))
	return res.RowsAffected, res.Error
}

// SessionInfo is one of a user's live sessions, as listed to them.
type SessionInfo struct {
	TokenHash  string
	UserAgent  string
	IP         string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// PublicID is how a session is named in URLs: a prefix of its token hash,
// which is itself no secret (it cannot be turned back into a cookie).
func (s SessionInfo) PublicID() string { return s.TokenHash[:16] }

// ListUserSessions returns a user's live sessions, most recently used first.
func ListUserSessions(ctx context.Context, db *DB, now time.Time, idle time.Duration, userID string) ([]SessionInfo, error) {
	var ss []SessionInfo
	err := db.Read.WithContext(ctx).Raw(`
SELECT token_hash, user_agent, ip, created_at, last_seen_at FROM sessions
WHERE user_id = ? AND revoked_at IS NULL AND expiry > ? AND last_seen_at > ?
ORDER BY last_seen_at DESC`, userID, now.UTC(), now.UTC().Add(-idle)).Scan(&ss).Error
	return ss, err
}

var publicSessionID = regexp.MustCompile(`^[0-9a-f]{16}$`)

// RevokeSession ends the user's session named by its public id and returns
// its token hash. Another user's session is ErrNotFound.
func RevokeSession(ctx context.Context, db *DB, now time.Time, userID, publicID string) (string, error) {
	if !publicSessionID.MatchString(publicID) {
		return "", ErrNotFound
	}
	var hash string
	err := db.Write.WithContext(ctx).Raw("SELECT token_hash FROM sessions WHERE user_id = ? AND token_hash LIKE ? AND revoked_at IS NULL",
		userID, publicID+"%").Scan(&hash).Error
	if err != nil {
		return "", err
	}
	if hash == "" {
		return "", ErrNotFound
	}
	_, err = endSessions(db.Write.WithContext(ctx), now, oneSession(hash))
	return hash, err
}

// EndSession ends the session whose token hash is tokenHash (the session
// store's Delete: a sign-out).
func EndSession(ctx context.Context, db *DB, now time.Time, tokenHash string) error {
	_, err := endSessions(db.Write.WithContext(ctx), now, oneSession(tokenHash))
	return err
}

// sessionSet selects the live sessions a change ends: every session of a
// user but one, or one session by its token hash (and of a user).
type sessionSet struct {
	userID string // whose sessions
	keep   string // without hash: the token hash of userID's session that stays ("" for none)
	hash   string // the one session (of userID, when set)
}

// sessionsOf selects userID's sessions but the one whose token hash is
// keep ("" ends them all).
func sessionsOf(userID, keep string) sessionSet { return sessionSet{userID: userID, keep: keep} }

// oneSession selects the session whose token hash is hash.
func oneSession(hash string) sessionSet { return sessionSet{hash: hash} }

// userSession selects userID's session whose token hash is hash (none if
// that session is another user's).
func userSession(userID, hash string) sessionSet { return sessionSet{userID: userID, hash: hash} }

// endSessions is the one statement that ends sessions, in tx: it wipes
// their data and marks them revoked, keeping the row as a tombstone so that
// a request still in flight for one cannot write it back (the store's
// upsert leaves revoked rows alone). It returns how many it ended. Every
// sign-out, revocation, ban, role and password change goes through it.
func endSessions(tx *gorm.DB, now time.Time, s sessionSet) (int64, error) {
	q := tx.Table("sessions").Where("revoked_at IS NULL")
	switch {
	case s.hash != "" && s.userID != "":
		q = q.Where("token_hash = ? AND user_id = ?", s.hash, s.userID)
	case s.hash != "":
		q = q.Where("token_hash = ?", s.hash)
	case s.userID != "":
		q = q.Where("user_id = ? AND token_hash <> ?", s.userID, s.keep)
	default:
		return 0, errors.New("end sessions: no session selected")
	}
	res := q.Updates(map[string]any{"revoked_at": now.UTC(), "data": gorm.Expr("''")})
	if res.Error != nil {
		return 0, fmt.Errorf("end sessions: %w", res.Error)
	}
	return res.RowsAffected, nil
}
