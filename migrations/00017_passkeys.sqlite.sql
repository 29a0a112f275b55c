-- +goose Up
-- Passkeys (WebAuthn credentials): credential_id is the authenticator's
-- handle, public_key its COSE key; sign_count the last signature counter
-- seen (a lower one is refused), flags the authenticator data's flags
-- byte (backup eligibility must never change), transports a comma-separated
-- list of hints for the browser. A removed passkey's row is deleted.
CREATE TABLE passkeys (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id      BLOB NOT NULL UNIQUE,
    public_key         BLOB NOT NULL,
    sign_count         INTEGER NOT NULL DEFAULT 0,
    transports         TEXT NOT NULL DEFAULT '',
    aaguid             BLOB NOT NULL,
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
-- 00013); a sign-in's new counter and last-used time alone stay quiet.
-- +goose StatementBegin
CREATE TRIGGER passkeys_cache_insert AFTER INSERT ON passkeys BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER passkeys_cache_update AFTER UPDATE OF id, user_id, credential_id, public_key, name ON passkeys BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER));
    INSERT INTO cache_changes (key, at) SELECT 'u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER) WHERE NEW.user_id IS NOT OLD.user_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER passkeys_cache_delete AFTER DELETE ON passkeys BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER passkeys_cache_delete;
DROP TRIGGER passkeys_cache_update;
DROP TRIGGER passkeys_cache_insert;
DROP TABLE webauthn_challenges;
DROP TABLE passkeys;
