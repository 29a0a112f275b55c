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
	"gorm.io/gorm/clause"
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
// Safe to run from every instance at once. When an endpoint wants
// session.ended, a signed-in session that ran out is deleted with its event
// (reason "expired") in one transaction, a batch at a time; each row is
// announced only by the instance whose delete removed it.
func DeleteExpiredSessions(ctx context.Context, db *DB, now time.Time, idle time.Duration) (int64, error) {
	now = now.UTC()
	var total int64
	for {
		n, err := deleteExpiredAnnounced(ctx, db, now, idle)
		total += n
		if err != nil {
			return total, err
		}
		if n < expiredBatch {
			break
		}
	}
	res := db.Write.WithContext(ctx).Exec(
		"DELETE FROM sessions WHERE expiry < ? OR last_seen_at < ? OR revoked_at < ?", now, now.Add(-idle), now.Add(-time.Hour))
	return total + res.RowsAffected, res.Error
}

// expiredBatch is how many ran-out sessions one transaction announces.
const expiredBatch = 500

// deleteExpiredAnnounced deletes up to expiredBatch signed-in sessions
// that ran out, each with its session.ended event; none when no endpoint
// wants those (the caller's one DELETE does the rest).
func deleteExpiredAnnounced(ctx context.Context, db *DB, now time.Time, idle time.Duration) (int64, error) {
	var deleted int64
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		hooks, err := enabledEndpoints(tx)
		if err != nil || len(wanting(hooks, eventSessionEnded)) == 0 {
			return err
		}
		var expired []endedSession
		if err := tx.Table("sessions").Select("token_hash", "user_id").
			Where("revoked_at IS NULL AND user_id IS NOT NULL AND (expiry < ? OR last_seen_at < ?)", now, now.Add(-idle)).
			Limit(expiredBatch).Find(&expired).Error; err != nil {
			return fmt.Errorf("expired sessions: %w", err)
		}
		var gone []endedSession
		for _, s := range expired {
			res := tx.Exec("DELETE FROM sessions WHERE token_hash = ? AND revoked_at IS NULL", s.TokenHash)
			if res.Error != nil {
				return fmt.Errorf("delete expired session: %w", res.Error)
			}
			if res.RowsAffected == 1 { // not swept by another instance meanwhile
				gone = append(gone, s)
			}
		}
		deleted = int64(len(expired))
		return queueSessionsEndedTx(tx, now, hooks, gone, EndedExpired)
	})
	return deleted, err
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
func RevokeSession(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, publicID string) (string, error) {
	if !publicSessionID.MatchString(publicID) {
		return "", ErrNotFound
	}
	var hash string
	err := db.Write.WithContext(ctx).Raw("SELECT token_hash FROM sessions WHERE user_id = ? AND token_hash LIKE ? AND revoked_at IS NULL",
		u.ID, publicID+"%").Scan(&hash).Error
	if err != nil {
		return "", err
	}
	if hash == "" {
		return "", ErrNotFound
	}
	err = db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := endSessions(tx, now, userSession(u.ID, hash, EndedRevoked)); err != nil {
			return err
		}
		return recordEventTx(tx, userEvent(by, AuditSessionRevoke, u, "one session"))
	})
	return hash, err
}

// EndSession ends the session whose token hash is tokenHash: the session
// store's Delete, when a token is renewed or a session destroyed. It raises
// no event: a renewed session goes on under its new token, and a sign-out
// is SignOut.
func EndSession(ctx context.Context, db *DB, now time.Time, tokenHash string) error {
	return db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		_, err := endSessions(tx, now, oneSession(tokenHash, endedQuietly))
		return err
	})
}

// SignOut ends the user's session whose token hash is tokenHash, with its
// audit row and session.ended event in the same transaction.
func SignOut(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, tokenHash string) error {
	return db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := endSessions(tx, now, userSession(u.ID, tokenHash, EndedSignOut)); err != nil {
			return err
		}
		return recordEventTx(tx, userEvent(by, AuditSignOut, u, ""))
	})
}

// EndReason says why sessions ended: the reason a session.ended webhook
// event gives.
type EndReason string

