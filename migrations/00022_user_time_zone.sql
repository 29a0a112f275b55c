-- +goose Up
-- The time zone a user chose for the times the pages show (an IANA name such
-- as Europe/Paris); empty: the browser's, as it reports it.
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN time_zone;
