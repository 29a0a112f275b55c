package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
)

// OrgRole is a member's role in an organization.
type OrgRole string

// The roles, from most to least powerful.
const (
	OrgOwner  OrgRole = "owner"
	OrgAdmin  OrgRole = "admin"
	OrgMember OrgRole = "member"
)

// OrgRoles lists the roles in the order forms offer them.
var OrgRoles = []OrgRole{OrgMember, OrgAdmin, OrgOwner}

// Valid reports whether r is one of the roles.
func (r OrgRole) Valid() bool { return r == OrgOwner || r == OrgAdmin || r == OrgMember }

func (r OrgRole) rank() int {
	switch r {
	case OrgOwner:
		return 3
	case OrgAdmin:
		return 2
	case OrgMember:
		return 1
	}
	return 0
}

// AtLeast reports whether r is min or above it.
func (r OrgRole) AtLeast(min OrgRole) bool { return r.Valid() && r.rank() >= min.rank() }

// OrgAction is something a member may be allowed to do.
type OrgAction int

// The actions, and the least role each needs (Can).
const (
	OrgView          OrgAction = iota // see the organization's pages and members
	OrgInvite                         // invite, resend and revoke invitations
	OrgManageMembers                  // change roles of and remove admins and members
	OrgEditSettings                   // rename, change the slug
	OrgTransfer                       // hand ownership to another member
	OrgDelete                         // delete the organization
)

// Can reports whether role r may do a: owners everything; admins invite,
// and manage admins and members; members read.
func (r OrgRole) Can(a OrgAction) bool {
	switch a {
	case OrgView:
		return r.AtLeast(OrgMember)
	case OrgInvite, OrgManageMembers:
		return r.AtLeast(OrgAdmin)
	case OrgEditSettings, OrgTransfer, OrgDelete:
		return r == OrgOwner
	}
	return false
}

// CanSet reports whether r may give a member whose role is from the role
// to (or invite someone as to): an owner any; an admin only between admin
// and member.
func (r OrgRole) CanSet(from, to OrgRole) bool {
	if !to.Valid() || !r.Can(OrgManageMembers) {
		return false
	}
	if r == OrgOwner {
		return true
	}
	return from != OrgOwner && to != OrgOwner
}

// Limits of organizations.
const (
	MaxOrgNameLen = 100
	MinSlugLen    = 2
	MaxSlugLen    = 48
	// InvitationTTL is how long an invitation link works.
	InvitationTTL = 7 * 24 * time.Hour
	// MembersPerPage is the size of a page of members.
	MembersPerPage = 50
	// OrgsPerPage is the size of a page of the admin's organization list.
	OrgsPerPage = 50
)

// reservedSlugs may not name an organization: words the app's own pages or
// a product may want under /orgs/, or that would mislead.
var reservedSlugs = []string{"new", "admin", "api", "settings", "members", "invitations", "join", "create",
	"edit", "delete", "leave", "transfer", "switch", "me", "account", "login", "logout", "signup", "static",
	"dev", "hearth", "support", "help", "www", "root", "system", "null", "undefined"}

// Organization is a team: members with roles, under a unique slug.
type Organization struct {
	ID        string `gorm:"primaryKey"`
	Name      string
	Slug      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName implements gorm's Tabler.
func (Organization) TableName() string { return "organizations" }

// Membership is a user's place in an organization.
type Membership struct {
	OrgID    string `gorm:"primaryKey"`
	UserID   string `gorm:"primaryKey"`
	Role     OrgRole
	JoinedAt time.Time
}

// OrgMembership is one of a user's organizations with the user's role:
// what the nav's switcher and requireOrgRole need. It holds no references
// (the session cache may hand out copies freely).
type OrgMembership struct {
	OrgID    string
	Name     string
	Slug     string
	Role     OrgRole
	JoinedAt time.Time
	// CreatedAt is when the organization was created.
	CreatedAt time.Time
}

// Organization is the organization of the membership.
func (m OrgMembership) Organization() *Organization {
	return &Organization{ID: m.OrgID, Name: m.Name, Slug: m.Slug, CreatedAt: m.CreatedAt}
}

// Invitation asks an address to join an organization with a role. Only the
// SHA-256 of its mailed token is stored.
type Invitation struct {
	ID         string `gorm:"primaryKey"`
	OrgID      string
	Email      string
	Role       OrgRole
	TokenHash  string
	InvitedBy  *string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt *time.Time
	DeclinedAt *time.Time
}

// Open reports whether the invitation can still be answered at now.
func (i *Invitation) Open(now time.Time) bool {
	return i.AcceptedAt == nil && i.DeclinedAt == nil && now.UTC().Before(i.ExpiresAt)
}

// InvalidOrg is an organization's name or slug refused: for each part, why.
type InvalidOrg struct {
	Name error
	Slug error
}

func (e *InvalidOrg) Error() string {
	var parts []string
	if e.Name != nil {
		parts = append(parts, "name: "+e.Name.Error())
	}
	if e.Slug != nil {
		parts = append(parts, "slug: "+e.Slug.Error())
	}
	return strings.Join(parts, "; ")
}

func (e *InvalidOrg) orNil() error {
	if e.Name == nil && e.Slug == nil {
		return nil
	}
	return e
}

// Slugify derives a slug from a name: lowercase ASCII letters and digits
// with single hyphens between words; accents are folded (é -> e) and other
// characters dropped; cut to MaxSlugLen. It may return "".
func Slugify(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFKD.String(strings.ToValidUTF8(name, " ")) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // the accent of a folded letter
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r >= 'A' && r <= 'Z':
			r = unicode.ToLower(r)
		case r < utf8.RuneSelf && !unicode.IsLetter(r) && !unicode.IsDigit(r), unicode.IsSpace(r), unicode.IsPunct(r):
			hyphen = b.Len() > 0
			continue
		default:
			continue // a letter with no ASCII spelling
		}
		if hyphen {
			b.WriteByte('-')
			hyphen = false
		}
		b.WriteRune(r)
	}
	s := b.String()
	if len(s) > MaxSlugLen {
		s = strings.TrimRight(s[:MaxSlugLen], "-")
	}
	return s
}

