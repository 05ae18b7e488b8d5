package emulator_test

import (
	"os/exec"
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

// No package of the API layer depends on an emulator (cmd does, through
// the sandbox host, to serve them).
func TestClientsImportNoEmulator(t *testing.T) {
	pkgs := deps(t, module+"pkg/...")
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d client packages", len(pkgs))
	}
	for pkg, ds := range pkgs {
		if within(pkg, "pkg/sandbox") {
			continue // the host that serves the emulators
		}
		for _, d := range ds {
			if within(d, "internal/emulator") {
				t.Errorf("client %s depends on emulator package %s", pkg, d)
			}
		}
	}
}

// The sandbox host serves the emulators and sends their deliveries; it
// uses no provider client either.
func TestSandboxHostImportsNoProviderClient(t *testing.T) {
	for pkg, ds := range deps(t, module+"pkg/sandbox/...") {
		for _, d := range ds {
			if within(d, "pkg/providers") || within(d, "pkg/credentials") || within(d, "pkg/config") {
				t.Errorf("%s depends on client package %s", pkg, d)
			}
		}
	}
}
