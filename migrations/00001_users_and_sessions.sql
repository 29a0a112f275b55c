-- +goose Up
CREATE TABLE users (
    id                TEXT PRIMARY KEY,
    email             TEXT NOT NULL,
    name              TEXT NOT NULL DEFAULT '',
    password_hash     TEXT NOT NULL DEFAULT '',
    role              TEXT NOT NULL DEFAULT 'member',
    email_verified_at TIMESTAMP NULL,
    banned_at         TIMESTAMP NULL,
    last_sign_in_at   TIMESTAMP NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
-- Emails are stored trimmed and lowercased; the index on lower(email) keeps
-- them unique even if a row is ever written around the model.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_created_at_idx ON users (created_at);

-- Server-side sessions (scs). The primary key is SHA-256 of the cookie token,
-- hex-encoded: the raw token is never stored, so a copied row cannot be
-- replayed as a cookie. user_id, user_agent, ip and the times index a user's
-- sessions for listing and revocation. A revoked session keeps its row (with
-- its data wiped) until it expires, so that a request still in flight for it
-- cannot write it back.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    data         BYTEA NOT NULL,
    expiry       TIMESTAMP NOT NULL,
    user_id      TEXT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_agent   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- +goose Down
DROP TABLE sessions;
DROP TABLE users;