// ValidateSlug says what is wrong with a slug (ErrSlugInvalid,
// ErrSlugReserved), or nil.
func ValidateSlug(s string) error {
	if len(s) < MinSlugLen || len(s) > MaxSlugLen || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return ErrSlugInvalid
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return ErrSlugInvalid
		}
	}
	if slices.Contains(reservedSlugs, s) {
		return ErrSlugReserved
	}
	return nil
}

// validateOrgName normalizes and checks an organization's name.
func validateOrgName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return name, ErrNameBadText
	}
	name = NormalizeName(name)
	switch {
	case name == "":
		return name, ErrOrgNameMissing
	case utf8.RuneCountInString(name) > MaxOrgNameLen:
		return name, ErrNameTooLong
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return name, ErrNameControl
		}
	}
	return name, nil
}

// OrgEvent is the audit event of an organization's change: by (who asked),
// with the organization and the action filled in.
func orgEvent(by AuditEvent, action string, org *Organization, target *User, detail string) AuditEvent {
	by.Action, by.OrgID, by.Detail = action, &org.ID, detail
	if target != nil {
		by.TargetID, by.Email = &target.ID, target.Email
	}
	return by
}

// CreateOrg creates an organization named name with u as its owner. slug
// "" derives one from the name, adding -2, -3… while it is taken; a slug
// given is used as typed or refused (ErrSlugTaken). Errors of the input are
// an *InvalidOrg.
func CreateOrg(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, name, slug string) (*Organization, error) {
	name, nameErr := validateOrgName(name)
	bad := &InvalidOrg{Name: nameErr}
	derived := strings.TrimSpace(slug) == ""
	if derived {
		slug = Slugify(name)
		if ValidateSlug(slug) != nil { // empty, one letter, or reserved
			if slug == "" {
				slug = "org"
			} else {
				slug = strings.TrimRight(slug[:min(len(slug), MaxSlugLen-4)], "-") + "-org"
			}
		}
	} else {
		slug = strings.TrimSpace(slug)
		bad.Slug = ValidateSlug(slug)
	}
	if err := bad.orNil(); err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	now = now.UTC()
	org := &Organization{ID: id.String(), Name: name, CreatedAt: now, UpdatedAt: now}
	// A derived slug taken by a concurrent create between the look and the
	// insert: look again.
	for attempt := 0; attempt < 5; attempt++ {
		if err = createOrgTx(ctx, db, by, u, org, slug, derived); !derived || !errors.Is(err, gorm.ErrDuplicatedKey) {
			break
		}
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, &InvalidOrg{Slug: ErrSlugTaken} // taken by a concurrent create
	}
	if err != nil {
		return nil, err
	}
	return org, nil
}

func createOrgTx(ctx context.Context, db *DB, by AuditEvent, u *User, org *Organization, slug string, derived bool) error {
	return db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Creates deriving the same slug take turns (PostgreSQL; SQLite's
		// one writer serializes them anyway), so each sees the others'
		// suffixes.
		if db.Dialect == Postgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext(?))", "hearth-org-slug:"+slug).Error; err != nil {
				return err
			}
		}
		s, err := freeSlug(tx, slug, derived)
		if err != nil {
			return err
		}
		org.Slug = s
		if err := tx.Create(org).Error; err != nil {
			return err
		}
		if err := tx.Create(&Membership{OrgID: org.ID, UserID: u.ID, Role: OrgOwner, JoinedAt: org.CreatedAt}).Error; err != nil {
			return err
		}
		return recordEventTx(tx, orgEvent(by, AuditOrgCreate, org, u, "organization "+org.Slug))
	})
}

// freeSlug returns slug if no organization has it; a derived slug gets the
// first free suffix instead, a typed one is ErrSlugTaken.
func freeSlug(tx *gorm.DB, slug string, derived bool) (string, error) {
	var taken []string
	if err := tx.Raw("SELECT slug FROM organizations WHERE slug = ? OR slug LIKE ?", slug, slug+"-%").Scan(&taken).Error; err != nil {
		return "", err
	}
	if !slices.Contains(taken, slug) {
		return slug, nil
	}
	if !derived {
		return "", &InvalidOrg{Slug: ErrSlugTaken}
	}
	for n := 2; ; n++ {
		suffix := "-" + strconv.Itoa(n)
		s := slug
		if len(s)+len(suffix) > MaxSlugLen {
			s = strings.TrimRight(s[:MaxSlugLen-len(suffix)], "-")
		}
		if s += suffix; !slices.Contains(taken, s) && ValidateSlug(s) == nil {
			return s, nil
		}
	}
}

