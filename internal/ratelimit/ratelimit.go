// Package ratelimit is the generic cell rate algorithm Hearth throttles
// with, and the Rate it is configured by. It keeps no state: the caller
// stores each bucket's theoretical arrival time (models keeps them in the
// database, so they hold across restarts and instances).
package ratelimit

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate allows Count events per Window: all at once, then one every
// Window/Count. A client over the rate is slowed to that pace, never locked
// out for good. The zero Rate is no limit.
type Rate struct {
	Count  int
	Window time.Duration
}

func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	return fmt.Sprintf("%d/%s", r.Count, r.Window)
}

// Off reports whether r limits nothing.
func (r Rate) Off() bool { return r.Count <= 0 }

// Parse reads a rate written "N/duration" (10/15m), or "off" (or "0").
func Parse(raw string) (Rate, error) {
	if raw == "off" || raw == "0" {
		return Rate{}, nil
	}
	n, w, ok := strings.Cut(raw, "/")
	count, err := strconv.Atoi(n)
	d, derr := time.ParseDuration(w)
	if !ok || err != nil || derr != nil || count <= 0 || d <= 0 {
		return Rate{}, fmt.Errorf("%q is not a rate like 10/15m (or off)", raw)
	}
	return Rate{count, d}, nil
}

// Limited is the error of an event over its rate: how long to wait.
type Limited struct{ RetryAfter time.Duration }

func (e *Limited) Error() string {
	return fmt.Sprintf("rate limit reached; retry after %s", e.RetryAfter.Round(time.Second))
}

// Allow counts one event at now against a bucket whose theoretical arrival
// time is tat (zero or past for a full bucket) and returns the bucket's next
// tat, or *Limited when the event is over the rate (the bucket is then
// unchanged). Times are Unix milliseconds, as buckets store them.
func (r Rate) Allow(tatMs, nowMs int64) (int64, error) {
	tat := max(tatMs, nowMs)
	next := tat + (r.Window / time.Duration(r.Count)).Milliseconds()
	if over := next - nowMs - r.Window.Milliseconds(); over > 0 {
		return tatMs, &Limited{RetryAfter: time.Duration(over) * time.Millisecond}
	}
	return next, nil
}

// BucketKey is how a key like "signin-account:EMAIL" is stored: its kind
// (before the first colon) in clear, the rest as its SHA-256. Keys are then
// bounded (at most 76 bytes) whatever a request sent, and storage holds no
// email or client address.
func BucketKey(key string) string {
	kind, value, ok := strings.Cut(key, ":")
	if !ok || len(kind) > maxKind {
		kind, value = "", key
	}
	sum := sha256.Sum256([]byte(value))
	return kind + ":" + base64.RawURLEncoding.EncodeToString(sum[:])
}

const maxKind = 32
