package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// AppSecret returns the named 32-byte key, creating it on first use. Every
// instance sharing the database gets the same key.
func AppSecret(ctx context.Context, db *DB, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	err := db.Write.WithContext(ctx).Exec("INSERT INTO app_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
		name, hex.EncodeToString(fresh), time.Now().UTC()).Error
	if err != nil {
		return nil, fmt.Errorf("app secret %s: %w", name, err)
	}
	var value string
	if err := db.Write.WithContext(ctx).Raw("SELECT value FROM app_secrets WHERE name = ?", name).Scan(&value).Error; err != nil {
		return nil, fmt.Errorf("app secret %s: %w", name, err)
	}
	return hex.DecodeString(value)
}