// OrgBySlug loads an organization by its slug (ErrNotFound).
func OrgBySlug(ctx context.Context, db *DB, slug string) (*Organization, error) {
	return firstOrg(db.Read.WithContext(ctx).Where("slug = ?", slug))
}

// OrgByID loads an organization by its id (ErrNotFound).
func OrgByID(ctx context.Context, db *DB, id string) (*Organization, error) {
	return firstOrg(db.Read.WithContext(ctx).Where("id = ?", id))
}

func firstOrg(q *gorm.DB) (*Organization, error) {
	var o Organization
	if err := q.Take(&o).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, err
	}
	return &o, nil
}

// UserOrgs lists a user's organizations with their role, oldest membership
// first, at most limit (0: all).
func UserOrgs(ctx context.Context, db *DB, userID string, limit int) ([]OrgMembership, error) {
	var out []OrgMembership
	q := db.Read.WithContext(ctx).Raw(userOrgsSQL+" ORDER BY m.joined_at, o.id", userID)
	if limit > 0 {
		q = db.Read.WithContext(ctx).Raw(userOrgsSQL+" ORDER BY m.joined_at, o.id LIMIT ?", userID, limit)
	}
	return out, q.Scan(&out).Error
}

const userOrgsSQL = `SELECT o.id AS org_id, o.name, o.slug, m.role, m.joined_at, o.created_at
FROM memberships m JOIN organizations o ON o.id = m.org_id WHERE m.user_id = ?`

// MembershipOf returns the user's membership of the organization named by
// slug, read from the database (ErrNotFound: no such organization, or the
// user is not in it — the same answer, so slugs cannot be probed).
func MembershipOf(ctx context.Context, db *DB, userID, slug string) (OrgMembership, error) {
	var out []OrgMembership
	err := db.Read.WithContext(ctx).Raw(userOrgsSQL+" AND o.slug = ?", userID, slug).Scan(&out).Error
	return oneMembership(out, err)
}

// MembershipByOrgID is MembershipOf by the organization's id.
func MembershipByOrgID(ctx context.Context, db *DB, userID, orgID string) (OrgMembership, error) {
	var out []OrgMembership
	err := db.Read.WithContext(ctx).Raw(userOrgsSQL+" AND o.id = ?", userID, orgID).Scan(&out).Error
	return oneMembership(out, err)
}

// oneMembership is the answer of a membership lookup: its one row, or
// ErrNotFound when there is none.
func oneMembership(out []OrgMembership, err error) (OrgMembership, error) {
	if err != nil {
		return OrgMembership{}, err
	}
	if len(out) == 0 {
		return OrgMembership{}, ErrNotFound
	}
	return out[0], nil
}

// Member is a row of the members page.
type Member struct {
	UserID        string
	Email         string
	Name          string
	AvatarVersion string // the user's photo (PhotoURL), "" for none
	Role          OrgRole
	JoinedAt      time.Time
}

// DisplayName is the name, or the email when no name was given.
func (m Member) DisplayName() string {
	if m.Name != "" {
		return m.Name
	}
	return m.Email
}

// MemberList is one page of an organization's members.
type MemberList struct {
	Page    int
	Total   int64
	Members []Member
}

// Pages is the number of pages (at least 1).
func (l MemberList) Pages() int { return max(1, int((l.Total+MembersPerPage-1)/MembersPerPage)) }

// ListMembers returns page (from 1) of the organization's members, by
// joining date. The offset walks the (org_id, joined_at, user_id) index
// alone; users are joined for the page's rows only.
func ListMembers(ctx context.Context, db *DB, orgID string, page int) (MemberList, error) {
	l := MemberList{Page: min(max(page, 1), maxPage)}
	r := db.Read.WithContext(ctx)
	if err := r.Raw("SELECT count(*) FROM memberships WHERE org_id = ?", orgID).Scan(&l.Total).Error; err != nil {
		return l, err
	}
	offset := (l.Page - 1) * MembersPerPage
	if int64(offset) >= l.Total {
		return l, nil
	}
	err := r.Raw(`SELECT u.id AS user_id, u.email, u.name, u.avatar_version, m.role, m.joined_at FROM
(SELECT user_id, role, joined_at FROM memberships WHERE org_id = ? ORDER BY joined_at, user_id LIMIT ? OFFSET ?) m
JOIN users u ON u.id = m.user_id ORDER BY m.joined_at, m.user_id`, orgID, MembersPerPage, offset).Scan(&l.Members).Error
	return l, err
}

// CountMembers is how many members the organization has.
func CountMembers(ctx context.Context, db *DB, orgID string) (int64, error) {
	var n int64
	err := db.Read.WithContext(ctx).Raw("SELECT count(*) FROM memberships WHERE org_id = ?", orgID).Scan(&n).Error
	return n, err
}

