-- +goose Up
-- Single-use links mailed to users: email verification, password reset and
-- email change. Only the SHA-256 of the token is stored.
CREATE TABLE user_tokens (
    token_hash     TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose        TEXT NOT NULL,
    email          TEXT NOT NULL DEFAULT '',
    password_stamp TEXT NOT NULL DEFAULT '',
    expires_at     TIMESTAMP NOT NULL,
    used_at        TIMESTAMP NULL,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX user_tokens_user_idx ON user_tokens (user_id, purpose);
CREATE INDEX user_tokens_expires_idx ON user_tokens (expires_at);

-- Mail waiting to be sent, and (in development) the mailbox at /dev/mail.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NULL,
    template        TEXT NOT NULL,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         TIMESTAMP NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX outbox_due_idx ON outbox (sent_at, next_attempt_at);
CREATE INDEX outbox_user_idx ON outbox (user_id, template, created_at);

-- +goose Down
DROP TABLE outbox;
DROP TABLE user_tokens;
