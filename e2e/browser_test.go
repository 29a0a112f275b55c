// Package e2e drives the real Hearth server in headless Chromium (Debian's
// chromium package, through chromedp): what a person does, clicked for real.
// Without Chromium the tests skip, unless HEARTH_REQUIRE_BROWSER=1 (CI).
package e2e_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/hearth-app/hearth/internal/testapp"
)

var browserCtx context.Context // one Chromium for the package; each test gets its own profile

func TestMain(m *testing.M) {
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("HEARTH_REQUIRE_BROWSER") == "1" {
			fmt.Fprintln(os.Stderr, "e2e: HEARTH_REQUIRE_BROWSER=1 but chromium is not installed (apt-get install chromium)")
			os.Exit(1)
		}
		fmt.Println("SKIPPED: browser tests (chromium not installed; apt-get install chromium)")
		os.Exit(0)
	}
	axe, err := os.ReadFile("testdata/axe.min.js")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		os.Exit(1)
	}
	axeSource = string(axe)
	profile, _ := os.MkdirTemp("", "hearth-chromium-")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 800))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(ctx); err != nil { // start the browser
		fmt.Fprintf(os.Stderr, "e2e: start chromium: %v\n", err)
		os.Exit(1)
	}
	browserCtx = ctx
	code := m.Run()
	cancel()
	cancelAlloc()
	os.RemoveAll(profile)
	os.Exit(code)
}

// startServer starts a real Hearth on a fresh database (internal/testapp),
// with the rate limits a person would meet; env holds pairs of HEARTH_*
// variables and values.
func startServer(t *testing.T, env ...string) *testapp.Server {
	t.Helper()
	vars := map[string]string{}
	for i := 0; i+1 < len(env); i += 2 {
		vars[env[i]] = env[i+1]
	}
	return testapp.New(t, testapp.Options{Env: vars, Throttled: true})
}

// tab is a browser tab with its own cookies. When the test fails, the tab's
// screenshot and HTML are saved and their path printed.
type tab struct {
	t   *testing.T
	ctx context.Context
}

func newTab(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	tb := &tab{t: t, ctx: ctx}
	t.Cleanup(func() {
		if t.Failed() {
			tb.saveArtifacts()
		}
		cancelTimeout()
		cancel()
	})
	return tb
}

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(sel, chromedp.NodeVisible))
	if err != nil {
		tb.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (tb *tab) location() string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		tb.t.Fatalf("location: %v", err)
	}
	return s
}

// exists reports whether sel matches now, without waiting.
func (tb *tab) exists(sel string) bool {
	tb.t.Helper()
	n, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		tb.t.Fatalf("query %s: %v", sel, err)
	}
	return n > 0
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func (tb *tab) saveArtifacts() {
	dir := os.Getenv("HEARTH_E2E_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "hearth-e2e")
	}
	dir = filepath.Join(dir, unsafeName.ReplaceAllString(tb.t.Name(), "_"))
	_ = os.MkdirAll(dir, 0o755)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(tb.ctx), 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "page.png"), png, 0o644)
	}
	if html, err := chromedp.Run(ctx, chromedp.OuterHTML("html")); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "page.html"), []byte(html), 0o644)
	}
	tb.t.Logf("browser state saved in %s (page.png, page.html)", dir)
}

// screenshot saves a README screenshot at desktop and phone width when
// HEARTH_SCREENSHOTS names a folder (make screenshots).
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	dir := os.Getenv("HEARTH_SCREENSHOTS")
	if dir == "" {
		return
	}
	for _, size := range []struct {
		suffix        string
		width, height int64
		scheme        string
	}{{"", 1280, 800, "light"}, {"-phone", 390, 844, "light"}, {"-dark", 1280, 800, "dark"}, {"-phone-dark", 390, 844, "dark"}} {
		tb.do(chromedp.EmulateViewport(size.width, size.height), prefersColorScheme(size.scheme))
		png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			tb.t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+size.suffix+".png"), png, 0o644); err != nil {
			tb.t.Fatal(err)
		}
	}
	tb.do(chromedp.EmulateViewport(1280, 800), prefersColorScheme(""))
}

// prefersColorScheme emulates the system's colour scheme (light or dark);
// "" ends the emulation.
func prefersColorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		p := emulation.SetEmulatedMediaParams{}
		if scheme != "" {
			p.Features = []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}
		}
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, p)
		return chromedp.Void{}, err
	}
}

// axeSource is axe-core 4.14.1 (MPL-2.0), vendored from the npm registry
// into testdata/axe.min.js; read by TestMain.
var axeSource string

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []string `json:"target"`
	} `json:"nodes"`
}

// checkAccessibility runs axe-core on the current page, in the light and
// the dark colour scheme, at desktop and at phone width, and fails on any
// serious or critical violation.
func (tb *tab) checkAccessibility(page string) {
	tb.t.Helper()
	for _, size := range []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 800}, {"phone", 390, 844}} {
		tb.do(chromedp.EmulateViewport(size.width, size.height))
		for _, scheme := range []string{"light", "dark"} {
			tb.do(prefersColorScheme(scheme))
			tb.runAxe(page + " (" + scheme + ", " + size.name + ")")
		}
	}
	tb.do(chromedp.EmulateViewport(1280, 800), prefersColorScheme(""))
}

// runAxe runs axe-core once, in the colour scheme the page is in now.
func (tb *tab) runAxe(page string) {
	tb.t.Helper()
	if has, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool]("typeof axe !== 'undefined'")); err != nil || !has {
		if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](axeSource+";true")); err != nil {
			tb.t.Fatalf("inject axe: %v", err)
		}
	}
	vs, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]axeViolation](
		`axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)`, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("run axe: %v", err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, strings.Join(n.Target, " "))
			}
			tb.t.Errorf("%s: accessibility (%s) %s: %s at %v", page, v.Impact, v.ID, v.Help, where)
		}
	}
}
