package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hearth-app/hearth/config"
)

// devSecretKeyFile is the file in the data folder where a development
// server keeps the HEARTH_SECRET_KEY it generated.
const devSecretKeyFile = "secret-key"

// ensureSecretKey gives a development configuration without
// HEARTH_SECRET_KEY the key kept in the data folder, generating it (32
// random bytes, base64) on first use, so TOTP secrets and signing keys
// sealed by one start open on the next. Production never gets here without
// a key (config.Load refuses to start). It returns the file's path when it
// was just created, for the log.
func ensureSecretKey(cfg *config.Config) (created string, err error) {
	if cfg.SecretKey != nil || cfg.IsProduction() {
		return "", nil
	}
	dir := dataDir(cfg)
	path := filepath.Join(dir, devSecretKeyFile)
	if key, err := readSecretKey(path); err == nil {
		cfg.SecretKey = key
		return "", nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("HEARTH_SECRET_KEY: not set, and the data folder %s cannot hold a generated one: %w", dir, err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", err
	}
	// Written whole to a temporary file, then linked into place: a second
	// instance starting at the same moment reads a complete key or makes
	// the link fail and reads the first one's.
	tmp, err := os.CreateTemp(dir, devSecretKeyFile+".*")
	if err != nil {
		return "", fmt.Errorf("HEARTH_SECRET_KEY: not set, and %s cannot be written: %w", dir, err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err := errors.Join(werr, tmp.Chmod(0o600), tmp.Sync(), tmp.Close()); err != nil {
		return "", fmt.Errorf("HEARTH_SECRET_KEY: write %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		if key, err = readSecretKey(path); err != nil {
			return "", err
		}
		cfg.SecretKey = key
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("HEARTH_SECRET_KEY: write %s: %w", path, err)
	}
	cfg.SecretKey = key
	return path, nil
}

// readSecretKey reads a key file ensureSecretKey wrote.
func readSecretKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("HEARTH_SECRET_KEY: not set, and %s does not hold 32 bytes in base64 (restore it, or set HEARTH_SECRET_KEY)", path)
	}
	return key, nil
}

// dataDir is the data folder: the SQLite file's directory, or data/ in the
// working directory with PostgreSQL.
func dataDir(cfg *config.Config) string {
	if cfg.UsesPostgres() {
		return "data"
	}
	return filepath.Dir(cfg.Database)
}
