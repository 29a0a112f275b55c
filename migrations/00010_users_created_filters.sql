-- +goose Up
-- The admin users list's default order (newest first) walks this index. With
-- the role and the ban in it, a role or status filter (active members, say)
-- is checked in the index, without reading each skipped user's row (at
-- 100,000 users, status=active&page=500 went from 68 ms to 19 ms on SQLite).
DROP INDEX users_created_idx;
CREATE INDEX users_created_idx ON users (created_at, id, role, banned_at);

-- +goose Down
DROP INDEX users_created_idx;
CREATE INDEX users_created_idx ON users (created_at, id);
