package webhook

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCapabilitiesInOneFile: a provider's optional capabilities are
// declared in capabilities.go and nowhere else in the API layer, and no
// command discovers one through an anonymous interface (issue 15 item 3).
// Provider is the one interface webhook.go keeps.
func TestCapabilitiesInOneFile(t *testing.T) {
	fset := token.NewFileSet()
	var files []string
	for _, dir := range []string{".", "../rotation", "../verify", "../providers/provider", "../../cmd"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("found only %d files", len(files))
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") || filepath.Base(path) == "capabilities.go" {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.TypeSpec:
				if it, ok := n.Type.(*ast.InterfaceType); ok && !onlyEmbeds(it) {
					// Interfaces of other concerns (credential backends,
					// signature schemes, sinks) live with them; a
					// provider capability is one a provider implements.
					if isProviderCapability(n.Name.Name) {
						t.Errorf("%s: capability %s declared outside capabilities.go", fset.Position(n.Pos()), n.Name.Name)
					}
				}
			case *ast.TypeAssertExpr:
				if it, ok := n.Type.(*ast.InterfaceType); ok && it.Methods != nil && len(it.Methods.List) > 0 && strings.Contains(path, "cmd") {
					if name := it.Methods.List[0].Names; len(name) > 0 && name[0].Name != "Sync" {
						t.Errorf("%s: a command discovers a capability through an anonymous interface (%s)", fset.Position(n.Pos()), name[0].Name)
					}
				}
			}
			return true
		})
	}
}

// onlyEmbeds: an interface made of others (rotation.Rotator is Provider
// plus SecretRotator), which declares no capability of its own.
func onlyEmbeds(it *ast.InterfaceType) bool {
	for _, m := range it.Methods.List {
		if len(m.Names) > 0 {
			return false
		}
	}
	return true
}

// isProviderCapability: interfaces named like the ones providers implement.
func isProviderCapability(name string) bool {
	for _, s := range []string{"Rotator", "Reconciler", "KeyManager", "KeyUploader", "KeyFetcher", "KeySource", "Hinter", "Tester", "Checker", "Doctor", "Deliver", "Resender", "Revoker", "Prover", "Authenticator", "PenaltyBox"} {
		if strings.Contains(name, s) && name != "Provider" {
			return true
		}
	}
	return false
}
