package devseed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/hearth-app/hearth/models"
)

// OrgOptions say how many organizations to create among the users present.
type OrgOptions struct {
	// Orgs is how many small organizations to add: each is owned by a
	// seeded user (in turn) and has up to four more members.
	Orgs int
	// BigOrgMembers, when positive, adds one organization of that many
	// members (the oldest users; the first is its owner), for the members
	// page at scale.
	BigOrgMembers int
	Now           time.Time
	Seed          uint64
}

// OrgResult counts what was written.
type OrgResult struct {
	Orgs        int64
	Memberships int64
	// BigOrgSlug is the slug of the big organization, if one was added.
	BigOrgSlug string
}

// orgSuffixes make the seeded organizations' names.
var orgSuffixes = []string{"Labs", "Studio", "Works", "Collective", "Partners", "Systems", "& Co", "Bakery", "Garage", "Ventures"}

// Orgs adds organizations and memberships among the users already in db
// (seed them first). Names and slugs continue the numbering after the
// organizations present, so seeding twice adds more.
func Orgs(ctx context.Context, db *models.DB, o OrgOptions) (OrgResult, error) {
	var res OrgResult
	if o.Orgs <= 0 && o.BigOrgMembers <= 0 {
		return res, nil
	}
	var users []string
	need := max(o.BigOrgMembers, min(o.Orgs*3, 100_000), 1)
	if err := db.Read.WithContext(ctx).Raw("SELECT id FROM users ORDER BY created_at, id LIMIT ?", need).Scan(&users).Error; err != nil {
		return res, err
	}
	if len(users) == 0 {
		return res, fmt.Errorf("seed: no users to put in organizations (seed users first)")
	}
	if o.BigOrgMembers > len(users) {
		return res, fmt.Errorf("seed: %d members asked for, %d users present", o.BigOrgMembers, len(users))
	}
	var start int64
	if err := db.Read.WithContext(ctx).Raw("SELECT count(*) FROM organizations").Scan(&start).Error; err != nil {
		return res, err
	}
	g := generator{rng: rand.New(rand.NewPCG(o.Seed, uint64(start)+1<<32)), now: o.Now.UTC()}
	var orgRows, memberRows [][]any
	flush := func(force bool) error {
		if len(memberRows) < rowsPerTx && !force {
			return nil
		}
		no, nm, err := insertOrgBatch(ctx, db, orgRows, memberRows)
		res.Orgs += no
		res.Memberships += nm
		orgRows, memberRows = orgRows[:0], memberRows[:0]
		return err
	}
	newOrg := func(name string, created time.Time) string {
		id := g.id(created)
		slug := models.Slugify(name)
		orgRows = append(orgRows, []any{id, name, slug, created, created})
		return id
	}
	if o.BigOrgMembers > 0 {
		n := start + 1
		created := g.now.AddDate(-1, 0, 0).Truncate(time.Second)
		name := "Big Team " + strconv.FormatInt(n, 10)
		id := newOrg(name, created)
		res.BigOrgSlug = models.Slugify(name)
		for i, u := range users[:o.BigOrgMembers] {
			role := models.OrgMember
			switch {
			case i == 0:
				role = models.OrgOwner
			case i%50 == 0:
				role = models.OrgAdmin
			}
			memberRows = append(memberRows, []any{id, u, string(role), created.Add(time.Duration(i) * time.Minute)})
			if err := flush(false); err != nil {
				return res, err
			}
		}
		start++
	}
	for i := range o.Orgs {
		n := start + int64(i) + 1
		last := lastNames[g.rng.IntN(len(lastNames))]
		display := last
		for j := range len(last) {
			if last[j] == '|' {
				display = last[:j]
				break
			}
		}
		name := display + " " + orgSuffixes[g.rng.IntN(len(orgSuffixes))] + " " + strconv.FormatInt(n, 10)
		created := g.now.Add(-time.Duration(g.rng.IntN(700*24)) * time.Hour).Truncate(time.Second)
		id := newOrg(name, created)
		owner := i % len(users)
		memberRows = append(memberRows, []any{id, users[owner], string(models.OrgOwner), created})
		for k := range g.rng.IntN(5) {
			other := (owner + 1 + k*7919) % len(users)
			if other == owner {
				continue
			}
			role := models.OrgMember
			if k == 0 {
				role = models.OrgAdmin
			}
			memberRows = append(memberRows, []any{id, users[other], string(role), created.Add(time.Duration(k+1) * time.Hour)})
		}
		if err := flush(false); err != nil {
			return res, err
		}
	}
	return res, flush(true)
}

// insertOrgBatch writes organizations and memberships in one transaction.
func insertOrgBatch(ctx context.Context, db *models.DB, orgRows, memberRows [][]any) (no, nm int64, err error) {
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
	if len(orgRows) > 0 {
		if no, err = insertRows(ctx, tx, db.Dialect, "organizations (id, name, slug, created_at, updated_at)", orgRows); err != nil {
			return 0, 0, err
		}
	}
	if len(memberRows) > 0 {
		if nm, err = insertRows(ctx, tx, db.Dialect, "memberships (org_id, user_id, role, joined_at)", memberRows); err != nil {
			return 0, 0, err
		}
	}
	return no, nm, tx.Commit()
}