// MemberOf returns one member of an organization (ErrNotFound).
func MemberOf(ctx context.Context, db *DB, orgID, userID string) (*Member, error) {
	var out []Member
	if err := db.Read.WithContext(ctx).Raw(`SELECT u.id AS user_id, u.email, u.name, u.avatar_version, m.role, m.joined_at
FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = ? AND m.user_id = ?`, orgID, userID).Scan(&out).Error; err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return &out[0], nil
}

// lockOrg takes the organization's row for the transaction (PostgreSQL:
// FOR UPDATE; SQLite's one writer serializes anyway), so that membership
// changes of one organization happen one at a time and the owner count
// each checks stays true until it commits: two owners demoting each other
// at once cannot leave none.
func lockOrg(tx *gorm.DB, d Dialect, orgID string) (*Organization, error) {
	var orgs []Organization
	if err := tx.Raw(d.Pick(lockOrgSQL, lockOrgSQL+" FOR UPDATE"), orgID).Scan(&orgs).Error; err != nil {
		return nil, err
	}
	if len(orgs) == 0 {
		return nil, ErrNotFound
	}
	return &orgs[0], nil
}

const lockOrgSQL = "SELECT id, name, slug, created_at, updated_at FROM organizations WHERE id = ?"

// memberTx reads a member's row in a transaction (ErrNotFound).
func memberTx(tx *gorm.DB, orgID, userID string) (*Membership, error) {
	var m Membership
	if err := tx.Where("org_id = ? AND user_id = ?", orgID, userID).Take(&m).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, err
	}
	return &m, nil
}

// keepAnOwner refuses (ErrLastOwner) a change that takes the owner role
// from userID when no other owner would be left. The organization's row
// must be locked (lockOrg).
func keepAnOwner(tx *gorm.DB, orgID, userID string) error {
	var others int64
	if err := tx.Raw("SELECT count(*) FROM memberships WHERE org_id = ? AND role = ? AND user_id <> ?", orgID, OrgOwner, userID).Scan(&others).Error; err != nil {
		return err
	}
	if others == 0 {
		return ErrLastOwner
	}
	return nil
}

// orgChange runs change on the locked organization with the acting
// member's current role (read in the transaction, not trusted from the
// request): ErrNotFound if the organization is gone or actor is not in it.
func orgChange(ctx context.Context, db *DB, orgID, actorID string, change func(tx *gorm.DB, org *Organization, actor *Membership) error) error {
	return db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		org, err := lockOrg(tx, db.Dialect, orgID)
		if err != nil {
			return err
		}
		actor, err := memberTx(tx, orgID, actorID)
		if err != nil {
			return err
		}
		return change(tx, org, actor)
	})
}

// SetMemberRole gives member targetID the role, as actor (who must be
// allowed to: ErrOrgForbidden). The last owner cannot be demoted
// (ErrLastOwner); a bad role is ErrOrgRoleInvalid.
func SetMemberRole(ctx context.Context, db *DB, now time.Time, by AuditEvent, orgID string, actor *User, targetID string, role OrgRole) error {
	if !role.Valid() {
		return ErrOrgRoleInvalid
	}
	return orgChange(ctx, db, orgID, actor.ID, func(tx *gorm.DB, org *Organization, a *Membership) error {
		m, err := memberTx(tx, orgID, targetID)
		if err != nil {
			return err
		}
		if !a.Role.CanSet(m.Role, role) {
			return ErrOrgForbidden
		}
		if m.Role == role {
			return nil
		}
		if m.Role == OrgOwner {
			if err := keepAnOwner(tx, orgID, targetID); err != nil {
				return err
			}
		}
		if err := tx.Model(&Membership{}).Where("org_id = ? AND user_id = ?", orgID, targetID).Update("role", role).Error; err != nil {
			return err
		}
		target, err := firstUser(tx.Where("id = ?", targetID))
		if err != nil {
			return err
		}
		return recordEventTx(tx, orgEvent(by, AuditOrgRoleChange, org, target, fmt.Sprintf("role %s -> %s in %s", m.Role, role, org.Slug)))
	})
}

// RemoveMember takes targetID out of the organization, as actor (an admin
// or owner who may manage the target's role; one's own membership is left
// with LeaveOrg's rule). The last owner cannot be removed (ErrLastOwner).
func RemoveMember(ctx context.Context, db *DB, now time.Time, by AuditEvent, orgID string, actor *User, targetID string) error {
	return orgChange(ctx, db, orgID, actor.ID, func(tx *gorm.DB, org *Organization, a *Membership) error {
		m, err := memberTx(tx, orgID, targetID)
		if err != nil {
			return err
		}
		if targetID != actor.ID && !a.Role.CanSet(m.Role, m.Role) {
			return ErrOrgForbidden
		}
		return removeTx(ctx, tx, by, org, m, AuditOrgMemberRemove, "removed from "+org.Slug)
	})
}

// LeaveOrg takes u out of the organization; the last owner cannot leave
// (ErrLastOwner): they transfer ownership or delete the organization.
func LeaveOrg(ctx context.Context, db *DB, now time.Time, by AuditEvent, orgID string, u *User) error {
	return orgChange(ctx, db, orgID, u.ID, func(tx *gorm.DB, org *Organization, m *Membership) error {
		return removeTx(ctx, tx, by, org, m, AuditOrgLeave, "left "+org.Slug)
	})
}

