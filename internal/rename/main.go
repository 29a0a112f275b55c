// Command rename makes a clone of Hearth your own app:
// `make rename MODULE=github.com/acme/app NAME=Acme`. It changes the Go module
// path (go.mod and every import of the old path in Go, templ and build
// files) and the product name people see (config.ProductName, the one place
// it is written) with the start of the cookie names made from it
// (config.CookiePrefix), then leaves the result for you to review with git
// diff.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hearth-app/hearth/internal/searchtext"
)

func main() {
	module := flag.String("module", "", "the new module path, e.g. github.com/acme/app")
	name := flag.String("name", "", "the new product name, e.g. Acme")
	dir := flag.String("dir", ".", "the repository root")
	flag.Parse()
	if *module == "" && *name == "" {
		fmt.Fprintln(os.Stderr, "rename: give -module, -name or both")
		os.Exit(1)
	}
	if *module != "" {
		n, err := rename(*dir, *module)
		if err != nil {
			fmt.Fprintf(os.Stderr, "rename: %v\n", err)
			os.Exit(1)
		}
		fmt.Printf("renamed module to %s in %d files\n", *module, n)
	}
	if *name != "" {
		if err := renameProduct(*dir, *name); err != nil {
			fmt.Fprintf(os.Stderr, "rename: %v\n", err)
			os.Exit(1)
		}
		fmt.Printf("renamed the product to %s in %s\n", *name, productFile)
	}
}

// productFile declares config.ProductName, the product's name as pages,
// mails and messages show it.
const productFile = "config/product.go"

var (
	productLine = regexp.MustCompile(`(?m)^const ProductName = ".*"$`)
	cookieLine  = regexp.MustCompile(`(?m)^const CookiePrefix = ".*"$`)
)

// renameProduct sets config.ProductName to name, and config.CookiePrefix
// to cookiePrefix(name). The name must work as the display name of the
// default sender (name <no-reply@localhost>).
func renameProduct(dir, name string) error {
	if err := validProductName(name); err != nil {
		return err
	}
	path := filepath.Join(dir, productFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(productLine.FindAll(b, -1)) != 1 || len(cookieLine.FindAll(b, -1)) != 1 {
		return fmt.Errorf("%s does not declare ProductName and CookiePrefix on a line each", productFile)
	}
	b = productLine.ReplaceAllLiteral(b, []byte("const ProductName = "+strconv.Quote(name)))
	b = cookieLine.ReplaceAllLiteral(b, []byte("const CookiePrefix = "+strconv.Quote(cookiePrefix(name))))
	return os.WriteFile(path, b, 0o644)
}

// cookiePrefix is name as the start of a cookie name: its ASCII letters
// and digits, lower case, accents dropped ("Zoë's Café" is "zoescafe"),
// at most 32 of them; "app" when none is left.
func cookiePrefix(name string) string {
	var b strings.Builder
	for _, r := range searchtext.Fold(name) {
		if b.Len() < 32 && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "app"
	}
	return b.String()
}

func validProductName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > 60 || strings.TrimSpace(name) != name {
		return fmt.Errorf("%q is not a product name: 1 to 60 characters, no leading or trailing space", name)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%q is not a product name: it has a control character", name)
		}
	}
	if a, err := mail.ParseAddress(name + " <no-reply@localhost>"); err != nil || a.Name != name {
		return fmt.Errorf("%q is not a product name: it must work as a mail sender's name (quote nothing, no commas, brackets or @)", name)
	}
	return nil
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
