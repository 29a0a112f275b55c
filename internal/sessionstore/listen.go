package sessionstore

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
	"time"

	"github.com/jackc/pgx/v5"
)

// listener is PostgreSQL's change feed. Triggers on the tables the cache
// depends on (migration 00013) call pg_notify at every commit that changes
// them, whoever wrote: this or another instance, the hearth CLI, an
// operator in psql; the payload names the users and sessions the change
// touched. The listener holds one connection that LISTENs on that channel
// and marks those keys in the cache, so the entries read before the change
// become misses.
//
// While the listener is not connected and proven (at start, after a lost
// connection) the cache is off and every request reads the database; on
// reconnecting it starts from an empty cache, so a notice missed meanwhile
// cannot leave anything stale. A path that dies silently is found by the
// probe sent every two seconds, which must come back within three: a write
// can go unseen for five seconds at most, in that failure alone.
type listener struct {
	dsn   string
	pool  *sql.DB // the app's pool: probes and sync notices go the way writes do
	cache *cache
	id    string // this instance, in the payload of its own sync notices
	stop  context.CancelFunc
	done  chan struct{}

	quiet, probeWait time.Duration // listenQuiet, listenProbeWait
	logger           *slog.Logger

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

func startListener(dsn string, pool *sql.DB, c *cache, logger *slog.Logger) *listener {
	l := newListener(dsn, pool, c, logger)
	l.start()
	return l
}

func newListener(dsn string, pool *sql.DB, c *cache, logger *slog.Logger) *listener {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &listener{dsn: dsn, pool: pool, cache: c, logger: logger, id: hex.EncodeToString(b),
		quiet: listenQuiet, probeWait: listenProbeWait, waiters: make(map[string]chan struct{})}
}

func (l *listener) start() {
	ctx, cancel := context.WithCancel(context.Background())
	l.stop, l.done = cancel, make(chan struct{})
	l.cache.setLive(false)
	go l.run(ctx)
}

// close stops the listener and waits for it.
func (l *listener) close() {
	l.stop()
	<-l.done
}

func (l *listener) run(ctx context.Context) {
	defer close(l.done)
	wait := 100 * time.Millisecond
	for {
		live, err := l.listen(ctx)
		l.cache.setLive(false)
		l.setChannel("")
		if ctx.Err() != nil {
			return
		}
		l.logger.Warn("session cache off: its PostgreSQL listener failed; every request reads the database until it is back",
			"err", err, "retry_in", wait.String())
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
func (l *listener) listen(ctx context.Context) (live bool, err error) {
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
				// Anything cached before now may have missed a notice:
				// setLive starts afresh.
				l.setChannel(channel)
				l.cache.setLive(true)
				live = true
				l.logger.Info("session cache on: listening for changes", "channel", channel)
			}
		case strings.HasPrefix(n.Payload, "sync:"): // an instance's own marker, no change
			l.heard(n.Payload)
		case n.Payload == "": // a trigger that names nothing: everything may have changed
			l.cache.dropAll()
		default:
			l.cache.change(strings.Fields(n.Payload)...)
		}
	}
}

// nextPayload names a notice of this instance's own.
func (l *listener) nextPayload(kind string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.payloadLocked(kind)
}

// payloadLocked is nextPayload for a caller holding l.mu.
func (l *listener) payloadLocked(kind string) string {
	l.seq++
	return fmt.Sprintf("sync:%s:%s%d", l.id, kind, l.seq)
}

func (l *listener) setChannel(ch string) {
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

func (l *listener) heard(payload string) {
	l.mu.Lock()
	if w, ok := l.waiters[payload]; ok {
		close(w)
		delete(l.waiters, payload)
	}
	l.mu.Unlock()
}

// sync sends a notice of its own through the database and waits (up to
// cacheSyncWait) until the listener hears it. Notices arrive in commit
// order, so by then this instance has heard every change committed before.
// It proves nothing about other instances: they were sent the same notices
// at the same commits and apply them as soon as their connections deliver
// them, but nothing waits for that (see the README's guarantee).
func (l *listener) sync(ctx context.Context) error {
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
		return ErrSyncSlow
	case <-ctx.Done():
		return ctx.Err()
	}
}
