package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// SessionUserKey is the session value holding the signed-in user's id. The
// store copies it into the user_id column so a user's sessions can be listed
// and ended with plain queries.
const SessionUserKey = "user_id"

// SessionStore is an scs store in the app's database. Rows are keyed by the
// SHA-256 of the token (32 random bytes, so no salt is needed): the database
// never holds a token that could be replayed as a cookie.
//
// It enforces the idle timeout itself instead of letting scs rewrite every
// session on every request: each lookup checks last_seen_at, and refreshes
// it at most once per TouchInterval (see NewSessionStore). It deliberately
// has no All(): scs would hand the hashes back as if they were tokens.
type SessionStore struct {
	DB            *DB
	IdleTimeout   time.Duration
	TouchInterval time.Duration
	Now           func() time.Time
}

// AnonymousSessionTimeout is how long a session that holds no user lasts
// after it was last written: long enough for a sign-in under way (the OAuth
// state while the provider asks for consent), far shorter than a signed-in
// session, so that visitors who never sign in do not pile up rows.
const AnonymousSessionTimeout = 15 * time.Minute

// SessionExpiry is when a session written at now with the given deadline
// expires: the deadline for a signed-in one, at most AnonymousSessionTimeout
// away for one without a user.
func SessionExpiry(deadline, now time.Time, signedIn bool) time.Time {
	if !signedIn {
		if limit := now.Add(AnonymousSessionTimeout); limit.Before(deadline) {
			return limit
		}
	}
	return deadline
}

// NewSessionStore returns a store with an idle timeout. Last-seen times are
// refreshed at most once a minute, or every quarter of a shorter idle
// timeout, so that a session in use never looks idle.
func NewSessionStore(db *DB, idle time.Duration, now func() time.Time) *SessionStore {
	touch := time.Minute
	if idle > 0 {
		touch = min(touch, idle/4)
	}
	return &SessionStore{DB: db, IdleTimeout: idle, TouchInterval: touch, Now: now}
}

// HashToken is how a session token is keyed in the database.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

type clientKey struct{}

// Client describes who is making the request, for the session index. The
// store also hands back, through it, the session's user, loaded in the same
// query as the session: one database round trip per signed-in request.
type Client struct {
	IP        string
	UserAgent string
	User      *User // the session's user, set by FindCtx; nil for guests
}

// WithClient returns a context carrying the request's client, which the
// store records next to the session and fills with the session's user.
func WithClient(ctx context.Context, c *Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the request's client, or an empty one.
func ClientFrom(ctx context.Context) *Client {
	if c, ok := ctx.Value(clientKey{}).(*Client); ok {
		return c
	}
	return &Client{}
}

// clientFrom is the request's client as it is stored: see StoredText.
func clientFrom(ctx context.Context) Client {
	c := *ClientFrom(ctx)
	c.IP, c.UserAgent = StoredText(c.IP, MaxIPLen), StoredText(c.UserAgent, MaxUserAgentLen)
	return c
}

// The longest request strings kept in sessions and audit rows, in bytes.
const (
	MaxUserAgentLen = 512
	MaxIPLen        = 64 // an IPv6 address with a zone fits
)

// StoredText is s made fit to store: valid UTF-8 (PostgreSQL refuses
// anything else in a text column, and the insert fails), without NUL bytes,
// and at most max bytes, cut on a character boundary. Every string a request
// brings (User-Agent, address, email of a failed sign-in) goes through it
// before it reaches a session or an audit row.
func StoredText(s string, max int) string {
	s = cutText(s, max) // bounds the work on a huge header
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	}
	return cutText(s, max)
}

// cutText cuts s to at most max bytes, not inside a character.
func cutText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for back := 0; i > 0 && back < utf8.UTFMax-1 && !utf8.RuneStart(s[i]); back++ {
		i--
	}
	return s[:i]
}