func removeTx(ctx context.Context, tx *gorm.DB, by AuditEvent, org *Organization, m *Membership, action, detail string) error {
	if m.Role == OrgOwner {
		if err := keepAnOwner(tx, org.ID, m.UserID); err != nil {
			return err
		}
	}
	if err := tx.Where("org_id = ? AND user_id = ?", org.ID, m.UserID).Delete(&Membership{}).Error; err != nil {
		return err
	}
	target, err := firstUser(tx.Where("id = ?", m.UserID))
	if err != nil {
		return err
	}
	return recordEventTx(tx, orgEvent(by, action, org, target, detail))
}

// TransferOrg makes member targetID an owner and actor (an owner) an admin.
func TransferOrg(ctx context.Context, db *DB, now time.Time, by AuditEvent, orgID string, actor *User, targetID string) error {
	if targetID == actor.ID {
		return ErrOrgSelf
	}
	return orgChange(ctx, db, orgID, actor.ID, func(tx *gorm.DB, org *Organization, a *Membership) error {
		if !a.Role.Can(OrgTransfer) {
			return ErrOrgForbidden
		}
		m, err := memberTx(tx, orgID, targetID)
		if err != nil {
			return err
		}
		if err := tx.Model(&Membership{}).Where("org_id = ? AND user_id = ?", orgID, targetID).Update("role", OrgOwner).Error; err != nil {
			return err
		}
		if err := tx.Model(&Membership{}).Where("org_id = ? AND user_id = ?", orgID, actor.ID).Update("role", OrgAdmin).Error; err != nil {
			return err
		}
		target, err := firstUser(tx.Where("id = ?", m.UserID))
		if err != nil {
			return err
		}
		return recordEventTx(tx, orgEvent(by, AuditOrgTransfer, org, target, "ownership of "+org.Slug+" transferred"))
	})
}

// UpdateOrg renames the organization and changes its slug, as actor (an
// owner). A taken slug is an *InvalidOrg with ErrSlugTaken.
func UpdateOrg(ctx context.Context, db *DB, now time.Time, by AuditEvent, orgID string, actor *User, name, slug string) (*Organization, error) {
	name, nameErr := validateOrgName(name)
	slug = strings.TrimSpace(slug)
	if err := (&InvalidOrg{Name: nameErr, Slug: ValidateSlug(slug)}).orNil(); err != nil {
		return nil, err
	}
	var out *Organization
	err := orgChange(ctx, db, orgID, actor.ID, func(tx *gorm.DB, org *Organization, a *Membership) error {
		if !a.Role.Can(OrgEditSettings) {
			return ErrOrgForbidden
		}
		if org.Name == name && org.Slug == slug {
			out = org
			return nil
		}
		if slug != org.Slug {
			if _, err := freeSlug(tx, slug, false); err != nil {
				return err
			}
		}
		detail := "settings of " + org.Slug
		if slug != org.Slug {
			detail += ": slug -> " + slug
		}
		org.Name, org.Slug, org.UpdatedAt = name, slug, now.UTC()
		if err := tx.Model(&Organization{}).Where("id = ?", org.ID).
			Updates(map[string]any{"name": name, "slug": slug, "updated_at": org.UpdatedAt}).Error; err != nil {
			return err
		}
		out = org
		return recordEventTx(tx, orgEvent(by, AuditOrgUpdate, org, nil, detail))
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, &InvalidOrg{Slug: ErrSlugTaken}
	}
	return out, err
}

// DeleteOrg deletes the organization, its memberships and invitations, as
// actor (an owner). The audit history stays, naming it.
func DeleteOrg(ctx context.Context, db *DB, now time.Time, by AuditEvent, orgID string, actor *User) error {
	return orgChange(ctx, db, orgID, actor.ID, func(tx *gorm.DB, org *Organization, a *Membership) error {
		if !a.Role.Can(OrgDelete) {
			return ErrOrgForbidden
		}
		if err := tx.Where("org_id = ?", org.ID).Delete(&Invitation{}).Error; err != nil {
			return err
		}
		if err := tx.Where("org_id = ?", org.ID).Delete(&Membership{}).Error; err != nil {
			return err
		}
		if err := tx.Where("id = ?", org.ID).Delete(&Organization{}).Error; err != nil {
			return err
		}
		return recordEventTx(tx, orgEvent(by, AuditOrgDelete, org, nil, "organization "+org.Slug+" ("+org.Name+") deleted"))
	})
}

// NewInvitation is what an invitation's mail needs: the raw token (its
// link), shown nowhere else.
type NewInvitation struct {
	Org        *Organization
	Invitation Invitation
	Inviter    *User
	Token      string
}

// Invite asks email to join the organization with role, as actor (who
// must be allowed to give that role). An open invitation to the same
// address is renewed: a new token (the old link dies), 7 more days. The
// mail is queued in the same transaction. An address already a member is
// ErrAlreadyMember.
func Invite(ctx context.Context, db *DB, now time.Time, by AuditEvent, orgID string, actor *User, email string, role OrgRole, mail *Announce[NewInvitation]) (NewInvitation, error) {
	email = NormalizeEmail(email)
	if err := ValidateEmail(email); err != nil {
		return NewInvitation{}, &InvalidInput{Email: err}
	}
	if !role.Valid() {
		return NewInvitation{}, ErrOrgRoleInvalid
	}
	var out NewInvitation
	err := orgChange(ctx, db, orgID, actor.ID, func(tx *gorm.DB, org *Organization, a *Membership) error {
		if !a.Role.Can(OrgInvite) || !a.Role.CanSet(OrgMember, role) {
			return ErrOrgForbidden
		}
		var members int64
		if err := tx.Raw("SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = ? AND u.email = ?", orgID, email).Scan(&members).Error; err != nil {
			return err
		}
		if members > 0 {
			return ErrAlreadyMember
		}
		var open []Invitation
		if err := tx.Where("org_id = ? AND email = ? AND accepted_at IS NULL AND declined_at IS NULL", orgID, email).Find(&open).Error; err != nil {
			return err
		}
		inv, raw, err := issueInvitation(tx, now, org, actor, email, role, open)
		if err != nil {
			return err
		}
		out = NewInvitation{Org: org, Invitation: inv, Inviter: actor, Token: raw}
		e := orgEvent(by, AuditOrgInvite, org, nil, "invited as "+string(role)+" to "+org.Slug)
		e.Email = email
		if err := recordEventTx(tx, e); err != nil {
			return err
		}
		return mail.queue(tx, now, out)
	})
	if err := mail.settle(err); err != nil {
		return NewInvitation{}, err
	}
	return out, nil
}

// issueInvitation stores a fresh token for email: a new row, or the open
// one renewed.
func issueInvitation(tx *gorm.DB, now time.Time, org *Organization, actor *User, email string, role OrgRole, open []Invitation) (Invitation, string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Invitation{}, "", err
	}
	raw := base64.RawURLEncoding.EncodeToString(b)
	now = now.UTC()
	if len(open) > 0 {
		inv := open[0]
		inv.Role, inv.TokenHash, inv.InvitedBy, inv.ExpiresAt = role, HashToken(raw), &actor.ID, now.Add(InvitationTTL)
		err := tx.Model(&Invitation{}).Where("id = ?", inv.ID).Updates(map[string]any{"role": role, "token_hash": inv.TokenHash,
			"invited_by": actor.ID, "expires_at": inv.ExpiresAt}).Error
		return inv, raw, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Invitation{}, "", err
	}
	inv := Invitation{ID: id.String(), OrgID: org.ID, Email: email, Role: role, TokenHash: HashToken(raw), InvitedBy: &actor.ID,
		CreatedAt: now, ExpiresAt: now.Add(InvitationTTL)}
	return inv, raw, tx.Create(&inv).Error
}

