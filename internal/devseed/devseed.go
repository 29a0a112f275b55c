// Package devseed fills a development database with realistic fake users and
// the audit events of their sign-ups and sign-ins, for trying the admin panel
// and for benchmarks. Everything is generated from a seed, without network
// data sets: the same seed gives the same people.
package devseed

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-app/hearth/internal/searchtext"
	"github.com/hearth-app/hearth/models"
)

// Password is the password of every seeded user, so a developer can sign in
// as any of them.
const Password = "hearth-dev-password"

// Options say how many users to create and how.
type Options struct {
	Users        int
	PasswordHash string    // one precomputed hash of Password, shared by every user
	Now          time.Time // the seeded history ends here
	Seed         uint64    // the same seed gives the same users
	// Admins makes about one seeded user in 5,000 an admin. Off by default:
	// every seeded user's password is public (Password), and an admin with
	// it is a way into any database the seed was run on.
	Admins bool
}

// Result counts what was written.
type Result struct {
	Users  int64
	Events int64
}

const (
	rowsPerInsert = 500    // 11 columns at most: well under SQLite's variable limit
	rowsPerTx     = 25_000 // one transaction per batch keeps the writer responsive
	historyDays   = 730
)

// Users inserts o.Users fake users in batched transactions. Emails continue
// the numbering after the users already present, so seeding twice adds more
// users instead of failing; an address that exists anyway is skipped.
func Users(ctx context.Context, db *models.DB, o Options) (Result, error) {
	var res Result
	if o.Users <= 0 {
		return res, nil
	}
	if o.PasswordHash == "" {
		return res, fmt.Errorf("seed: a password hash is required")
	}
	var start int64
	if err := db.Read.WithContext(ctx).Raw("SELECT count(*) FROM users").Scan(&start).Error; err != nil {
		return res, err
	}
	if db.Dialect == models.SQLite {
		// Emails land all over their index: with SQLite's default 2 MB page
		// cache most inserts would read pages back from the OS. The writer is
		// one connection, so this holds for the rest of the process; it is
		// not reset, as shrinking the cache frees it page by page (seconds).
		// Seeding runs in development commands and benchmarks, which exit.
		if err := db.Write.WithContext(ctx).Exec("PRAGMA cache_size = -262144").Error; err != nil {
			return res, err
		}
	}
	g := generator{rng: rand.New(rand.NewPCG(o.Seed, uint64(start))), now: o.Now.UTC(), hash: o.PasswordHash, admins: o.Admins}
	for done := 0; done < o.Users; done += rowsPerTx {
		n := min(rowsPerTx, o.Users-done)
		users := make([]fakeUser, n)
		for i := range users {
			users[i] = g.user(start+int64(done+i)+1, float64(done+i)/float64(o.Users))
		}
		u, e, err := insertBatch(ctx, db, users, g.events(users))
		res.Users += u
		res.Events += e
		if err != nil {
			return res, fmt.Errorf("seed: %w", err)
		}
	}
	return res, nil
}

type fakeUser struct {
	models.User
	signIns []time.Time // audit history, oldest first; the last is LastSignInAt
}

type generator struct {
	rng    *rand.Rand
	now    time.Time
	hash   string
	admins bool
}

