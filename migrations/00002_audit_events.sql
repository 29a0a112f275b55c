-- +goose Up
-- Security events: who did what to whom, from where. No foreign keys, so
-- the history outlives deleted users.
CREATE TABLE audit_events (
    id         TEXT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    action     TEXT NOT NULL,
    actor_id   TEXT NULL,
    target_id  TEXT NULL,
    email      TEXT NOT NULL DEFAULT '',
    ip         TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_created_at_idx ON audit_events (created_at);
CREATE INDEX audit_events_target_idx ON audit_events (target_id, created_at);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, created_at);
CREATE INDEX audit_events_action_idx ON audit_events (action, created_at);

-- +goose Down
DROP TABLE audit_events;
