package models_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hearth-app/hearth/models"
)

func orgUser(t *testing.T, db *models.DB, email string) *models.User {
	t.Helper()
	now := time.Now().UTC()
	u := &models.User{ID: uuid.Must(uuid.NewV7()).String(), Email: email, Role: models.RoleMember, CreatedAt: now, UpdatedAt: now, EmailVerifiedAt: &now}
	if err := db.Write.Create(u).Error; err != nil {
		t.Fatal(err)
	}
	return u
}

func addMember(t *testing.T, db *models.DB, org *models.Organization, u *models.User, role models.OrgRole) {
	t.Helper()
	if err := db.Write.Create(&models.Membership{OrgID: org.ID, UserID: u.ID, Role: role, JoinedAt: time.Now().UTC()}).Error; err != nil {
		t.Fatal(err)
	}
}

func TestSlugify(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Acme Inc.":             "acme-inc",
		"  Crème brûlée  Café ": "creme-brulee-cafe",
		"日本語":                   "",
		"Zoë & Ångström":        "zoe-angstrom",
		"a--b__c":               "a-b-c",
		"\xff\xfeBad":           "bad",
		strings.Repeat("x", 80): strings.Repeat("x", models.MaxSlugLen),
		"ﬁnance":                "finance", // a ligature, folded by NFKD
	} {
		if got := models.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"", "a", "-a", "a-", "a--b", "Abc", "ab c", "é-x", strings.Repeat("a", 49), "admin", "new"} {
		if models.ValidateSlug(bad) == nil {
			t.Errorf("ValidateSlug(%q) accepted", bad)
		}
	}
	for _, good := range []string{"ab", "acme-inc", "team-2", strings.Repeat("a", 48)} {
		if err := models.ValidateSlug(good); err != nil {
			t.Errorf("ValidateSlug(%q): %v", good, err)
		}
	}
}

func TestOrgRoleRules(t *testing.T) {
	t.Parallel()
	type row struct {
		role                                              models.OrgRole
		view, invite, manage, settings, transfer, deleteO bool
	}
	for _, r := range []row{
		{models.OrgOwner, true, true, true, true, true, true},
		{models.OrgAdmin, true, true, true, false, false, false},
		{models.OrgMember, true, false, false, false, false, false},
		{"", false, false, false, false, false, false},
		{"superuser", false, false, false, false, false, false},
	} {
		got := []bool{r.role.Can(models.OrgView), r.role.Can(models.OrgInvite), r.role.Can(models.OrgManageMembers),
			r.role.Can(models.OrgEditSettings), r.role.Can(models.OrgTransfer), r.role.Can(models.OrgDelete)}
		want := []bool{r.view, r.invite, r.manage, r.settings, r.transfer, r.deleteO}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("role %q action %d: %v, want %v", r.role, i, got[i], want[i])
			}
		}
	}
	if models.OrgAdmin.CanSet(models.OrgOwner, models.OrgMember) || models.OrgAdmin.CanSet(models.OrgMember, models.OrgOwner) {
		t.Error("an admin may touch owners")
	}
	if !models.OrgAdmin.CanSet(models.OrgMember, models.OrgAdmin) || !models.OrgOwner.CanSet(models.OrgOwner, models.OrgMember) {
		t.Error("allowed role changes refused")
	}
	if models.OrgMember.CanSet(models.OrgMember, models.OrgMember) || models.OrgOwner.CanSet(models.OrgMember, "boss") {
		t.Error("a member may set roles, or a bad role is accepted")
	}
}

func TestCreateOrgSlugs(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := t.Context()
	u := orgUser(t, db, "owner@example.com")
	now := time.Now()
	want := []string{"acme", "acme-2", "acme-3"}
	for _, w := range want {
		org, err := models.CreateOrg(ctx, db, now, models.AuditEvent{}, u, "Acme", "")
		if err != nil {
			t.Fatal(err)
		}
		if org.Slug != w {
			t.Fatalf("slug %q, want %q", org.Slug, w)
		}
	}
	var bad *models.InvalidOrg
	if _, err := models.CreateOrg(ctx, db, now, models.AuditEvent{}, u, "Other", "acme"); !errors.As(err, &bad) || !errors.Is(bad.Slug, models.ErrSlugTaken) {
		t.Fatalf("a typed taken slug: %v", err)
	}
	for name, slug := range map[string]string{"日本": "org", "Admin": "admin-org", "X": "x-org"} {
		org, err := models.CreateOrg(ctx, db, now, models.AuditEvent{}, u, name, "")
		if err != nil || org.Slug != slug {
			t.Errorf("CreateOrg(%q): %v %v, want slug %q", name, org, err, slug)
		}
	}
	for _, name := range []string{"", "   ", "\xff", strings.Repeat("n", 101), "a\x00b"} {
		if _, err := models.CreateOrg(ctx, db, now, models.AuditEvent{}, u, name, ""); !errors.As(err, &bad) || bad.Name == nil {
			t.Errorf("CreateOrg(%q): %v, want a name error", name, err)
		}
	}
}

