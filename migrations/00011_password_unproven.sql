-- +goose Up
-- A password chosen before the account's address was proven (at sign-up,
-- before the verification link) may be an attacker's who signed up with
-- someone else's address: when a provider that vouches for the address
-- links to the account, such a password is dropped (models.SignInWithProvider).
-- Existing verified accounts are taken as proven; unverified ones are not.
ALTER TABLE users ADD COLUMN password_unproven BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE users SET password_unproven = TRUE WHERE email_verified_at IS NULL AND password_hash <> '';

-- +goose Down
ALTER TABLE users DROP COLUMN password_unproven;
