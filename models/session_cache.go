package models

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// sessionCache keeps recently used sessions, with their users, in memory, so
// a signed-in request usually costs no query at all.
//
// Revocation stays instant because nothing is trusted across a write:
//   - every write through the app's writer handle (GORM callbacks) and the
//     end of every request that may write (handlers call Invalidate after
//     it, so after any transaction committed) move the epoch on, and entries
//     of an older epoch are misses;
//   - on PostgreSQL, where other instances write too, every commit that
//     changes what entries vouch for notifies every instance, whose
//     cacheListener moves its epoch on; while the listener is not connected
//     the cache is off (live is false);
//   - an entry records the epoch read before its database read, so a write
//     racing with that read leaves it stale from birth;
//   - a committed or deleted session drops its own entry;
//   - entries also expire after ttl, which bounds what another process
//     writing the same file (the hearth CLI) can leave unseen.
type sessionCache struct {
	epoch  atomic.Uint64
	live   atomic.Bool // false: every lookup is a miss
	ttl    time.Duration
	max    int
	hits   atomic.Int64
	misses atomic.Int64

	mu sync.RWMutex
	// Two generations: new entries go into cur; every ttl, cur becomes old
	// and old is dropped. An entry is good for ttl at most anyway, so the
	// cache holds only what was used in the last two ttl periods, however
	// many sessions come and go.
	cur, old generation
	turned   time.Time
}

// generation is one period's entries.
type generation struct {
	entries map[string]cacheEntry
	memos   map[string]memo // small per-user facts pages show on every request
}

func newGeneration() generation {
	return generation{entries: make(map[string]cacheEntry), memos: make(map[string]memo)}
}

type memo struct {
	value any
	epoch uint64
	born  time.Time
}

type cacheEntry struct {
	data     []byte
	user     *User // nil for a guest session
	lastSeen time.Time
	epoch    uint64
	born     time.Time // wall clock, for ttl
}

func newSessionCache(ttl time.Duration, max int) *sessionCache {
	c := &sessionCache{ttl: ttl, max: max, cur: newGeneration(), old: newGeneration(), turned: time.Now()}
	c.live.Store(true)
	return c
}

// turn starts a new generation when the current one is ttl old or full.
// The caller holds c.mu.
func (c *sessionCache) turn() {
	if time.Since(c.turned) < c.ttl && len(c.cur.entries)+len(c.cur.memos) < c.max {
		return
	}
	c.old, c.cur, c.turned = c.cur, newGeneration(), time.Now()
}

func (c *sessionCache) get(hash string) (cacheEntry, bool) {
	c.mu.RLock()
	e, ok := c.cur.entries[hash]
	if !ok {
		e, ok = c.old.entries[hash]
	}
	c.mu.RUnlock()
	if !ok || e.epoch != c.epoch.Load() || !c.live.Load() || time.Since(e.born) > c.ttl {
		c.misses.Add(1)
		return cacheEntry{}, false
	}
	c.hits.Add(1)
	return e, true
}

func (c *sessionCache) put(hash string, e cacheEntry) {
	c.mu.Lock()
	c.turn()
	c.cur.entries[hash] = e
	delete(c.old.entries, hash)
	c.mu.Unlock()
}

func (c *sessionCache) drop(hash string) {
	c.mu.Lock()
	delete(c.cur.entries, hash)
	delete(c.old.entries, hash)
	c.mu.Unlock()
}

// setLastSeen records a touch in a live entry.
func (c *sessionCache) setLastSeen(hash string, t time.Time) {
	c.mu.Lock()
	for _, g := range []generation{c.cur, c.old} {
		if e, ok := g.entries[hash]; ok {
			e.lastSeen = t
			g.entries[hash] = e
		}
	}
	c.mu.Unlock()
}

func (c *sessionCache) invalidate() { c.epoch.Add(1) }

// watchWrites moves the epoch on after every write statement on g.
func (c *sessionCache) watchWrites(g *gorm.DB) error {
	bump := func(*gorm.DB) { c.invalidate() }
	cb := g.Callback()
	if err := cb.Create().After("gorm:create").Register("hearth:cache_create", bump); err != nil {
		return err
	}
	if err := cb.Update().After("gorm:update").Register("hearth:cache_update", bump); err != nil {
		return err
	}
	if err := cb.Delete().After("gorm:delete").Register("hearth:cache_delete", bump); err != nil {
		return err
	}
	return cb.Raw().After("gorm:raw").Register("hearth:cache_raw", bump)
}

// cached returns the value remembered under key if no write happened since
// (and it is younger than the ttl), or loads and remembers it. Without a
// live cache it always loads.
func cached[T any](db *DB, key string, load func() (T, error)) (T, error) {
	c := db.cache
	if c == nil || !c.live.Load() {
		return load()
	}
	epoch := c.epoch.Load()
	c.mu.RLock()
	m, ok := c.cur.memos[key]
	if !ok {
		m, ok = c.old.memos[key]
	}
	c.mu.RUnlock()
	if ok && m.epoch == epoch && time.Since(m.born) <= c.ttl {
		return m.value.(T), nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	c.turn()
	c.cur.memos[key] = memo{value: v, epoch: epoch, born: time.Now()}
	delete(c.old.memos, key)
	c.mu.Unlock()
	return v, nil
}

// InvalidateSessions makes every cached session a miss. Handlers call it
// when a request that may have written ends (after its commit). On
// PostgreSQL it also waits until this instance has heard the notices of
// what the request wrote (see cacheListener.sync).
func (db *DB) InvalidateSessions(ctx context.Context) error {
	if db.cache != nil {
		db.cache.invalidate()
	}
	return db.SyncSessionCache(ctx)
}

// SyncSessionCache returns once this instance has heard the notices of every
// write committed before it was called (PostgreSQL; a no-op on SQLite).
func (db *DB) SyncSessionCache(ctx context.Context) error {
	if db.listener == nil {
		return nil
	}
	return db.listener.sync(ctx)
}

// LogSessionCache sends the PostgreSQL cache listener's state changes to
// logger: when the cache goes off (its listener failed) and on again.
func (db *DB) LogSessionCache(logger *slog.Logger) {
	if db.listener == nil {
		return
	}
	db.listener.logger.Store(logger)
	if db.SessionCacheLive() {
		logger.Info("session cache on: listening for changes")
	}
}

// SessionCacheLive reports whether the session cache is in use: always on
// SQLite; on PostgreSQL while its listener is connected.
func (db *DB) SessionCacheLive() bool { return db.cache != nil && db.cache.live.Load() }

// SessionCacheStats reports cache hits and misses (zero without a cache).
func (db *DB) SessionCacheStats() (hits, misses int64) {
	if db.cache == nil {
		return 0, 0
	}
	return db.cache.hits.Load(), db.cache.misses.Load()
}
