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
    data         BLOB NOT NULL,
    source       TEXT NOT NULL DEFAULT 'upload', -- 'upload', or the provider it came from
    created_at   TIMESTAMP NOT NULL
);

-- A table referencing users tells the session cache of its changes (see
-- 00013); the row's user changes avatar_version in the same transaction.
-- +goose StatementBegin
CREATE TRIGGER user_photos_cache_insert AFTER INSERT ON user_photos BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER user_photos_cache_update AFTER UPDATE ON user_photos BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER));
    INSERT INTO cache_changes (key, at) SELECT 'u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER) WHERE NEW.user_id IS NOT OLD.user_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER user_photos_cache_delete AFTER DELETE ON user_photos BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER user_photos_cache_delete;
DROP TRIGGER user_photos_cache_update;
DROP TRIGGER user_photos_cache_insert;
DROP TABLE user_photos;
ALTER TABLE users DROP COLUMN avatar_version;