const findSessionQuery = `
SELECT s.data, s.last_seen_at, s.expiry, u.id, u.email, u.name, u.password_hash, u.role,
       u.email_verified_at, u.banned_at, u.last_sign_in_at, u.created_at, u.updated_at, u.password_unproven
FROM sessions s LEFT JOIN users u ON u.id = s.user_id
WHERE s.token_hash = ? AND s.expiry > ? AND s.revoked_at IS NULL`

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// FindCtx returns the data of a live session, and puts the session's user,
// from the same query, on the request's Client.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	now := s.Now().UTC()
	hash := HashToken(token)
	e, hit := cacheEntry{}, false
	if s.DB.cache != nil {
		e, hit = s.DB.cache.get(hash)
	}
	idle := func(e cacheEntry) bool { return s.IdleTimeout > 0 && now.Sub(e.lastSeen) > s.IdleTimeout }
	if hit && idle(e) {
		// Another instance may have seen it since (a touch notifies no one):
		// only the database can say it is idle.
		hit = false
	}
	if !hit {
		var found bool
		var err error
		if e, found, err = s.load(ctx, hash, now); err != nil || !found {
			return nil, false, err
		}
	}
	if idle(e) {
		return nil, false, nil
	}
	if now.Sub(e.lastSeen) >= s.TouchInterval {
		c := clientFrom(ctx)
		// On the raw writer: a last-seen time changes nothing a cached entry
		// vouches for, so it need not invalidate the cache.
		_, err := s.DB.writeSQL().ExecContext(ctx, s.DB.rebind(
			"UPDATE sessions SET last_seen_at = ?, ip = ?, user_agent = ? WHERE token_hash = ? AND revoked_at IS NULL"),
			now, c.IP, c.UserAgent, hash)
		if err != nil {
			return nil, false, fmt.Errorf("touch session: %w", err)
		}
		if s.DB.cache != nil {
			s.DB.cache.setLastSeen(hash, now)
		}
	}
	if e.user != nil {
		u := *e.user // a copy: handlers may change their user
		ClientFrom(ctx).User = &u
	}
	return e.data, true, nil
}

// load reads a live session and its user from the database and caches them.
func (s *SessionStore) load(ctx context.Context, hash string, now time.Time) (cacheEntry, bool, error) {
	var epoch uint64
	if s.DB.cache != nil {
		epoch = s.DB.cache.epoch.Load() // before the read: a write during it leaves the entry stale
	}
	// The hottest query of the app: database/sql directly, without GORM's
	// reflection, user columns listed explicitly.
	var (
		e                          cacheEntry
		uid, email, name, pw, role sql.NullString
		verified, banned, lastIn   sql.NullTime
		created, updated           sql.NullTime
		expiry                     time.Time
		unproven                   sql.NullBool
	)
	err := s.DB.queryRow(ctx, findSessionQuery, hash, now).Scan(
		&e.data, &e.lastSeen, &expiry, &uid, &email, &name, &pw, &role, &verified, &banned, &lastIn, &created, &updated, &unproven)
	if errors.Is(err, sql.ErrNoRows) {
		return e, false, nil
	} else if err != nil {
		return e, false, fmt.Errorf("find session: %w", err)
	}
	e.lastSeen = e.lastSeen.UTC()
	if uid.Valid {
		e.user = &User{ID: uid.String, Email: email.String, Name: name.String, PasswordHash: pw.String, Role: role.String,
			EmailVerifiedAt: nullTime(verified), BannedAt: nullTime(banned), LastSignInAt: nullTime(lastIn),
			CreatedAt: created.Time.UTC(), UpdatedAt: updated.Time.UTC(), PasswordUnproven: unproven.Bool}
	}
	if s.DB.cache != nil && expiry.After(now.Add(s.DB.cache.ttl)) {
		e.epoch, e.born = epoch, time.Now()
		s.DB.cache.put(hash, e)
	}
	return e, true, nil
}

