package models_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/devseed"
	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/internal/searchtext"
	"github.com/hearth-app/hearth/models"
)

// searchAll returns the emails of every user ListUsers finds for q, across
// all pages, and the total it reports.
func searchAll(t *testing.T, db *models.DB, q models.UserQuery) ([]string, int64) {
	t.Helper()
	var emails []string
	var total int64
	for q.Page = 1; ; q.Page++ {
		list, err := models.ListUsers(context.Background(), db, q)
		if err != nil {
			t.Fatalf("ListUsers(%+v): %v", q, err)
		}
		total = list.Total
		for _, u := range list.Users {
			emails = append(emails, u.Email)
		}
		if q.Page >= list.Pages() {
			break
		}
	}
	slices.Sort(emails)
	return emails, total
}

// The search finds exactly the users whose email or name contains the text,
// case and accents ignored ("jose" finds "José", "Zoë" finds "Zoe"), whichever index answers it (trigrams for 3 characters
// or more, a scan below; a dense search pages through the sort index): the
// same users, and the same count, as checking every user one by one.
func TestSearchFindsExactlyTheSubstrings(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	if _, err := devseed.Users(ctx, db, devseed.Options{Users: 2100, PasswordHash: "x", Now: time.Now().UTC(), Seed: 5}); err != nil {
		t.Fatal(err)
	}
	h := password.NewHasher(1, time.Second)
	// Characters that mean something to LIKE (% _ \) or to FTS5 (").
	for _, u := range []models.NewUser{
		{Email: "per%cent@example.com", Name: "Per Cent"},
		{Email: "under_score@example.com", Name: "Under Score"},
		{Email: "rock@example.com", Name: `Dwayne "The Rock" Johnson`},
		{Email: "back@example.com", Name: `Back\Slash`},
		{Email: "zoe@example.com", Name: "Zoë Ünïcode"},
		{Email: "uen@example.com", Name: "Ünal Ün"},
		{Email: "jg@example.com", Name: "José García"},
		{Email: "mueller@example.com", Name: "Hans MÜLLER"},
		{Email: "zoe.plain@example.com", Name: "Zoe Plain"},
		{Email: "strasse@example.com", Name: "Anna Straße"},
		{Email: "decomposed@example.com", Name: "Renée Combining"},
	} {
		u.Password = "correct horse battery"
		if _, err := models.CreateUser(ctx, db, h, u, nil); err != nil {
			t.Fatal(err)
		}
	}
	// The search ignores case and accents (searchtext), the same on both
	// databases.
	fold := func(s string) string { return strings.TrimSpace(searchtext.Fold(s)) }
	var all []models.User
	if err := db.Read.Select("email", "name", "role").Find(&all).Error; err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		search, role string
	}{
		{search: "smith"}, {search: "SMITH"}, {search: "sm"}, {search: "s"}, {search: "maria.garcia"},
		{search: "example.org"}, {search: "example"}, {search: "exa"}, {search: "e"}, // above searchDense
		{search: "%"}, {search: "_"}, {search: "r%c"}, {search: "r_s"}, {search: "e_s"}, {search: "%%"},
		{search: `"`}, {search: `"the rock"`}, {search: `k"`}, {search: `\`}, {search: `k\s`}, {search: `\\`},
		{search: "ünï"}, {search: "ÜNÏCODE"}, {search: "ÜN"}, {search: "ë"}, {search: "zoë ü"},
		{search: "zz top"}, {search: "@"}, {search: ".com per"},
		{search: "jose"}, {search: "José"}, {search: "JOSÉ GARC"}, {search: "garcia"}, {search: "muller"}, {search: "Müller"},
		{search: "zoe"}, {search: "Zoë"}, {search: "zoë p"}, {search: "strasse"}, {search: "STRASSE"}, {search: "renée"}, {search: "renée"},
		{search: "jo"}, {search: "jö"}, {search: "ü"}, {search: "é"}, // short: the scan
		{search: "́"}, {search: "́̈"}, {search: "´"}, {search: " "}, {search: ""}, // accents alone, or nothing: everyone
		{search: "ÿ"}, {search: "josÿe"}, {search: "garÃ"}, // not UTF-8: the bytes are dropped
		{search: "jose", role: models.RoleMember}, {search: "Zoë", role: models.RoleAdmin},
		{search: "smith", role: models.RoleMember}, {search: "example", role: models.RoleMember}, {search: "a", role: models.RoleAdmin},
	} {
		var want []string
		for _, u := range all {
			if (q.role == "" || u.Role == q.role) && strings.Contains(searchtext.User(u.Email, u.Name), fold(q.search)) {
				want = append(want, u.Email)
			}
		}
		slices.Sort(want)
		got, total := searchAll(t, db, models.UserQuery{Search: q.search, Role: q.role})
		if !slices.Equal(got, want) || total != int64(len(want)) {
			t.Errorf("search %q (role %q): %d users (total %d), want %d; first found %q, first wanted %q",
				q.search, q.role, len(got), total, len(want), head(got), head(want))
		}
	}
	// The cases of the issue, spelled out.
	for search, wants := range map[string][]string{
		"jose": {"jg@example.com"}, "JOSÉ": {"jg@example.com"}, "muller": {"mueller@example.com"}, "Müller": {"mueller@example.com"},
		"Zoë": {"zoe.plain@example.com", "zoe@example.com"}, "zoe": {"zoe.plain@example.com", "zoe@example.com"},
		"straße": {"strasse@example.com"}, "renee": {"decomposed@example.com"},
	} {
		got, _ := searchAll(t, db, models.UserQuery{Search: search})
		for _, want := range wants {
			if !slices.Contains(got, want) {
				t.Errorf("search %q does not find %s", search, want)
			}
		}
	}
}

func head(s []string) []string { return s[:min(len(s), 3)] }

// Writes that go around the models (SQL by hand, a bulk import) keep the
// search index in step too: the database maintains it, not the app.
func TestSearchIndexFollowsWritesAroundTheApp(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	expect := func(search string, want ...string) {
		t.Helper()
		if got, _ := searchAll(t, db, models.UserQuery{Search: search}); !slices.Equal(got, want) {
			t.Errorf("search %q found %q, want %q", search, got, want)
		}
	}
	u, err := models.CreateUser(ctx, db, password.NewHasher(1, time.Second), models.NewUser{Email: "ada@example.com", Name: "Ada Lovelace", Password: "correct horse battery"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	expect("lovelace", "ada@example.com")
	if err := models.UpdateName(ctx, db, time.Now(), models.AuditEvent{}, u, "Ada King"); err != nil {
		t.Fatal(err)
	}
	expect("lovelace")
	expect("ada king", "ada@example.com")

	exec := func(query string, args ...any) {
		t.Helper()
		if err := db.Write.Exec(query, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	exec("UPDATE users SET email = 'countess@example.org' WHERE id = ?", u.ID)
	expect("ada@")
	expect("countess", "countess@example.org")
	exec("UPDATE users SET last_sign_in_at = CURRENT_TIMESTAMP, updated_at = CURRENT_TIMESTAMP WHERE id = ?", u.ID) // not a searched column
	expect("countess", "countess@example.org")
	exec("INSERT INTO users (id, email, name, created_at, updated_at) VALUES ('imported-1', 'babbage@example.com', 'Charles', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
	expect("babbage", "babbage@example.com")
	expect("example", "babbage@example.com", "countess@example.org")
	exec("DELETE FROM users WHERE id = 'imported-1'")
	expect("babbage")
	if err := models.DeleteUser(ctx, db, models.AuditEvent{}, u.ID); err != nil {
		t.Fatal(err)
	}
	expect("countess")
	expect("example")
}

// TestSetRoleGuardsTheLastAdminOnlyFromAdmins: the panel (an acting admin)
// cannot demote the last admin; the command line (no actor) can, since it
// is how a panel without admins is put right. Both are audited.
func TestSetRoleGuardsTheLastAdminOnlyFromAdmins(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	now := time.Now().UTC()
	boss, err := models.CreateUser(ctx, db, password.NewHasher(1, time.Second), models.NewUser{Email: "boss@example.com", Password: "the boss's passphrase", Role: models.RoleAdmin, Verified: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := models.SetRole(ctx, db, now, models.AuditEvent{ActorID: &boss.ID}, boss.ID, models.RoleMember, ""); !errors.Is(err, models.ErrLastAdmin) {
		t.Fatalf("the panel demoted the last admin: %v", err)
	}
	var invalid *models.InvalidInput
	if _, _, err := models.SetRole(ctx, db, now, models.AuditEvent{}, boss.ID, "owner", ""); !errors.As(err, &invalid) || !errors.Is(invalid.Role, models.ErrRoleInvalid) {
		t.Errorf("role owner: %v", err)
	}
	u, changed, err := models.SetRole(ctx, db, now, models.AuditEvent{UserAgent: "hearth user set-role"}, boss.ID, models.RoleMember, "")
	if err != nil || !changed || u.Role != models.RoleMember {
		t.Fatalf("the command line could not demote the last admin: %v %v %v", u, changed, err)
	}
	events, err := models.AuditEventsFor(ctx, db, boss.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Action != models.AuditRoleChange || events[0].ActorID != nil || events[0].Detail != "admin → member" {
		t.Errorf("audit rows %+v, want one role change without an actor", events)
	}
}
