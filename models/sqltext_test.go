package models

import (
	"go/ast"
	"go/token"
	"strconv"
	"testing"

	"github.com/hearth-app/hearth/internal/gosource"
)

// sqlMethods are GORM's methods whose first argument is SQL text, and
// sqlCondMethods those whose second argument (a condition) is.
var (
	sqlMethods     = map[string]bool{"Raw": true, "Exec": true, "Where": true, "Or": true, "Not": true, "Select": true, "Order": true, "Joins": true, "Table": true, "Group": true, "Having": true, "Pluck": true, "Update": true, "UpdateColumn": true, "Omit": true, "Expr": true}
	sqlCondMethods = map[string]bool{"Delete": true, "Find": true, "Take": true, "First": true}
)

// TestSQLTextIsConstant enforces the package's one rule for SQL (see
// doc.go): SQL text handed to GORM is built from literals and constants
// only (joined with +, or chosen by Dialect.Pick), and only db.go uses
// database/sql.
func TestSQLTextIsConstant(t *testing.T) {
	fset := token.NewFileSet()
	var files []*ast.File
	for _, f := range gosource.Parse(t, fset, ".") {
		files = append(files, f.AST)
		for _, imp := range f.AST.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "database/sql" && f.Path != "db.go" {
				t.Errorf("%s imports database/sql: run SQL through GORM on the handle the function picked", f.Path)
			}
		}
	}
	consts := map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, s := range g.Specs {
					for _, n := range s.(*ast.ValueSpec).Names {
						consts[n.Name] = true
					}
				}
			}
		}
	}
	checked := 0
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			arg := -1
			switch {
			case sqlMethods[sel.Sel.Name] && len(call.Args) > 0:
				arg = 0
			case sqlCondMethods[sel.Sel.Name] && len(call.Args) > 1:
				arg = 1
			}
			if arg < 0 {
				return true
			}
			checked++
			if !constantSQL(call.Args[arg], consts) {
				t.Errorf("%s: %s's SQL is not made of literals and constants: pass values as ? arguments, choose dialects with Dialect.Pick",
					fset.Position(call.Args[arg].Pos()), sel.Sel.Name)
			}
			return true
		})
	}
	if checked < 50 {
		t.Errorf("only %d SQL calls checked: the test no longer sees the package's queries", checked)
	}
}

// constantSQL reports whether e is SQL text made of constants, or no text
// at all (a model, a map, a subquery built the same way).
func constantSQL(e ast.Expr, consts map[string]bool) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		return true
	case *ast.ParenExpr:
		return constantSQL(e.X, consts)
	case *ast.BinaryExpr:
		return e.Op == token.ADD && constantSQL(e.X, consts) && constantSQL(e.Y, consts)
	case *ast.Ident:
		return consts[e.Name]
	case *ast.UnaryExpr: // &User{}: a model, not text
		return e.Op == token.AND
	case *ast.CompositeLit: // []string{…}, map[string]any{…}: columns or values, not text
		return true
	case *ast.CallExpr:
		sel, ok := e.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Pick" || len(e.Args) != 2 {
			return false
		}
		return constantSQL(e.Args[0], consts) && constantSQL(e.Args[1], consts)
	}
	return false
}

// TestCallersDoNotTouchThePools: the app's code outside models (handlers,
// the mail sender, the command line) calls use cases, which pick the pool
// themselves; it never reaches for db.Read, db.Write or db.SQL().
func TestCallersDoNotTouchThePools(t *testing.T) {
	fset := token.NewFileSet()
	seen := 0
	for _, dir := range []string{"../handlers", "../mail", "../cmd/hearth"} {
		for _, f := range gosource.Parse(t, fset, dir) {
			seen++
			ast.Inspect(f.AST, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "Read" && sel.Sel.Name != "Write" && sel.Sel.Name != "SQL") {
					return true
				}
				var owner string
				switch x := sel.X.(type) {
				case *ast.Ident:
					owner = x.Name
				case *ast.SelectorExpr:
					owner = x.Sel.Name
				}
				if owner == "db" || owner == "DB" {
					t.Errorf("%s: %s.%s: call a models function, which picks the pool", fset.Position(sel.Pos()), owner, sel.Sel.Name)
				}
				return true
			})
		}
	}
	if seen < 10 {
		t.Fatalf("only %d files read: the directories moved?", seen)
	}
}
