package handlers_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/devseed"
	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/internal/testapp"
	"github.com/hearth-app/hearth/models"
)

// BenchmarkAdminUsersList seeds 100,000 users, then times the users list
// page over HTTP (query, render, transfer) for searches, filters, sorts and
// deep pages, and reports the median and 95th percentile per case. It runs
// only with -bench (docs/benchmarks.md), on SQLite, or on PostgreSQL when
// HEARTH_TEST_POSTGRES_URL is set (in a schema of its own, as the tests do):
//
//	CGO_ENABLED=0 go test ./handlers -run '^$' -bench BenchmarkAdminUsersList -benchtime 200x
func BenchmarkAdminUsersList(b *testing.B) {
	ctx := context.Background()
	ta := testapp.New(b, testapp.Options{Hasher: password.NewHasher(0, time.Minute)})
	db := ta.DB
	hash, err := ta.App.Hasher.Hash(ctx, devseed.Password)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	res, err := devseed.Users(ctx, db, devseed.Options{Users: 100_000, PasswordHash: hash, Now: time.Now().UTC(), Seed: 1, Admins: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d users and %d audit events in %s", res.Users, res.Events, time.Since(start).Round(time.Millisecond))
	if db.Dialect == models.Postgres {
		// What autovacuum does within a minute or so of a bulk load: without
		// it the index-only scans of deep pages still read the table.
		if _, err := db.SQL().ExecContext(ctx, "VACUUM ANALYZE users"); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := models.CreateUser(ctx, db, ta.App.Hasher, models.NewUser{Email: "bench-admin@example.com", Password: devseed.Password, Role: models.RoleAdmin}, nil); err != nil {
		b.Fatal(err)
	}
	admin := ta.Client(b)
	if r := admin.SignIn("bench-admin@example.com", devseed.Password); r.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in: status %d", r.StatusCode)
	}
	hc, srv := admin.HTTP, ta.Server // timed below without the harness's HTML parsing

	cases := []struct{ name, query string }{
		{"page1", ""},
		{"deep_page_1000", "page=1000"},
		{"last_page_2001", "page=2001"},
		{"search_common_smith", "q=smith"},
		{"search_one_user", "q=maria.garcia"},
		{"search_no_match", "q=zzzz"},
		{"search_dense_example.org", "q=example.org"},
		{"search_accented_garcía", "q=garc%C3%ADa"}, // García and garcia alike
		{"filter_admins", "role=admin"},
		{"filter_banned", "status=banned"},
		{"filter_unverified", "status=unverified"},
		{"sort_last_sign_in_deep_1500", "sort=last_sign_in&page=1500"},
		{"sort_email_deep_1000", "sort=email&page=1000"},
		{"search_filter_sort", "q=smith&status=active&sort=email&page=5"},
		{"member_unverified_last_sign_in_p50", "role=member&status=unverified&sort=last_sign_in&page=50"},
		{"active_members_deep_2000", "status=active&role=member&page=2000"},
		{"active_deep_500", "status=active&page=500"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				t0 := time.Now()
				r, err := hc.Get(srv.URL + "/admin/users?" + tc.query)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(r.Body)
				r.Body.Close()
				times = append(times, time.Since(t0))
				if r.StatusCode != http.StatusOK || !strings.Contains(string(body), `data-testid="user-total"`) {
					b.Fatalf("status %d", r.StatusCode)
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