// ResendInvitation renews invitation id (new token, 7 more days) and mails
// it again, as actor.
func ResendInvitation(ctx context.Context, db *DB, now time.Time, by AuditEvent, orgID string, actor *User, id string, mail *Announce[NewInvitation]) (NewInvitation, error) {
	var out NewInvitation
	err := orgChange(ctx, db, orgID, actor.ID, func(tx *gorm.DB, org *Organization, a *Membership) error {
		var open []Invitation
		if err := tx.Where("id = ? AND org_id = ? AND accepted_at IS NULL AND declined_at IS NULL", id, orgID).Find(&open).Error; err != nil {
			return err
		}
		if len(open) == 0 {
			return ErrNotFound
		}
		if !a.Role.Can(OrgInvite) || !a.Role.CanSet(OrgMember, open[0].Role) {
			return ErrOrgForbidden
		}
		inv, raw, err := issueInvitation(tx, now, org, actor, open[0].Email, open[0].Role, open)
		if err != nil {
			return err
		}
		out = NewInvitation{Org: org, Invitation: inv, Inviter: actor, Token: raw}
		e := orgEvent(by, AuditOrgInvite, org, nil, "invitation resent ("+string(inv.Role)+", "+org.Slug+")")
		e.Email = inv.Email
		if err := recordEventTx(tx, e); err != nil {
			return err
		}
		return mail.queue(tx, now, out)
	})
	if err := mail.settle(err); err != nil {
		return NewInvitation{}, err
	}
	return out, nil
}

// RevokeInvitation deletes an open invitation: its link stops working.
func RevokeInvitation(ctx context.Context, db *DB, now time.Time, by AuditEvent, orgID string, actor *User, id string) error {
	return orgChange(ctx, db, orgID, actor.ID, func(tx *gorm.DB, org *Organization, a *Membership) error {
		var open []Invitation
		if err := tx.Where("id = ? AND org_id = ? AND accepted_at IS NULL AND declined_at IS NULL", id, orgID).Find(&open).Error; err != nil {
			return err
		}
		if len(open) == 0 {
			return ErrNotFound
		}
		if !a.Role.Can(OrgInvite) || !a.Role.CanSet(OrgMember, open[0].Role) {
			return ErrOrgForbidden
		}
		if err := tx.Where("id = ?", id).Delete(&Invitation{}).Error; err != nil {
			return err
		}
		e := orgEvent(by, AuditOrgInviteRevoke, org, nil, "invitation revoked ("+org.Slug+")")
		e.Email = open[0].Email
		return recordEventTx(tx, e)
	})
}

