package layout

import (
	"testing"
	"time"
)

func TestRelative(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		0:                     "just now",
		-59 * time.Second:     "just now",
		-time.Minute:          "1 minute ago",
		-59 * time.Minute:     "59 minutes ago",
		-time.Hour:            "1 hour ago",
		-23 * time.Hour:       "23 hours ago",
		-25 * time.Hour:       "yesterday",
		-3 * 24 * time.Hour:   "3 days ago",
		-40 * 24 * time.Hour:  "24 Oct",
		-400 * 24 * time.Hour: "29 Oct 2025",
		30 * time.Second:      "in a moment",
		2 * time.Hour:         "in 2 hours",
		30 * time.Hour:        "tomorrow",
		7 * 24 * time.Hour:    "in 7 days",
	} {
		if got := Relative(now, now.Add(d)); got != want {
			t.Errorf("Relative(now%+v) = %q, want %q", d, got, want)
		}
	}
}
