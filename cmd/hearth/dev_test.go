package main

import (
	"strings"
	"testing"
)

func TestCLIDevSeed(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	out := c.ok("", "dev", "seed", "--users", "300")
	if !strings.Contains(out, "300") {
		t.Errorf("stdout %q", out)
	}
	db := c.openDB()
	var n int64
	db.Read.Raw("SELECT count(*) FROM users").Scan(&n)
	if n < 300 {
		t.Errorf("%d users after seeding 300", n)
	}
	// Seeded users share a public password: no admins among them unless asked.
	c.ok("", "dev", "seed", "--users", "20000", "--seed", "2")
	var admins int64
	db.Read.Raw("SELECT count(*) FROM users WHERE role = 'admin'").Scan(&admins)
	if admins != 0 {
		t.Errorf("dev seed made %d admins without --admins", admins)
	}
	c.ok("", "dev", "seed", "--users", "20000", "--seed", "3", "--admins")
	db.Read.Raw("SELECT count(*) FROM users WHERE role = 'admin'").Scan(&admins)
	if admins == 0 {
		t.Error("dev seed --admins made no admin in 20,000 users")
	}
	c.fails("--users must be between", "", "dev", "seed", "--users", "0")
	c.fails("unknown or missing subcommand", "", "dev")
	c.env["HEARTH_ENV"] = "production"
	c.env["HEARTH_BASE_URL"] = "https://app.example.com"
	c.env["HEARTH_SMTP_URL"] = "smtp://u:p@smtp.example.com:587"
	c.fails("refused with HEARTH_ENV=production", "", "dev", "seed")
}
