package mail

import (
	"testing"
	"time"
)

func TestLinkLifetimesAreWrittenOut(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "one hour", 24 * time.Hour: "24 hours", 48 * time.Hour: "48 hours", 90 * time.Minute: "90 minutes", 15 * time.Minute: "15 minutes",
	} {
		if got := ttlText(d); got != want {
			t.Errorf("ttlText(%v) = %q, want %q", d, got, want)
		}
	}
}
