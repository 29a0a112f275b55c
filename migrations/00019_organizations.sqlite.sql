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

ALTER TABLE audit_events ADD COLUMN org_id TEXT NULL;
CREATE INDEX audit_events_org_idx ON audit_events (org_id, created_at);

-- The session cache remembers each user's memberships (the nav's switcher
-- and requireOrgRole read them): a change to one, or to the name or slug of
-- an organization, tells it whose entries to drop (see 00013).
-- +goose StatementBegin
CREATE TRIGGER memberships_cache_insert AFTER INSERT ON memberships BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER memberships_cache_update AFTER UPDATE ON memberships BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER));
    INSERT INTO cache_changes (key, at) SELECT 'u:' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER) WHERE NEW.user_id IS NOT OLD.user_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER memberships_cache_delete AFTER DELETE ON memberships BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER organizations_cache_update AFTER UPDATE OF name, slug ON organizations BEGIN
    INSERT INTO cache_changes (key, at) SELECT 'u:' || user_id, CAST(strftime('%s', 'now') AS INTEGER) FROM memberships WHERE org_id = OLD.id;
END;
-- +goose StatementEnd
-- Invitations are read from the database every time; they reference users
-- (the inviter), so they tell the cache too.
-- +goose StatementBegin
CREATE TRIGGER invitations_cache_insert AFTER INSERT ON invitations WHEN NEW.invited_by IS NOT NULL BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || NEW.invited_by, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER invitations_cache_update AFTER UPDATE OF invited_by ON invitations BEGIN
    INSERT INTO cache_changes (key, at) SELECT 'u:' || OLD.invited_by, CAST(strftime('%s', 'now') AS INTEGER) WHERE OLD.invited_by IS NOT NULL;
    INSERT INTO cache_changes (key, at) SELECT 'u:' || NEW.invited_by, CAST(strftime('%s', 'now') AS INTEGER) WHERE NEW.invited_by IS NOT NULL;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER invitations_cache_delete AFTER DELETE ON invitations WHEN OLD.invited_by IS NOT NULL BEGIN
    INSERT INTO cache_changes (key, at) VALUES ('u:' || OLD.invited_by, CAST(strftime('%s', 'now') AS INTEGER));
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER invitations_cache_delete;
DROP TRIGGER invitations_cache_update;
DROP TRIGGER invitations_cache_insert;
DROP TRIGGER organizations_cache_update;
DROP TRIGGER memberships_cache_delete;
DROP TRIGGER memberships_cache_update;
DROP TRIGGER memberships_cache_insert;
DROP INDEX audit_events_org_idx;
ALTER TABLE audit_events DROP COLUMN org_id;
DROP TABLE invitations;
DROP TABLE memberships;
DROP TABLE organizations;
