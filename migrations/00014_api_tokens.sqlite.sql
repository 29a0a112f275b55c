-- +goose Up
-- Personal access tokens for the JSON API (/api/v1/). Only the SHA-256 of
-- the token is stored; id is the public handle the pages use. A revoked
-- token's row is deleted. last_used_at is refreshed at most once a minute.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NULL,
    last_used_at TIMESTAMP NULL
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, created_at);

-- The session cache holds nothing about tokens (they are read from the
-- database on every API request), but a table referencing users tells it
-- of its changes (see 00013); the last-used time alone stays quiet.
-- +goose StatementBegin
CREATE TRIGGER api_tokens_cache_insert AFTER INSERT ON api_tokens BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER api_tokens_cache_update AFTER UPDATE OF id, user_id, name, token_hash, expires_at ON api_tokens BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER));
    INSERT INTO cache_changes (key, at) SELECT 'u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER) WHERE NEW.user_id IS NOT OLD.user_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER api_tokens_cache_delete AFTER DELETE ON api_tokens BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER api_tokens_cache_delete;
DROP TRIGGER api_tokens_cache_update;
DROP TRIGGER api_tokens_cache_insert;
DROP TABLE api_tokens;
