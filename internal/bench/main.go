// Command bench is Hearth's load benchmark (make bench). It builds the real
// binary, seeds a fresh database, starts the server as a subprocess, and
// drives it over loopback next to a bare Echo server returning a page of the
// same size, so the signed-in path can be compared with doing nothing at all.
// It prints a table and writes it into docs/benchmarks.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/handlers"
	pwhash "github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/internal/testapp"
	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

type options struct {
	duration, warmup time.Duration
	concurrency      int
	sessions         int
	users            int
	database         string // "sqlite" or a postgres:// URL of a server to create a database on
	out              string
	flood            int
	adminConcurrency int
	pagesOnly        bool
	webhooksOnly     bool
	against          string // a git checkout whose HEAD is run side by side
	againstName      string
	rounds           int
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured time per scenario")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "warm-up per scenario")
	flag.IntVar(&o.concurrency, "c", 50, "concurrent connections")
	flag.IntVar(&o.sessions, "sessions", 1000, "distinct signed-in sessions for the account-page scenario")
	flag.IntVar(&o.users, "users", 100_000, "users to seed")
	flag.StringVar(&o.database, "db", "sqlite", `"sqlite", or a postgres:// URL (a fresh database is created there and dropped)`)
	flag.StringVar(&o.out, "out", "", "markdown file to write the results into (between bench markers)")
	flag.IntVar(&o.flood, "flood", 500, "concurrent sign-ins in the flood scenario")
	flag.IntVar(&o.adminConcurrency, "admin-c", 2, "concurrent admins in the admin search scenario")
	flag.BoolVar(&o.pagesOnly, "pages-only", false, "run only the baseline, landing and account page scenarios (for quick iterations)")
	flag.BoolVar(&o.webhooksOnly, "webhooks-only", false, "run only the webhook scenario and print it (nothing is written)")
	flag.StringVar(&o.against, "against", "", "a git checkout (e.g. of main) whose HEAD commit is built and run side by side on the page scenarios")
	flag.StringVar(&o.againstName, "against-name", "main", "what to call the -against build in the report")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds of the account page alone and with forms, each build in turn; the median round is reported")
	baseline := flag.String("baseline", "", "internal: serve the bare Echo baseline on this address")
	size := flag.Int("size", 0, "internal: baseline page size")
	flag.Parse()
	if *baseline != "" {
		serveBaseline(*baseline, *size)
		return
	}
	if err := run(o); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

// serveBaseline is the yardstick: Echo returning a fixed page.
func serveBaseline(addr string, size int) {
	page := []byte("<!doctype html><html><body>" + strings.Repeat("x", max(0, size-40)) + "</body></html>")
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/", func(c echo.Context) error { return c.HTMLBlob(http.StatusOK, page) })
	if err := e.Start(addr); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

const password = "benchmark passphrase"

type result struct {
	name     string
	requests int64
	errors   int64
	statuses map[int]int64
	rps      float64
	p50, p95 time.Duration
	p99      time.Duration
	elapsed  time.Duration
	cpu      time.Duration // server CPU time per request (user + system)
	note     string
}

// server is one Hearth binary serving its own freshly seeded database, with
// the sessions the scenarios use.
type server struct {
	label   string
	proc    *exec.Cmd
	base    string
	dsn     string
	readers []*http.Cookie // the signed-in sessions whose pages are viewed
	writers []string       // the emails of the users who submit forms
	cleanup func()
}

func (s *server) pid() int { return s.proc.Process.Pid }

func (s *server) stop() {
	s.proc.Process.Kill()
	s.proc.Wait()
	s.cleanup()
}

// writerUsers is how many users submit forms in the mixed scenario (the
// users after the readers').
const writerUsers = 20

// startServer seeds a fresh database, starts bin on it and signs in the
// readers' sessions.
func startServer(ctx context.Context, o options, label, bin, dir string) (*server, string, error) {
	dsn, dbLabel, cleanup, err := database(o.database, dir)
	if err != nil {
		return nil, "", err
	}
	fail := func(err error) (*server, string, error) { cleanup(); return nil, "", err }
	fmt.Printf("seeding %d users on %s for %s …\n", o.users, dbLabel, label)
	if err := seed(ctx, dsn, o.users); err != nil {
		return fail(fmt.Errorf("seed: %w", err))
	}
	addr, err := freeAddr()
	if err != nil {
		return fail(err)
	}
	proc := exec.Command(bin, "serve")
	proc.Env = append(os.Environ(), "HEARTH_ADDR="+addr, "HEARTH_DATABASE="+dsn, "HEARTH_BASE_URL=http://"+addr)
	for k, v := range testapp.Env(false) { // the tests' configuration: no rate limits
		proc.Env = append(proc.Env, k+"="+v)
	}
	// The API scenarios: no per-token limit, and a key so that JWTs can be minted.
	proc.Env = append(proc.Env, "HEARTH_RATE_API=off", "HEARTH_SECRET_KEY="+benchSecretKey)
	logFile, _ := os.Create(filepath.Join(dir, "server-"+strings.ReplaceAll(label, " ", "-")+".log"))
	proc.Stdout, proc.Stderr = logFile, logFile
	if err := proc.Start(); err != nil {
		return fail(err)
	}
	s := &server{label: label, proc: proc, base: "http://" + addr, dsn: dsn, cleanup: cleanup}
	if err := waitHealthy(s.base); err != nil {
		s.stop()
		return nil, "", err
	}
	fmt.Printf("signing in %d sessions on %s …\n", o.sessions, label)
	if s.readers, err = signInMany(s.base, o.sessions); err != nil {
		s.stop()
		return nil, "", err
	}
	for i := range writerUsers {
		s.writers = append(s.writers, fmt.Sprintf("user%d@bench.example", o.sessions+1+i))
	}
	return s, dbLabel, nil
}

// build builds ./cmd/hearth of the module in dir into out.
func build(dir, out string) error {
	cmd := exec.Command("go", "build", "-o", out, "./cmd/hearth")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s: %w", dir, err)
	}
	return nil
}

// export writes the tree of repo's HEAD commit into dst (the checkout
// itself is left alone) and returns the commit's short name.
func export(repo, dst string) (string, error) {
	rev, err := exec.Command("git", "-C", repo, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "", fmt.Errorf("git rev-parse in %s: %w", repo, err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return "", err
	}
	archive := exec.Command("git", "-C", repo, "archive", "--format=tar", "HEAD")
	untar := exec.Command("tar", "-x", "-C", dst)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return "", err
	}
	untar.Stdin = pipe
	untar.Stderr = os.Stderr
	if err := untar.Start(); err != nil {
		return "", err
	}
	if err := archive.Run(); err != nil {
		return "", fmt.Errorf("git archive %s: %w", repo, err)
	}
	if err := untar.Wait(); err != nil {
		return "", err
	}
	return strings.TrimSpace(string(rev)), nil
}

func run(o options) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "hearth-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	fmt.Println("building hearth …")
	bin := filepath.Join(dir, "hearth")
	if err := build(".", bin); err != nil {
		return err
	}
	var otherBin, otherLabel string
	if o.against != "" {
		rev, err := export(o.against, filepath.Join(dir, "against"))
		if err != nil {
			return err
		}
		otherLabel = o.againstName + " (" + rev + ")"
		fmt.Printf("building %s from %s …\n", otherLabel, o.against)
		otherBin = filepath.Join(dir, "hearth-against")
		if err := build(filepath.Join(dir, "against"), otherBin); err != nil {
			return err
		}
	}

	srv, dbLabel, err := startServer(ctx, o, "this tree", bin, dir)
	if err != nil {
		return err
	}
	defer srv.stop()
	var other *server
	if otherBin != "" {
		if other, _, err = startServer(ctx, o, otherLabel, otherBin, dir); err != nil {
			return err
		}
		defer other.stop()
	}
	if o.webhooksOnly {
		wh, err := webhooks(o, srv)
		if err != nil {
			return err
		}
		fmt.Print(webhookReport(wh))
		return nil
	}
	base := srv.base
	cookies := srv.readers
	admin, err := signIn(newClient(), base, "admin@bench.example")
	if err != nil {
		return err
	}
	pageSize, err := bodySize(base+"/account", cookies[0])
	if err != nil {
		return err
	}

	baseAddr, err := freeAddr()
	if err != nil {
		return err
	}
	self, _ := os.Executable()
	bl := exec.Command(self, "-baseline", baseAddr, "-size", strconv.Itoa(pageSize))
	bl.Stderr = os.Stderr
	if err := bl.Start(); err != nil {
		return err
	}
	defer bl.Process.Kill()
	if err := waitUp("http://" + baseAddr + "/"); err != nil {
		return err
	}

	var results []result
	add := func(r result) result {
		results = append(results, r)
		printResult(r)
		return r
	}
	fmt.Printf("scenarios: %d connections, %v warm-up, %v each\n", o.concurrency, o.warmup, o.duration)

	add(load(o, "bare Echo baseline (same page size)", bl.Process.Pid, func(c *http.Client, _ int, _ int64) (int, error) {
		return get(c, "http://"+baseAddr+"/", nil)
	}))

	// The page scenarios, on this tree and (when comparing) the other
	// binary in turn, so both meet the same moment of the machine.
	servers := []*server{srv}
	if other != nil {
		servers = append(servers, other)
	}
	var cmp []comparison
	for _, s := range servers {
		cmp = append(cmp, comparison{label: s.label})
	}
	for i, s := range servers {
		r := landing(o, s)
		cmp[i].landing = r
		if s == srv {
			add(r)
		} else {
			printResult(r)
		}
	}
	// The account page alone, then while others submit forms, for each
	// build in turn, o.rounds times: the machine's load drifts, and the two
	// figures of one build in one round are next to each other in time.
	rounds := make([][]round, len(servers))
	for n := range o.rounds {
		fmt.Printf(" round %d of %d\n", n+1, o.rounds)
		for i, s := range servers {
			var r round
			r.account = accountPage(o, s)
			printResult(r.account)
			r.reads, r.writes = mixed(o, s, r.account.rps)
			printResult(r.reads)
			printResult(r.writes)
			rounds[i] = append(rounds[i], r)
		}
	}
	for i, s := range servers {
		r := medianRound(rounds[i])
		cmp[i].account, cmp[i].mixedReads, cmp[i].mixedWrites = r.account, r.reads, r.writes
		cmp[i].kept = r.kept()
		cmp[i].rounds = len(rounds[i])
		if s == srv {
			add(r.account)
			add(r.reads)
			add(r.writes)
		}
	}
	if o.pagesOnly {
		return finish(o, results, cmp, dbLabel, srv.pid(), "")
	}
	tokens, err := createTokens(base, cookies[:min(len(cookies), apiTokens)])
	if err != nil {
		return err
	}
	var rot atomic.Int64
	bearer := func(c *http.Client, method, path string) (int, error) {
		req, _ := http.NewRequest(method, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+tokens[int(rot.Add(1))%len(tokens)])
		return status(send(c, req, nil))
	}
	add(load(o, fmt.Sprintf("GET /api/v1/me, bearer token (%d tokens)", len(tokens)), srv.pid(), func(c *http.Client, _ int, _ int64) (int, error) {
		return bearer(c, http.MethodGet, "/api/v1/me")
	}))
	add(load(o, fmt.Sprintf("POST /api/v1/token, a JWT minted (%d tokens)", len(tokens)), srv.pid(), func(c *http.Client, _ int, _ int64) (int, error) {
		return bearer(c, http.MethodPost, "/api/v1/token")
	}))
	add(load(o, "sign-in (argon2id)", srv.pid(), func(c *http.Client, w int, _ int64) (int, error) {
		return postLogin(c, base, fmt.Sprintf("user%d@bench.example", 1+w%o.sessions)) // user0 is the admin
	}))
	cycleCookies := make([]*http.Cookie, o.concurrency)
	add(load(o, "sign-out + sign-in cycle", srv.pid(), func(c *http.Client, w int, _ int64) (int, error) {
		if ck := cycleCookies[w]; ck != nil {
			if st, err := post(c, base+"/logout", nil, ck); err != nil || st != http.StatusSeeOther {
				return st, err
			}
		}
		ck, err := signIn(c, base, fmt.Sprintf("user%d@bench.example", w+1))
		cycleCookies[w] = ck
		if err != nil {
			return 0, err
		}
		return http.StatusSeeOther, nil
	}))
	if st, _ := get(newClient(), base+"/admin/users?q=user4242", admin); st == http.StatusOK {
		queries := []string{"", "?q=user4242", "?q=Smith", "?status=active&role=member&page=2000", "?sort=last_sign_in&page=500", "?sort=email&page=100", "?status=unverified&sort=last_sign_in&page=50"}
		ao := o
		ao.concurrency = o.adminConcurrency // an admin panel has a few users, not fifty at once
		add(load(ao, fmt.Sprintf("admin users list and search (%d users, %d admins at once)", o.users, ao.concurrency), srv.pid(), func(c *http.Client, _ int, n int64) (int, error) {
			return get(c, base+"/admin/users"+queries[n%int64(len(queries))], admin)
		}))
	} else {
		fmt.Println("  admin users search: skipped (GET /admin/users answered", st, "— the admin panel is not in this build)")
	}
	add(flood(base, o.flood))
	fmt.Println("  webhooks: steady sign-ups without and with an endpoint, then a burst …")
	wh, err := webhooks(o, srv)
	if err != nil {
		return err
	}
	fmt.Print(webhookReport(wh))
	return finish(o, results, cmp, dbLabel, srv.pid(), webhookReport(wh))
}

