-- +goose Up
-- PostgreSQL's indexes for the admin users list at 100,000+ users
-- (docs/benchmarks.md); SQLite's are in 00008_admin_list_indexes.sqlite.sql.
--
-- "Most recent sign-in first, never signed in last" is last_sign_in_at DESC
-- NULLS LAST, which an ascending index cannot give (its backward scan puts
-- NULLs first): the two last sign-in indexes are rebuilt in that order.
DROP INDEX users_last_sign_in_idx;
CREATE INDEX users_last_sign_in_idx ON users (last_sign_in_at DESC NULLS LAST, id DESC);
DROP INDEX users_unverified_sign_in_idx;
CREATE INDEX users_unverified_sign_in_idx ON users (last_sign_in_at DESC NULLS LAST, id DESC) WHERE email_verified_at IS NULL AND banned_at IS NULL;
-- Deep pages read just the ids from an index, then fetch one page of rows
-- (models.pageOfUsers). For the email order that takes an index holding the
-- id, and the email itself, without which the planner does not see that
-- lower(email) can come from the index alone.
CREATE INDEX users_email_sort_idx ON users (lower(email), id) INCLUDE (email);

-- The search: pg_trgm's GIN index serves LIKE '%…%' on the searched
-- expression. The extension belongs to the whole database, so it goes in
-- schema public (a schema per tenant or per test must not own it). Several
-- instances or test runs may create it at once: IF NOT EXISTS still loses
-- that race with a unique violation, which only means another one won.
-- +goose StatementBegin
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
EXCEPTION WHEN unique_violation THEN
    NULL; -- created by another migration at the same moment: use that one
END
$$;
-- +goose StatementEnd
-- The operator class is named with whatever schema the extension is in.
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('CREATE INDEX users_search_trgm_idx ON users USING gin (lower(email || '' '' || name) %I.gin_trgm_ops)',
        (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'));
END
$$;
-- +goose StatementEnd

-- +goose Down
-- pg_trgm stays: the database may use it elsewhere.
DROP INDEX users_search_trgm_idx;
DROP INDEX users_email_sort_idx;
DROP INDEX users_unverified_sign_in_idx;
CREATE INDEX users_unverified_sign_in_idx ON users (last_sign_in_at, id) WHERE email_verified_at IS NULL AND banned_at IS NULL;
DROP INDEX users_last_sign_in_idx;
CREATE INDEX users_last_sign_in_idx ON users (last_sign_in_at, id);
