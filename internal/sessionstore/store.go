// Package sessionstore is the signed-in fast path: the scs store that keeps
// sessions in the app's database, the in-memory cache in front of it, and
// the feed of changes that keeps that cache honest (a change log read after
// writes on SQLite, LISTEN/NOTIFY on PostgreSQL).
//
// Its surface: New and Close; the scs.CtxStore methods and NewCodec for the
// session manager; WithClient and UserFrom for the request (the session's
// user is loaded in the same query as the session); Remember for per-user
// facts pages show on every request; SyncAfterWrites, the middleware that
// makes a request's own writes visible before it answers; Sync, Stats and
// Live.
//
// The user is read through models.UserColumns and models.ScanUser, the one
// column list models keeps next to the User type; this package's tests fail
// when User or the users table has a column that list does not load.
package sessionstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/hearth-app/hearth/models"
)

// UserKey is the session value holding the signed-in user's id. The store
// copies it into the user_id column so a user's sessions can be listed and
// ended with plain queries.
const UserKey = "user_id"

// IdleLimitKey is the session value (whole seconds, as text) that gives one
// session an idle timeout of its own, shorter than the store's: a sign-in
// without "Keep me signed in". The store reads it when it loads the session.
const IdleLimitKey = "idle_limit"

// AnonymousTimeout is how long a session that holds no user lasts after it
// was last written: long enough for a sign-in under way (the OAuth state
// while the provider asks for consent), far shorter than a signed-in
// session, so that visitors who never sign in do not pile up rows.
const AnonymousTimeout = 15 * time.Minute

// Expiry is when a session written at now with the given deadline expires:
// the deadline for a signed-in one, at most AnonymousTimeout away for one
// without a user.
func Expiry(deadline, now time.Time, signedIn bool) time.Time {
	if !signedIn {
		if limit := now.Add(AnonymousTimeout); limit.Before(deadline) {
			return limit
		}
	}
	return deadline
}

// The cache's bounds: how long an entry may be trusted at most (a backstop:
// every change the database sees reaches the cache through the feed; what
// no trigger sees is time passing, such as a session count as sessions
// expire), and how many entries and marks it holds before it starts afresh.
const (
	cacheTTL = 10 * time.Second
	cacheMax = 100_000
)

// Options configure a Store.
type Options struct {
	// IdleTimeout ends a session unused for this long (0: never).
	IdleTimeout time.Duration
	// Now is the clock for expiry and idle checks (default: time.Now in UTC).
	Now func() time.Time
	// Logger hears the cache going off and on (PostgreSQL's listener, the
	// SQLite change log failing). Default: discarded.
	Logger *slog.Logger
}

// Store is an scs store in the app's database. Rows are keyed by the
// SHA-256 of the token (32 random bytes, so no salt is needed): the
// database never holds a token that could be replayed as a cookie.
//
// It enforces the idle timeout itself instead of letting scs rewrite every
// session on every request: each lookup checks last_seen_at, and refreshes
// it at most once per touch interval (a minute, or a quarter of a shorter
// idle timeout). It deliberately has no All(): scs would hand the hashes
// back as if they were tokens.
type Store struct {
	db          *models.DB
	read, write *sql.DB // the hot queries skip GORM's reflection
	postgres    bool
	idle, touch time.Duration
	now         func() time.Time
	logger      *slog.Logger

	cache *cache
	feed  feed
	// GORM writes outside any request (noteWrite), and how many of them
	// the last completed Sync covers.
	outsideWrites, synced atomic.Uint64

	findQuery, touchQuery string
	stmts                 sync.Map // query -> *sql.Stmt on the reader
}

// feed brings the database's changes to the cache.
type feed interface {
	// sync returns once every change committed before the call has reached
	// the cache.
	sync(ctx context.Context) error
	close()
}

