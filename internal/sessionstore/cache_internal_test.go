package sessionstore

import (
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

func liveCache(ttl time.Duration, max int) *cache {
	c := newCache(ttl, max)
	c.setLive(true)
	return c
}

// readNow is an entry as a database read starting now would give.
func readNow(c *cache, user string) entry {
	seq, at := c.version()
	e := entry{seq: seq, readAt: at}
	if user != "" {
		e.user = &models.User{ID: user}
	}
	return e
}

// TestSessionCacheForgetsWhatIsNoLongerUsed: the cache holds only entries
// put in the last two ttl periods, and at most two generations of max, so
// sessions that come and go cannot grow it without bound.
func TestSessionCacheForgetsWhatIsNoLongerUsed(t *testing.T) {
	t.Parallel()
	c := liveCache(20*time.Millisecond, 1000)
	for i := range 10 {
		c.put(fmt.Sprint("a", i), readNow(c, ""))
	}
	time.Sleep(25 * time.Millisecond)
	c.put("x", readNow(c, "")) // a* move to the old generation
	time.Sleep(25 * time.Millisecond)
	c.put("y", readNow(c, "")) // a* are dropped
	if n := c.size(); n != 2 {
		t.Fatalf("cache holds %d entries, want 2 (x and y)", n)
	}
	if _, ok := c.get("y"); !ok {
		t.Fatal("a fresh entry is a miss")
	}

	small := liveCache(time.Hour, 3)
	for i := range 10 {
		small.put(fmt.Sprint("s", i), readNow(small, ""))
	}
	if n := small.size(); n > 6 {
		t.Fatalf("cache of max 3 holds %d entries", n)
	}
	if _, ok := small.get("s9"); !ok {
		t.Fatal("the newest entry is a miss")
	}
	for i := range 10 { // marks count too
		small.change(fmt.Sprint("u:user", i))
	}
	if n := small.size(); n > 6 {
		t.Fatalf("cache of max 3 holds %d entries and marks", n)
	}
}

// TestAChangeDuringTheReadLeavesTheEntryStale: an entry records the
// version read before its database read; a change to its user or session
// heard meanwhile (or a whole-cache drop) makes it a miss from birth, and
// a change to anyone else does not.
func TestAChangeDuringTheReadLeavesTheEntryStale(t *testing.T) {
	t.Parallel()
	c := liveCache(time.Hour, 1000)
	for name, change := range map[string]func(){
		"the user":    func() { c.change("u:alice") },
		"the session": func() { c.change("s:tok") },
		"everything":  c.dropAll,
	} {
		e := readNow(c, "alice")
		change() // while the database read was under way
		c.put("tok", e)
		if _, ok := c.get("tok"); ok {
			t.Errorf("a change to %s during the read left a good entry", name)
		}
	}
	e := readNow(c, "alice")
	c.change("u:bob", "s:other")
	c.put("tok", e)
	if _, ok := c.get("tok"); !ok {
		t.Error("a change to someone else left alice's entry stale")
	}
	c.change("u:alice")
	if _, ok := c.get("tok"); ok {
		t.Error("a change to alice after the read left her entry good")
	}

	// Memos follow the same rule.
	seq, at := c.version()
	c.change("u:carol")
	c.remember("carol", "facts", memo{value: 1, seq: seq, readAt: at})
	if _, ok := c.recall("carol", "facts"); ok {
		t.Error("a change to carol during the load left her memo good")
	}
}

// TestCacheStaysOffWhenTheListenerHearsNothing: a listener that does not
// hear its own probe (here it listens on another database, as LISTEN behind
// a transaction-mode pooler would hear nothing) never turns the cache on.
func TestCacheStaysOffWhenTheListenerHearsNothing(t *testing.T) {
	t.Parallel()
	base := os.Getenv(testdb.EnvPostgresURL)
	if base == "" {
		t.Skip("needs PostgreSQL (" + testdb.EnvPostgresURL + ")")
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
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	deaf := newCache(time.Minute, 10)
	l := newListener(elsewhere.String(), pool, deaf, quiet)
	l.probeWait = 50 * time.Millisecond
	l.start()
	defer l.close()

	hearing := newCache(time.Minute, 10)
	h := newListener(base, pool, hearing, quiet)
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
