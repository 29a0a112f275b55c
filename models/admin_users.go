package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Errors of the admin actions.
var (
	ErrLastAdmin = errors.New("this is the last admin")
	ErrSelf      = errors.New("admins cannot do this to themselves")
)

// User list filters and sorts, as they appear in the URL.
const (
	StatusActive     = "active"     // not banned
	StatusBanned     = "banned"     // banned
	StatusUnverified = "unverified" // address not verified, not banned

	SortCreated    = "created"      // newest first (the default)
	SortOldest     = "oldest"       // oldest first
	SortLastSignIn = "last_sign_in" // most recent sign-in first, never signed in last
	SortEmail      = "email"        // A to Z

	UsersPerPage = 50
	maxPage      = 1_000_000 // bounds OFFSET; far beyond any real list
)

// UserQuery selects a page of the users list. Unknown filter or sort values
// are treated as absent, so no URL can make the list fail.
type UserQuery struct {
	Search string // part of an email or name
	Role   string // RoleAdmin, RoleMember or ""
	Status string // StatusActive, StatusBanned, StatusUnverified or ""
	Sort   string
	Page   int // from 1
}

// Normalize replaces unknown values with the defaults.
func (q UserQuery) Normalize() UserQuery {
	q.Search = strings.TrimSpace(q.Search)
	if len(q.Search) > MaxEmailLen {
		q.Search = q.Search[:MaxEmailLen]
	}
	if q.Role != RoleAdmin && q.Role != RoleMember {
		q.Role = ""
	}
	switch q.Status {
	case StatusActive, StatusBanned, StatusUnverified:
	default:
		q.Status = ""
	}
	switch q.Sort {
	case SortCreated, SortOldest, SortLastSignIn, SortEmail:
	default:
		q.Sort = SortCreated
	}
	q.Page = min(max(q.Page, 1), maxPage)
	return q
}

// UserList is one page of users and the number of users matching in all.
type UserList struct {
	Query UserQuery
	Users []User
	Total int64
}

// Pages is the number of pages (at least 1).
func (l UserList) Pages() int {
	return max(1, int((l.Total+UsersPerPage-1)/UsersPerPage))
}

// searchDense is the number of matches up to which a search collects the
// matching ids in one scan of the search index, then counts and sorts just
// those. Above it matches are common, so walking the sort's index fills a
// page quickly, and only the count has to scan.
const searchDense = 2000

// ListUsers returns the page of users that q selects, and how many match.
// Every plan is designed for 100,000+ users (docs/benchmarks.md): each sort
// walks an index and stops after one page, the filters that select few users
// have partial indexes, and a search scans the small search index once.
func ListUsers(ctx context.Context, db *DB, q UserQuery) (UserList, error) {
	q = q.Normalize()
	list := UserList{Query: q}
	r := db.Read.WithContext(ctx)
	base := filterUsers(r.Model(&User{}), q)
	if q.Search != "" {
		// The matches come from a scan of the small search index. With a
		// filter too, they are named in a subquery: otherwise SQLite scans
		// the whole table to check both at once.
		matches := r.Model(&User{}).Select("id").Where(searchExpr(db)+" > 0", strings.ToLower(q.Search))
		if q.Role != "" || q.Status != "" {
			matches = filterUsers(r.Model(&User{}).Select("id").Where("id IN (?)", matches), q)
		}
		var ids []string
		if err := matches.Session(&gorm.Session{}).Limit(searchDense+1).Pluck("id", &ids).Error; err != nil {
			return list, fmt.Errorf("search users: %w", err)
		}
		if len(ids) <= searchDense {
			list.Total = int64(len(ids))
			if len(ids) == 0 {
				return list, nil
			}
			return list, pageOfUsers(r.Model(&User{}).Where("id IN ?", ids), db, q, true, &list)
		}
		if q.Role != "" || q.Status != "" {
			base = r.Model(&User{}).Where("id IN (?)", matches)
		} else {
			base = base.Where(searchExpr(db)+" > 0", strings.ToLower(q.Search))
		}
	}
	if err := base.Session(&gorm.Session{}).Count(&list.Total).Error; err != nil {
		return list, fmt.Errorf("count users: %w", err)
	}
	// Admins and banned users are few: sort them rather than walk a sort
	// index over everyone to find them.
	rare := q.Role == RoleAdmin || q.Status == StatusBanned
	return list, pageOfUsers(base, db, q, rare, &list)
}

