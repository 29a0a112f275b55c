-- +goose Up
-- SQLite's indexes for the admin users list at 100,000+ users
-- (docs/benchmarks.md); PostgreSQL's are in 00008_admin_list_indexes.postgres.sql.
--
-- The two partial indexes of unverified users also get the role: a role
-- filter on top, as in role=member&status=unverified, is then checked and
-- counted in the index, where it used to read 15,000 table rows.
DROP INDEX users_unverified_idx;
CREATE INDEX users_unverified_idx ON users (created_at, id, role) WHERE email_verified_at IS NULL AND banned_at IS NULL;
DROP INDEX users_unverified_sign_in_idx;
CREATE INDEX users_unverified_sign_in_idx ON users (last_sign_in_at, id, role) WHERE email_verified_at IS NULL AND banned_at IS NULL;

-- The search: an FTS5 table with the trigram tokenizer finds the users whose
-- lower(email || ' ' || name) contains a string of 3 or more characters
-- without a scan (shorter strings keep scanning users_search_idx, 00004).
-- It is contentless: it holds only the trigram index, under an integer rowid
-- that users_fts_rows maps to the user's id (a TEXT key; the users table's
-- own rowid may change on VACUUM). The triggers keep both in step with every
-- write to users, including writes around the app.
CREATE TABLE users_fts_rows (
    rid     INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE users_fts USING fts5 (
    text, content = '', contentless_delete = 1, tokenize = 'trigram case_sensitive 1'
);
INSERT INTO users_fts_rows (user_id) SELECT id FROM users ORDER BY created_at, id;
INSERT INTO users_fts (rowid, text)
    SELECT r.rid, lower(u.email || ' ' || u.name) FROM users u JOIN users_fts_rows r ON r.user_id = u.id;
-- +goose StatementBegin
CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_fts_rows (user_id) VALUES (NEW.id);
    INSERT INTO users_fts (rowid, text)
        SELECT rid, lower(NEW.email || ' ' || NEW.name) FROM users_fts_rows WHERE user_id = NEW.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_fts_update AFTER UPDATE OF id, email, name ON users BEGIN
    DELETE FROM users_fts WHERE rowid = (SELECT rid FROM users_fts_rows WHERE user_id = OLD.id);
    UPDATE users_fts_rows SET user_id = NEW.id WHERE user_id = OLD.id;
    INSERT INTO users_fts (rowid, text)
        SELECT rid, lower(NEW.email || ' ' || NEW.name) FROM users_fts_rows WHERE user_id = NEW.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    DELETE FROM users_fts WHERE rowid = (SELECT rid FROM users_fts_rows WHERE user_id = OLD.id);
    DELETE FROM users_fts_rows WHERE user_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER users_fts_delete;
DROP TRIGGER users_fts_update;
DROP TRIGGER users_fts_insert;
DROP TABLE users_fts;
DROP TABLE users_fts_rows;
DROP INDEX users_unverified_sign_in_idx;
CREATE INDEX users_unverified_sign_in_idx ON users (last_sign_in_at, id) WHERE email_verified_at IS NULL AND banned_at IS NULL;
DROP INDEX users_unverified_idx;
CREATE INDEX users_unverified_idx ON users (created_at, id) WHERE email_verified_at IS NULL AND banned_at IS NULL;
