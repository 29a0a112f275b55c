package sessionstore

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearth-app/hearth/models"
)

// cache keeps recently used sessions, with their users, and a few per-user
// facts in memory, so a signed-in request usually costs no query at all.
//
// Nothing is trusted across a change to what it vouches for:
//   - the database says what changed (triggers, see migration 00013): the
//     keys of the users and sessions a change touched reach the cache
//     through the change feed (changes.go), which marks them;
//   - marks are versions: every mark takes the next value of seq, and an
//     entry records the seq read before its database read, so an entry is
//     good only while no mark of its user or session is newer than it; a
//     change racing with the read leaves the entry stale from birth;
//   - a whole-cache drop (the feed lost track: a listener reconnecting, a
//     change log read that failed) raises floor, and entries older than
//     floor are misses; while the feed is not live, every lookup misses;
//   - entries also expire ttl after their read began, a backstop for what
//     no trigger sees (time passing: a session count, a link expiring).
type cache struct {
	seq    atomic.Uint64
	live   atomic.Bool // false: every lookup is a miss
	ttl    time.Duration
	max    int
	hits   atomic.Int64
	misses atomic.Int64

	mu    sync.RWMutex
	floor uint64 // entries read before it are stale
	// Two generations: new entries and marks go into cur; every ttl, cur
	// becomes old and old is dropped. An entry is good for ttl at most, and
	// a mark matters only to entries read before it, so neither needs to be
	// kept longer than two ttl periods.
	cur, old generation
	turned   time.Time
}

// generation is one period's entries and marks.
type generation struct {
	entries      map[string]entry  // by token hash
	memos        map[memoKey]memo  // per-user facts pages show on every request
	userMarks    map[string]uint64 // user id -> seq of its last change
	sessionMarks map[string]uint64 // token hash -> seq of its last change
}

func newGeneration() generation {
	return generation{entries: make(map[string]entry), memos: make(map[memoKey]memo),
		userMarks: make(map[string]uint64), sessionMarks: make(map[string]uint64)}
}

type memoKey struct{ user, name string }

type memo struct {
	value  any
	seq    uint64
	readAt time.Time
}

type entry struct {
	data     []byte
	user     *models.User // nil for a guest session
	lastSeen time.Time
	idle     time.Duration // the session's own idle limit (IdleLimitKey), 0 for the store's
	seq      uint64        // seq before the read
	readAt   time.Time     // wall clock before the read (see version), for ttl
}

func (e entry) userID() string {
	if e.user == nil {
		return ""
	}
	return e.user.ID
}

func newCache(ttl time.Duration, max int) *cache {
	return &cache{ttl: ttl, max: max, cur: newGeneration(), old: newGeneration(), turned: time.Now()}
}

// version is what an entry read from now on records: read it before the
// database read.
//
// The time is taken first (the ttl must count from before the seq was
// read) and moved back by up to a quarter of the ttl at random, so that
// entries loaded together (a restart, a whole-cache drop) do not all expire
// and reload together: an entry only ever lives shorter for it.
func (c *cache) version() (uint64, time.Time) {
	at := time.Now()
	if spread := c.ttl / 4; spread > 0 {
		at = at.Add(-rand.N(spread))
	}
	return c.seq.Load(), at
}

// turn starts a new generation when the current one is ttl old, and drops
// everything when it is full (dropping marks early would let stale entries
// back). The caller holds c.mu.
func (c *cache) turn() {
	if len(c.cur.entries)+len(c.cur.memos)+len(c.cur.userMarks)+len(c.cur.sessionMarks) >= c.max {
		c.dropAllLocked()
		return
	}
	if time.Since(c.turned) < c.ttl {
		return
	}
	c.old, c.cur, c.turned = c.cur, newGeneration(), time.Now()
}

// markOf is the seq of the last change under key in marks (cur, then old).
func markOf(cur, old map[string]uint64, key string) uint64 {
	if key == "" {
		return 0
	}
	if m, ok := cur[key]; ok {
		return m
	}
	return old[key]
}

