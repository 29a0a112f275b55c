-- +goose Up
-- Organizations (teams): an organization, its members with a role each
-- (owner, admin, member), and invitations by email (only the SHA-256 of the
-- mailed token is stored; single use, 7 days). Audit events may name the
-- organization they concern (no foreign key: the history outlives it).
CREATE TABLE organizations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    slug       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX organizations_created_idx ON organizations (created_at, id);

CREATE TABLE memberships (
    org_id    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
-- A page of members is an offset into this index; a user's organizations
-- and the owners of one are read through the other two.
CREATE INDEX memberships_org_joined_idx ON memberships (org_id, joined_at, user_id);
CREATE INDEX memberships_user_idx ON memberships (user_id, joined_at);
CREATE INDEX memberships_org_role_idx ON memberships (org_id, role);

CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  TEXT NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP NULL,
    declined_at TIMESTAMP NULL
);
-- One open invitation per address and organization: inviting again resends.
CREATE UNIQUE INDEX invitations_open_idx ON invitations (org_id, email) WHERE accepted_at IS NULL AND declined_at IS NULL;
CREATE INDEX invitations_email_idx ON invitations (email);

-- The admin list's search of names and slugs: pg_trgm (see 00008) serves
-- LIKE '%…%' on the searched expression.
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('CREATE INDEX organizations_search_trgm_idx ON organizations USING gin (lower(name || '' '' || slug) %I.gin_trgm_ops)',
        (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'));
END
$$;
-- +goose StatementEnd

ALTER TABLE audit_events ADD COLUMN org_id TEXT NULL;
CREATE INDEX audit_events_org_idx ON audit_events (org_id, created_at);

-- The session cache remembers each user's memberships (the nav's switcher
-- and requireOrgRole read them): a change to one, or to the name or slug of
-- an organization, tells it whose entries to drop (see 00013).
CREATE TRIGGER memberships_cache_insert AFTER INSERT ON memberships REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');
CREATE TRIGGER memberships_cache_update AFTER UPDATE ON memberships REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');
CREATE TRIGGER memberships_cache_delete AFTER DELETE ON memberships REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');
CREATE TRIGGER memberships_cache_truncate AFTER TRUNCATE ON memberships
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('user_id');
-- +goose StatementBegin
CREATE FUNCTION hearth_cache_organization_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    keys text;
BEGIN
    SELECT string_agg(DISTINCT 'u:' || m.user_id, ' ') INTO keys
        FROM memberships m JOIN old_rows o ON m.org_id = o.id JOIN new_rows n ON n.id = o.id
        WHERE o.name IS DISTINCT FROM n.name OR o.slug IS DISTINCT FROM n.slug;
    PERFORM hearth_cache_send(TG_TABLE_SCHEMA, keys);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER organizations_cache_update AFTER UPDATE ON organizations REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_organization_rows();
-- Invitations are read from the database every time; they reference users
-- (the inviter), so they tell the cache too.
CREATE TRIGGER invitations_cache_insert AFTER INSERT ON invitations REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('invited_by');
CREATE TRIGGER invitations_cache_update AFTER UPDATE ON invitations REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('invited_by');
CREATE TRIGGER invitations_cache_delete AFTER DELETE ON invitations REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('invited_by');
CREATE TRIGGER invitations_cache_truncate AFTER TRUNCATE ON invitations
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_cache_user_rows('invited_by');

-- +goose Down
DROP TRIGGER invitations_cache_truncate ON invitations;
DROP TRIGGER invitations_cache_delete ON invitations;
DROP TRIGGER invitations_cache_update ON invitations;
DROP TRIGGER invitations_cache_insert ON invitations;
DROP TRIGGER organizations_cache_update ON organizations;
DROP FUNCTION hearth_cache_organization_rows();
DROP TRIGGER memberships_cache_truncate ON memberships;
DROP TRIGGER memberships_cache_delete ON memberships;
DROP TRIGGER memberships_cache_update ON memberships;
DROP TRIGGER memberships_cache_insert ON memberships;
DROP INDEX organizations_search_trgm_idx;
DROP INDEX audit_events_org_idx;
ALTER TABLE audit_events DROP COLUMN org_id;
DROP TABLE invitations;
DROP TABLE memberships;
DROP TABLE organizations;
