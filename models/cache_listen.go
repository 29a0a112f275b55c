package models

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// cacheListener keeps a PostgreSQL instance's session cache honest when
// other instances write. Triggers on the tables the cache depends on
// (migration 00009) call pg_notify at every commit that changes them,
// whoever wrote: another instance, the hearth CLI, an operator in psql. The
// listener holds one connection that LISTENs on that channel and moves the
// cache's epoch on for each notification, so every entry read before the
// change becomes a miss.
//
// While the listener is not connected and proven (at start, after a lost
// connection) the cache is off and every request reads the database; on
// reconnecting it starts from an empty cache, so a notice missed meanwhile
// cannot leave anything stale. A path that dies silently is found by the
// probe sent every two seconds, which must come back within three: a write
// can go unseen for five seconds at most, in that failure alone.
type cacheListener struct {
	dsn   string
	pool  *sql.DB // the app's pool: probes and sync notices go the way writes do
	cache *sessionCache
	id    string // this instance, in the payload of its own sync notices
	stop  context.CancelFunc
	done  chan struct{}

	quiet, probeWait time.Duration // listenQuiet, listenProbeWait
	logger           atomic.Pointer[slog.Logger]

	mu      sync.Mutex
	channel string // set once connected
	seq     uint64
	waiters map[string]chan struct{} // sync payload -> closed when heard
}

// Timings of the listener.
const (
	listenQuiet     = 2 * time.Second // probe the path after this long
	listenProbeWait = 3 * time.Second // a probe must come back within this
	listenRetryMax  = 5 * time.Second // longest wait between reconnection attempts
	cacheSyncWait   = time.Second     // how long a state-changing request waits for its notice
	cacheChannelSQL = "SELECT 'hearth_cache_' || md5(current_schema())"
)

func startCacheListener(dsn string, pool *sql.DB, cache *sessionCache) *cacheListener {
	l := newCacheListener(dsn, pool, cache)
	l.start()
	return l
}

func newCacheListener(dsn string, pool *sql.DB, cache *sessionCache) *cacheListener {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &cacheListener{dsn: dsn, pool: pool, cache: cache, id: hex.EncodeToString(b),
		quiet: listenQuiet, probeWait: listenProbeWait, waiters: make(map[string]chan struct{})}
}

func (l *cacheListener) start() {
	ctx, cancel := context.WithCancel(context.Background())
	l.stop, l.done = cancel, make(chan struct{})
	l.cache.live.Store(false)
	go l.run(ctx)
}

// close stops the listener and waits for it.
func (l *cacheListener) close() {
	l.stop()
	<-l.done
}

func (l *cacheListener) run(ctx context.Context) {
	defer close(l.done)
	wait := 100 * time.Millisecond
	for {
		live, err := l.listen(ctx)
		l.cache.live.Store(false)
		l.cache.invalidate()
		l.setChannel("")
		if ctx.Err() != nil {
			return
		}
		if lg := l.logger.Load(); lg != nil {
			lg.Warn("session cache off: its PostgreSQL listener failed; every request reads the database until it is back",
				"err", err, "retry_in", wait.String())
		}
		if live {
			wait = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, listenRetryMax)
	}
}

