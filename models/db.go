package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"gorm.io/driver/postgres"
	gormsqlite "gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hearth-app/hearth/migrations"
)

// DB is the application's database: a handle for writes and one for reads.
//
// On SQLite the writer is a pool of exactly one connection whose transactions
// begin IMMEDIATE, and the reader is a separate read-only pool. SQLite allows
// one writer at a time; funnelling writes through one connection turns
// "database is locked" failures into a short queue in Go, while WAL lets
// readers run beside it. On PostgreSQL both fields are the same pool.
type DB struct {
	Write   *gorm.DB
	Read    *gorm.DB
	Dialect Dialect

	closers []*sql.DB
}

// Options tune how Open connects.
type Options struct {
	// SQLiteSynchronous is SQLite's synchronous pragma, "normal" (the
	// default when empty) or "full". In WAL mode NORMAL loses nothing when
	// the process crashes, but a power loss or an OS crash may lose the
	// last transactions (never corrupt the file); FULL syncs the WAL on
	// every commit, at a cost measured by BenchmarkSQLiteSynchronous.
	SQLiteSynchronous string
}

// Open connects to dsn: a SQLite file path or a postgres:// URL.
func Open(dsn string) (*DB, error) { return OpenWith(dsn, Options{}) }

// OpenWith is Open with options.
func OpenWith(dsn string, o Options) (*DB, error) {
	cfg := &gorm.Config{
		Logger:         logger.Discard,
		NowFunc:        func() time.Time { return time.Now().UTC() },
		TranslateError: true,
		// No PrepareStmt: GORM's statement cache is shared by the pool and
		// its transactions, and a transaction that meets a statement still
		// being prepared outside it waits for that preparation, which waits
		// for a connection the transactions hold: a deadlock whenever the
		// pool is full (always, on SQLite's one-connection writer; see
		// TestAStatementWaitingForAConnectionDoesNotDeadlockTransactions).
		// pgx caches prepared statements per connection by itself.
		PrepareStmt: false,
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		g, err := gorm.Open(postgres.Open(dsn), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := g.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		db := &DB{Write: g, Read: g, Dialect: Postgres, closers: []*sql.DB{sqlDB}}
		if err := attachJobQueue(db); err != nil {
			return nil, err
		}
		return db, nil
	}
	db, err := openSQLite(dsn, cfg, o)
	if err != nil {
		return nil, err
	}
	if err := attachJobQueue(db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openSQLite(path string, cfg *gorm.Config, o Options) (*DB, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	params := url.Values{}
	synchronous := "NORMAL"
	switch strings.ToLower(o.SQLiteSynchronous) {
	case "", "normal":
	case "full":
		synchronous = "FULL"
	default:
		return nil, fmt.Errorf("sqlite synchronous: %q is not normal or full", o.SQLiteSynchronous)
	}
	for _, p := range []string{"busy_timeout(5000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(" + synchronous + ")"} {
		params.Add("_pragma", p)
	}
	params.Set("_time_format", "sqlite")
	params.Set("_timezone", "UTC")
	// The path is a file name, not URI syntax: escape what SQLite's URI
	// parsing would read otherwise (a '#' or '?' would cut the name short).
	dsn := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path) + "?"

	w, err := sql.Open("sqlite", dsn+params.Encode()+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}

	params.Add("_pragma", "query_only(1)")
	r, err := sql.Open("sqlite", dsn+params.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	n := max(4, 2*runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)

	wg, err := gorm.Open(sqliteDialector{gormsqlite.Dialector{Conn: w}}, cfg)
	if err != nil {
		return nil, err
	}
	rg, err := gorm.Open(sqliteDialector{gormsqlite.Dialector{Conn: r}}, cfg)
	if err != nil {
		return nil, err
	}
	return &DB{Write: wg, Read: rg, Dialect: SQLite, closers: []*sql.DB{w, r}}, nil
}

// Close closes every pool.
func (db *DB) Close() error {
	var errs []error
	for _, c := range db.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.Read.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error
}

// ProbeWrite makes one small real write (a row of its own in
// throttle_buckets), so that a health check sees what reads cannot: a full
// disk, a lost writer, a read-only standby.
func ProbeWrite(ctx context.Context, db *DB, now time.Time) error {
	return db.Write.WithContext(ctx).Exec(`INSERT INTO throttle_buckets (key, tat_ms) VALUES ('healthz:write-probe', ?)
ON CONFLICT (key) DO UPDATE SET tat_ms = excluded.tat_ms`, now.UnixMilli()).Error
}

// SQL returns the writer's *sql.DB (for migrations).
func (db *DB) SQL() *sql.DB { return db.closers[0] }

// MigrateUp applies every pending migration (package migrations) and
// returns how many ran.
func (db *DB) MigrateUp(ctx context.Context) (int, error) {
	m, err := migrations.New(db.SQL(), db.Dialect == Postgres)
	if err != nil {
		return 0, err
	}
	return m.Up(ctx)
}

// MigrateDown rolls back the most recent migration.
func (db *DB) MigrateDown(ctx context.Context) error {
	m, err := migrations.New(db.SQL(), db.Dialect == Postgres)
	if err != nil {
		return err
	}
	return m.Down(ctx)
}

// MigrationStatus writes one line per migration: applied or pending.
func (db *DB) MigrationStatus(ctx context.Context, w io.Writer) error {
	m, err := migrations.New(db.SQL(), db.Dialect == Postgres)
	if err != nil {
		return err
	}
	return m.Status(ctx, w)
}

// sqliteDialector is gorm's SQLite dialector with error translation that
// understands modernc's errors (gorm's own only knows mattn's).
type sqliteDialector struct{ gormsqlite.Dialector }

func (d sqliteDialector) Translate(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return gorm.ErrDuplicatedKey
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return gorm.ErrForeignKeyViolated
		}
	}
	return err
}

// Unavailable reports whether err says the database could not be reached
// or could not write, rather than that the request was wrong: connections
// lost or refused, a server shutting down, a full disk, an I/O error, a
// database closed or locked for too long. The same request may work once
// the database is back, so handlers answer 503 with Retry-After.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_BUSY,
			sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_PROTOCOL:
			return true
		}
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53"),  // insufficient resources: disk full, out of memory, too many connections
			strings.HasPrefix(pe.Code, "57P"), // admin shutdown, crash shutdown, cannot connect now
			pe.Code == "58030",                // I/O error
			pe.Code == "25006":                // read-only transaction (a standby)
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		pgconn.Timeout(err) || strings.Contains(err.Error(), "sql: database is closed") ||
		strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "unexpected EOF")
}

