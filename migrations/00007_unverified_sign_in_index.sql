-- +goose Up
-- The admin list's "unverified" filter sorted by last sign-in walks this
-- index in order instead of checking every row of the last-sign-in index.
CREATE INDEX users_unverified_sign_in_idx ON users (last_sign_in_at, id) WHERE email_verified_at IS NULL AND banned_at IS NULL;

-- +goose Down
DROP INDEX users_unverified_sign_in_idx;
