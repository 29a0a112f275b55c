-- +goose Up
-- Email sign-in under way: a 6-digit code and a link, mailed together,
-- valid 10 minutes, used once. One row per address (a new request replaces
-- the old one). A request for an address without an account stores a row
-- too (user_id NULL), so that both cost the same work and the code page
-- answers alike; such a row never signs anyone in. user_id has no foreign
-- key: the row is keyed by the address, the account is looked up again when
-- the row is used and must be the one it was issued for, and the row dies
-- within minutes anyway. Stored: the SHA-256 of the link's token, the
-- SHA-256 of the secret held by the browser that asked (binding_hash), and
-- the code's HMAC under that secret, so that neither the code nor the link
-- can be read back from the table.
CREATE TABLE email_signins (
    id           TEXT PRIMARY KEY,
    email        TEXT NOT NULL UNIQUE,
    user_id      TEXT NULL,
    code_hash    TEXT NOT NULL,
    link_hash    TEXT NOT NULL UNIQUE,
    binding_hash TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    expires_at   TIMESTAMP NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX email_signins_binding_idx ON email_signins (binding_hash);
CREATE INDEX email_signins_expires_idx ON email_signins (expires_at);

-- +goose Down
DROP TABLE email_signins;