// PendingInvitation is an open invitation with its organization's name.
type PendingInvitation struct {
	Invitation
	OrgName string
	OrgSlug string
}

// OpenInvitations lists an organization's open invitations (expired ones
// too, marked by their expiry, until revoked or resent).
func OpenInvitations(ctx context.Context, db *DB, orgID string) ([]Invitation, error) {
	var out []Invitation
	err := db.Read.WithContext(ctx).Where("org_id = ? AND accepted_at IS NULL AND declined_at IS NULL", orgID).
		Order("created_at, id").Limit(500).Find(&out).Error
	return out, err
}

// InvitationsFor lists the open, unexpired invitations to an address.
func InvitationsFor(ctx context.Context, db *DB, now time.Time, email string) ([]PendingInvitation, error) {
	var out []PendingInvitation
	err := db.Read.WithContext(ctx).Raw(`SELECT i.*, o.name AS org_name, o.slug AS org_slug FROM invitations i
JOIN organizations o ON o.id = i.org_id
WHERE i.email = ? AND i.accepted_at IS NULL AND i.declined_at IS NULL AND i.expires_at > ? ORDER BY i.created_at`, email, now.UTC()).Scan(&out).Error
	return out, err
}

// InvitationRef names an invitation: by the mailed token (its link), or by
// id (the signed-in addressee's list on /orgs: their verified address
// already proves what the token would).
type InvitationRef struct{ Token, ID string }

// InvitationByToken returns the open invitation whose token is raw and its
// organization (ErrTokenInvalid: unknown, answered, expired).
func InvitationByToken(ctx context.Context, db *DB, now time.Time, raw string) (*Invitation, *Organization, error) {
	return invitationByRef(db.Read.WithContext(ctx), now, InvitationRef{Token: raw})
}

func invitationByRef(q *gorm.DB, now time.Time, ref InvitationRef) (*Invitation, *Organization, error) {
	if (ref.Token == "") == (ref.ID == "") || len(ref.Token) > 100 || len(ref.ID) > 64 {
		return nil, nil, ErrTokenInvalid
	}
	var inv Invitation
	q2 := q.Where("token_hash = ?", HashToken(ref.Token))
	if ref.ID != "" {
		q2 = q.Where("id = ?", ref.ID)
	}
	if err := q2.Take(&inv).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, ErrTokenInvalid
	} else if err != nil {
		return nil, nil, err
	}
	if !inv.Open(now) {
		return nil, nil, ErrTokenInvalid
	}
	org, err := firstOrg(q.Where("id = ?", inv.OrgID))
	if errors.Is(err, ErrNotFound) {
		return nil, nil, ErrTokenInvalid
	}
	return &inv, org, err
}

// AcceptInvitation makes u a member with the invitation's role. The
// invitation is for its address only: u's verified address must be it
// (ErrInvitationElsewhere; an unverified one: ErrEmailUnverified). Single
// use: ErrTokenInvalid afterwards.
func AcceptInvitation(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, ref InvitationRef) (*Organization, error) {
	var out *Organization
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		inv, org, err := invitationByRef(tx, now, ref)
		if err != nil {
			return err
		}
		if err := invitationIsFor(inv, u); err != nil {
			return err
		}
		if _, err := lockOrg(tx, db.Dialect, org.ID); err != nil {
			return err
		}
		// Conditional: of two accepts racing, one answers the invitation.
		res := tx.Model(&Invitation{}).Where("id = ? AND accepted_at IS NULL AND declined_at IS NULL", inv.ID).Update("accepted_at", now.UTC())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrTokenInvalid
		}
		if _, err := memberTx(tx, org.ID, u.ID); err == nil {
			return ErrAlreadyMember
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := tx.Create(&Membership{OrgID: org.ID, UserID: u.ID, Role: inv.Role, JoinedAt: now.UTC()}).Error; err != nil {
			return err
		}
		out = org
		return recordEventTx(tx, orgEvent(by, AuditOrgJoin, org, u, "joined "+org.Slug+" as "+string(inv.Role)))
	})
	return out, err
}

// DeclineInvitation answers the invitation no, as u (its addressee).
func DeclineInvitation(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, ref InvitationRef) (*Organization, error) {
	var out *Organization
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		inv, org, err := invitationByRef(tx, now, ref)
		if err != nil {
			return err
		}
		if err := invitationIsFor(inv, u); err != nil {
			return err
		}
		res := tx.Model(&Invitation{}).Where("id = ? AND accepted_at IS NULL AND declined_at IS NULL", inv.ID).Update("declined_at", now.UTC())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrTokenInvalid
		}
		out = org
		return recordEventTx(tx, orgEvent(by, AuditOrgDecline, org, u, "declined the invitation to "+org.Slug))
	})
	return out, err
}

// invitationIsFor checks that u may answer inv: the invited address is
// u's, and u has proven it.
func invitationIsFor(inv *Invitation, u *User) error {
	if u.Email != inv.Email {
		return ErrInvitationElsewhere
	}
	if u.EmailVerifiedAt == nil {
		return ErrEmailUnverified
	}
	return nil
}