// filterUsers adds the role and status filters. They are validated
// constants, written as literals so that SQLite can pick the partial index
// they match (a bound parameter cannot prove that it does).
func filterUsers(tx *gorm.DB, q UserQuery) *gorm.DB {
	switch q.Role {
	case RoleAdmin:
		tx = tx.Where("role = 'admin'")
	case RoleMember:
		tx = tx.Where("role = 'member'")
	}
	switch q.Status {
	case StatusActive:
		tx = tx.Where("banned_at IS NULL")
	case StatusBanned:
		tx = tx.Where("banned_at IS NOT NULL")
	case StatusUnverified:
		tx = tx.Where("email_verified_at IS NULL AND banned_at IS NULL")
	}
	return tx
}

// pageOfUsers loads the requested page of the rows tx selects.
func pageOfUsers(tx *gorm.DB, db *DB, q UserQuery, sortMatches bool, list *UserList) error {
	offset := (q.Page - 1) * UsersPerPage
	if int64(offset) >= list.Total {
		return nil // past the end: nothing to fetch
	}
	err := tx.Order(userOrder(db, q.Sort, sortMatches)).Limit(UsersPerPage).Offset(offset).
		Omit("password_hash").Find(&list.Users).Error
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	return nil
}

// searchExpr finds the search text (a parameter) in the email or name, as
// in the covering index users_search_idx.
func searchExpr(db *DB) string {
	if db.Dialect == "postgres" {
		return "strpos(lower(email || ' ' || name), ?)"
	}
	return "instr(lower(email || ' ' || name), ?)"
}

// userOrder is the ORDER BY of a sort. With sortMatches, SQLite is told not
// to walk the sort's index (a unary + hides a column from the planner), so
// it collects the matches from the search index and sorts them.
func userOrder(db *DB, sort string, sortMatches bool) string {
	p := ""
	if sortMatches && db.Dialect == "sqlite" {
		p = "+"
	}
	switch sort {
	case SortOldest:
		return p + "created_at, id"
	case SortLastSignIn:
		if db.Dialect == "postgres" {
			return "last_sign_in_at DESC NULLS LAST, id DESC"
		}
		return p + "last_sign_in_at DESC, id DESC" // SQLite sorts NULL lowest: last when descending
	case SortEmail:
		return p + "lower(email)"
	}
	return p + "created_at DESC, id DESC"
}

// escapeLike makes % and _ in user input match themselves.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// UsersByID loads the users with the given ids, keyed by id (for showing
// names next to audit events). Unknown ids are left out.
func UsersByID(ctx context.Context, db *DB, ids []string) (map[string]*User, error) {
	out := map[string]*User{}
	if len(ids) == 0 {
		return out, nil
	}
	var users []User
	if err := db.Read.WithContext(ctx).Omit("password_hash").Where("id IN ?", ids).Find(&users).Error; err != nil {
		return nil, err
	}
	for i := range users {
		out[users[i].ID] = &users[i]
	}
	return out, nil
}

// SetUserRole changes a user's role on behalf of an admin. The last admin
// who can still sign in cannot be demoted.
func SetUserRole(ctx context.Context, db *DB, now time.Time, targetID, role string) (*User, error) {
	if role != RoleMember && role != RoleAdmin {
		return nil, FieldErrors{"role": "Choose admin or member."}
	}
	return adminChange(ctx, db, targetID, func(tx *gorm.DB, u *User) error {
		if u.Role == role {
			return nil
		}
		if u.IsAdmin() {
			if err := keepOneAdmin(tx, db.Dialect, u); err != nil {
				return err
			}
		}
		u.Role, u.UpdatedAt = role, now.UTC()
		return tx.Model(u).Updates(map[string]any{"role": role, "updated_at": u.UpdatedAt}).Error
	})
}