// CommitCtx stores a session, until expiry for a signed-in one (see
// SessionExpiry). A token that was revoked meanwhile is not brought back:
// the upsert leaves revoked rows alone.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, data []byte, expiry time.Time) error {
	now := s.Now().UTC()
	var userID *string
	if _, values, err := (JSONCodec{}).Decode(data); err == nil {
		if id, ok := values[SessionUserKey].(string); ok && id != "" {
			userID = &id
		}
	}
	expiry = SessionExpiry(expiry, now, userID != nil)
	c := clientFrom(ctx)
	err := s.DB.Write.WithContext(ctx).Exec(`
INSERT INTO sessions (token_hash, data, expiry, user_id, user_agent, ip, created_at, last_seen_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (token_hash) DO UPDATE SET
    data = excluded.data, expiry = excluded.expiry, user_id = excluded.user_id,
    user_agent = excluded.user_agent, ip = excluded.ip, last_seen_at = excluded.last_seen_at
WHERE sessions.revoked_at IS NULL`,
		HashToken(token), data, expiry.UTC(), userID, c.UserAgent, c.IP, now, now).Error
	if s.DB.cache != nil {
		s.DB.cache.drop(HashToken(token))
	}
	if err != nil {
		if errors.Is(err, gorm.ErrForeignKeyViolated) {
			return nil // the user was deleted while this request ran: nothing to keep
		}
		return fmt.Errorf("commit session: %w", err)
	}
	return nil
}

// DeleteCtx ends a session: the row is kept as a tombstone, its data wiped.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	return EndSession(ctx, s.DB, s.Now(), HashToken(token))
}

// Find implements scs.Store.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit implements scs.Store.
func (s *SessionStore) Commit(token string, data []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, data, expiry)
}

// Delete implements scs.Store.
func (s *SessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
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

// JSONCodec encodes scs session data as JSON. Unlike gob it needs no type
// registration and lets the store read the user id cheaply. Session values
// must be strings, bools or numbers (numbers come back as float64).
type JSONCodec struct{}

// SessionCodec is JSONCodec with decoding remembered by content: a signed-in
// request decodes the same few bytes its session had on the last request,
// and a copy of a small map costs a twentieth of decoding JSON again. Equal
// bytes decode to equal values, so nothing here can go stale; the memo
// starts afresh when it holds max entries.
type SessionCodec struct {
	JSONCodec
	max  int
	mu   sync.RWMutex
	memo map[string]decodedSession
}

type decodedSession struct {
	deadline time.Time
	values   map[string]any
}

// NewSessionCodec returns a codec remembering up to max decodings.
func NewSessionCodec(max int) *SessionCodec {
	return &SessionCodec{max: max, memo: make(map[string]decodedSession)}
}

// Decode implements scs.Codec. The map it returns is the caller's own.
func (c *SessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	c.mu.RLock()
	d, ok := c.memo[string(b)]
	c.mu.RUnlock()
	if !ok {
		deadline, values, err := c.JSONCodec.Decode(b)
		if err != nil {
			return deadline, values, err
		}
		d = decodedSession{deadline: deadline, values: values}
		c.mu.Lock()
		if len(c.memo) >= c.max {
			clear(c.memo)
		}
		c.memo[string(b)] = d
		c.mu.Unlock()
	}
	return d.deadline, maps.Clone(d.values), nil
}

type codecData struct {
	Deadline time.Time      `json:"d"`
	Values   map[string]any `json:"v"`
}

// Encode implements scs.Codec.
func (JSONCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	return json.Marshal(codecData{Deadline: deadline, Values: values})
}

// Decode implements scs.Codec.
func (JSONCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	var d codecData
	if err := json.Unmarshal(b, &d); err != nil {
		return time.Time{}, nil, err
	}
	if d.Values == nil {
		d.Values = map[string]any{}
	}
	return d.Deadline, d.Values, nil
}