// user makes the n-th fake user, the share-th part of the way through the
// users being added. Sign-ups grow over two years, so recent days hold more
// of them; they come in time order, so ids and times are appended to their
// indexes instead of landing all over them. Most users verified their
// address, most signed in at least once, a few are banned and a handful are
// admins (when asked for).
func (g *generator) user(n int64, share float64) fakeUser {
	r := g.rng
	first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
	fDisplay, fASCII, _ := strings.Cut(first, "|")
	lDisplay, lASCII, _ := strings.Cut(last, "|")
	if fASCII == "" {
		fASCII = strings.ToLower(fDisplay)
	}
	if lASCII == "" {
		lASCII = strings.ToLower(lDisplay)
	}
	num := strconv.FormatInt(n, 10)
	var local string
	switch r.IntN(5) {
	case 0:
		local = fASCII + "." + lASCII + num
	case 1:
		local = fASCII + lASCII + num
	case 2:
		local = fASCII[:1] + lASCII + num
	case 3:
		local = fASCII + "_" + lASCII + num
	default:
		local = lASCII + "." + fASCII + num
	}
	name := fDisplay + " " + lDisplay
	if r.IntN(40) == 0 {
		name = "" // some people never give a name
	}

	age := time.Duration(math.Pow(1-share, 1.5) * historyDays * 24 * float64(time.Hour))
	created := g.now.Add(-age).Truncate(time.Second)
	u := fakeUser{User: models.User{
		ID: g.id(created), Email: local + "@" + domains[r.IntN(len(domains))], Name: name,
		PasswordHash: g.hash, Role: models.RoleMember, CreatedAt: created, UpdatedAt: created,
	}}
	if r.IntN(5000) == 0 && g.admins {
		u.Role = models.RoleAdmin
	}
	if r.IntN(100) < 85 {
		t := created.Add(time.Duration(r.IntN(3600)) * time.Second)
		u.EmailVerifiedAt = &t
	}
	if r.IntN(100) == 0 {
		t := created.Add(time.Duration(r.Float64() * float64(g.now.Sub(created))))
		u.BannedAt = &t
	}
	if r.IntN(100) < 80 {
		// Sign-ins between sign-up and now, recent ones likelier; one to three
		// of them fall in the dashboard's 30-day window for active users.
		count := 1 + r.IntN(3)
		last := created.Add(time.Duration((1 - math.Pow(r.Float64(), 3)) * float64(g.now.Sub(created))))
		for i := range count {
			t := last.Add(-time.Duration(i) * time.Duration(r.IntN(10*24)) * time.Hour)
			if t.Before(created) {
				break
			}
			u.signIns = append([]time.Time{t.Truncate(time.Second)}, u.signIns...)
		}
		u.LastSignInAt = &u.signIns[len(u.signIns)-1]
	}
	return u
}

