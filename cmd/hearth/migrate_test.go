package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestCLIMigrate(t *testing.T) {
	t.Parallel()
	c := newCLI(t)

	// A fresh database: everything is pending.
	status := c.ok("", "migrate", "status")
	lines := strings.Split(strings.TrimSuffix(status, "\n"), "\n")
	if len(lines) == 0 || strings.Contains(status, "applied") {
		t.Fatalf("status of a fresh database: %q", status)
	}
	for _, l := range lines {
		if !strings.HasSuffix(l, "pending") {
			t.Errorf("fresh status line %q is not pending", l)
		}
	}
	total := len(lines)

	if out := c.ok("", "migrate"); out != fmt.Sprintf("applied %d migration(s)\n", total) {
		t.Errorf("migrate: %q, want %d applied", out, total)
	}
	if out := c.ok("", "migrate", "up"); out != "applied 0 migration(s)\n" {
		t.Errorf("migrate up again: %q", out)
	}

	status = c.ok("", "migrate", "status")
	lines = strings.Split(strings.TrimSuffix(status, "\n"), "\n")
	if len(lines) != total {
		t.Errorf("status has %d lines, want %d: %q", len(lines), total, status)
	}
	applied := regexp.MustCompile(`^\d{5}  \S+\s+applied \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$`)
	for _, l := range lines {
		if !applied.MatchString(l) {
			t.Errorf("status line after up %q is not applied", l)
		}
	}

	if out := c.ok("", "migrate", "down"); out != "rolled back 1 migration\n" {
		t.Errorf("migrate down: %q", out)
	}
	status = c.ok("", "migrate", "status")
	lines = strings.Split(strings.TrimSuffix(status, "\n"), "\n")
	if len(lines) != total || !strings.HasSuffix(lines[total-1], "pending") {
		t.Fatalf("status after down: %q", status)
	}
	if n := strings.Count(status, "pending"); n != 1 {
		t.Errorf("status after one down has %d pending, want 1: %q", n, status)
	}
	for _, l := range lines[:total-1] {
		if !applied.MatchString(l) {
			t.Errorf("status line %q should still be applied", l)
		}
	}

	// Up again re-applies exactly the rolled-back one.
	if out := c.ok("", "migrate", "up"); out != "applied 1 migration(s)\n" {
		t.Errorf("migrate up after down: %q", out)
	}

	c.fails(`unknown action "sideways"`, "", "migrate", "sideways")
	c.fails(`unexpected argument "now"`, "", "migrate", "up", "now")
}

func TestCLIMigrateDownOnEmptyDatabaseFails(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.fails("migrate down", "", "migrate", "down")
}
