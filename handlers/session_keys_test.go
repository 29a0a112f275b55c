package handlers_test

import (
	"go/ast"
	"go/token"
	"testing"

	"github.com/hearth-app/hearth/internal/gosource"
)

// TestSessionValuesAreReadThroughTypedKeys keeps every session value key in
// session.go: outside it no handler calls the session manager's value
// methods with a string of its own, and the typed accessors get one of the
// declared sessionKey constants (an untyped literal would convert silently).
func TestSessionValuesAreReadThroughTypedKeys(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	for _, f := range gosource.Parse(t, fset, ".") {
		files[f.Path] = f.AST
	}
	sf := files["session.go"]
	if sf == nil {
		t.Fatal("no session.go")
	}
	keys := map[string]bool{}
	for _, d := range sf.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "sessionKey" {
					for _, n := range vs.Names {
						keys[n.Name] = true
					}
				}
			}
		}
	}
	if len(keys) < 5 {
		t.Fatalf("session.go declares %d sessionKey constants: %v", len(keys), keys)
	}
	valueMethods := map[string]bool{
		"Put": true, "Get": true, "GetString": true, "GetBool": true, "GetInt": true, "GetInt64": true, "GetInt32": true,
		"GetFloat": true, "GetBytes": true, "GetTime": true, "Pop": true, "PopString": true, "PopBool": true,
		"PopInt": true, "PopFloat": true, "PopBytes": true, "PopTime": true, "Remove": true, "Exists": true,
	}
	accessors := map[string]bool{"sessionString": true, "putSession": true, "popSession": true, "removeSession": true}
	for p, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if recv, ok := sel.X.(*ast.SelectorExpr); ok && recv.Sel.Name == "Sessions" && valueMethods[sel.Sel.Name] && p != "session.go" {
				t.Errorf("%s: Sessions.%s outside session.go: use the typed accessors", fset.Position(call.Pos()), sel.Sel.Name)
			}
			if accessors[sel.Sel.Name] && len(call.Args) >= 2 {
				if id, ok := call.Args[1].(*ast.Ident); !ok || !keys[id.Name] {
					t.Errorf("%s: %s with a key that is not a sessionKey constant of session.go", fset.Position(call.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
}