// New returns the store for db and starts its change feed; Close stops it.
func New(db *models.DB, o Options) (*Store, error) {
	if o.Now == nil {
		o.Now = func() time.Time { return time.Now().UTC() }
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	read, err := db.Read.DB()
	if err != nil {
		return nil, err
	}
	write, err := db.Write.DB()
	if err != nil {
		return nil, err
	}
	touch := time.Minute
	if o.IdleTimeout > 0 {
		touch = min(touch, o.IdleTimeout/4)
	}
	s := &Store{db: db, read: read, write: write, postgres: db.Write.Dialector.Name() == "postgres",
		idle: o.IdleTimeout, touch: touch, now: o.Now, logger: o.Logger, cache: newCache(cacheTTL, cacheMax)}
	if err := s.watchWrites(db.Write); err != nil {
		return nil, err
	}
	s.findQuery = s.rebind(`SELECT s.data, s.last_seen_at, s.expiry, ` + models.UserColumns("u") + `
FROM sessions s LEFT JOIN users u ON u.id = s.user_id
WHERE s.token_hash = ? AND s.expiry > ? AND s.revoked_at IS NULL`)
	s.touchQuery = s.rebind("UPDATE sessions SET last_seen_at = ?, ip = ?, user_agent = ? WHERE token_hash = ? AND revoked_at IS NULL")
	if s.postgres {
		pg, ok := db.Write.Dialector.(*postgres.Dialector)
		if !ok || pg.Config == nil || pg.DSN == "" {
			return nil, errors.New("sessionstore: the PostgreSQL dialector has no DSN for the listener")
		}
		s.feed = startListener(pg.DSN, write, s.cache, o.Logger)
	} else {
		s.feed = startChangeLog(read, write, s.cache, o.Logger)
	}
	return s, nil
}

// Close stops the change feed and closes the prepared statements. It does
// not close the database.
func (s *Store) Close() error {
	s.feed.close()
	s.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	return nil
}

// Sync returns once this instance has heard of every change committed
// before the call (see SyncAfterWrites). It returns ErrSyncSlow when that
// took longer than it may hold a request.
func (s *Store) Sync(ctx context.Context) error {
	w := s.outsideWrites.Load()
	err := s.feed.sync(ctx)
	// Covered even on failure: then the cache is off (SQLite) or the
	// notices come later (PostgreSQL); retrying on every lookup would only
	// hold requests up.
	for v := s.synced.Load(); v < w && !s.synced.CompareAndSwap(v, w); v = s.synced.Load() {
	}
	return err
}

// ErrSyncSlow: this instance's own notice did not come back in time (a
// loaded database). Changes still arrive, in order, later; until then
// other instances may serve what they cached a little longer.
var ErrSyncSlow = errors.New("session cache: changes are slow to arrive")

// Live reports whether the cache is in use: on SQLite while the change log
// can be read, on PostgreSQL while the listener is connected and proven.
func (s *Store) Live() bool { return s.cache.live.Load() }

// Stats reports cache hits and misses so far.
func (s *Store) Stats() (hits, misses int64) { return s.cache.hits.Load(), s.cache.misses.Load() }

// FindCtx returns the data of a live session, and puts the session's user,
// from the same query, on the request's client (UserFrom).
func (s *Store) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	now := s.now().UTC()
	hash := models.HashToken(token)
	if s.outsideWrites.Load() > s.synced.Load() {
		// This process wrote outside any request: hear it before trusting
		// the cache (on failure the feed turns the cache off itself).
		if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
			s.logger.Debug("session cache sync", "err", err)
		}
	}
	e, hit := s.cache.get(hash)
	idle := func(e entry) bool { limit := s.idleLimit(e); return limit > 0 && now.Sub(e.lastSeen) > limit }
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
	touch := s.touch
	if limit := s.idleLimit(e); limit > 0 {
		touch = min(touch, limit/4)
	}
	if now.Sub(e.lastSeen) >= touch {
		ip, ua := clientFrom(ctx)
		// Past GORM: a last-seen time changes nothing a cached entry vouches
		// for (the triggers ignore it too), and it is no reason for the
		// request to wait for the change feed.
		// A touch that fails (a full disk, a write outage) is skipped: the
		// session is as valid as it was, and the next request tries again.
		if _, err := s.write.ExecContext(ctx, s.touchQuery, now, ip, ua, hash); err != nil {
			if ctx.Err() == nil {
				s.logger.Warn("touch session failed, skipped", "err", err)
			}
		} else {
			s.cache.setLastSeen(hash, now)
		}
	}
	if e.user != nil {
		u := *e.user // a copy: handlers may change their user
		setUser(ctx, &u)
	}
	return e.data, true, nil
}

