-- +goose Up
-- Accounts at social and OpenID Connect providers, linked to users.
CREATE TABLE identities (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider         TEXT NOT NULL,
    provider_user_id TEXT NOT NULL,
    email            TEXT NOT NULL DEFAULT '',
    email_verified   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX identities_provider_key ON identities (provider, provider_user_id);
CREATE INDEX identities_user_idx ON identities (user_id);

-- +goose Down
DROP TABLE identities;