func printResult(r result) {
	fmt.Printf("  %-52s %9.0f req/s  p50 %-9v p95 %-9v p99 %-9v errors %d  server CPU/req %v %s\n", r.name, r.rps, r.p50.Round(10*time.Microsecond), r.p95.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.errors, r.cpu.Round(time.Microsecond), r.note)
}

// round is one build's account page alone and with forms, back to back.
type round struct{ account, reads, writes result }

// kept is the share of its read-only throughput the page kept under the forms.
func (r round) kept() float64 { return r.reads.rps / max(r.account.rps, 1) }

// medianRound is the round whose kept share is the median.
func medianRound(rs []round) round {
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b round) int {
		switch {
		case a.kept() < b.kept():
			return -1
		case a.kept() > b.kept():
			return 1
		}
		return 0
	})
	return sorted[len(sorted)/2]
}

// comparison is one binary's page figures, for the side-by-side table.
type comparison struct {
	kept                    float64
	rounds                  int
	label                   string
	landing, account        result
	mixedReads, mixedWrites result
}

func landing(o options, s *server) result {
	return load(o, "landing page, signed out", s.pid(), func(c *http.Client, _ int, _ int64) (int, error) {
		return get(c, s.base+"/", nil)
	})
}

// accountPage is the signed-in page, rotating over the readers' sessions.
func accountPage(o options, s *server) result {
	var rot atomic.Int64
	return load(o, fmt.Sprintf("account page, signed in (%d sessions)", len(s.readers)), s.pid(), func(c *http.Client, _ int, _ int64) (int, error) {
		return get(c, s.base+"/account", s.readers[int(rot.Add(1))%len(s.readers)])
	})
}

