-- +goose Up
-- Passkeys (WebAuthn credentials): credential_id is the authenticator's
-- handle, public_key its COSE key; sign_count the last signature counter
-- seen (a lower one is refused), flags the authenticator data's flags
-- byte (backup eligibility must never change), transports a comma-separated
-- list of hints for the browser. A removed passkey's row is deleted.
CREATE TABLE passkeys (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id      BYTEA NOT NULL UNIQUE,
    public_key         BYTEA NOT NULL,
    sign_count         BIGINT NOT NULL DEFAULT 0,
    transports         TEXT NOT NULL DEFAULT '',
    aaguid             BYTEA NOT NULL,
    flags              INTEGER NOT NULL DEFAULT 0,
    attestation_format TEXT NOT NULL DEFAULT '',
    name               TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    last_used_at       TIMESTAMP NULL
);
CREATE INDEX passkeys_user_idx ON passkeys (user_id, created_at);

-- The challenges of WebAuthn ceremonies under way: the library's session
-- data (JSON), for one ceremony (register, login), consumed by the DELETE
-- that reads it (single use on every instance), dead after expires_at.
-- The browser's session holds the id. user_id is who registers (NULL for a
-- sign-in); no foreign key: the row lives five minutes, and tells the
-- session cache nothing.
CREATE TABLE webauthn_challenges (
    id         TEXT PRIMARY KEY,
    ceremony   TEXT NOT NULL,
    user_id    TEXT NULL,
    name       TEXT NOT NULL DEFAULT '',
    data       TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX webauthn_challenges_expiry_idx ON webauthn_challenges (expires_at);

-- A table referencing users tells the session cache of its changes (see
-- 00013, 00014); a sign-in's new counter and last-used time alone stay quiet.
CREATE TRIGGER passkeys_cache_insert AFTER INSERT ON passkeys REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');
-- +goose StatementBegin
CREATE FUNCTION hearth_cache_passkey_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hearth_cache_send(TG_TABLE_SCHEMA, CASE WHEN NEW.user_id IS DISTINCT FROM OLD.user_id
        THEN 'u:' || OLD.user_id || ' u:' || NEW.user_id ELSE 'u:' || OLD.user_id END);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER passkeys_cache_update AFTER UPDATE ON passkeys
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.user_id IS DISTINCT FROM NEW.user_id
        OR OLD.credential_id IS DISTINCT FROM NEW.credential_id OR OLD.public_key IS DISTINCT FROM NEW.public_key
        OR OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION hearth_cache_passkey_row();
CREATE TRIGGER passkeys_cache_delete AFTER DELETE ON passkeys REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');
CREATE TRIGGER passkeys_cache_truncate AFTER TRUNCATE ON passkeys
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');

-- +goose Down
DROP TRIGGER passkeys_cache_truncate ON passkeys;
DROP TRIGGER passkeys_cache_delete ON passkeys;
DROP TRIGGER passkeys_cache_update ON passkeys;
DROP TRIGGER passkeys_cache_insert ON passkeys;
DROP FUNCTION hearth_cache_passkey_row();
DROP TABLE webauthn_challenges;
DROP TABLE passkeys;
