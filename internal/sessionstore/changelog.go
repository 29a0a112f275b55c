package sessionstore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// changeLog is SQLite's change feed. Triggers (migration 00013) add a row
// to cache_changes for every user and session a change touches, in the
// change's own transaction, whoever wrote: this process, the hearth CLI,
// the sqlite3 shell. The store reads the rows after its own seq at the end
// of every request that wrote (sync) and every pollEvery, which bounds what
// another process can leave unseen; rows older than keepFor are deleted.
//
// Sequence numbers are AUTOINCREMENT, given in commit order (SQLite has one
// writer at a time), so a read that does not continue where the last one
// stopped, or a poll later than keepFor/2 after the last one, may have
// missed rows already deleted: then the whole cache is dropped. While the
// log cannot be read the cache is off.
type changeLog struct {
	reader, writer *sql.DB
	cache          *cache
	logger         *slog.Logger
	stop           context.CancelFunc
	done           chan struct{}

	mu       sync.Mutex // one read at a time
	last     int64      // the last seq applied
	lastRead time.Time
	started  bool
	query    *sql.Stmt
}

// Timings of the change log.
const (
	pollEvery = 100 * time.Millisecond // at most this long for another process's change
	keepFor   = time.Minute            // rows older than this are deleted
	trimEvery = 30 * time.Second
)

func startChangeLog(read, write *sql.DB, c *cache, logger *slog.Logger) *changeLog {
	ctx, cancel := context.WithCancel(context.Background())
	l := &changeLog{reader: read, writer: write, cache: c, logger: logger, stop: cancel, done: make(chan struct{})}
	l.poll(ctx) // the cache is on from the first good read
	go l.run(ctx)
	return l
}

func (l *changeLog) close() {
	l.stop()
	<-l.done
	l.mu.Lock()
	if l.query != nil {
		l.query.Close()
	}
	l.mu.Unlock()
}

func (l *changeLog) run(ctx context.Context) {
	defer close(l.done)
	poll, trim := time.NewTicker(pollEvery), time.NewTicker(trimEvery)
	defer poll.Stop()
	defer trim.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
			l.poll(ctx)
		case <-trim.C:
			if _, err := l.writer.ExecContext(ctx, "DELETE FROM cache_changes WHERE at < ?", time.Now().Add(-keepFor).Unix()); err != nil && ctx.Err() == nil {
				l.logger.Warn("session cache: trim the change log", "err", err)
			}
		}
	}
}

// poll is sync on the ticker.
func (l *changeLog) poll(ctx context.Context) { _ = l.sync(ctx) }

// sync applies every row committed before the call, and turns the cache
// off when it cannot.
func (l *changeLog) sync(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.readLocked(ctx)
	if err != nil && ctx.Err() == nil {
		if l.cache.live.Load() {
			l.logger.Warn("session cache off: its change log cannot be read; every request reads the database until it can", "err", err)
		}
		l.cache.setLive(false)
		l.started = false // start over from the newest row
	}
	return err
}

// readLocked reads and applies the new rows. The caller holds l.mu.
func (l *changeLog) readLocked(ctx context.Context) error {
	if !l.started {
		// Nothing is cached yet: start after the newest row.
		var last sql.NullInt64
		if err := l.reader.QueryRowContext(ctx, `SELECT max(seq) FROM (SELECT max(seq) AS seq FROM cache_changes
			UNION ALL SELECT seq FROM sqlite_sequence WHERE name = 'cache_changes')`).Scan(&last); err != nil {
			return fmt.Errorf("change log: %w", err)
		}
		st, err := l.reader.PrepareContext(ctx, "SELECT seq, key FROM cache_changes WHERE seq > ? ORDER BY seq")
		if err != nil {
			return fmt.Errorf("change log: %w", err)
		}
		if l.query != nil {
			l.query.Close()
		}
		l.last, l.lastRead, l.query, l.started = last.Int64, time.Now(), st, true
		l.cache.setLive(true)
		l.logger.Debug("session cache on: reading the change log")
		return nil
	}
	start := time.Now()
	rows, err := l.query.QueryContext(ctx, l.last)
	if err != nil {
		return fmt.Errorf("change log: %w", err)
	}
	defer rows.Close()
	var keys []string
	next, gap := l.last, false
	for rows.Next() {
		var seq int64
		var key string
		if err := rows.Scan(&seq, &key); err != nil {
			return fmt.Errorf("change log: %w", err)
		}
		gap = gap || seq != next+1
		next = seq
		keys = append(keys, key)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("change log: %w", err)
	}
	if gap || start.Sub(l.lastRead) > keepFor/2 || !l.cache.live.Load() {
		l.cache.setLive(true) // starts afresh: rows may have been missed
	} else if len(keys) > 0 {
		l.cache.change(keys...)
	}
	l.last, l.lastRead = next, start
	return nil
}