// mixShare is the share of the mixed scenario's requests that submit forms.
const mixShare = 0.05

// mixed is the account page of accountPage while other users submit forms
// at a steady pace: mixShare of the requests the page alone got (readRPS).
// Of a hundred forms, 98 are profile saves (POST /account/profile, then the
// account page it redirects to, which shows and pops the flash), one is a
// sign-out (POST /logout, then the landing page) and one a sign-in (POST
// /login, then the account page). A sign-in costs an argon2id hash (~36 ms
// of CPU, the cost of ~1,000 cached page views), so a mix with more of them
// measures the hash, not the cache; one per 2,000 page views is already more
// than a site whose sessions last days sees. It returns the page views'
// figures and the forms'.
func mixed(o options, s *server, readRPS float64) (reads, writes result) {
	formsPerSec := max(1, mixShare/(1-mixShare)*readRPS/2) // each form is two requests
	type sample struct {
		at  time.Time
		lat time.Duration
		st  int
		err error
	}
	var mu sync.Mutex
	var samples []sample
	stop := make(chan struct{})
	tickets := make(chan struct{}, writerUsers)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the pace
		defer wg.Done()
		t := time.NewTicker(time.Duration(float64(time.Second) / formsPerSec))
		defer t.Stop()
		for {
			select {
			case <-stop:
				close(tickets)
				return
			case <-t.C:
				select {
				case tickets <- struct{}{}:
				default: // every writer busy: the pace is what the server allows
				}
			}
		}
	}()
	var forms atomic.Int64
	for w, email := range s.writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient()
			record := func(t0 time.Time, st int, err error) {
				mu.Lock()
				samples = append(samples, sample{at: t0, lat: time.Since(t0), st: st, err: err})
				mu.Unlock()
			}
			t0 := time.Now()
			ck, err := signIn(c, s.base, email)
			if err != nil {
				record(t0, 0, err)
				return
			}
			for range tickets {
				n := forms.Add(1)
				t0 := time.Now()
				var st int
				var err error
				switch {
				case n%100 == 50 && ck != nil: // sign out
					st, err = post(c, s.base+"/logout", nil, ck)
					record(t0, st, err)
					ck = nil
					t0 = time.Now()
					st, err = get(c, s.base+"/", nil)
				case ck == nil: // sign in (the next form of a writer who signed out)
					var nck *http.Cookie
					nck, err = signIn(c, s.base, email)
					st = http.StatusSeeOther
					if err != nil {
						st = 0
					} else {
						ck = nck
					}
					record(t0, st, err)
					t0 = time.Now()
					st, err = get(c, s.base+"/account", ck)
				default: // a profile save with a flash, and the page showing it
					st, err = post(c, s.base+"/account/profile", url.Values{"name": {fmt.Sprintf("Writer %d-%d", w, n)}}, ck)
					record(t0, st, err)
					t0 = time.Now()
					st, err = get(c, s.base+"/account", ck)
				}
				record(t0, st, err)
			}
		}()
	}
	start := time.Now()
	reads = accountPage(o, s)
	end := time.Now()
	close(stop)
	wg.Wait()
	reads.name = fmt.Sprintf("account page, signed in (%d sessions), while others submit forms", len(s.readers))

	// The forms' figures over the measured part (after the warm-up).
	from := start.Add(o.warmup)
	writes = result{name: fmt.Sprintf("… the forms (%d users: profile saves with a flash, sign-outs, sign-ins; each with its page)", writerUsers), statuses: map[int]int64{}}
	var lat []time.Duration
	for _, x := range samples {
		if x.at.Before(from) || x.at.After(end) {
			continue
		}
		lat = append(lat, x.lat)
		writes.statuses[x.st]++
		if x.err != nil || x.st >= 400 || x.st == 0 {
			writes.errors++
		}
	}
	slices.Sort(lat)
	writes.requests, writes.elapsed = int64(len(lat)), end.Sub(from)
	if len(lat) > 0 {
		writes.p50, writes.p95, writes.p99 = lat[len(lat)/2], lat[len(lat)*95/100], lat[len(lat)*99/100]
		writes.rps = float64(len(lat)) / writes.elapsed.Seconds()
	}
	share := writes.rps / (writes.rps + reads.rps)
	writes.note = fmt.Sprintf("(%.1f%% of the requests)", 100*share)
	return reads, writes
}

