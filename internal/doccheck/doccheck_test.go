// Package doccheck holds the tests that keep README.md and docs/ true to
// the code: the recipes in the README build and their tests pass, and
// every test the documents cite exists.
package doccheck_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// A recipe block is a fenced code block right after a marker line:
//
//	<!-- recipe: views/pricing/pricing.templ -->   the block is this new file
//	<!-- recipe: handlers/routes.go Routes -->     the block's lines go at the end of func Routes, before its return
//
// .templ files are generated with `go tool templ generate`; every block
// must belong to a path of the module.
var (
	markerLine = regexp.MustCompile(`^(\s*)<!-- recipe: (\S+)(?: (\S+))? -->\s*$`)
	fenceLine  = regexp.MustCompile("^(\\s*)(```+)\\s*(\\w*)\\s*$")
	testFunc   = regexp.MustCompile(`(?m)^func (Test\w+)\(t \*testing\.T\)`)
)

type block struct {
	line       int    // of the marker in README.md
	path       string // relative to the module root
	inFunc     string // "" for a new file
	code, lang string
}

// TestREADMERecipesBuild writes the README's recipe blocks over the module
// (go build -overlay: the tree is not touched), generates the templ views,
// builds every package and runs the recipe's own tests.
func TestREADMERecipesBuild(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("SKIPPED: go is not on PATH, so the README recipe cannot be built")
	}
	root := moduleRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := recipeBlocks(t, string(readme))
	if len(blocks) == 0 {
		t.Fatal("README.md has no recipe blocks (a fenced block after a line <!-- recipe: path -->): the Add a page recipe is not built")
	}

	dir := t.TempDir()
	overlay := map[string]string{}
	edited := map[string]string{} // existing files a block inserts into, as edited so far
	var testPkgs, testNames []string
	for _, b := range blocks {
		target := filepath.Join(root, filepath.FromSlash(b.path))
		if rel, err := filepath.Rel(root, target); err != nil || strings.HasPrefix(rel, "..") {
			t.Fatalf("README.md:%d: recipe path %q is outside the module", b.line, b.path)
		}
		// Named after the block's line, so that a compiler error says where.
		file := filepath.Join(dir, fmt.Sprintf("README.md-line%d-%s", b.line, filepath.Base(b.path)))
		switch {
		case b.inFunc != "":
			src, ok := edited[target]
			if !ok {
				raw, err := os.ReadFile(target)
				if err != nil {
					t.Fatalf("README.md:%d: %v", b.line, err)
				}
				src = string(raw)
			}
			src, err = insertAtEndOf(src, b.inFunc, b.code)
			if err != nil {
				t.Fatalf("README.md:%d: %s: %v", b.line, b.path, err)
			}
			edited[target] = src
			continue
		case exists(target):
			t.Fatalf("README.md:%d: the recipe adds %s, which exists already: name a new file, or insert into a function (<!-- recipe: %s FuncName -->)", b.line, b.path, b.path)
		case strings.HasSuffix(b.path, ".templ"):
			// templ reads the file and prints the Go code it generates.
			if err := os.WriteFile(file, []byte(b.code), 0o644); err != nil {
				t.Fatal(err)
			}
			out := run(t, root, goBin, "tool", "templ", "generate", "-f", file, "-stdout")
			target = strings.TrimSuffix(target, ".templ") + "_templ.go"
			file += ".go"
			if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
		default:
			if err := os.WriteFile(file, []byte(b.code), 0o644); err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(b.path, "_test.go") {
				pkg := "./" + filepath.ToSlash(filepath.Dir(b.path))
				makeDirFor(t, root, filepath.Dir(target))
				if !slices.Contains(testPkgs, pkg) {
					testPkgs = append(testPkgs, pkg)
				}
				for _, m := range testFunc.FindAllStringSubmatch(b.code, -1) {
					testNames = append(testNames, m[1])
				}
			}
		}
		overlay[target] = file
	}
	for target, src := range edited {
		file := filepath.Join(dir, "edited-"+filepath.Base(target))
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		overlay[target] = file
	}
	overlayFile := filepath.Join(dir, "overlay.json")
	js, _ := json.Marshal(map[string]any{"Replace": overlay})
	if err := os.WriteFile(overlayFile, js, 0o644); err != nil {
		t.Fatal(err)
	}

	run(t, root, goBin, "build", "-overlay", overlayFile, "./...")
	if len(testNames) > 0 {
		// vet is off: it cannot look into a package directory that exists
		// only in the overlay (the recipe's new view).
		args := append([]string{"test", "-overlay", overlayFile, "-vet=off", "-count=1", "-v", "-run", "^(" + strings.Join(testNames, "|") + ")$"}, testPkgs...)
		out := run(t, root, goBin, args...)
		for _, name := range testNames {
			if !strings.Contains(out, "--- PASS: "+name+" ") {
				t.Errorf("the recipe's %s did not pass:\n%s", name, out)
			}
		}
	}
}

