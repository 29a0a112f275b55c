package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRenameProducesABuildableApp copies the repository, renames its module
// and builds and vets the copy: a clone renamed with `make rename` works.
func TestRenameProducesABuildableApp(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	copyTree(t, root, dst)

	n, err := rename(dst, "github.com/acme/widgets")
	if err != nil {
		t.Fatal(err)
	}
	if err := renameProduct(dst, "Acme Widgets"); err != nil {
		t.Fatal(err)
	}
	product, _ := os.ReadFile(filepath.Join(dst, productFile))
	if !strings.Contains(string(product), `const ProductName = "Acme Widgets"`) || !strings.Contains(string(product), `const CookiePrefix = "acmewidgets"`) {
		t.Fatalf("%s after the rename:\n%s", productFile, product)
	}
	if n < 5 {
		t.Fatalf("only %d files changed", n)
	}
	gomod, _ := os.ReadFile(filepath.Join(dst, "go.mod"))
	if !strings.HasPrefix(string(gomod), "module github.com/acme/widgets\n") {
		t.Fatalf("go.mod starts %q", strings.SplitN(string(gomod), "\n", 2)[0])
	}
	out, err := exec.Command("grep", "-rl", "--include=*.go", "github.com/hearth-app/hearth", dst).CombinedOutput()
	if err == nil {
		t.Fatalf("old module path still imported in:\n%s", out)
	}
	if testing.Short() {
		t.Skip("skipping the build of the renamed copy in -short mode")
	}
	cmd := exec.Command("go", "vet", "./...")
	cmd.Dir = dst
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet of the renamed copy: %v\n%s", err, out)
	}
}

func TestProductNamesMustWorkAsASendersName(t *testing.T) {
	for _, name := range []string{"Acme", "Acme Widgets", "Zoë's Café", "Hearth"} {
		if err := validProductName(name); err != nil {
			t.Errorf("%q refused: %v", name, err)
		}
	}
	for _, name := range []string{"", " Acme", "Acme ", "Acme, Inc", "<Acme>", "a@b", `Ac"me`, "Ac\nme", strings.Repeat("a", 61)} {
		if err := validProductName(name); err == nil {
			t.Errorf("%q accepted", name)
		}
	}
	dir := t.TempDir()
	if err := renameProduct(dir, "Acme"); err == nil {
		t.Error("renamed the product in a tree without config/product.go")
	}
}

func TestCookiePrefixIsATokenOfTheName(t *testing.T) {
	for name, want := range map[string]string{
		"Acme": "acme", "Acme Widgets": "acmewidgets", "Zoë's Café": "zoescafe", "Łódź Labs": "lodzlabs",
		"日本": "app", "R2-D2": "r2d2", strings.Repeat("Long", 20): strings.Repeat("long", 8),
	} {
		if got := cookiePrefix(name); got != want {
			t.Errorf("cookiePrefix(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestRenameRefusesNonsense(t *testing.T) {
	for _, m := range []string{"", "Not A Module", "github.com/acme/app; rm -rf /", "../escape"} {
		if _, err := rename(t.TempDir(), m); err == nil {
			t.Errorf("rename accepted %q", m)
		}
	}
}

func TestReplaceModuleMatchesWholePathsOnly(t *testing.T) {
	in := `import "github.com/a/app/models"` + "\n" + `x := "github.com/a/application"` + "\nmodule github.com/a/app\n"
	got := string(replaceModule([]byte(in), "github.com/a/app", "example.com/b"))
	want := `import "example.com/b/models"` + "\n" + `x := "github.com/a/application"` + "\nmodule example.com/b\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			switch d.Name() {
			case ".git", "data", "bin", "node_modules":
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
