package migrations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
)

// adminListIndexes gives the admin users list's substring search over
// lower(email || ' ' || name) a real index, and fixes the sort and filter
// indexes that each database could not use well (docs/benchmarks.md). The
// two databases build these differently, so this migration is Go, not SQL.
func adminListIndexes(dialect string) *goose.Migration {
	if dialect == "postgres" {
		return goose.NewGoMigration(8,
			&goose.GoFunc{RunTx: postgresUp},
			execAll(postgresDown...))
	}
	return goose.NewGoMigration(8, execAll(sqliteUp...), execAll(sqliteDown...))
}

// On SQLite, an FTS5 table with the trigram tokenizer finds the users whose
// lower(email || ' ' || name) contains a string of 3 or more characters
// without a scan; shorter strings keep scanning users_search_idx. The
// table is contentless: it holds only the trigram index, under an integer
// rowid that users_fts_rows maps to the user's id (a TEXT key, and the
// users table's own rowid may change on VACUUM). Triggers keep both in step
// with every write to users, including writes around the app.
//
// The two partial indexes of unverified users also get the role: a role
// filter on top, as in role=member&status=unverified, is then checked and
// counted in the index, where it used to read 15,000 table rows.
var sqliteUp = []string{
	`DROP INDEX users_unverified_idx`,
	`CREATE INDEX users_unverified_idx ON users (created_at, id, role) WHERE email_verified_at IS NULL AND banned_at IS NULL`,
	`DROP INDEX users_unverified_sign_in_idx`,
	`CREATE INDEX users_unverified_sign_in_idx ON users (last_sign_in_at, id, role) WHERE email_verified_at IS NULL AND banned_at IS NULL`,
	`CREATE TABLE users_fts_rows (
    rid     INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE
)`,
	`CREATE VIRTUAL TABLE users_fts USING fts5 (
    text, content = '', contentless_delete = 1, tokenize = 'trigram case_sensitive 1'
)`,
	`INSERT INTO users_fts_rows (user_id) SELECT id FROM users ORDER BY created_at, id`,
	`INSERT INTO users_fts (rowid, text)
    SELECT r.rid, lower(u.email || ' ' || u.name) FROM users u JOIN users_fts_rows r ON r.user_id = u.id`,
	`CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_fts_rows (user_id) VALUES (NEW.id);
    INSERT INTO users_fts (rowid, text)
        SELECT rid, lower(NEW.email || ' ' || NEW.name) FROM users_fts_rows WHERE user_id = NEW.id;
END`,
	`CREATE TRIGGER users_fts_update AFTER UPDATE OF id, email, name ON users BEGIN
    DELETE FROM users_fts WHERE rowid = (SELECT rid FROM users_fts_rows WHERE user_id = OLD.id);
    UPDATE users_fts_rows SET user_id = NEW.id WHERE user_id = OLD.id;
    INSERT INTO users_fts (rowid, text)
        SELECT rid, lower(NEW.email || ' ' || NEW.name) FROM users_fts_rows WHERE user_id = NEW.id;
END`,
	`CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    DELETE FROM users_fts WHERE rowid = (SELECT rid FROM users_fts_rows WHERE user_id = OLD.id);
    DELETE FROM users_fts_rows WHERE user_id = OLD.id;
END`,
}

var sqliteDown = []string{
	`DROP TRIGGER users_fts_delete`,
	`DROP TRIGGER users_fts_update`,
	`DROP TRIGGER users_fts_insert`,
	`DROP TABLE users_fts`,
	`DROP TABLE users_fts_rows`,
	`DROP INDEX users_unverified_sign_in_idx`,
	`CREATE INDEX users_unverified_sign_in_idx ON users (last_sign_in_at, id) WHERE email_verified_at IS NULL AND banned_at IS NULL`,
	`DROP INDEX users_unverified_idx`,
	`CREATE INDEX users_unverified_idx ON users (created_at, id) WHERE email_verified_at IS NULL AND banned_at IS NULL`,
}

// On PostgreSQL, "most recent sign-in first, never signed in last" is
// last_sign_in_at DESC NULLS LAST, which an ascending index cannot give (its
// backward scan puts NULLs first): the two last sign-in indexes are rebuilt
// in that order. Deep pages read just the ids from an index, then fetch one
// page of rows (models.pageOfUsers); the email order gets an index holding
// the id for that, and the email itself, without which the planner does not
// see that lower(email) can come from the index alone.
var postgresSortUp = []string{
	`CREATE INDEX users_email_sort_idx ON users (lower(email), id) INCLUDE (email)`,
	`DROP INDEX users_last_sign_in_idx`,
	`CREATE INDEX users_last_sign_in_idx ON users (last_sign_in_at DESC NULLS LAST, id DESC)`,
	`DROP INDEX users_unverified_sign_in_idx`,
	`CREATE INDEX users_unverified_sign_in_idx ON users (last_sign_in_at DESC NULLS LAST, id DESC) WHERE email_verified_at IS NULL AND banned_at IS NULL`,
}

var postgresDown = []string{
	`DROP INDEX users_search_trgm_idx`, // pg_trgm stays: the database may use it elsewhere
	`DROP INDEX users_unverified_sign_in_idx`,
	`CREATE INDEX users_unverified_sign_in_idx ON users (last_sign_in_at, id) WHERE email_verified_at IS NULL AND banned_at IS NULL`,
	`DROP INDEX users_last_sign_in_idx`,
	`CREATE INDEX users_last_sign_in_idx ON users (last_sign_in_at, id)`,
	`DROP INDEX users_email_sort_idx`,
}

// postgresUp builds the sort indexes, then pg_trgm's GIN index, which
// serves LIKE '%…%' on the searched expression. The extension belongs to
// the whole database, so it goes in schema public (a schema-per-tenant or per-test set-up must not own it),
// and the operator class is named with whatever schema it is in. Several
// instances or test runs may create it at once; IF NOT EXISTS still loses
// that race with a unique violation, which only means another one won.
func postgresUp(ctx context.Context, tx *sql.Tx) error {
	if err := execAll(postgresSortUp...).RunTx(ctx, tx); err != nil {
		return err
	}
	schema, err := createTrigramExtension(ctx, tx)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `CREATE INDEX users_search_trgm_idx ON users
		USING gin (lower(email || ' ' || name) `+schema+`.gin_trgm_ops)`)
	return err
}

// createTrigramExtension makes sure pg_trgm is installed and returns its
// schema, quoted.
func createTrigramExtension(ctx context.Context, tx *sql.Tx) (string, error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT create_pg_trgm`); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public`); err != nil {
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23505" { // unique_violation
			return "", fmt.Errorf("the users search needs the pg_trgm extension (in PostgreSQL's contrib): %w", err)
		}
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT create_pg_trgm`); err != nil {
			return "", err
		}
	}
	var schema string
	err := tx.QueryRowContext(ctx, `SELECT quote_ident(n.nspname) FROM pg_extension e
		JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`).Scan(&schema)
	if err != nil {
		return "", fmt.Errorf("find pg_trgm: %w", err)
	}
	return schema, nil
}

// execAll runs statements in the migration's transaction.
func execAll(statements ...string) *goose.GoFunc {
	return &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		for _, s := range statements {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		return nil
	}}
}
