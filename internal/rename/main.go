// Command rename changes the Go module path of this repository, so a clone of
// Hearth becomes your own app: `make rename MODULE=github.com/acme/app`.
// It rewrites go.mod and every import of the old path in Go, templ and
// build files, then leaves the result for you to review with git diff.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

func main() {
	module := flag.String("module", "", "the new module path, e.g. github.com/acme/app")
	dir := flag.String("dir", ".", "the repository root")
	flag.Parse()
	n, err := rename(*dir, *module)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rename: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("renamed module to %s in %d files\n", *module, n)
}

var validModule = regexp.MustCompile(`^[a-z0-9][a-z0-9.\-]*(/[A-Za-z0-9_.\-~]+)+$|^[a-z][a-z0-9_\-]*$`)

// rename replaces the module path declared in dir/go.mod by module in every
// file that can mention it, and returns how many files changed.
func rename(dir, module string) (int, error) {
	if !validModule.MatchString(module) {
		return 0, fmt.Errorf("%q is not a module path (for example github.com/acme/app)", module)
	}
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return 0, err
	}
	old := ""
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			old = f[1]
			break
		}
	}
	if old == "" {
		return 0, errors.New("go.mod has no module line")
	}
	if old == module {
		return 0, nil
	}
	changed := 0
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "data", "bin", "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		if !renamable(path) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		nb := replaceModule(b, old, module)
		if bytes.Equal(b, nb) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		changed++
		return os.WriteFile(path, nb, info.Mode().Perm())
	})
	return changed, err
}

func renamable(path string) bool {
	switch filepath.Ext(path) {
	case ".go", ".templ", ".md", ".mod", ".yml", ".yaml":
		return true
	}
	switch filepath.Base(path) {
	case "Makefile", "Dockerfile", "run":
		return true
	}
	return false
}

// replaceModule replaces old where it stands as the module path: followed by
// a slash, a quote, white space or the end, so github.com/a/app does not
// match inside github.com/a/application.
func replaceModule(b []byte, old, module string) []byte {
	re := regexp.MustCompile(regexp.QuoteMeta(old) + `([/"` + "`" + `\s]|$)`)
	return re.ReplaceAll(b, []byte(module+"${1}"))
}
