package webhook

import (
	"context"
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
// command discovers one through an anonymous interface.
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

// rotatingTester is a provider with two capabilities; the embedded
// Provider (nil) stands for the methods every provider has.
type rotatingTester struct{ Provider }

func (rotatingTester) RotationPolicy() RotationPolicy { return RotationPolicy{} }
func (rotatingTester) RotateSecret(context.Context, string, RotateRequest) (*Rotation, error) {
	return nil, nil
}
func (rotatingTester) SendTest(context.Context, string) (string, error) { return "", nil }

// TestCapabilities: a provider's capabilities are the ones its client
// implements, in AllCapabilities' order, [] for none; names are unique.
func TestCapabilities(t *testing.T) {
	if got := Capabilities(struct{ Provider }{}); got == nil || len(got) != 0 {
		t.Errorf("a provider without capabilities: %#v, want []", got)
	}
	if got := strings.Join(Capabilities(rotatingTester{}), " "); got != "rotate send-test" {
		t.Errorf("Capabilities = %q, want %q", got, "rotate send-test")
	}
	seen := map[string]bool{}
	for _, c := range AllCapabilities {
		if seen[c.Name] || c.Name != strings.ToLower(c.Name) || strings.ContainsAny(c.Name, " _") || c.Enables == "" {
			t.Errorf("capability %q: names are unique, lower-case with -, and say what they enable", c.Name)
		}
		seen[c.Name] = true
	}
}