// jobQueue is the insert-only River client, reachable from every
// transaction of the writer (gorm keeps plugins in the shared Config).
type jobQueue struct{ client *river.Client[*sql.Tx] }

const jobQueuePlugin = "hearth:jobs"

func (jobQueue) Name() string              { return jobQueuePlugin }
func (jobQueue) Initialize(*gorm.DB) error { return nil }

// riverDriver is River's driver for db's writer pool.
func riverDriver(db *DB) riverdriver.Driver[*sql.Tx] {
	if db.Dialect == Postgres {
		return riverdatabasesql.New(db.SQL())
	}
	return riversqlite.New(db.SQL()) // the one-connection writer, as riversqlite advises
}

// attachJobQueue makes the insert-only client of db.
func attachJobQueue(db *DB) error {
	c, err := river.NewClient(riverDriver(db), &river.Config{})
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	return db.Write.Use(jobQueue{c})
}

// NewJobClient returns a River client that works the queue with workers,
// on db's writer pool. cfg's Queues and Workers are the caller's; the
// caller starts and stops it.
func NewJobClient(db *DB, cfg *river.Config) (*river.Client[*sql.Tx], error) {
	return river.NewClient(riverDriver(db), cfg)
}

// insertJobTx queues jobs in the transaction tx, in one round trip.
func insertJobTx(tx *gorm.DB, args ...river.JobArgs) error {
	if len(args) == 0 {
		return nil
	}
	p, ok := tx.Config.Plugins[jobQueuePlugin].(jobQueue)
	if !ok {
		return errors.New("job queue: not attached to this database")
	}
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return errors.New("job queue: a job is inserted in a transaction")
	}
	if len(args) == 1 {
		if _, err := p.client.InsertTx(tx.Statement.Context, sqlTx, args[0], nil); err != nil {
			return fmt.Errorf("queue %s job: %w", args[0].Kind(), err)
		}
		return nil
	}
	many := make([]river.InsertManyParams, len(args))
	for i, a := range args {
		many[i] = river.InsertManyParams{Args: a}
	}
	if _, err := p.client.InsertManyTx(tx.Statement.Context, sqlTx, many); err != nil {
		return fmt.Errorf("queue %d jobs: %w", len(args), err)
	}
	return nil
}
