-- +goose Up
-- PostgreSQL only. Every instance keeps signed-in sessions, their users and a
-- few per-user facts in memory; these triggers tell all of them, at commit,
-- that something those entries vouch for changed. Whatever writes (any
-- instance, the hearth CLI, psql), the instances hear it through
-- LISTEN/NOTIFY on a channel named after the schema, and drop their caches.
-- Migration 00013 replaces these triggers with ones whose notices name the
-- users and sessions a change touched.
-- +goose StatementBegin
CREATE FUNCTION hearth_cache_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hearth_cache_' || md5(TG_TABLE_SCHEMA), '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER users_cache_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_changed();
CREATE TRIGGER identities_cache_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON identities
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_changed();
CREATE TRIGGER user_tokens_cache_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_changed();
CREATE TRIGGER sessions_cache_changed AFTER INSERT OR DELETE OR TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_changed();
-- A session's last-seen time, address and browser (refreshed at most once a
-- minute) are nothing a cached entry vouches for: such updates stay quiet.
CREATE TRIGGER sessions_cache_updated AFTER UPDATE ON sessions
    FOR EACH ROW WHEN (OLD.data IS DISTINCT FROM NEW.data
        OR OLD.expiry IS DISTINCT FROM NEW.expiry
        OR OLD.user_id IS DISTINCT FROM NEW.user_id
        OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
        OR OLD.token_hash IS DISTINCT FROM NEW.token_hash)
    EXECUTE FUNCTION hearth_cache_changed();

-- +goose Down
DROP TRIGGER sessions_cache_updated ON sessions;
DROP TRIGGER sessions_cache_changed ON sessions;
DROP TRIGGER user_tokens_cache_changed ON user_tokens;
DROP TRIGGER identities_cache_changed ON identities;
DROP TRIGGER users_cache_changed ON users;
DROP FUNCTION hearth_cache_changed();
