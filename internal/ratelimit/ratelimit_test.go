package ratelimit

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestAllowLetsABurstThroughThenPaces: Count events at once, then one
// every Window/Count; a refused event leaves the bucket as it was and says
// how long to wait.
func TestAllowLetsABurstThroughThenPaces(t *testing.T) {
	t.Parallel()
	r := Rate{Count: 3, Window: 3 * time.Second}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	var tat int64
	for i := range 3 {
		next, err := r.Allow(tat, now)
		if err != nil {
			t.Fatalf("event %d of the burst refused: %v", i+1, err)
		}
		tat = next
	}
	next, err := r.Allow(tat, now)
	var l *Limited
	if !errors.As(err, &l) || l.RetryAfter != time.Second || next != tat {
		t.Fatalf("fourth event: %d, %v; want refused for 1s, bucket unchanged", next, err)
	}
	if _, err := r.Allow(tat, now+1000); err != nil {
		t.Errorf("after the interval: %v", err)
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]Rate{"10/15m": {10, 15 * time.Minute}, "off": {}, "0": {}} {
		if got, err := Parse(raw); err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", raw, got, err, want)
		}
	}
	for _, raw := range []string{"", "10", "x/1m", "10/", "-1/1m", "10/-1m", "10/0s"} {
		if _, err := Parse(raw); err == nil {
			t.Errorf("Parse(%q) accepted", raw)
		}
	}
	if s := (Rate{10, 15 * time.Minute}).String(); s != "10/15m0s" {
		t.Errorf("String() = %q", s)
	}
}

// TestBucketKeyHidesTheValue: the kind stays readable, the rest (an email,
// an address) is hashed, and any key is bounded.
func TestBucketKeyHidesTheValue(t *testing.T) {
	t.Parallel()
	k := BucketKey("signin-account:ann@example.com")
	if !strings.HasPrefix(k, "signin-account:") || strings.Contains(k, "ann") {
		t.Errorf("BucketKey = %q", k)
	}
	if k := BucketKey(strings.Repeat("x", 5000) + ":v"); len(k) > 76 {
		t.Errorf("a long kind gave a key of %d bytes", len(k))
	}
}
