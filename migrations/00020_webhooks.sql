-- +goose Up
-- Webhook endpoints the admins registered. The signing secret (whsec_…) is
-- sealed with HEARTH_SECRET_KEY (AES-GCM, purpose "webhook"); after a
-- rotation the previous one keeps signing beside it until
-- previous_secret_until. event_types is a space-separated list, empty for
-- every type. failing_since is the first failure of the current run of
-- failures (cleared by a success): five days of it disables the endpoint.
CREATE TABLE webhook_endpoints (
    id                     TEXT PRIMARY KEY,
    url                    TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    event_types            TEXT NOT NULL DEFAULT '',
    enabled                BOOLEAN NOT NULL,
    secret_sealed          TEXT NOT NULL,
    previous_secret_sealed TEXT NOT NULL DEFAULT '',
    previous_secret_until  TIMESTAMP NULL,
    failing_since          TIMESTAMP NULL,
    disabled_reason        TEXT NOT NULL DEFAULT '',
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL
);
CREATE INDEX webhook_endpoints_enabled_idx ON webhook_endpoints (enabled);

-- One row per event that at least one endpoint wanted, written in the
-- transaction of the change: its id is the webhook-id of every delivery
-- (with the msg_ prefix), body the exact bytes signed and sent.
CREATE TABLE webhook_events (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_events_created_idx ON webhook_events (created_at);

-- The delivery log: one row per attempt.
CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    event_type       TEXT NOT NULL,
    attempt          INTEGER NOT NULL,
    status_code      INTEGER NOT NULL DEFAULT 0,
    duration_ms      INTEGER NOT NULL DEFAULT 0,
    error            TEXT NOT NULL DEFAULT '',
    response_excerpt TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhook_endpoints;