// recipeBlocks returns the README's recipe blocks in order.
func recipeBlocks(t *testing.T, readme string) []block {
	t.Helper()
	var blocks []block
	lines := strings.Split(readme, "\n")
	for i := 0; i < len(lines); i++ {
		m := markerLine.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		b := block{line: i + 1, path: m[2], inFunc: m[3]}
		if i+1 >= len(lines) {
			t.Fatalf("README.md:%d: a recipe marker without a code block after it", b.line)
		}
		open := fenceLine.FindStringSubmatch(lines[i+1])
		if open == nil {
			t.Fatalf("README.md:%d: a recipe marker must be followed at once by a fenced code block, not %q", b.line, lines[i+1])
		}
		indent, fence := open[1], open[2]
		b.lang = open[3]
		var code []string
		closed := false
		for i += 2; i < len(lines); i++ {
			if strings.TrimSpace(lines[i]) == fence && strings.HasPrefix(lines[i], indent) {
				closed = true
				break
			}
			code = append(code, strings.TrimPrefix(lines[i], indent))
		}
		if !closed {
			t.Fatalf("README.md:%d: the recipe's code block is not closed", b.line)
		}
		b.code = strings.Join(code, "\n") + "\n"
		blocks = append(blocks, b)
	}
	return blocks
}

// insertAtEndOf puts code at the end of the body of the function (or
// method) named fn in the Go source src: before its last statement if that
// is a return, after it otherwise.
func insertAtEndOf(src, fn, code string) (string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, 0)
	if err != nil {
		return "", err
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != fn || fd.Body == nil {
			continue
		}
		at := fset.Position(fd.Body.Rbrace).Offset
		if n := len(fd.Body.List); n > 0 {
			if ret, ok := fd.Body.List[n-1].(*ast.ReturnStmt); ok {
				at = fset.Position(ret.Pos()).Offset
			}
		}
		at = strings.LastIndexByte(src[:at], '\n') + 1 // the start of that line
		return src[:at] + code + src[at:], nil
	}
	return "", fmt.Errorf("no function %s", fn)
}

// TestDocumentsCiteTestsThatExist: docs/security.md maps every security
// property to the tests that prove it, and the README names a few; a
// renamed or removed test must not leave them pointing at nothing.
func TestDocumentsCiteTestsThatExist(t *testing.T) {
	t.Parallel()
	root := moduleRoot(t)
	defined := map[string]bool{}
	funcs := regexp.MustCompile(`(?m)^func ((?:Test|Benchmark|Fuzz)[A-Z]\w*)\(`)
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, "_test.go") {
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range funcs.FindAllStringSubmatch(string(src), -1) {
				defined[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	docs = append(docs, filepath.Join(root, "README.md"))
	cited := regexp.MustCompile(`\b(?:Test|Benchmark|Fuzz)[A-Z]\w*`)
	for _, doc := range docs {
		f, err := os.Open(doc)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		inCode := false // code blocks are examples (the recipe's own test), not citations
		for n := 1; sc.Scan(); n++ {
			if fenceLine.MatchString(sc.Text()) {
				inCode = !inCode
			}
			if inCode {
				continue
			}
			for _, name := range cited.FindAllString(sc.Text(), -1) {
				if !defined[name] {
					rel, _ := filepath.Rel(root, doc)
					t.Errorf("%s:%d cites %s, which no test file defines", rel, n, name)
				}
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for !exists(filepath.Join(dir, "go.mod")) {
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	return dir
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// run runs the go command in the module root and returns what it printed
// on standard output (generated code must not get the "go: downloading"
// lines of a fresh module cache); a failure fails the test with both
// outputs.
func run(t *testing.T, root, goBin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(goBin, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// TestMakefileFuzzesTargetsThatExist: `make fuzz` names each fuzz target
// and its package; `go test -fuzz` passes quietly when the package has no
// such target (FuzzEmail once moved packages and fuzzed nothing), so each
// one must be defined in a test file of the package it is run in.
func TestMakefileFuzzesTargetsThatExist(t *testing.T) {
	t.Parallel()
	root := moduleRoot(t)
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	run := regexp.MustCompile(`-fuzz '\^(Fuzz\w+)\$\$'.*?\s(\./[\w/.-]+?)/?\s*$`)
	seen := 0
	for _, line := range strings.Split(string(mk), "\n") {
		m := run.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		seen++
		name, dir := m[1], filepath.Join(root, m[2])
		files, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
		found := false
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(src), "\nfunc "+name+"(") {
				found = true
			}
		}
		if !found {
			t.Errorf("make fuzz runs %s in %s, which defines no such fuzz target", name, m[2])
		}
	}
	if seen < 3 {
		t.Fatalf("found %d fuzz runs in the Makefile: its format changed?", seen)
	}
}

// makeDirFor makes dir, a recipe's new package, for the length of the test:
// go test runs a package's tests in its directory, which an overlay cannot
// supply. What it makes, it removes.
func makeDirFor(t *testing.T, root, dir string) {
	t.Helper()
	top := dir
	for parent := filepath.Dir(top); parent != root && !exists(parent); parent = filepath.Dir(parent) {
		top = parent
	}
	if exists(top) {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(top) })
}