// finish reports the results and the server's peak memory, and writes them
// into o.out.
func finish(o options, results []result, cmp []comparison, dbLabel string, pid int, extra string) error {
	rss := peakRSS(pid)
	md := report(o, results, dbLabel, rss) + extra + "\n" + compareReport(cmp)
	fmt.Printf("\npeak RSS of the server over the whole run: %d MiB\n", rss>>10)
	if o.out != "" {
		if err := writeSection(o.out, dbLabel, md); err != nil {
			return err
		}
		fmt.Println("wrote", o.out)
	}
	return nil
}

// database returns the DSN of a fresh database and how to remove it: a
// SQLite file in a directory of its own under dir, or a schema of its own
// on the PostgreSQL server spec names, as the tests get theirs.
func database(spec, dir string) (dsn, label string, cleanup func(), err error) {
	label, pg := "SQLite", ""
	if spec != "sqlite" {
		label, pg = "PostgreSQL", spec
	}
	if dir, err = os.MkdirTemp(dir, "db-"); err != nil {
		return "", "", nil, err
	}
	dsn, drop, err := testdb.Create(pg, dir)
	if err != nil {
		return "", "", nil, err
	}
	return dsn, label, func() { _ = drop() }, nil
}

// seed inserts users sharing one precomputed hash, in batches, plus an admin.
func seed(ctx context.Context, dsn string, n int) error {
	db, err := models.Open(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.MigrateUp(ctx); err != nil {
		return err
	}
	hash, err := pwhash.NewHasher(1, time.Minute).Hash(ctx, password)
	if err != nil {
		return err
	}
	last := []string{"Smith", "Garcia", "Chen", "Okafor", "Müller", "Rossi", "Kowalski", "Nakamura", "Silva", "Dubois"}
	first := []string{"Ada", "Grace", "Alan", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "Edsger"}
	now := time.Now().UTC()
	batch := make([]models.User, 0, 1000)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := db.Write.WithContext(ctx).CreateInBatches(batch, 500).Error
		batch = batch[:0]
		return err
	}
	for i := range n {
		created := now.Add(-time.Duration(n-i) * time.Minute)
		u := models.User{ID: fmt.Sprintf("00000000-0000-7000-8000-%012d", i), Email: fmt.Sprintf("user%d@bench.example", i),
			Name: first[i%len(first)] + " " + last[(i/len(first))%len(last)], PasswordHash: hash, Role: models.RoleMember,
			CreatedAt: created, UpdatedAt: created}
		if i%3 != 0 {
			u.EmailVerifiedAt = &created
		}
		if i == 0 {
			u.Email, u.Role = "admin@bench.example", models.RoleAdmin
		}
		batch = append(batch, u)
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

func newClient() *http.Client {
	return &http.Client{
		Transport:     &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// send sends req (with the session cookie ck, if any), reads the body away
// and returns the response.
func send(c *http.Client, req *http.Request, ck *http.Cookie) (*http.Response, error) {
	if ck != nil {
		req.AddCookie(ck)
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res, nil
}

// formPost is a form submission as a browser sends it from one of our pages.
func formPost(u string, form url.Values) *http.Request {
	req, _ := testapp.NewFormPost(u, form)
	return req
}

func status(res *http.Response, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return res.StatusCode, nil
}

func get(c *http.Client, u string, ck *http.Cookie) (int, error) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return status(send(c, req, ck))
}

func post(c *http.Client, u string, form url.Values, ck *http.Cookie) (int, error) {
	return status(send(c, formPost(u, form), ck))
}

func postLogin(c *http.Client, base, email string) (int, error) {
	return post(c, base+"/login", url.Values{"email": {email}, "password": {password}}, nil)
}

// signIn returns the session cookie of a fresh sign-in.
func signIn(c *http.Client, base, email string) (*http.Cookie, error) {
	res, err := send(c, formPost(base+"/login", url.Values{"email": {email}, "password": {password}}), nil)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign-in %s: status %d", email, res.StatusCode)
	}
	for _, ck := range res.Cookies() {
		if strings.HasSuffix(ck.Name, handlers.SessionCookieName) {
			return &http.Cookie{Name: ck.Name, Value: ck.Value}, nil
		}
	}
	return nil, errors.New("sign-in set no session cookie")
}

func signInMany(base string, n int) ([]*http.Cookie, error) {
	cookies := make([]*http.Cookie, n)
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	next := atomic.Int64{}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				ck, err := signIn(c, base, fmt.Sprintf("user%d@bench.example", i+1))
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				cookies[i] = ck
			}
		}()
	}
	wg.Wait()
	return cookies, firstErr
}

