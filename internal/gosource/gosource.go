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
	"runtime"
	"strings"
	"testing"
)

// File is one parsed Go file: its path and its syntax tree.
type File struct {
	Path string
	AST  *ast.File
}

// Parse parses the non-test .go files of dir with fset, in name order. A
// relative dir is taken from the folder of the calling test's file, not
// the working directory; the files' paths stay relative to dir. It fails t
// on a file that does not parse, and when dir holds none.
func Parse(t testing.TB, fset *token.FileSet, dir string) []File {
	t.Helper()
	root := dir
	if _, caller, _, ok := runtime.Caller(1); ok && !filepath.IsAbs(dir) && filepath.IsAbs(caller) {
		root = filepath.Join(filepath.Dir(caller), dir)
	}
	entries, err := os.ReadDir(root) // not filepath.Glob, which hides why a folder could not be read
	if err != nil {
		t.Fatal(err)
	}
	var files []File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(root, name), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, File{Path: filepath.Join(dir, name), AST: f})
	}
	if len(files) == 0 {
		t.Fatalf("no Go files in %s (%d entries)", root, len(entries))
	}
	return files
}
