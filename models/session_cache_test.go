package models

import (
	"fmt"
	"testing"
	"time"
)

// TestSessionCacheForgetsWhatIsNoLongerUsed: the cache holds only entries
// put in the last two ttl periods, and at most two generations of max, so
// sessions that come and go cannot grow it without bound.
func TestSessionCacheForgetsWhatIsNoLongerUsed(t *testing.T) {
	t.Parallel()
	c := newSessionCache(20*time.Millisecond, 1000)
	for i := range 10 {
		c.put(fmt.Sprint("a", i), cacheEntry{born: time.Now()})
	}
	time.Sleep(25 * time.Millisecond)
	c.put("x", cacheEntry{born: time.Now()}) // a* move to the old generation
	time.Sleep(25 * time.Millisecond)
	c.put("y", cacheEntry{born: time.Now()}) // a* are dropped
	if n := c.size(); n != 2 {
		t.Fatalf("cache holds %d entries, want 2 (x and y)", n)
	}
	if _, ok := c.get("y"); !ok {
		t.Fatal("a fresh entry is a miss")
	}

	small := newSessionCache(time.Hour, 3)
	for i := range 10 {
		small.put(fmt.Sprint("s", i), cacheEntry{born: time.Now()})
	}
	if n := small.size(); n > 6 {
		t.Fatalf("cache of max 3 holds %d entries", n)
	}
	if _, ok := small.get("s9"); !ok {
		t.Fatal("the newest entry is a miss")
	}
}

// size is the number of entries and memos held.
func (c *sessionCache) size() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.cur.entries) + len(c.old.entries) + len(c.cur.memos) + len(c.old.memos)
}