func bodySize(u string, ck *http.Cookie) (int, error) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.AddCookie(ck)
	res, err := newClient().Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: status %d", u, res.StatusCode)
	}
	return len(b), err
}

// load runs op from o.concurrency workers: a warm-up, then a measured run,
// during which it also measures the CPU time the server process pid spends.
func load(o options, name string, pid int, op func(c *http.Client, worker int, n int64) (int, error)) result {
	runFor := func(d time.Duration, measure bool) result {
		var wg sync.WaitGroup
		deadline := time.Now().Add(d)
		lat := make([][]time.Duration, o.concurrency)
		statuses := make([]map[int]int64, o.concurrency)
		var errs, count atomic.Int64
		start, cpu0 := time.Now(), cpuTime(pid)
		for w := range o.concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := newClient()
				statuses[w] = map[int]int64{}
				for time.Now().Before(deadline) {
					n := count.Add(1)
					t0 := time.Now()
					st, err := op(c, w, n)
					if measure {
						lat[w] = append(lat[w], time.Since(t0))
						statuses[w][st]++
					}
					if err != nil || st >= 400 {
						errs.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		r := result{name: name, elapsed: time.Since(start), statuses: map[int]int64{}}
		cpu := cpuTime(pid) - cpu0
		var all []time.Duration
		for w := range lat {
			all = append(all, lat[w]...)
			for k, v := range statuses[w] {
				r.statuses[k] += v
			}
		}
		slices.Sort(all)
		r.requests, r.errors = int64(len(all)), errs.Load()
		if len(all) > 0 {
			r.p50, r.p95, r.p99 = all[len(all)/2], all[len(all)*95/100], all[len(all)*99/100]
			r.rps = float64(len(all)) / r.elapsed.Seconds()
			r.cpu = cpu / time.Duration(len(all))
		}
		return r
	}
	runFor(o.warmup, false)
	return runFor(o.duration, true)
}

// cpuTime reads a process's user + system CPU time from /proc (clock ticks
// of 10 ms; the scenarios run long enough for that to be fine).
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses: utime is the
	// 14th field of the line, stime the 15th.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

// flood sends n sign-ins at once and counts the answers.
func flood(base string, n int) result {
	var wg sync.WaitGroup
	var mu sync.Mutex
	r := result{name: fmt.Sprintf("flood: %d concurrent sign-ins", n), statuses: map[int]int64{}}
	var lat []time.Duration
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			st, err := postLogin(newClient(), base, fmt.Sprintf("user%d@bench.example", i+1))
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, time.Since(t0))
			r.statuses[st]++
			if err != nil || st >= 500 {
				r.errors++
			}
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	slices.Sort(lat)
	r.requests = int64(len(lat))
	r.rps = float64(len(lat)) / r.elapsed.Seconds()
	r.p50, r.p95, r.p99 = lat[len(lat)/2], lat[len(lat)*95/100], lat[len(lat)*99/100]
	var parts []string
	for _, k := range slices.Sorted(mapKeys(r.statuses)) {
		parts = append(parts, fmt.Sprintf("%d×%d", r.statuses[k], k))
	}
	r.note = "(" + strings.Join(parts, ", ") + "; errors = 5xx or failed connections)"
	return r
}

func mapKeys(m map[int]int64) func(func(int) bool) {
	return func(yield func(int) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func report(o options, rs []result, db string, rssKiB int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on %s, %d CPUs, %s, %s; %d connections, %v warm-up then %v per scenario; load generator and server on the same machine.\n\n",
		time.Now().UTC().Format("2006-01-02"), db, runtime.NumCPU(), runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH, o.concurrency, o.warmup, o.duration)
	b.WriteString("| scenario | req/s | p50 | p95 | p99 | errors | server CPU per request | vs. baseline |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	var base result
	for _, r := range rs {
		if strings.HasPrefix(r.name, "bare Echo") {
			base = r
		}
	}
	for _, r := range rs {
		ratio, cpu := "", ""
		if base.rps > 0 && (strings.HasPrefix(r.name, "landing") || strings.HasPrefix(r.name, "account")) { // the pages comparable with the baseline
			ratio = fmt.Sprintf("%.0f%% req/s, p99 ×%.1f", 100*r.rps/base.rps, float64(r.p99)/float64(max(base.p99, 1)))
		}
		if r.cpu > 0 {
			cpu = fmt.Sprintf("%d µs", r.cpu.Microseconds())
		}
		name := r.name
		if r.note != "" {
			name += " " + r.note
		}
		fmt.Fprintf(&b, "| %s | %.0f | %v | %v | %v | %d | %s | %s |\n", name, r.rps, r.p50.Round(10*time.Microsecond), r.p95.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.errors, cpu, ratio)
	}
	if o.pagesOnly {
		b.WriteString("\nOnly the page scenarios were run (-pages-only).\n")
	}
	fmt.Fprintf(&b, "\nPeak RSS of the server process over the whole run (VmHWM): **%d MiB**.\n", rssKiB>>10)
	return b.String()
}

// compareReport is the page scenarios side by side: this tree and, when
// comparing, the other build, run in turn in the same run.
func compareReport(cmp []comparison) string {
	var b strings.Builder
	b.WriteString("The signed-in page alone and while other users submit forms")
	if len(cmp) > 1 {
		b.WriteString(", side by side with " + cmp[1].label + " (same run, each build in turn)")
	}
	fmt.Fprintf(&b, "; the median of %d rounds by the share kept (the landing page: one run):\n\n", max(1, cmp[0].rounds))
	b.WriteString("| build | landing req/s | account page req/s, p99 | with forms: page req/s, p99 | page kept | forms req/s (share), p99, errors | server CPU per page view, alone / with forms (forms included) |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range cmp {
		fmt.Fprintf(&b, "| %s | %.0f | %.0f, %v | %.0f, %v | %.0f%% | %.0f %s, %v, %d | %d / %d µs |\n", c.label,
			c.landing.rps, c.account.rps, c.account.p99.Round(10*time.Microsecond),
			c.mixedReads.rps, c.mixedReads.p99.Round(10*time.Microsecond), 100*c.kept,
			c.mixedWrites.rps, c.mixedWrites.note, c.mixedWrites.p99.Round(10*time.Microsecond), c.mixedWrites.errors+c.mixedReads.errors,
			c.account.cpu.Microseconds(), c.mixedReads.cpu.Microseconds())
	}
	return b.String()
}

// peakRSS reads the process's high-water resident set, in KiB.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

// writeSection replaces the section for this database in the markdown file.
func writeSection(path, db, md string) error {
	begin, end := "<!-- bench:"+db+":start -->", "<!-- bench:"+db+":end -->"
	old, _ := os.ReadFile(path)
	s := string(old)
	block := begin + "\n" + md + end
	if i, j := strings.Index(s, begin), strings.Index(s, end); i >= 0 && j > i {
		s = s[:i] + block + s[j+len(end):]
	} else {
		s += "\n### " + db + "\n\n" + block + "\n"
	}
	return os.WriteFile(path, []byte(s), 0o644)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitHealthy(base string) error { return waitUp(base + "/healthz") }

func waitUp(u string) error {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if st, err := get(newClient(), u, nil); err == nil && st == http.StatusOK {
			return nil
		}
	}
	return fmt.Errorf("%s did not come up", u)
}

// apiTokens is how many personal tokens the API scenarios rotate over.
const apiTokens = 200

// benchSecretKey is the server's HEARTH_SECRET_KEY in the benchmark.
const benchSecretKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// createTokens makes one personal token per session through the tokens
// page's form and returns the secrets the page showed.
func createTokens(base string, sessions []*http.Cookie) ([]string, error) {
	c := newClient()
	tokens := make([]string, 0, len(sessions))
	for _, ck := range sessions {
		req := formPost(base+"/account/tokens", url.Values{"name": {"bench"}, "expires_days": {"30"}})
		req.AddCookie(ck)
		res, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		doc, err := goquery.NewDocumentFromReader(res.Body)
		res.Body.Close()
		if err != nil {
			return nil, err
		}
		secret, _ := doc.Find("[data-testid=token-secret]").Attr("value")
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(secret, "hth_") {
			return nil, fmt.Errorf("creating a token: status %d, no token on the page", res.StatusCode)
		}
		tokens = append(tokens, secret)
	}
	return tokens, nil
}
