package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
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
// While the listener is not connected (at start, after a lost connection)
// the cache is off and every request reads the database; on reconnecting it
// starts from an empty cache, so a notification missed meanwhile cannot
// leave anything stale. A connection that dies silently is found by a ping
// after ten quiet seconds; until then the cache's ttl bounds how old an
// entry can be.
type cacheListener struct {
	dsn   string
	cache *sessionCache
	id    string // this instance, in the payload of its own sync notices
	stop  context.CancelFunc
	done  chan struct{}

	mu      sync.Mutex
	channel string // set once connected
	seq     uint64
	waiters map[string]chan struct{} // sync payload -> closed when heard
}

// Timings of the listener; variables of the type, not globals.
const (
	listenQuiet     = 10 * time.Second // ping the connection after this long without a notice
	listenRetryMax  = 5 * time.Second  // longest wait between reconnection attempts
	cacheSyncWait   = 250 * time.Millisecond
	cacheChannelSQL = "SELECT 'hearth_cache_' || md5(current_schema())"
)

func startCacheListener(dsn string, cache *sessionCache) *cacheListener {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	ctx, cancel := context.WithCancel(context.Background())
	l := &cacheListener{dsn: dsn, cache: cache, id: hex.EncodeToString(b), stop: cancel,
		done: make(chan struct{}), waiters: make(map[string]chan struct{})}
	cache.live.Store(false)
	go l.run(ctx)
	return l
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
		connected, _ := l.listen(ctx)
		l.cache.live.Store(false)
		l.cache.invalidate()
		l.setChannel("")
		if connected {
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
// or ctx ends. connected reports whether it got as far as listening.
func (l *cacheListener) listen(ctx context.Context) (connected bool, err error) {
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
	// Anything cached before now may have missed a notice: start afresh.
	l.cache.invalidate()
	l.setChannel(channel)
	l.cache.live.Store(true)
	for {
		wctx, cancel := context.WithTimeout(ctx, listenQuiet)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return true, ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			pctx, cancel := context.WithTimeout(ctx, listenQuiet/2)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return true, err
			}
		case err != nil:
			return true, err
		case strings.HasPrefix(n.Payload, "sync:"): // an instance's own marker, no change
			l.heard(n.Payload)
		default:
			l.cache.invalidate()
		}
	}
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
func (l *cacheListener) sync(ctx context.Context, db *DB) error {
	l.mu.Lock()
	if l.channel == "" {
		l.mu.Unlock()
		return nil // not listening: the cache is off anyway
	}
	l.seq++
	payload := fmt.Sprintf("sync:%s:%d", l.id, l.seq)
	w := make(chan struct{})
	l.waiters[payload] = w
	channel := l.channel
	l.mu.Unlock()

	defer l.heard(payload) // forget the waiter if it timed out
	if _, err := db.writeSQL().ExecContext(ctx, "SELECT pg_notify($1, $2)", channel, payload); err != nil {
		return fmt.Errorf("cache sync: %w", err)
	}
	t := time.NewTimer(cacheSyncWait)
	defer t.Stop()
	select {
	case <-w:
	case <-t.C:
	case <-ctx.Done():
	}
	return nil
}