// BanUser bans a user and ends every session of theirs in the same
// transaction: their next request is signed out. Admins cannot ban
// themselves, nor the last admin.
func BanUser(ctx context.Context, db *DB, now time.Time, actorID, targetID string) (*User, error) {
	if actorID == targetID {
		return nil, ErrSelf
	}
	now = now.UTC()
	return adminChange(ctx, db, targetID, func(tx *gorm.DB, u *User) error {
		if u.BannedAt != nil {
			return nil
		}
		if u.IsAdmin() {
			if err := keepOneAdmin(tx, db.Dialect, u); err != nil {
				return err
			}
		}
		u.BannedAt, u.UpdatedAt = &now, now
		if err := tx.Model(u).Updates(map[string]any{"banned_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		return revokeSessionsTx(tx, now, "user_id = ?", u.ID)
	})
}

// UnbanUser lifts a ban. The user signs in again; old sessions stay ended.
func UnbanUser(ctx context.Context, db *DB, now time.Time, targetID string) (*User, error) {
	return adminChange(ctx, db, targetID, func(tx *gorm.DB, u *User) error {
		if u.BannedAt == nil {
			return nil
		}
		u.BannedAt, u.UpdatedAt = nil, now.UTC()
		return tx.Model(u).Updates(map[string]any{"banned_at": nil, "updated_at": u.UpdatedAt}).Error
	})
}

// AdminDeleteUser removes a user; their sessions go with them (ON DELETE
// CASCADE), so their next request is signed out. The audit history stays.
// Admins cannot delete themselves, nor the last admin.
func AdminDeleteUser(ctx context.Context, db *DB, actorID, targetID string) (*User, error) {
	if actorID == targetID {
		return nil, ErrSelf
	}
	return adminChange(ctx, db, targetID, func(tx *gorm.DB, u *User) error {
		if u.IsAdmin() {
			if err := keepOneAdmin(tx, db.Dialect, u); err != nil {
				return err
			}
		}
		return tx.Delete(&User{}, "id = ?", u.ID).Error
	})
}

// MarkEmailVerified records that an admin vouched for the user's address.
func MarkEmailVerified(ctx context.Context, db *DB, now time.Time, targetID string) (*User, error) {
	return adminChange(ctx, db, targetID, func(tx *gorm.DB, u *User) error {
		if u.EmailVerifiedAt != nil {
			return nil
		}
		t := now.UTC()
		u.EmailVerifiedAt, u.UpdatedAt = &t, t
		return tx.Model(u).Updates(map[string]any{"email_verified_at": t, "updated_at": t}).Error
	})
}

// adminChange loads the target and applies change in one write transaction.
func adminChange(ctx context.Context, db *DB, targetID string, change func(tx *gorm.DB, u *User) error) (*User, error) {
	var u User
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", targetID).Take(&u).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		return change(tx, &u)
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// keepOneAdmin refuses a change that would leave no admin able to sign in,
// when u is such an admin. On PostgreSQL the admins' rows are locked, so two
// admins demoting each other at once cannot both succeed; SQLite's single
// writer already serializes the transactions.
func keepOneAdmin(tx *gorm.DB, dialect string, u *User) error {
	if u.BannedAt != nil {
		return nil // a banned admin is not the one keeping the panel reachable
	}
	query := "SELECT id FROM users WHERE role = ? AND banned_at IS NULL"
	if dialect == "postgres" {
		query += " FOR UPDATE"
	}
	var ids []string
	if err := tx.Raw(query, RoleAdmin).Scan(&ids).Error; err != nil {
		return err
	}
	if len(ids) <= 1 {
		return ErrLastAdmin
	}
	return nil
}

func revokeSessionsTx(tx *gorm.DB, now time.Time, where string, args ...any) error {
	args = append([]any{now.UTC()}, args...)
	return tx.Exec("UPDATE sessions SET revoked_at = ?, data = '' WHERE revoked_at IS NULL AND "+where, args...).Error
}