// idleLimit is how long e may go unused: the store's idle timeout, or the
// session's own (IdleLimitKey) when that is shorter.
func (s *Store) idleLimit(e entry) time.Duration {
	if e.idle > 0 && (s.idle == 0 || e.idle < s.idle) {
		return e.idle
	}
	return s.idle
}

// load reads a live session and its user from the database and caches them.
func (s *Store) load(ctx context.Context, hash string, now time.Time) (entry, bool, error) {
	seq, readAt := s.cache.version() // before the read: a change during it leaves the entry stale
	var (
		e      entry
		expiry time.Time
	)
	row, err := s.queryRow(ctx, s.findQuery, hash, now)
	if err != nil {
		return e, false, fmt.Errorf("find session: %w", err)
	}
	e.user, err = models.ScanUser(row.Scan, &e.data, &e.lastSeen, &expiry)
	if errors.Is(err, sql.ErrNoRows) {
		return e, false, nil
	} else if err != nil {
		return e, false, fmt.Errorf("find session: %w", err)
	}
	e.lastSeen = e.lastSeen.UTC()
	if _, values, err := (JSONCodec{}).Decode(e.data); err == nil {
		if v, ok := values[IdleLimitKey].(string); ok {
			if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
				e.idle = time.Duration(secs) * time.Second
			}
		}
	}
	if expiry.After(now.Add(s.cache.ttl)) {
		e.seq, e.readAt = seq, readAt
		s.cache.put(hash, e)
	}
	return e, true, nil
}

// CommitCtx stores a session, until expiry for a signed-in one (see
// Expiry). A token that was revoked meanwhile is not brought back: the
// upsert leaves revoked rows alone.
func (s *Store) CommitCtx(ctx context.Context, token string, data []byte, expiry time.Time) error {
	now := s.now().UTC()
	var userID *string
	if _, values, err := (JSONCodec{}).Decode(data); err == nil {
		if id, ok := values[UserKey].(string); ok && id != "" {
			userID = &id
		}
	}
	expiry = Expiry(expiry, now, userID != nil)
	ip, ua := clientFrom(ctx)
	hash := models.HashToken(token)
	err := s.db.Write.WithContext(ctx).Exec(`
INSERT INTO sessions (token_hash, data, expiry, user_id, user_agent, ip, created_at, last_seen_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (token_hash) DO UPDATE SET
    data = excluded.data, expiry = excluded.expiry, user_id = excluded.user_id,
    user_agent = excluded.user_agent, ip = excluded.ip, last_seen_at = excluded.last_seen_at
WHERE sessions.revoked_at IS NULL`,
		hash, data, expiry.UTC(), userID, ua, ip, now, now).Error
	s.cache.change("s:" + hash) // this instance at once; others through the feed
	if err != nil {
		if errors.Is(err, gorm.ErrForeignKeyViolated) {
			return nil // the user was deleted while this request ran: nothing to keep
		}
		return fmt.Errorf("commit session: %w", err)
	}
	return nil
}

// DeleteCtx ends a session: the row is kept as a tombstone, its data wiped.
func (s *Store) DeleteCtx(ctx context.Context, token string) error {
	hash := models.HashToken(token)
	err := models.EndSession(ctx, s.db, s.now(), hash)
	s.cache.change("s:" + hash)
	return err
}

// Find implements scs.Store.
func (s *Store) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit implements scs.Store.
func (s *Store) Commit(token string, data []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, data, expiry)
}

// Delete implements scs.Store.
func (s *Store) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// queryRow runs one of the hot read queries as a statement prepared once
// (per pooled connection, by database/sql) on the reader.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryRowContext(ctx, args...), nil
}

func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.read.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// rebind turns ? placeholders into PostgreSQL's $1, $2 … (the queries here
// hold no ? in literals).
func (s *Store) rebind(q string) string {
	if !s.postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
