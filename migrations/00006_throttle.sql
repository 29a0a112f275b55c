-- +goose Up
-- Rate-limit buckets (GCRA): one row per key, holding the bucket's
-- "theoretical arrival time" in Unix milliseconds. Shared by every instance.
CREATE TABLE throttle_buckets (
    key    TEXT PRIMARY KEY,
    tat_ms BIGINT NOT NULL
);
CREATE INDEX throttle_buckets_tat_idx ON throttle_buckets (tat_ms);

-- Keys the app generates once and every instance shares (e.g. to sign the
-- time stamp of the sign-up form).
CREATE TABLE app_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE app_secrets;
DROP TABLE throttle_buckets;