// LastOwnerError refuses deleting a user who is the last owner of
// organizations (Orgs: their names); errors.Is(err, ErrLastOwner).
type LastOwnerError struct{ Orgs []string }

func (e *LastOwnerError) Error() string {
	return "the last owner of " + strings.Join(e.Orgs, ", ")
}

// Is makes errors.Is(err, ErrLastOwner) true.
func (e *LastOwnerError) Is(target error) bool { return target == ErrLastOwner }

// refuseLastOwner is *LastOwnerError when the user is the only owner of an
// organization: deleting the account would leave it ownerless. Hearth
// refuses rather than promote someone by itself; the user (or an admin)
// transfers ownership or deletes the organization first. The organizations
// concerned are locked for the transaction.
func refuseLastOwner(tx *gorm.DB, d Dialect, userID string) error {
	var owned []string
	if err := tx.Raw("SELECT org_id FROM memberships WHERE user_id = ? AND role = ?", userID, OrgOwner).Scan(&owned).Error; err != nil {
		return err
	}
	var alone []string
	for _, id := range owned {
		org, err := lockOrg(tx, d, id)
		if err != nil {
			return err
		}
		if err := keepAnOwner(tx, id, userID); errors.Is(err, ErrLastOwner) {
			alone = append(alone, org.Name+" ("+org.Slug+")")
		} else if err != nil {
			return err
		}
	}
	if len(alone) > 0 {
		return &LastOwnerError{Orgs: alone}
	}
	return nil
}

// OrgQuery selects organizations for the admin panel: Search matches the
// name or slug (case-insensitively, as a substring).
type OrgQuery struct {
	Search string
	Page   int
}

// orgMatch is an organization's name or slug containing the search (the
// first argument: "" matches all), case-insensitively.
const (
	orgMatchSQLite   = "instr(lower(name || ' ' || slug), lower(?)) > 0"
	orgMatchPostgres = "strpos(lower(name || ' ' || slug), lower(?)) > 0"
	// orgMatchTrigram is the same match through organizations_search_trgm_idx
	// (3 characters or more; the argument escaped with escapeLike).
	orgMatchTrigram = "lower(name || ' ' || slug) LIKE '%' || lower(?) || '%'"

	orgsPageHead = `SELECT o.id, o.name, o.slug, o.created_at, o.updated_at,
(SELECT count(*) FROM memberships m WHERE m.org_id = o.id) AS members
FROM (SELECT id, name, slug, created_at, updated_at FROM organizations`
	orgsPageTail = `
ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?) o ORDER BY o.created_at DESC, o.id DESC`
)

// OrgRow is an organization with its member count.
type OrgRow struct {
	Organization
	Members int64
}

// OrgList is one page of organizations, newest first, and how many match.
type OrgList struct {
	Query OrgQuery
	Orgs  []OrgRow
	Total int64
}

// Pages is the number of pages (at least 1).
func (l OrgList) Pages() int { return max(1, int((l.Total+OrgsPerPage-1)/OrgsPerPage)) }

// ListOrgs returns a page of organizations for the admin panel. The member
// counts are read for the page's rows only, each from the memberships
// index.
func ListOrgs(ctx context.Context, db *DB, q OrgQuery) (OrgList, error) {
	q.Search = strings.TrimSpace(strings.ToValidUTF8(q.Search, ""))
	if len(q.Search) > MaxOrgNameLen*4 {
		q.Search = q.Search[:MaxOrgNameLen*4]
	}
	q.Page = min(max(q.Page, 1), maxPage)
	list := OrgList{Query: q}
	r := db.Read.WithContext(ctx)
	count := r.Raw("SELECT count(*) FROM organizations")
	switch {
	case q.Search != "" && db.Dialect == Postgres && trigramSearch(q.Search):
		count = r.Raw("SELECT count(*) FROM organizations WHERE "+orgMatchTrigram, escapeLike(q.Search))
	case q.Search != "":
		count = r.Raw("SELECT count(*) FROM organizations WHERE "+db.Dialect.Pick(orgMatchSQLite, orgMatchPostgres), q.Search)
	}
	if err := count.Scan(&list.Total).Error; err != nil {
		return list, err
	}
	offset := (q.Page - 1) * OrgsPerPage
	if int64(offset) >= list.Total {
		return list, nil
	}
	// The page first, then its counts: PostgreSQL computes a select list
	// for the rows an OFFSET skips too. Without a search, the offset walks
	// organizations_created_idx.
	page := r.Raw(orgsPageHead+orgsPageTail, OrgsPerPage, offset)
	switch {
	case q.Search != "" && db.Dialect == Postgres && trigramSearch(q.Search):
		page = r.Raw(orgsPageHead+" WHERE "+orgMatchTrigram+orgsPageTail, escapeLike(q.Search), OrgsPerPage, offset)
	case q.Search != "":
		page = r.Raw(orgsPageHead+" WHERE "+db.Dialect.Pick(orgMatchSQLite, orgMatchPostgres)+orgsPageTail, q.Search, OrgsPerPage, offset)
	}
	err := page.Scan(&list.Orgs).Error
	return list, err
}
