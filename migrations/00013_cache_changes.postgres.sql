-- +goose Up
-- PostgreSQL only. Every instance keeps signed-in sessions, their users and a
-- few per-user facts in memory (internal/sessionstore). These triggers tell
-- all of them, at commit, whose entries a change touched: the notice on the
-- schema's channel carries the keys, space-separated: u:<user id> for a
-- user's row, identities, tokens and sessions, s:<token hash> for one
-- session; '*' (too many keys for one notice, or a TRUNCATE) drops every
-- entry. Whatever writes (any instance, the hearth CLI, psql), every
-- instance hears it through LISTEN/NOTIFY and drops just those entries.
-- It replaces 00009, whose notices said only that something changed.
--
-- A table whose rows the cache (or a per-user fact) depends on gets the
-- same triggers in a migration of its own, calling hearth_cache_user_rows
-- with the name of its user id column; internal/sessionstore's tests fail
-- for a table that references users without them.
DROP TRIGGER sessions_cache_updated ON sessions;
DROP TRIGGER sessions_cache_changed ON sessions;
DROP TRIGGER user_tokens_cache_changed ON user_tokens;
DROP TRIGGER identities_cache_changed ON identities;
DROP TRIGGER users_cache_changed ON users;
DROP FUNCTION hearth_cache_changed();

-- +goose StatementBegin
CREATE FUNCTION hearth_cache_send(schema text, keys text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF keys IS NULL OR keys = '' THEN
        RETURN;
    END IF;
    IF length(keys) > 7000 THEN -- a notice holds 8000 bytes
        keys := '*';
    END IF;
    PERFORM pg_notify('hearth_cache_' || md5(schema), keys);
END
$$;
-- +goose StatementEnd

-- Rows keyed by a user: TG_ARGV[0] names the column holding the user's id.
-- +goose StatementBegin
CREATE FUNCTION hearth_cache_user_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    keys text;
    col text := quote_ident(TG_ARGV[0]);
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        keys := '*';
    ELSIF TG_OP = 'INSERT' THEN
        EXECUTE format('SELECT string_agg(DISTINCT ''u:'' || %s, '' '') FROM new_rows', col) INTO keys;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT string_agg(DISTINCT ''u:'' || %s, '' '') FROM old_rows', col) INTO keys;
    ELSE
        EXECUTE format('SELECT string_agg(DISTINCT k, '' '') FROM (SELECT ''u:'' || %1$s AS k FROM old_rows UNION SELECT ''u:'' || %1$s FROM new_rows) x', col) INTO keys;
    END IF;
    PERFORM hearth_cache_send(TG_TABLE_SCHEMA, keys);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Sessions: a change of data names the session; one of the user, expiry or
-- revocation (which the user's session count depends on) names the user
-- too. A session's last-seen time, address and browser (refreshed at most
-- once a minute) are nothing a cached entry vouches for: such updates stay
-- quiet. Deleting rows that were no longer live (the cleanup of expired
-- sessions and tombstones) is quiet too.
-- +goose StatementBegin
CREATE FUNCTION hearth_cache_session_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    keys text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        keys := '*';
    ELSIF TG_OP = 'INSERT' THEN
        SELECT string_agg(DISTINCT k, ' ') INTO keys FROM (
            SELECT 's:' || token_hash AS k FROM new_rows
            UNION SELECT 'u:' || user_id FROM new_rows WHERE user_id IS NOT NULL) x;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT string_agg(DISTINCT k, ' ') INTO keys FROM (
            SELECT 's:' || token_hash AS k FROM old_rows
                WHERE revoked_at IS NULL AND expiry > (now() AT TIME ZONE 'UTC')
            UNION SELECT 'u:' || user_id FROM old_rows
                WHERE user_id IS NOT NULL AND revoked_at IS NULL AND expiry > (now() AT TIME ZONE 'UTC')) x;
    ELSE
        SELECT string_agg(DISTINCT k, ' ') INTO keys FROM (
            SELECT 's:' || o.token_hash AS k
                FROM old_rows o JOIN new_rows n ON n.token_hash = o.token_hash
                WHERE o.data IS DISTINCT FROM n.data OR o.expiry IS DISTINCT FROM n.expiry
                    OR o.user_id IS DISTINCT FROM n.user_id OR o.revoked_at IS DISTINCT FROM n.revoked_at
            UNION SELECT unnest(ARRAY['u:' || o.user_id, 'u:' || n.user_id])
                FROM old_rows o JOIN new_rows n ON n.token_hash = o.token_hash
                WHERE o.expiry IS DISTINCT FROM n.expiry
                    OR o.user_id IS DISTINCT FROM n.user_id OR o.revoked_at IS DISTINCT FROM n.revoked_at) x
            WHERE k IS NOT NULL;
        -- A changed token hash (never done by Hearth) cannot be joined: say all.
        IF (SELECT count(*) FROM old_rows o WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.token_hash = o.token_hash)) > 0 THEN
            keys := '*';
        END IF;
    END IF;
    PERFORM hearth_cache_send(TG_TABLE_SCHEMA, keys);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- A new user is in no cache yet (nothing is cached for an id before its
-- row exists), so inserting users is quiet: bulk loads stay cheap.
CREATE TRIGGER users_cache_update AFTER UPDATE ON users REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('id');
CREATE TRIGGER users_cache_delete AFTER DELETE ON users REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('id');
CREATE TRIGGER users_cache_truncate AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('id');