// listen connects, LISTENs and handles notices until the connection fails
// or ctx ends. live reports whether the cache was turned on meanwhile.
//
// The cache is turned on only once a probe, a notice sent through the app's
// pool like any write's, has come back on the listening connection: that
// proves the whole path (behind a transaction-mode pooler, say, LISTEN
// silently hears nothing, and the cache then stays off). After every quiet
// period another probe must come back in time, or the connection is
// dropped and made anew.
func (l *cacheListener) listen(ctx context.Context) (live bool, err error) {
	conn, err := pgx.Connect(ctx, l.dsn)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.Background())
	var channel string
	if err := conn.QueryRow(ctx, cacheChannelSQL).Scan(&channel); err != nil {
		return false, err
	}
	// Named after its channel in pg_stat_activity, for operators (and tests).
	if _, err := conn.Exec(ctx, "SELECT set_config('application_name', $1, false)", channel); err != nil {
		return false, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return false, err
	}
	probe := func() (string, error) {
		payload := l.nextPayload("probe")
		_, err := l.pool.ExecContext(ctx, "SELECT pg_notify($1, $2)", channel, payload)
		return payload, err
	}
	pending, err := probe()
	if err != nil {
		return false, err
	}
	deadline := time.Now().Add(l.probeWait)
	for {
		wctx, cancel := context.WithDeadline(ctx, deadline)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return live, ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) && pending != "":
			return live, errors.New("cache listener: its probe did not come back")
		case errors.Is(err, context.DeadlineExceeded): // quiet for a while: check the path
			if pending, err = probe(); err != nil {
				return live, err
			}
			deadline = time.Now().Add(l.probeWait)
		case err != nil:
			return live, err
		case pending != "" && n.Payload == pending:
			pending, deadline = "", time.Now().Add(l.quiet)
			if !live {
				// Anything cached before now may have missed a notice.
				l.cache.invalidate()
				l.setChannel(channel)
				l.cache.live.Store(true)
				live = true
				if lg := l.logger.Load(); lg != nil {
					lg.Info("session cache on: listening for changes", "channel", channel)
				}
			}
		case strings.HasPrefix(n.Payload, "sync:"): // an instance's own marker, no change
			l.heard(n.Payload)
		default:
			l.cache.invalidate()
		}
	}
}

// nextPayload names a notice of this instance's own.
func (l *cacheListener) nextPayload(kind string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.payloadLocked(kind)
}

// payloadLocked is nextPayload for a caller holding l.mu.
func (l *cacheListener) payloadLocked(kind string) string {
	l.seq++
	return fmt.Sprintf("sync:%s:%s%d", l.id, kind, l.seq)
}

func (l *cacheListener) setChannel(ch string) {
	l.mu.Lock()
	l.channel = ch
	if ch == "" { // nobody will hear their notices now
		for p, w := range l.waiters {
			close(w)
			delete(l.waiters, p)
		}
	}
	l.mu.Unlock()
}

func (l *cacheListener) heard(payload string) {
	l.mu.Lock()
	if w, ok := l.waiters[payload]; ok {
		close(w)
		delete(l.waiters, payload)
	}
	l.mu.Unlock()
}

// sync sends a notice of its own through the database and waits (briefly)
// until the listener hears it. Notices arrive in commit order, so by then the
// notices of every write committed before have reached PostgreSQL's queue
// and this instance; the other instances' listeners were signalled at the
// same commits. Handlers call it when a request that may have written ends,
// which keeps the gap between a change on one instance and the others'
// caches smaller than any client's next request.
func (l *cacheListener) sync(ctx context.Context) error {
	l.mu.Lock()
	if l.channel == "" {
		l.mu.Unlock()
		return nil // not listening: the cache is off anyway
	}
	payload := l.payloadLocked("")
	w := make(chan struct{})
	l.waiters[payload] = w
	channel := l.channel
	l.mu.Unlock()

	defer l.heard(payload) // forget the waiter if it timed out
	if _, err := l.pool.ExecContext(ctx, "SELECT pg_notify($1, $2)", channel, payload); err != nil {
		return fmt.Errorf("cache sync: %w", err)
	}
	t := time.NewTimer(cacheSyncWait)
	defer t.Stop()
	select {
	case <-w:
		return nil
	case <-t.C:
		return ErrCacheSyncSlow
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ErrCacheSyncSlow: an instance's own notice did not come back within
// cacheSyncWait (a loaded database). Notices still arrive, in order, later;
// until then other instances may serve what they cached a little longer.
var ErrCacheSyncSlow = errors.New("session cache: notices are slow to arrive")
