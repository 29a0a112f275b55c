// Package gosource parses a folder's Go code for the tests that hold a rule
// over it (session keys only through session.go, SQL text made of
// constants, every audit action listed, no handler touching a pool). Only
// tests import it.
package gosource

import (
	"go/ast"
	"go/parser"
	"go/token"
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
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var files []File
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, File{Path: p, AST: f})
	}
	if len(files) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	return files
}