// fresh reports whether something read at seq, at readAt, about user (and
// session, if set) can still be trusted. The caller holds c.mu.
func (c *cache) fresh(seq uint64, readAt time.Time, user, session string) bool {
	return seq >= c.floor && time.Since(readAt) <= c.ttl &&
		markOf(c.cur.userMarks, c.old.userMarks, user) <= seq &&
		markOf(c.cur.sessionMarks, c.old.sessionMarks, session) <= seq
}

func (c *cache) get(hash string) (entry, bool) {
	if !c.live.Load() {
		c.misses.Add(1)
		return entry{}, false
	}
	c.mu.RLock()
	e, ok := c.cur.entries[hash]
	if !ok {
		e, ok = c.old.entries[hash]
	}
	ok = ok && c.fresh(e.seq, e.readAt, e.userID(), hash)
	c.mu.RUnlock()
	if !ok {
		c.misses.Add(1)
		return entry{}, false
	}
	c.hits.Add(1)
	return e, true
}

func (c *cache) put(hash string, e entry) {
	if !c.live.Load() {
		return
	}
	c.mu.Lock()
	c.turn()
	if c.fresh(e.seq, e.readAt, e.userID(), hash) {
		c.cur.entries[hash] = e
		delete(c.old.entries, hash)
	}
	c.mu.Unlock()
}

// setLastSeen records a touch in a live entry.
func (c *cache) setLastSeen(hash string, t time.Time) {
	c.mu.Lock()
	for _, g := range []generation{c.cur, c.old} {
		if e, ok := g.entries[hash]; ok {
			e.lastSeen = t
			g.entries[hash] = e
		}
	}
	c.mu.Unlock()
}

// change marks what one change touched: keys are "u:<user id>" and
// "s:<token hash>"; "*" drops everything. Unknown keys are ignored.
func (c *cache) change(keys ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.turn()
	for _, k := range keys {
		switch {
		case k == "*":
			c.dropAllLocked()
		case len(k) > 2 && k[:2] == "u:":
			c.cur.userMarks[k[2:]] = c.seq.Add(1)
		case len(k) > 2 && k[:2] == "s:":
			c.cur.sessionMarks[k[2:]] = c.seq.Add(1)
			delete(c.cur.entries, k[2:])
			delete(c.old.entries, k[2:])
		}
	}
}

// dropAll makes everything cached so far a miss.
func (c *cache) dropAll() {
	c.mu.Lock()
	c.dropAllLocked()
	c.mu.Unlock()
}

func (c *cache) dropAllLocked() {
	c.floor = c.seq.Add(1)
	c.cur, c.old, c.turned = newGeneration(), newGeneration(), time.Now()
}

// setLive turns the cache on or off. Either way it starts afresh: while it
// was off, changes may have gone unheard.
func (c *cache) setLive(on bool) {
	c.dropAll()
	c.live.Store(on)
}

// recall returns the memo for (user, name) if it is still fresh.
func (c *cache) recall(user, name string) (any, bool) {
	if !c.live.Load() {
		return nil, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	m, ok := c.cur.memos[memoKey{user, name}]
	if !ok {
		m, ok = c.old.memos[memoKey{user, name}]
	}
	if !ok || !c.fresh(m.seq, m.readAt, user, "") {
		return nil, false
	}
	return m.value, true
}

func (c *cache) remember(user, name string, m memo) {
	if !c.live.Load() {
		return
	}
	c.mu.Lock()
	c.turn()
	if c.fresh(m.seq, m.readAt, user, "") {
		c.cur.memos[memoKey{user, name}] = m
		delete(c.old.memos, memoKey{user, name})
	}
	c.mu.Unlock()
}

// size is the number of entries, memos and marks held.
func (c *cache) size() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := 0
	for _, g := range []generation{c.cur, c.old} {
		n += len(g.entries) + len(g.memos) + len(g.userMarks) + len(g.sessionMarks)
	}
	return n
}
