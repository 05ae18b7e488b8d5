package conformance

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"testing"
)

// TestEveryCapabilityChecked: the suite has a check for each capability
// pkg/webhook/capabilities.go declares, and none for one it does not, so a
// new capability cannot reach a provider unchecked.
func TestEveryCapabilityChecked(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../../../pkg/webhook/capabilities.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	ast.Inspect(f, func(n ast.Node) bool {
		if ts, ok := n.(*ast.TypeSpec); ok {
			if _, ok := ts.Type.(*ast.InterfaceType); ok {
				declared = append(declared, ts.Name.Name)
			}
		}
		return true
	})
	if len(declared) < 10 {
		t.Fatalf("found only %d capabilities in capabilities.go: %q", len(declared), declared)
	}
	var checked []string
	for _, c := range capabilities {
		checked = append(checked, c.name)
		if c.has == nil || c.check == nil {
			t.Errorf("capability %s has no test for it or no check", c.name)
		}
	}
	if !slices.Equal(checked, declared) {
		t.Errorf("the suite checks %q,\ncapabilities.go declares %q (same names, same order)", checked, declared)
	}
}
