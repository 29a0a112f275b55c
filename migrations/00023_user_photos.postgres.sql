-- +goose Up
-- Profile photos: one per user, the 256 px JPEG Hearth made from the upload
-- (or the provider's picture), served at /avatars/<user id>/<version>.jpg.
-- version is random and changes with every new photo, so the URL can be
-- cached for good and cannot be guessed; users.avatar_version repeats it,
-- so pages learn it from the user row they already load ('' for none).
ALTER TABLE users ADD COLUMN avatar_version TEXT NOT NULL DEFAULT '';

CREATE TABLE user_photos (
    user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    version      TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data         BYTEA NOT NULL,
    source       TEXT NOT NULL DEFAULT 'upload', -- 'upload', or the provider it came from
    created_at   TIMESTAMP NOT NULL
);

-- A table referencing users tells the session cache of its changes (see
-- 00013); the row's user changes avatar_version in the same transaction.
CREATE TRIGGER user_photos_cache_insert AFTER INSERT ON user_photos REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');
CREATE TRIGGER user_photos_cache_update AFTER UPDATE ON user_photos REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');
CREATE TRIGGER user_photos_cache_delete AFTER DELETE ON user_photos REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');
CREATE TRIGGER user_photos_cache_truncate AFTER TRUNCATE ON user_photos
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');

-- +goose Down
DROP TRIGGER user_photos_cache_truncate ON user_photos;
DROP TRIGGER user_photos_cache_delete ON user_photos;
DROP TRIGGER user_photos_cache_update ON user_photos;
DROP TRIGGER user_photos_cache_insert ON user_photos;
DROP TABLE user_photos;
ALTER TABLE users DROP COLUMN avatar_version;
