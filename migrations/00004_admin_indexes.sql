-- +goose Up
-- Indexes for the admin users list at 100,000+ users (docs/benchmarks.md).
-- Each sort walks an index in order and stops after one page; each filter
-- counts from an index instead of the table. The trailing id makes the order
-- total, so pages never repeat or skip a row.
DROP INDEX users_created_at_idx;
CREATE INDEX users_created_idx ON users (created_at, id);
CREATE INDEX users_last_sign_in_idx ON users (last_sign_in_at, id);
-- The filters that select few users get partial indexes, which hold only
-- those users: their lists and counts never touch the rest. (Members and
-- active users are nearly everyone: walking the sort's index finds them.)
CREATE INDEX users_admins_idx ON users (created_at, id) WHERE role = 'admin';
CREATE INDEX users_banned_idx ON users (created_at, id) WHERE banned_at IS NOT NULL;
CREATE INDEX users_unverified_idx ON users (created_at, id) WHERE email_verified_at IS NULL AND banned_at IS NULL;
-- Search is a substring match, which no B-tree can seek to; this covering
-- index lets SQLite scan 100,000 short entries instead of the table rows.
-- (On PostgreSQL at millions of users, a pg_trgm GIN index does better.)
CREATE INDEX users_search_idx ON users (lower(email || ' ' || name), id);
-- The dashboard counts live signed-in sessions.
CREATE INDEX sessions_live_idx ON sessions (expiry) WHERE revoked_at IS NULL AND user_id IS NOT NULL;

-- +goose Down
DROP INDEX sessions_live_idx;
DROP INDEX users_search_idx;
DROP INDEX users_unverified_idx;
DROP INDEX users_banned_idx;
DROP INDEX users_admins_idx;
DROP INDEX users_last_sign_in_idx;
DROP INDEX users_created_idx;
CREATE INDEX users_created_at_idx ON users (created_at);
