-- +goose Up
-- SQLite only. Every Hearth process keeps signed-in sessions, their users and
-- a few per-user facts in memory (internal/sessionstore). These triggers
-- record, in the same transaction as the change, whose entries it touched:
-- u:<user id> for a user's row, identities, tokens and sessions, s:<token
-- hash> for one session. Each process reads the new rows at the end of
-- every request that wrote and a few times a second, and drops just those
-- entries; whatever wrote (the server, the hearth CLI, the sqlite3 shell)
-- is seen. Rows older than a minute are deleted by the processes.
--
-- A table whose rows the cache (or a per-user fact) depends on gets the
-- same triggers in a migration of its own; internal/sessionstore's tests
-- fail for a table that references users without them.
CREATE TABLE cache_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    at  INTEGER NOT NULL -- Unix seconds
);

-- A new user is in no cache yet (nothing is cached for an id before its
-- row exists), so inserting users is quiet: bulk loads stay cheap.
-- +goose StatementBegin
CREATE TRIGGER users_cache_update AFTER UPDATE ON users BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.id, CAST(strftime('%s', 'now') AS INTEGER));
    INSERT INTO cache_changes (key, at) SELECT 'u:' || NEW.id, CAST(strftime('%s', 'now') AS INTEGER) WHERE NEW.id IS NOT OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_cache_delete AFTER DELETE ON users BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER identities_cache_insert AFTER INSERT ON identities BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER identities_cache_update AFTER UPDATE ON identities BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER));
    INSERT INTO cache_changes (key, at) SELECT 'u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER) WHERE NEW.user_id IS NOT OLD.user_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER identities_cache_delete AFTER DELETE ON identities BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER user_tokens_cache_insert AFTER INSERT ON user_tokens BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER user_tokens_cache_update AFTER UPDATE ON user_tokens BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER));
    INSERT INTO cache_changes (key, at) SELECT 'u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER) WHERE NEW.user_id IS NOT OLD.user_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER user_tokens_cache_delete AFTER DELETE ON user_tokens BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd

-- Sessions: a change of data names the session; one of the user, expiry or
-- revocation (which the user's session count depends on) names the user
-- too. A session's last-seen time, address and browser (refreshed at most
-- once a minute) are nothing a cached entry vouches for: such updates stay
-- quiet, as does deleting a tombstone.
-- +goose StatementBegin
CREATE TRIGGER sessions_cache_insert AFTER INSERT ON sessions BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('s:' || NEW.token_hash, CAST(strftime('%s', 'now') AS INTEGER));
    INSERT INTO cache_changes (key, at) SELECT 'u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER) WHERE NEW.user_id IS NOT NULL;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER sessions_cache_update AFTER UPDATE ON sessions
    WHEN OLD.data IS NOT NEW.data OR OLD.expiry IS NOT NEW.expiry OR OLD.user_id IS NOT NEW.user_id
        OR OLD.revoked_at IS NOT NEW.revoked_at OR OLD.token_hash IS NOT NEW.token_hash
BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('s:' || OLD.token_hash, CAST(strftime('%s', 'now') AS INTEGER));
    INSERT INTO cache_changes (key, at) SELECT 's:' || NEW.token_hash, CAST(strftime('%s', 'now') AS INTEGER) WHERE NEW.token_hash IS NOT OLD.token_hash;
    INSERT INTO cache_changes (key, at) SELECT 'u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER)
        WHERE OLD.user_id IS NOT NULL AND (OLD.expiry IS NOT NEW.expiry OR OLD.user_id IS NOT NEW.user_id
            OR OLD.revoked_at IS NOT NEW.revoked_at OR OLD.token_hash IS NOT NEW.token_hash);
    INSERT INTO cache_changes (key, at) SELECT 'u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER)
        WHERE NEW.user_id IS NOT NULL AND NEW.user_id IS NOT OLD.user_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER sessions_cache_delete AFTER DELETE ON sessions WHEN OLD.revoked_at IS NULL BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('s:' || OLD.token_hash, CAST(strftime('%s', 'now') AS INTEGER));
    INSERT INTO cache_changes (key, at) SELECT 'u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER) WHERE OLD.user_id IS NOT NULL;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER sessions_cache_delete;
DROP TRIGGER sessions_cache_update;
DROP TRIGGER sessions_cache_insert;
DROP TRIGGER user_tokens_cache_delete;
DROP TRIGGER user_tokens_cache_update;
DROP TRIGGER user_tokens_cache_insert;
DROP TRIGGER identities_cache_delete;
DROP TRIGGER identities_cache_update;
DROP TRIGGER identities_cache_insert;
DROP TRIGGER users_cache_delete;
DROP TRIGGER users_cache_update;
DROP TABLE cache_changes;
