package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/devseed"
	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/internal/testapp"
	"github.com/hearth-app/hearth/models"
)

// BenchmarkOrgPages seeds 20,000 users, 10,000 organizations and one of
// 10,000 members, then times over HTTP (query, render, transfer) the
// user's organization list, the admin's organization list (first and a
// deep page), the big organization's members page (first and a deep page)
// and its home, next to the account page, reporting the median and 95th
// percentile per case. It runs only with -bench, on SQLite, or on
// PostgreSQL when HEARTH_TEST_POSTGRES_URL is set:
//
//	CGO_ENABLED=0 go test ./handlers -run '^$' -bench BenchmarkOrgPages -benchtime 200x
func BenchmarkOrgPages(b *testing.B) {
	ctx := context.Background()
	ta := testapp.New(b, testapp.Options{Hasher: password.NewHasher(0, time.Minute)})
	ta.App.Logger = slog.New(slog.DiscardHandler)
	db := ta.DB
	hash, err := ta.App.Hasher.Hash(ctx, devseed.Password)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if _, err := devseed.Users(ctx, db, devseed.Options{Users: 20_000, PasswordHash: hash, Now: time.Now().UTC(), Seed: 1}); err != nil {
		b.Fatal(err)
	}
	res, err := devseed.Orgs(ctx, db, devseed.OrgOptions{Orgs: 9_999, BigOrgMembers: 10_000, Now: time.Now().UTC(), Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d organizations and %d memberships in %s", res.Orgs, res.Memberships, time.Since(start).Round(time.Millisecond))
	if db.Dialect == models.Postgres {
		for _, t := range []string{"users", "organizations", "memberships"} {
			if _, err := db.SQL().ExecContext(ctx, "VACUUM ANALYZE "+t); err != nil {
				b.Fatal(err)
			}
		}
	}
	admin, err := models.CreateUser(ctx, db, ta.App.Hasher, models.NewUser{Email: "bench-admin@example.com", Password: devseed.Password, Role: models.RoleAdmin, Verified: true}, nil)
	if err != nil {
		b.Fatal(err)
	}
	big, err := models.OrgBySlug(ctx, db, res.BigOrgSlug)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Write.Create(&models.Membership{OrgID: big.ID, UserID: admin.ID, Role: models.OrgAdmin, JoinedAt: time.Now().UTC()}).Error; err != nil {
		b.Fatal(err)
	}
	c := ta.Client(b)
	if r := c.SignIn("bench-admin@example.com", devseed.Password); r.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in: status %d", r.StatusCode)
	}
	hc, srv := c.HTTP, ta.Server
	base := "/orgs/" + big.Slug
	for _, tc := range []struct{ name, path, marker string }{
		{"account", "/account", `data-testid="account-name"`},
		{"my_orgs", "/orgs", `data-testid="orgs"`},
		{"admin_orgs_page1", "/admin/orgs", `data-testid="org-total"`},
		{"admin_orgs_deep_150", "/admin/orgs?page=150", `data-testid="org-total"`},
		{"admin_orgs_search", "/admin/orgs?q=labs", `data-testid="org-total"`},
		{"org_home", base, `data-testid="org-home"`},
		{"members_page1", base + "/members", `data-testid="member-row"`},
		{"members_deep_150", base + "/members?page=150", `data-testid="member-row"`},
		{"members_last_201", base + "/members?page=201", `data-testid="member-row"`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				t0 := time.Now()
				r, err := hc.Get(srv.URL + tc.path)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(r.Body)
				r.Body.Close()
				times = append(times, time.Since(t0))
				if r.StatusCode != http.StatusOK || !strings.Contains(string(body), tc.marker) {
					b.Fatalf("%s: status %d", tc.path, r.StatusCode)
				}
			}
			slices.Sort(times)
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(times[len(times)/2]), "p50-ms")
			b.ReportMetric(ms(times[(len(times)*95+99)/100-1]), "p95-ms")
			b.ReportMetric(ms(times[len(times)-1]), "max-ms")
		})
	}
}

// BenchmarkSignedInOrgPage is BenchmarkSignedInAccountPage for an
// organization's home (requireOrgRole through the session cache, the nav's
// switcher): compare their ns/op for the server CPU an org-scoped page
// adds.
//
//	go test -run '^$' -bench 'SignedIn(Account|Org)Page' -benchmem ./handlers/
func BenchmarkSignedInOrgPage(b *testing.B) {
	ta := newTestApp(b)
	c := ta.client(b)
	u := c.signUpMember("bench@example.com")
	org, err := models.CreateOrg(b.Context(), ta.DB, ta.clock.Now(), models.AuditEvent{}, u, "Bench Team", "")
	if err != nil {
		b.Fatal(err)
	}
	c.get("/orgs/" + org.Slug) // pop the welcome flash, remember the active org
	cookie := c.cookie()
	ta.App.Logger = slog.New(slog.DiscardHandler)
	serveParallel(b, ta.App.Routes(), http.StatusOK, func() *http.Request {
		req := httptest.NewRequest(http.MethodGet, "/orgs/"+org.Slug, nil)
		req.Host = ta.App.Config.BaseURL.Host
		req.AddCookie(cookie)
		return req
	})
}
