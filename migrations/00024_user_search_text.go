package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pressly/goose/v3"

	"github.com/hearth-app/hearth/internal/searchtext"
)

// searchTextMigration is migration 00024, in Go because its backfill folds
// text the way internal/searchtext does: it adds users.search_text, what the
// admin users search matches (searchtext.User of the email and name:
// lower case, accents removed, so that "jose" finds "José" on both
// databases without the unaccent extension), and moves the search indexes
// of 00004 and 00008 onto it.
//
// The app writes the folded text after every write of an email or a name
// (models.setSearchText). So that writes around the app (SQL by hand, a bulk
// import) stay searchable, as they were, the database keeps a fallback: a
// trigger sets search_text to lower(email || ' ' || name) whenever a
// statement sets the email or the name, and when a row is inserted without
// it. The app's own write comes in a statement of its own, after the change.
func searchTextMigration(postgres bool) *goose.Migration {
	up, down := searchTextSQLiteUp, searchTextSQLiteDown
	if postgres {
		up, down = searchTextPostgresUp, searchTextPostgresDown
	}
	m := goose.NewGoMigration(24,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			if err := execAll(ctx, tx, up[:1]); err != nil {
				return err
			}
			if err := foldSearchText(ctx, tx, postgres); err != nil {
				return err
			}
			return execAll(ctx, tx, up[1:])
		}},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return execAll(ctx, tx, down) }})
	m.Source = "00024_user_search_text.go"
	return m
}

func execAll(ctx context.Context, tx *sql.Tx, stmts []string) error {
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%.60s…: %w", s, err)
		}
	}
	return nil
}

// foldedText is a user's folded search text, to write.
type foldedText struct{ id, text string }

// foldSearchText fills search_text: the database lowers every row at once,
// which is the folded text of any row in ASCII, then refoldSearchText
// rewrites the rows whose folded text differs (names with accents, say).
func foldSearchText(ctx context.Context, tx *sql.Tx, postgres bool) error {
	if _, err := tx.ExecContext(ctx, "UPDATE users SET search_text = lower(email || ' ' || name)"); err != nil {
		return err
	}
	return refoldSearchText(ctx, tx, postgres)
}