CREATE TRIGGER identities_cache_insert AFTER INSERT ON identities REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');
CREATE TRIGGER identities_cache_update AFTER UPDATE ON identities REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');
CREATE TRIGGER identities_cache_delete AFTER DELETE ON identities REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');
CREATE TRIGGER identities_cache_truncate AFTER TRUNCATE ON identities
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');

CREATE TRIGGER user_tokens_cache_insert AFTER INSERT ON user_tokens REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');
CREATE TRIGGER user_tokens_cache_update AFTER UPDATE ON user_tokens REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');
CREATE TRIGGER user_tokens_cache_delete AFTER DELETE ON user_tokens REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');
CREATE TRIGGER user_tokens_cache_truncate AFTER TRUNCATE ON user_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');

CREATE TRIGGER sessions_cache_insert AFTER INSERT ON sessions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_session_rows();
CREATE TRIGGER sessions_cache_update AFTER UPDATE ON sessions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_session_rows();
CREATE TRIGGER sessions_cache_delete AFTER DELETE ON sessions REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_session_rows();
CREATE TRIGGER sessions_cache_truncate AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_session_rows();

-- +goose Down
DROP TRIGGER sessions_cache_truncate ON sessions;
DROP TRIGGER sessions_cache_delete ON sessions;
DROP TRIGGER sessions_cache_update ON sessions;
DROP TRIGGER sessions_cache_insert ON sessions;
DROP TRIGGER user_tokens_cache_truncate ON user_tokens;
DROP TRIGGER user_tokens_cache_delete ON user_tokens;
DROP TRIGGER user_tokens_cache_update ON user_tokens;
DROP TRIGGER user_tokens_cache_insert ON user_tokens;
DROP TRIGGER identities_cache_truncate ON identities;
DROP TRIGGER identities_cache_delete ON identities;
DROP TRIGGER identities_cache_update ON identities;
DROP TRIGGER identities_cache_insert ON identities;
DROP TRIGGER users_cache_truncate ON users;
DROP TRIGGER users_cache_delete ON users;
DROP TRIGGER users_cache_update ON users;
DROP FUNCTION hearth_cache_session_rows();
DROP FUNCTION hearth_cache_user_rows();
DROP FUNCTION hearth_cache_send(text, text);
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
CREATE TRIGGER sessions_cache_updated AFTER UPDATE ON sessions
    FOR EACH ROW WHEN (OLD.data IS DISTINCT FROM NEW.data
        OR OLD.expiry IS DISTINCT FROM NEW.expiry
        OR OLD.user_id IS DISTINCT FROM NEW.user_id
        OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
        OR OLD.token_hash IS DISTINCT FROM NEW.token_hash)
    EXECUTE FUNCTION hearth_cache_changed();