// id is a UUIDv7 stamped with the user's sign-up time, as it would have
// been had the user really signed up then.
func (g *generator) id(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[8:], g.rng.Uint64())
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16|g.rng.Uint64()&0x0fff)
	b[6] = b[6]&0x0f | 0x70 // version 7
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := fmt.Sprintf("%x", b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// events are the audit rows the users' history implies within the last 30
// days (older history is not kept by a real deployment's dashboards either):
// sign-ups, sign-ins and the odd failed sign-in.
func (g *generator) events(users []fakeUser) []models.AuditEvent {
	since := g.now.AddDate(0, 0, -31)
	var out []models.AuditEvent
	for _, u := range users {
		ip := fmt.Sprintf("%s.%d", ipPrefixes[g.rng.IntN(len(ipPrefixes))], 1+g.rng.IntN(254))
		ua := userAgents[g.rng.IntN(len(userAgents))]
		target := u.ID
		if u.CreatedAt.After(since) {
			out = append(out, models.AuditEvent{Action: models.AuditSignUp, ActorID: &target, TargetID: &target, Email: u.Email, IP: ip, UserAgent: ua, CreatedAt: u.CreatedAt})
		}
		for _, t := range u.signIns {
			if t.Before(since) {
				continue
			}
			if g.rng.IntN(12) == 0 {
				out = append(out, models.AuditEvent{Action: models.AuditSignInFailed, TargetID: &target, Email: u.Email, IP: ip, UserAgent: ua, Detail: "wrong email or password", CreatedAt: t.Add(-time.Minute)})
			}
			out = append(out, models.AuditEvent{Action: models.AuditSignIn, ActorID: &target, TargetID: &target, Email: u.Email, IP: ip, UserAgent: ua, Detail: "password", CreatedAt: t})
		}
	}
	slices.SortFunc(out, func(a, b models.AuditEvent) int { return a.CreatedAt.Compare(b.CreatedAt) })
	for i := range out {
		out[i].ID = g.id(out[i].CreatedAt)
	}
	return out
}

// insertBatch writes users and events in one transaction, with multi-row
// INSERTs prepared once per shape: compiling a statement of thousands of
// placeholders costs more than running it.
func insertBatch(ctx context.Context, db *models.DB, users []fakeUser, events []models.AuditEvent) (nu, ne int64, err error) {
	sqlDB, err := db.Write.DB()
	if err != nil {
		return 0, 0, err
	}
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	userRows := make([][]any, len(users))
	for i, u := range users {
		userRows[i] = []any{u.ID, u.Email, u.Name, searchtext.User(u.Email, u.Name), u.PasswordHash, u.Role, u.EmailVerifiedAt, u.BannedAt, u.LastSignInAt, u.CreatedAt, u.UpdatedAt}
	}
	if nu, err = insertRows(ctx, tx, db.Dialect, "users (id, email, name, search_text, password_hash, role, email_verified_at, banned_at, last_sign_in_at, created_at, updated_at)", userRows); err != nil {
		return 0, 0, err
	}
	eventRows := make([][]any, len(events))
	for i, e := range events {
		eventRows[i] = []any{e.ID, e.CreatedAt, e.Action, e.ActorID, e.TargetID, e.Email, e.IP, e.UserAgent, e.Detail}
	}
	if ne, err = insertRows(ctx, tx, db.Dialect, "audit_events (id, created_at, action, actor_id, target_id, email, ip, user_agent, detail)", eventRows); err != nil {
		return 0, 0, err
	}
	return nu, ne, tx.Commit()
}

// insertRows inserts rows into table in statements of up to rowsPerInsert
// rows each.
func insertRows(ctx context.Context, tx *sql.Tx, dialect models.Dialect, table string, rows [][]any) (int64, error) {
	var n int64
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, s := range stmts {
			s.Close()
		}
	}()
	for i := 0; i < len(rows); i += rowsPerInsert {
		chunk := rows[i:min(i+rowsPerInsert, len(rows))]
		stmt := stmts[len(chunk)]
		if stmt == nil {
			var err error
			if stmt, err = tx.PrepareContext(ctx, insertSQL(dialect, table, len(chunk), len(chunk[0]))); err != nil {
				return n, err
			}
			stmts[len(chunk)] = stmt
		}
		args := make([]any, 0, len(chunk)*len(chunk[0]))
		for _, r := range chunk {
			args = append(args, r...)
		}
		res, err := stmt.ExecContext(ctx, args...)
		if err != nil {
			return n, err
		}
		affected, _ := res.RowsAffected()
		n += affected
	}
	return n, nil
}

// insertSQL builds a multi-row INSERT with the dialect's placeholders.
func insertSQL(dialect models.Dialect, table string, rows, cols int) string {
	var sb strings.Builder
	sb.WriteString(insertInto(dialect) + table + " VALUES ")
	p := 0
	for r := range rows {
		if r > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		for c := range cols {
			if c > 0 {
				sb.WriteByte(',')
			}
			p++
			if dialect == models.Postgres {
				sb.WriteString("$" + strconv.Itoa(p))
			} else {
				sb.WriteByte('?')
			}
		}
		sb.WriteByte(')')
	}
	sb.WriteString(onConflict(dialect))
	return sb.String()
}

// insertInto and onConflict skip rows that already exist. On SQLite, OR
// IGNORE (unlike ON CONFLICT DO NOTHING) means a statement can never abort
// half-way, so SQLite keeps no statement journal: seeding runs several times
// faster.
func insertInto(dialect models.Dialect) string {
	return dialect.Pick("INSERT OR IGNORE INTO ", "INSERT INTO ")
}

func onConflict(dialect models.Dialect) string {
	return dialect.Pick("", " ON CONFLICT DO NOTHING")
}