// TestTwoOwnersDemotingEachOtherKeepAnOwner: run at the same moment, one of
// the two demotions is refused (the organization's row is locked for the
// change; SQLite's one writer serializes them anyway).
func TestTwoOwnersDemotingEachOtherKeepAnOwner(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := t.Context()
	for round := range 10 {
		a := orgUser(t, db, "a"+uuid.NewString()[:8]+"@example.com")
		b := orgUser(t, db, "b"+uuid.NewString()[:8]+"@example.com")
		org, err := models.CreateOrg(ctx, db, time.Now(), models.AuditEvent{}, a, "Duo", "")
		if err != nil {
			t.Fatal(err)
		}
		addMember(t, db, org, b, models.OrgOwner)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, pair := range [][2]*models.User{{a, b}, {b, a}} {
			wg.Go(func() {
				errs[i] = models.SetMemberRole(ctx, db, time.Now(), models.AuditEvent{}, org.ID, pair[0], pair[1].ID, models.OrgMember)
			})
		}
		wg.Wait()
		var owners int64
		if err := db.Read.Raw("SELECT count(*) FROM memberships WHERE org_id = ? AND role = 'owner'", org.ID).Scan(&owners).Error; err != nil {
			t.Fatal(err)
		}
		if owners != 1 {
			t.Fatalf("round %d: %d owners left (errors %v)", round, owners, errs)
		}
		refused := 0
		for _, err := range errs {
			if errors.Is(err, models.ErrLastOwner) || errors.Is(err, models.ErrOrgForbidden) {
				refused++
			} else if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if refused != 1 {
			t.Fatalf("round %d: %d refused, want 1 (%v)", round, refused, errs)
		}
	}
}

func TestLastOwnerGuards(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := t.Context()
	now := time.Now()
	owner := orgUser(t, db, "owner@example.com")
	admin := orgUser(t, db, "admin@example.com")
	org, err := models.CreateOrg(ctx, db, now, models.AuditEvent{}, owner, "Solo", "")
	if err != nil {
		t.Fatal(err)
	}
	addMember(t, db, org, admin, models.OrgAdmin)
	if err := models.LeaveOrg(ctx, db, now, models.AuditEvent{}, org.ID, owner); !errors.Is(err, models.ErrLastOwner) {
		t.Errorf("the last owner left: %v", err)
	}
	if err := models.SetMemberRole(ctx, db, now, models.AuditEvent{}, org.ID, owner, owner.ID, models.OrgAdmin); !errors.Is(err, models.ErrLastOwner) {
		t.Errorf("the last owner demoted themselves: %v", err)
	}
	if err := models.RemoveMember(ctx, db, now, models.AuditEvent{}, org.ID, admin, owner.ID); !errors.Is(err, models.ErrOrgForbidden) {
		t.Errorf("an admin removed the owner: %v", err)
	}
	if err := models.DeleteUser(ctx, db, models.AuditEvent{}, owner.ID); !errors.Is(err, models.ErrLastOwner) || !strings.Contains(err.Error(), "Solo (solo)") {
		t.Errorf("the last owner's account was deleted: %v", err)
	}
	if err := models.TransferOrg(ctx, db, now, models.AuditEvent{}, org.ID, owner, admin.ID); err != nil {
		t.Fatal(err)
	}
	if err := models.DeleteUser(ctx, db, models.AuditEvent{}, owner.ID); err != nil {
		t.Fatalf("delete after the transfer: %v", err)
	}
	var events int64
	if err := db.Read.Raw("SELECT count(*) FROM audit_events WHERE org_id = ?", org.ID).Scan(&events).Error; err != nil || events < 2 {
		t.Fatalf("audit events with the org: %d %v", events, err)
	}
}

// TestConcurrentCreatesDeriveDistinctSlugs: creates of one name at once all
// succeed, each with its own suffix.
func TestConcurrentCreatesDeriveDistinctSlugs(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	u := orgUser(t, db, "racer@example.com")
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = models.CreateOrg(t.Context(), db, time.Now(), models.AuditEvent{}, u, "Race", "")
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var slugs int64
	if err := db.Read.Raw("SELECT count(DISTINCT slug) FROM organizations").Scan(&slugs).Error; err != nil || slugs != 6 {
		t.Fatalf("%d distinct slugs (%v)", slugs, err)
	}
}