// The reasons sessions end.
const (
	EndedSignOut         EndReason = "signed_out"       // the user signed out
	EndedRevoked         EndReason = "revoked"          // from the sessions page, or by an admin
	EndedPasswordChanged EndReason = "password_changed" // a new password, by change or reset
	EndedAddressProven   EndReason = "address_proven"   // the first proof of the address ends what came before it
	EndedRoleChanged     EndReason = "role_changed"
	EndedBanned          EndReason = "banned"
	EndedExpired         EndReason = "expired" // past its lifetime or idle limit, seen by the clean-up
	// endedQuietly ends a token without an event: the store's renewal and
	// destruction of a token (a sign-out says so itself, through SignOut).
	endedQuietly EndReason = ""
)

// sessionSet selects the live sessions a change ends: every session of a
// user but one, or one session by its token hash (and of a user), and why.
type sessionSet struct {
	userID string // whose sessions
	keep   string // without hash: the token hash of userID's session that stays ("" for none)
	hash   string // the one session (of userID, when set)
	reason EndReason
}

// sessionsOf selects userID's sessions but the one whose token hash is
// keep ("" ends them all).
func sessionsOf(userID, keep string, why EndReason) sessionSet {
	return sessionSet{userID: userID, keep: keep, reason: why}
}

// oneSession selects the session whose token hash is hash.
func oneSession(hash string, why EndReason) sessionSet { return sessionSet{hash: hash, reason: why} }

// userSession selects userID's session whose token hash is hash (none if
// that session is another user's).
func userSession(userID, hash string, why EndReason) sessionSet {
	return sessionSet{userID: userID, hash: hash, reason: why}
}

// where is the live sessions of s, as a new query in tx.
func (s sessionSet) where(tx *gorm.DB) (*gorm.DB, error) {
	q := tx.Table("sessions").Where("revoked_at IS NULL")
	switch {
	case s.hash != "" && s.userID != "":
		return q.Where("token_hash = ? AND user_id = ?", s.hash, s.userID), nil
	case s.hash != "":
		return q.Where("token_hash = ?", s.hash), nil
	case s.userID != "":
		return q.Where("user_id = ? AND token_hash <> ?", s.userID, s.keep), nil
	}
	return nil, errors.New("end sessions: no session selected")
}

// endSessions is the one statement that ends sessions, in tx: it wipes
// their data and marks them revoked, keeping the row as a tombstone so that
// a request still in flight for one cannot write it back (the store's
// upsert leaves revoked rows alone). It returns how many it ended. Every
// sign-out, revocation, ban, role and password change goes through it, and
// so every one raises its session.ended events in the same transaction.
func endSessions(tx *gorm.DB, now time.Time, s sessionSet) (int64, error) {
	var hooks []WebhookEndpoint
	var ended []endedSession
	if s.reason != endedQuietly {
		var err error
		if hooks, err = enabledEndpoints(tx); err != nil {
			return 0, err
		}
		if len(wanting(hooks, eventSessionEnded)) > 0 {
			q, err := s.where(tx)
			if err != nil {
				return 0, err
			}
			q = q.Where("user_id IS NOT NULL").Select("token_hash", "user_id").Order("token_hash")
			if dialectOf(tx) == Postgres {
				// Another transaction ending these sessions now waits here,
				// then sees them ended: each is announced once. (SQLite's
				// one writer serializes anyway.)
				q = q.Clauses(clause.Locking{Strength: "UPDATE"})
			}
			if err := q.Find(&ended).Error; err != nil {
				return 0, fmt.Errorf("end sessions: %w", err)
			}
		}
	}
	q, err := s.where(tx)
	if err != nil {
		return 0, err
	}
	res := q.Updates(map[string]any{"revoked_at": now.UTC(), "data": gorm.Expr("''")})
	if res.Error != nil {
		return 0, fmt.Errorf("end sessions: %w", res.Error)
	}
	if err := queueSessionsEndedTx(tx, now, hooks, ended, s.reason); err != nil {
		return 0, err
	}
	return res.RowsAffected, nil
}
