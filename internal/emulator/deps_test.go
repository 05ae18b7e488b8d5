package emulator_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/hookctl/hookctl/"

// clientPackages are what an emulator must not import: the provider
// clients and the API layer they share. A rule an emulator took from
// there would check the client against itself.
var clientPackages = []string{"pkg/providers", "pkg/webhook", "pkg/config", "pkg/credentials", "pkg/rotation", "cmd"}

// deps lists each package matching patterns with its transitive imports
// (go list -deps semantics, tests excluded).
func deps(t *testing.T, patterns ...string) map[string][]string {
	t.Helper()
	args := append([]string{"list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`}, patterns...)
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		m[f[0]] = f[1:]
	}
	return m
}

func within(pkg, root string) bool {
	return pkg == module+root || strings.HasPrefix(pkg, module+root+"/")
}

func TestEmulatorsImportNoClient(t *testing.T) {
	pkgs := deps(t, module+"internal/emulator/...")
	if len(pkgs) < 2 {
		t.Fatalf("go list found %d emulator packages", len(pkgs))
	}
	for pkg, ds := range pkgs {
		for _, d := range ds {
			for _, c := range clientPackages {
				if within(d, c) {
					t.Errorf("emulator %s depends on client package %s", pkg, d)
				}
			}
		}
	}
}

// notYetMoved are providers whose emulator still lives in the client
// package (issue 15): remove a line when its emulator moves out.
var notYetMoved = []string{"pexa", "solvimon", "offblocks"}

func TestClientsImportNoEmulator(t *testing.T) {
	pkgs := deps(t, module+"pkg/providers/...", module+"pkg/webhook/...", module+"pkg/rotation/...")
	for pkg, ds := range pkgs {
		if pkg == module+"pkg/providers" && len(notYetMoved) > 0 {
			continue
		}
		for _, d := range ds {
			if within(d, "internal/emulator") && !slices.ContainsFunc(notYetMoved, func(p string) bool { return within(pkg, "pkg/providers/"+p) }) {
				t.Errorf("client %s depends on emulator package %s", pkg, d)
			}
		}
	}
}
