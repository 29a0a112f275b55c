// Package gosource parses a folder's Go code for the tests that hold a rule
// over it (session keys only through session.go, SQL text made of
// constants, every audit action listed, no handler touching a pool). Only
// tests import it.
package gosource

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// File is one parsed Go file: its path and its syntax tree.
type File struct {
	Path string
	AST  *ast.File
}

// Parse parses the non-test .go files of dir with fset, in name order. It
// fails t on a file that does not parse, and when dir holds none.
func Parse(t testing.TB, fset *token.FileSet, dir string) []File {
	t.Helper()
	entries, err := os.ReadDir(dir) // not filepath.Glob, which hides why a folder could not be read
	if err != nil {
		t.Fatal(err)
	}
	var files []File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		p := filepath.Join(dir, name)
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, File{Path: p, AST: f})
	}
	if len(files) == 0 {
		wd, _ := os.Getwd()
		t.Fatalf("no Go files in %s (%s, %d entries)", dir, wd, len(entries))
	}
	return files
}
