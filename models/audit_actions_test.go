package models_test

import (
	"go/ast"
	"go/token"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/hearth-app/hearth/internal/gosource"
	"github.com/hearth-app/hearth/models"
)

// TestAuditActionsListsEveryAction keeps the audit log's filter complete:
// every string constant Audit… declared in the package is in AuditActions,
// once, in the order declared.
func TestAuditActionsListsEveryAction(t *testing.T) {
	t.Parallel()
	name := regexp.MustCompile(`^Audit[A-Z]`)
	var declared []string
	for _, f := range gosource.Parse(t, token.NewFileSet(), ".") {
		for _, d := range f.AST.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !name.MatchString(n.Name) || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, err := strconv.Unquote(lit.Value)
						if err != nil {
							t.Fatal(err)
						}
						declared = append(declared, v)
					}
				}
			}
		}
	}
	if len(declared) < 10 {
		t.Fatalf("found only %d audit actions: %v", len(declared), declared)
	}
	if !slices.Equal(models.AuditActions, declared) {
		t.Errorf("AuditActions = %v\nthe package declares %v", models.AuditActions, declared)
	}
}
