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
CREATE TRIGGER api_tokens_cache_insert AFTER INSERT ON api_tokens REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');
-- A statement trigger with transition tables cannot name columns: updates
-- are told row by row, when more than the last-used time changed.
-- +goose StatementBegin
CREATE FUNCTION hearth_cache_api_token_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hearth_cache_send(TG_TABLE_SCHEMA, CASE WHEN NEW.user_id IS DISTINCT FROM OLD.user_id
        THEN 'u:' || OLD.user_id || ' u:' || NEW.user_id ELSE 'u:' || OLD.user_id END);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER api_tokens_cache_update AFTER UPDATE ON api_tokens
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.user_id IS DISTINCT FROM NEW.user_id
        OR OLD.name IS DISTINCT FROM NEW.name OR OLD.token_hash IS DISTINCT FROM NEW.token_hash
        OR OLD.expires_at IS DISTINCT FROM NEW.expires_at)
    EXECUTE FUNCTION hearth_cache_api_token_row();
CREATE TRIGGER api_tokens_cache_delete AFTER DELETE ON api_tokens REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');
CREATE TRIGGER api_tokens_cache_truncate AFTER TRUNCATE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');

-- +goose Down
DROP TRIGGER api_tokens_cache_truncate ON api_tokens;
DROP TRIGGER api_tokens_cache_delete ON api_tokens;
DROP TRIGGER api_tokens_cache_update ON api_tokens;
DROP TRIGGER api_tokens_cache_insert ON api_tokens;
DROP FUNCTION hearth_cache_api_token_row();
DROP TABLE api_tokens;
