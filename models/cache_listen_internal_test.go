package models

import (
	"database/sql"
	"net/url"
	"os"
	"testing"
	"time"
)

// envPostgresURL is testdb.EnvPostgresURL, which this package's own tests
// cannot import (testdb opens databases through models).
const envPostgresURL = "HEARTH_TEST_POSTGRES_URL"

// TestCacheStaysOffWhenTheListenerHearsNothing: a listener that does not
// hear its own probe (here it listens on another database, as LISTEN behind
// a transaction-mode pooler would hear nothing) never turns the cache on.
func TestCacheStaysOffWhenTheListenerHearsNothing(t *testing.T) {
	t.Parallel()
	base := os.Getenv(envPostgresURL)
	if base == "" {
		t.Skip("needs PostgreSQL (" + envPostgresURL + ")")
	}
	pool, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	elsewhere, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	elsewhere.Path = "/postgres"

	deaf := newSessionCache(time.Minute, 10)
	l := newCacheListener(elsewhere.String(), pool, deaf)
	l.probeWait = 50 * time.Millisecond
	l.start()
	defer l.close()

	hearing := newSessionCache(time.Minute, 10)
	h := newCacheListener(base, pool, hearing)
	h.probeWait = 2 * time.Second
	h.start()
	defer h.close()

	for deadline := time.Now().Add(10 * time.Second); !hearing.live.Load(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a listener on the right database never turned its cache on")
		}
	}
	time.Sleep(300 * time.Millisecond) // several probes of the deaf listener have timed out by now
	if deaf.live.Load() {
		t.Fatal("a listener that hears nothing turned the cache on")
	}
}
