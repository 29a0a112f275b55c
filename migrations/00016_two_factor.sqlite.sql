-- +goose Up
-- Two-factor authentication. totp_secrets holds a user's TOTP secret,
-- sealed with HEARTH_SECRET_KEY (AES-256-GCM, the user's id as associated
-- data): a copy of the database alone does not give the codes. enabled_at
-- is NULL while enrolment waits for its first code. last_step is the RFC
-- 6238 time step of the last code accepted: a code is accepted only for a
-- later step (a conditional UPDATE), so a code cannot be replayed.
CREATE TABLE totp_secrets (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_enc TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    enabled_at TIMESTAMP NULL,
    last_step  BIGINT NULL
);

-- Recovery codes: only their SHA-256 is stored; a used code's row is
-- deleted (single use), and a new set replaces the old one.
CREATE TABLE recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);

-- Nothing about them is cached, but tables referencing users tell the
-- session cache of their changes (see 00013).
-- +goose StatementBegin
CREATE TRIGGER totp_secrets_cache_insert AFTER INSERT ON totp_secrets BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER totp_secrets_cache_update AFTER UPDATE ON totp_secrets BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER));
    INSERT INTO cache_changes (key, at) SELECT 'u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER) WHERE NEW.user_id IS NOT OLD.user_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER totp_secrets_cache_delete AFTER DELETE ON totp_secrets BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER recovery_codes_cache_insert AFTER INSERT ON recovery_codes BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER recovery_codes_cache_update AFTER UPDATE ON recovery_codes BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER));
    INSERT INTO cache_changes (key, at) SELECT 'u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER) WHERE NEW.user_id IS NOT OLD.user_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER recovery_codes_cache_delete AFTER DELETE ON recovery_codes BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE recovery_codes;
DROP TABLE totp_secrets;
