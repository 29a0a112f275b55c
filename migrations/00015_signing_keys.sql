-- +goose Up
-- The Ed25519 keys that sign Hearth's short-lived JWTs. The private key is
-- sealed with HEARTH_SECRET_KEY (AES-256-GCM); the public key is what
-- /.well-known/jwks.json publishes. The newest key not retired signs; a
-- retired key (replaced by `hearth keys rotate`) stays published until the
-- tokens it signed have expired.
CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    public_key  TEXT NOT NULL,
    private_enc TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    retired_at  TIMESTAMP NULL
);

-- +goose Down
DROP TABLE signing_keys;
