package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/hearth-app/hearth/internal/searchtext"
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

	UsersPerPage = 50        // the default page size
	maxPage      = 1_000_000 // bounds OFFSET; far beyond any real list
)

// UserQuery selects a page of the users list. Unknown filter or sort values
// are treated as absent, so no URL can make the list fail.
type UserQuery struct {
	Search string // part of an email or name, case and accents ignored
	Role   string // RoleAdmin, RoleMember or ""
	Status string // StatusActive, StatusBanned, StatusUnverified or ""
	Sort   string
	Page   int // from 1
	// PerPage is the page size, one of PageSizes (UsersPerPage otherwise).
	PerPage int
}

// PageSizes are the page sizes the users list offers.
var PageSizes = []int{25, 50, 100}

// Normalize replaces unknown values with the defaults.
func (q UserQuery) Normalize() UserQuery {
	q.Search = strings.TrimSpace(strings.ToValidUTF8(q.Search, ""))
	if len(q.Search) > MaxEmailLen {
		q.Search = strings.ToValidUTF8(q.Search[:MaxEmailLen], "") // drop a character cut in two
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
	if !slices.Contains(PageSizes, q.PerPage) {
		q.PerPage = UsersPerPage
	}
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
	per := int64(max(l.Query.PerPage, 1))
	return max(1, int((l.Total+per-1)/per))
}

// searchDense is the number of matches up to which a search collects the
// matching ids in one pass over the search index, then counts and sorts just
// those. Above it matches are common, so walking the sort's index fills a
// page quickly, and only the count goes through all the matches.
const searchDense = 2000

// ListUsers returns the page of users that q selects, and how many match.
// Every plan is designed for 100,000+ users (docs/benchmarks.md): each sort
// walks an index and stops after one page, the filters that select few users
// have partial indexes, and a search looks its matches up in a trigram index.
func ListUsers(ctx context.Context, db *DB, q UserQuery) (UserList, error) {
	q = q.Normalize()
	list := UserList{Query: q}
	r := db.Read.WithContext(ctx)
	base := filterUsers(r.Model(&User{}), q)
	// Admins and banned users are few: sort them rather than walk a sort
	// index over everyone to find them.
	rare := q.Role == RoleAdmin || q.Status == StatusBanned
	// What is looked for is the folded search (searchKey): a search of
	// accents alone, folded to nothing, is no search.
	if key := searchKey(q.Search); key != "" {
		// The matches come from the search index. With a filter too, SQLite
		// is given them in a subquery: otherwise it scans the whole table to
		// check both at once.
		matches := searchUsers(r, db, key)
		switch {
		case q.Role == "" && q.Status == "":
		case db.Dialect == Postgres:
			matches = filterUsers(matches, q)
		default:
			matches = filterUsers(r.Model(&User{}).Select("id").Where("id IN (?)", matches), q)
		}
		ids, err := searchMatches(r, db, q, key, matches, &list.Total)
		if err != nil {
			return list, fmt.Errorf("search users: %w", err)
		}
		if list.Total == 0 {
			return list, nil
		}
		if ids != nil {
			return list, pageOfUsers(r.Model(&User{}).Where("id IN ?", ids), db, q, true, &list)
		}
		// Many match: walking the sort's index and testing each row fills a
		// page quickly.
		return list, pageOfUsers(whereSearch(base, db, key), db, q, rare, &list)
	}
	if err := base.Session(&gorm.Session{}).Count(&list.Total).Error; err != nil {
		return list, fmt.Errorf("count users: %w", err)
	}
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
	offset := (q.Page - 1) * q.PerPage
	if int64(offset) >= list.Total {
		return nil // past the end: nothing to fetch
	}
	if offset > 0 && !sortMatches {
		// Walking a sort index, the database fetches every row it skips from
		// the table (PostgreSQL), or at least steps through it (SQLite):
		// skip in the index alone, reading only ids, then fetch one page of
		// rows. At 100,000 users the last page went from 19 ms to 5 ms on
		// SQLite.
		ids := orderUsers(tx.Session(&gorm.Session{}).Select("id"), db, q.Sort, sortMatches).Limit(q.PerPage).Offset(offset)
		tx, offset = db.Read.WithContext(tx.Statement.Context).Model(&User{}).Where("id IN (?)", ids), 0
	}
	err := orderUsers(tx, db, q.Sort, sortMatches).Limit(q.PerPage).Offset(offset).
		Omit("password_hash").Find(&list.Users).Error
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	return nil
}

// searchKey is what a search looks for: the typed text folded as the
// stored search text is (searchtext.Fold: case and accents ignored, "jose"
// finds "José"), without spaces at its ends. Bytes that are not UTF-8 are
// dropped.
func searchKey(s string) string { return strings.TrimSpace(searchtext.Fold(s)) }

// whereSearch narrows tx to the rows matching key, a searchKey: does the
// user's folded email and name (users.search_text, migration 00024)
// contain it? It defines a match; the indexes only find the matches faster.
// Every character of key matches itself, % and _ too.
func whereSearch(tx *gorm.DB, db *DB, key string) *gorm.DB {
	switch {
	case db.Dialect == Postgres && trigramSearch(key):
		return tx.Where(`search_text LIKE '%' || ? || '%'`, escapeLike(key))
	case db.Dialect == Postgres:
		// pg_trgm would read its whole index for this LIKE: scan instead.
		return tx.Where(`strpos(search_text, ?) > 0`, key)
	}
	return tx.Where(`instr(search_text, ?) > 0`, key)
}

// searchUsers selects the ids of the users matching key, with the dialect's
// search index (migrations 00004, 00008 and 00024): on PostgreSQL pg_trgm's
// GIN index serves the LIKE itself; on SQLite the FTS5 trigram table finds
// 3 characters or more, and shorter keys scan the covering index.
func searchUsers(r *gorm.DB, db *DB, key string) *gorm.DB {
	if db.Dialect == SQLite && trigramSearch(key) {
		return r.Table("users_fts").Select("users_fts_rows.user_id").
			Joins("JOIN users_fts_rows ON users_fts_rows.rid = users_fts.rowid").
			Where(trigramMatch, key)
	}
	return whereSearch(r.Model(&User{}).Select("id"), db, key)
}

// trigramMatch finds a key in SQLite's FTS5 trigram table: quoted, it
// matches as a substring. The table holds users.search_text, so it agrees
// with whereSearch.
const trigramMatch = `users_fts MATCH '"' || replace(?, '"', '""') || '"'`

// trigramSearch reports whether key is long enough for the trigram indexes:
// a trigram index cannot find one or two characters.
func trigramSearch(key string) bool {
	return utf8.RuneCountInString(key) >= 3
}

// searchMatches counts the matches of key into total and, up to searchDense of
// them, returns their ids (nil above). Where a trigram index counts faster
// than it lists (PostgreSQL's GIN index; SQLite's FTS5 table alone, when no
// filter needs the users rows) the count comes first, and a dense search
// never lists its matches. Otherwise one pass collects up to searchDense+1
// ids, and only a dense search is counted apart.
func searchMatches(r *gorm.DB, db *DB, q UserQuery, key string, matches *gorm.DB, total *int64) ([]string, error) {
	filtered := q.Role != "" || q.Status != ""
	var ids []string
	if !trigramSearch(key) || (db.Dialect == SQLite && filtered) {
		if err := matches.Session(&gorm.Session{}).Limit(searchDense+1).Pluck("id", &ids).Error; err != nil {
			return nil, err
		}
		if len(ids) <= searchDense {
			*total = int64(len(ids))
			return ids, nil
		}
		return nil, r.Table("(?) AS matches", matches).Count(total).Error
	}
	counted := r.Table("(?) AS matches", matches)
	if db.Dialect == SQLite {
		counted = r.Table("users_fts").Where(trigramMatch, key)
	}
	if err := counted.Count(total).Error; err != nil || *total == 0 || *total > searchDense {
		return nil, err
	}
	err := matches.Session(&gorm.Session{}).Pluck("id", &ids).Error
	return ids, err
}

// orderUsers adds the ORDER BY of a sort to tx. With sortMatches, SQLite is
// told not to walk the sort's index (a unary + hides a column from the
// planner), so it collects the matches from the search index and sorts
// them.
func orderUsers(tx *gorm.DB, db *DB, sort string, sortMatches bool) *gorm.DB {
	hide := sortMatches && db.Dialect == SQLite
	switch {
	case sort == SortOldest && hide:
		return tx.Order("+created_at, id")
	case sort == SortOldest:
		return tx.Order("created_at, id")
	case sort == SortLastSignIn && db.Dialect == Postgres:
		return tx.Order("last_sign_in_at DESC NULLS LAST, id DESC")
	case sort == SortLastSignIn && hide:
		return tx.Order("+last_sign_in_at DESC, id DESC") // SQLite sorts NULL lowest: last when descending
	case sort == SortLastSignIn:
		return tx.Order("last_sign_in_at DESC, id DESC")
	case sort == SortEmail && hide:
		return tx.Order("+lower(email)")
	case sort == SortEmail:
		return tx.Order("lower(email)")
	case hide:
		return tx.Order("+created_at DESC, id DESC")
	}
	return tx.Order("created_at DESC, id DESC")
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

// The admin actions below take by, the part of their audit row that the
// request knows: the acting admin (by.ActorID), the address, the user agent
// and the time. Each writes its row in its own transaction (AuditRoleChange,
// AuditBan…), so no action happens without its row; an action that changes
// nothing (banning a banned user) writes none, and reports changed false.

// SetRole changes a user's role and ends the user's sessions but the one
// whose token hash is keep: a session granted under one role must not carry
// on under another (the keeper, an admin changing their own role, renews its
// token). The change and its audit row are written together; setting the
// role the user has changes nothing (changed is false).
//
// by.ActorID is the acting admin, in the admin panel; the command line
// (`hearth user set-role`) has none. The last admin who can still sign in
// cannot be demoted by an admin (ErrLastAdmin), since that would leave the
// panel without one; an operator at the command line can, because the
// command line is also how a panel without admins is put right.
func SetRole(ctx context.Context, db *DB, now time.Time, by AuditEvent, targetID, role, keep string) (u *User, changed bool, err error) {
	if err := validRole(role); err != nil {
		return nil, false, &InvalidInput{Role: err}
	}
	by.Action = AuditRoleChange
	return auditedChange(ctx, db, targetID, by, func(tx *gorm.DB, u *User, e *AuditEvent) (bool, error) {
		if u.Role == role {
			return false, nil
		}
		if u.IsAdmin() && by.ActorID != nil {
			if err := keepOneAdmin(tx, db.Dialect, u); err != nil {
				return false, err
			}
		}
		e.Detail = u.Role + " → " + role
		u.Role, u.UpdatedAt = role, now.UTC()
		if err := tx.Model(u).Updates(map[string]any{"role": role, "updated_at": u.UpdatedAt}).Error; err != nil {
			return false, err
		}
		_, err := endSessions(tx, now, sessionsOf(u.ID, keep, EndedRoleChanged))
		return true, err
	})
}

// banDetail is the ban's audit detail, which keeps its reason
// (BanReason reads it back).
func banDetail(reason string) string {
	if reason == "" {
		return banEnded
	}
	return banReasonPrefix + reason + "; " + banEnded
}

const (
	banReasonPrefix = "reason: "
	banEnded        = "all sessions ended"
)

// BanReason is the reason given for the user's current ban ("" for none or
// no reason): the detail of the newest ban in the audit log.
func BanReason(ctx context.Context, db *DB, userID string) (string, error) {
	var details []string
	err := db.Read.WithContext(ctx).Model(&AuditEvent{}).Where("target_id = ? AND action = ?", userID, AuditBan).
		Order("created_at DESC, id DESC").Limit(1).Pluck("detail", &details).Error
	if err != nil || len(details) == 0 {
		return "", err
	}
	reason, ok := strings.CutPrefix(details[0], banReasonPrefix)
	if !ok {
		return "", nil
	}
	return strings.TrimSuffix(reason, "; "+banEnded), nil
}

// BanUser bans a user and ends every session of theirs in the same
// transaction: their next request is signed out. Admins cannot ban
// themselves, nor the last admin. The reason goes into the audit row.
func BanUser(ctx context.Context, db *DB, now time.Time, by AuditEvent, targetID, reason string) (*User, bool, error) {
	if by.ActorID != nil && *by.ActorID == targetID {
		return nil, false, ErrSelf
	}
	now = now.UTC()
	by.Action, by.Detail = AuditBan, banDetail(reason)
	return auditedChange(ctx, db, targetID, by, func(tx *gorm.DB, u *User, _ *AuditEvent) (bool, error) {
		if u.BannedAt != nil {
			return false, nil
		}
		if u.IsAdmin() {
			if err := keepOneAdmin(tx, db.Dialect, u); err != nil {
				return false, err
			}
		}
		u.BannedAt, u.UpdatedAt = &now, now
		if err := tx.Model(u).Updates(map[string]any{"banned_at": now, "updated_at": now}).Error; err != nil {
			return false, err
		}
		_, err := endSessions(tx, now, sessionsOf(u.ID, "", EndedBanned))
		return true, err
	})
}

// UnbanUser lifts a ban. The user signs in again; old sessions stay ended.
func UnbanUser(ctx context.Context, db *DB, now time.Time, by AuditEvent, targetID string) (*User, bool, error) {
	by.Action = AuditUnban
	return auditedChange(ctx, db, targetID, by, func(tx *gorm.DB, u *User, _ *AuditEvent) (bool, error) {
		if u.BannedAt == nil {
			return false, nil
		}
		u.BannedAt, u.UpdatedAt = nil, now.UTC()
		return true, tx.Model(u).Updates(map[string]any{"banned_at": nil, "updated_at": u.UpdatedAt}).Error
	})
}

// AdminDeleteUser removes a user; their sessions go with them (ON DELETE
// CASCADE), so their next request is signed out. The audit history stays.
// Admins cannot delete themselves, nor the last admin.
func AdminDeleteUser(ctx context.Context, db *DB, by AuditEvent, targetID string) (*User, error) {
	if by.ActorID != nil && *by.ActorID == targetID {
		return nil, ErrSelf
	}
	by.Action, by.Detail = AuditUserDelete, "deleted by an admin"
	return deleteUser(ctx, db, by, targetID)
}

// deleteUser removes a user and, through the foreign keys, their sessions,
// tokens and identities, with the audit row by in the same transaction
// (the log keeps its history). The last admin cannot go (ErrLastAdmin),
// nor the last owner of an organization (ErrLastOwner).
func deleteUser(ctx context.Context, db *DB, by AuditEvent, targetID string) (*User, error) {
	u, _, err := auditedChange(ctx, db, targetID, by, func(tx *gorm.DB, u *User, _ *AuditEvent) (bool, error) {
		if u.IsAdmin() {
			if err := keepOneAdmin(tx, db.Dialect, u); err != nil {
				return false, err
			}
		}
		// The last owner of an organization stays until it has another.
		if err := refuseLastOwner(tx, db.Dialect, u.ID); err != nil {
			return false, err
		}
		return true, tx.Delete(&User{}, "id = ?", u.ID).Error
	})
	return u, err
}

// MarkEmailVerified records that an admin vouched for the user's address;
// mail composes the mails that tell of the proof, queued in its transaction.
func MarkEmailVerified(ctx context.Context, db *DB, now time.Time, by AuditEvent, targetID string, mail *Announce[Proved]) (*User, Proof, error) {
	by.Action, by.Detail = AuditEmailVerified, "marked verified by an admin"
	var proof Proof
	u, _, err := auditedChange(ctx, db, targetID, by, func(tx *gorm.DB, u *User, _ *AuditEvent) (bool, error) {
		var err error
		if proof, err = proveAddress(tx, now, u, ""); err != nil || !proof.First {
			return proof.First, err
		}
		return true, mail.queue(tx, now, Proved{User: u, Proof: proof})
	})
	return u, proof, mail.settle(err)
}

// AdminRevokeSessions ends a user's session named by publicID (its
// SessionInfo.PublicID, as the user's own sessions page names it too), or,
// with publicID "", all their sessions but the one whose hash is keep (pass
// "" to end them all) and their pending email links (as "sign out
// everywhere" does), with its audit row. ErrNotFound: the user has no such
// live session.
func AdminRevokeSessions(ctx context.Context, db *DB, now time.Time, by AuditEvent, target *User, publicID, keep string) error {
	by.Action, by.TargetID, by.Email = AuditSessionRevoke, &target.ID, target.Email
	if publicID != "" && !publicSessionID.MatchString(publicID) {
		return ErrNotFound
	}
	return db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if publicID != "" {
			by.Detail = "one session, by an admin"
			var hash string
			if err := tx.Raw("SELECT token_hash FROM sessions WHERE user_id = ? AND token_hash LIKE ? AND revoked_at IS NULL",
				target.ID, publicID+"%").Scan(&hash).Error; err != nil {
				return fmt.Errorf("revoke sessions: %w", err)
			}
			if hash == "" {
				return ErrNotFound
			}
			n, err := endSessions(tx, now, userSession(target.ID, hash, EndedRevoked))
			if err != nil {
				return fmt.Errorf("revoke sessions: %w", err)
			}
			if n == 0 {
				return ErrNotFound
			}
		} else {
			by.Detail = "all sessions, by an admin"
			if _, err := endSessions(tx, now, sessionsOf(target.ID, keep, EndedRevoked)); err != nil {
				return fmt.Errorf("revoke sessions: %w", err)
			}
			if err := killPendingLinks(tx, target.ID); err != nil {
				return err
			}
		}
		return recordEventTx(tx, by)
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

// auditedChange is adminChange that also writes e, the change's audit row
// about the target, in the same transaction: if the row cannot be written,
// nothing changes. change reports whether it changed anything (only a
// change is recorded) and may fill in e's detail.
func auditedChange(ctx context.Context, db *DB, targetID string, e AuditEvent, change func(tx *gorm.DB, u *User, e *AuditEvent) (bool, error)) (*User, bool, error) {
	changed := false
	u, err := adminChange(ctx, db, targetID, func(tx *gorm.DB, u *User) error {
		var err error
		if changed, err = change(tx, u, &e); err != nil || !changed {
			return err
		}
		e.TargetID = &u.ID
		if e.Email == "" {
			e.Email = u.Email
		}
		return recordEventTx(tx, e)
	})
	if err != nil {
		return nil, false, err
	}
	return u, changed, nil
}

// keepOneAdmin refuses a change that would leave no admin able to sign in,
// when u is such an admin. On PostgreSQL the admins' rows are locked, so two
// admins demoting each other at once cannot both succeed; SQLite's single
// writer already serializes the transactions.
func keepOneAdmin(tx *gorm.DB, d Dialect, u *User) error {
	if u.BannedAt != nil {
		return nil // a banned admin is not the one keeping the panel reachable
	}
	var ids []string
	if err := tx.Raw(d.Pick(liveAdmins, liveAdmins+" FOR UPDATE"), RoleAdmin).Scan(&ids).Error; err != nil {
		return err
	}
	if len(ids) <= 1 {
		return ErrLastAdmin
	}
	return nil
}

const liveAdmins = "SELECT id FROM users WHERE role = ? AND banned_at IS NULL"
