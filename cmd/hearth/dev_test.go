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

func TestCLIDevSeedOrgs(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	out := c.ok("", "dev", "seed", "--users", "500", "--orgs", "200", "--org-members", "400")
	if !strings.Contains(out, "added 201 organizations") || !strings.Contains(out, "/orgs/big-team-1") {
		t.Errorf("stdout %q", out)
	}
	db := c.openDB()
	var big, owners, orphans int64
	db.Read.Raw("SELECT count(*) FROM memberships m JOIN organizations o ON o.id = m.org_id WHERE o.slug = 'big-team-1'").Scan(&big)
	if big != 400 {
		t.Errorf("the big organization has %d members", big)
	}
	db.Read.Raw("SELECT count(DISTINCT org_id) FROM memberships WHERE role = 'owner'").Scan(&owners)
	db.Read.Raw("SELECT count(*) FROM organizations o WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = o.id AND m.role = 'owner')").Scan(&orphans)
	if owners != 201 || orphans != 0 {
		t.Errorf("%d organizations with an owner, %d without", owners, orphans)
	}
	// Again: more, not a failure.
	c.ok("", "dev", "seed", "--users", "0", "--orgs", "10")
	var n int64
	db.Read.Raw("SELECT count(*) FROM organizations").Scan(&n)
	if n != 211 {
		t.Errorf("%d organizations after seeding twice", n)
	}
	c.fails("--orgs and --org-members", "", "dev", "seed", "--orgs", "-1")
}