// refoldSearchText rewrites the search text of the users whose stored text
// is not searchtext.User of their email and name.
func refoldSearchText(ctx context.Context, tx *sql.Tx, postgres bool) error {
	rows, err := tx.QueryContext(ctx, "SELECT id, email, name, search_text FROM users")
	if err != nil {
		return err
	}
	var changes []foldedText
	for rows.Next() {
		var id, email, name, text string
		if err := rows.Scan(&id, &email, &name, &text); err != nil {
			rows.Close()
			return err
		}
		if folded := searchtext.User(email, name); folded != text {
			changes = append(changes, foldedText{id, folded})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if postgres {
		return foldPostgres(ctx, tx, changes)
	}
	stmt, err := tx.PrepareContext(ctx, "UPDATE users SET search_text = ? WHERE id = ?")
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, c := range changes {
		if _, err := stmt.ExecContext(ctx, c.text, c.id); err != nil {
			return fmt.Errorf("fold the search text of user %s: %w", c.id, err)
		}
	}
	return nil
}

// foldPostgres writes the changes 500 rows a statement, not one round trip
// each (at 100,000 seeded users, 19,000 of them with accents: 16.4 s for
// the migration one by one, 12.3 s batched, on a loaded 2-CPU machine;
// SQLite, one by one in process, 3–6 s).
func foldPostgres(ctx context.Context, tx *sql.Tx, changes []foldedText) error {
	const batch = 500
	for len(changes) > 0 {
		n := min(batch, len(changes))
		var values strings.Builder
		args := make([]any, 0, 2*n)
		for i, c := range changes[:n] {
			if i > 0 {
				values.WriteString(", ")
			}
			fmt.Fprintf(&values, "($%d, $%d)", 2*i+1, 2*i+2)
			args = append(args, c.id, c.text)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET search_text = v.text FROM (VALUES "+values.String()+") AS v(id, text) WHERE users.id = v.id", args...); err != nil {
			return fmt.Errorf("fold the search texts: %w", err)
		}
		changes = changes[n:]
	}
	return nil
}

// SQLite: the FTS5 trigram table of 00008 now holds search_text, and the
// covering index of 00004 (which short searches scan) is over it. The
// insert trigger indexes the fallback itself when the row comes without a
// search text: SQLite does not say in which order two triggers of one
// insert run.
var searchTextSQLiteUp = []string{
	`ALTER TABLE users ADD COLUMN search_text TEXT NOT NULL DEFAULT ''`,
	// (foldSearchText runs here.)
	`DROP TRIGGER users_fts_insert`,
	`DROP TRIGGER users_fts_update`,
	`CREATE TRIGGER users_search_text_insert AFTER INSERT ON users WHEN NEW.search_text = '' BEGIN
    UPDATE users SET search_text = lower(NEW.email || ' ' || NEW.name) WHERE id = NEW.id;
END`,
	`CREATE TRIGGER users_search_text_update AFTER UPDATE OF email, name ON users BEGIN
    UPDATE users SET search_text = lower(NEW.email || ' ' || NEW.name) WHERE id = NEW.id;
END`,
	`CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_fts_rows (user_id) VALUES (NEW.id);
    INSERT INTO users_fts (rowid, text)
        SELECT rid, CASE WHEN NEW.search_text = '' THEN lower(NEW.email || ' ' || NEW.name) ELSE NEW.search_text END
        FROM users_fts_rows WHERE user_id = NEW.id;
END`,
	`CREATE TRIGGER users_fts_update AFTER UPDATE OF id, search_text ON users BEGIN
    DELETE FROM users_fts WHERE rowid = (SELECT rid FROM users_fts_rows WHERE user_id = OLD.id);
    UPDATE users_fts_rows SET user_id = NEW.id WHERE user_id = OLD.id;
    INSERT INTO users_fts (rowid, text) SELECT rid, NEW.search_text FROM users_fts_rows WHERE user_id = NEW.id;
END`,
	`INSERT INTO users_fts (users_fts) VALUES ('delete-all')`,
	`INSERT INTO users_fts (rowid, text) SELECT r.rid, u.search_text FROM users u JOIN users_fts_rows r ON r.user_id = u.id`,
	`DROP INDEX users_search_idx`,
	`CREATE INDEX users_search_idx ON users (search_text, id)`,
}

// The way back: 00008's triggers and text, 00004's index.
var searchTextSQLiteDown = []string{
	`DROP INDEX users_search_idx`,
	`CREATE INDEX users_search_idx ON users (lower(email || ' ' || name), id)`,
	`DROP TRIGGER users_fts_update`,
	`DROP TRIGGER users_fts_insert`,
	`DROP TRIGGER users_search_text_update`,
	`DROP TRIGGER users_search_text_insert`,
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
	`INSERT INTO users_fts (users_fts) VALUES ('delete-all')`,
	`INSERT INTO users_fts (rowid, text) SELECT r.rid, lower(u.email || ' ' || u.name) FROM users u JOIN users_fts_rows r ON r.user_id = u.id`,
	`ALTER TABLE users DROP COLUMN search_text`,
}

// PostgreSQL: the pg_trgm GIN index of 00008 and the B-tree of 00004 are
// over search_text; a BEFORE trigger keeps the fallback. The operator class
// is named with whatever schema pg_trgm is in (00008).
var searchTextPostgresUp = []string{
	`ALTER TABLE users ADD COLUMN search_text TEXT NOT NULL DEFAULT ''`,
	// (foldSearchText runs here.)
	`CREATE FUNCTION hearth_users_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' OR NEW.search_text = '' THEN
        NEW.search_text := lower(NEW.email || ' ' || NEW.name);
    END IF;
    RETURN NEW;
END
$$`,
	`CREATE TRIGGER users_search_text BEFORE INSERT OR UPDATE OF email, name ON users
    FOR EACH ROW EXECUTE FUNCTION hearth_users_search_text()`,
	`DROP INDEX users_search_trgm_idx`,
	`DO $$
BEGIN
    EXECUTE format('CREATE INDEX users_search_trgm_idx ON users USING gin (search_text %I.gin_trgm_ops)',
        (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'));
END
$$`,
	`DROP INDEX users_search_idx`,
	`CREATE INDEX users_search_idx ON users (search_text, id)`,
}

var searchTextPostgresDown = []string{
	`DROP INDEX users_search_idx`,
	`CREATE INDEX users_search_idx ON users (lower(email || ' ' || name), id)`,
	`DROP INDEX users_search_trgm_idx`,
	`DO $$
BEGIN
    EXECUTE format('CREATE INDEX users_search_trgm_idx ON users USING gin (lower(email || '' '' || name) %I.gin_trgm_ops)',
        (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'));
END
$$`,
	`DROP TRIGGER users_search_text ON users`,
	`DROP FUNCTION hearth_users_search_text()`,
	`ALTER TABLE users DROP COLUMN search_text`,
}
