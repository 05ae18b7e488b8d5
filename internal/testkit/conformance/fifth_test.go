package conformance_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fifthTests are the tests that must hold with a fifth provider in the
// registries, by package: the conformance suite, the manifest schema and
// the help topics built from the registries.
var fifthTests = map[string]string{
	"./pkg/providers": "^TestConformance$",
	"./pkg/manifest":  "^(TestSchemaMatchesTypes|TestSchemaRulesFromSpecs|TestParseErrorsHaveLines)$",
	"./cmd":           "^(TestHelpTopicsDerivedFromSpecs|TestCredentialEnvNamesMatchSpecs|TestEveryCommandHasExamples|TestLeakScanEveryCommand)$",
}

// TestFifthProviderNeedsOnlyRegistryLines adds the fake provider
// (internal/testkit/fakeprovider, internal/testkit/fakeemulator) the way a
// real one is added, one line in each registry and nothing else, through
// a build overlay (go help buildflag -overlay) so no file of the checkout
// changes; then runs fifthTests on that build. They must pass, and must
// have seen the fake.
func TestFifthProviderNeedsOnlyRegistryLines(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests three packages with a fifth provider")
	}
	root := moduleRoot(t)
	overlay := map[string]string{}
	addLine := func(rel string, importLine string, entry *regexp.Regexp, line string) {
		t.Helper()
		path := filepath.Join(root, rel)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		// The import goes first in the import block, the line after the
		// registry's last one: a line each, as a person would add them.
		src = strings.Replace(src, "import (\n", "import (\n\t"+importLine+"\n", 1)
		locs := entry.FindAllStringIndex(src, -1)
		if len(locs) < 4 {
			t.Fatalf("%s: found %d registry lines matching %s, want the four providers'", rel, len(locs), entry)
		}
		end := locs[len(locs)-1][1]
		src = src[:end] + "\n\t\t" + line + src[end:]
		dst := filepath.Join(t.TempDir(), filepath.Base(rel))
		if err := os.WriteFile(dst, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		overlay[path] = dst
	}
	addLine("pkg/providers/providers.go", `fake "github.com/hookctl/hookctl/internal/testkit/fakeprovider"`,
		regexp.MustCompile(`\{\w+\.Name, \w+\.Spec\},`), `{fake.Name, fake.Spec},`)
	addLine("internal/sandbox/registry.go", `fakeemu "github.com/hookctl/hookctl/internal/testkit/fakeemulator"`,
		regexp.MustCompile(`\w+emu\.Entry\(\),`), `fakeemu.Entry(),`)
	b, err := json.Marshal(map[string]any{"Replace": overlay})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "overlay.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	for pkg, run := range fifthTests {
		t.Run(strings.TrimPrefix(pkg, "./"), func(t *testing.T) {
			t.Parallel()
			c := exec.Command("go", "test", "-count=1", "-v", "-run", run, pkg)
			// GOFLAGS, not a flag: a test that builds hookctl itself (cmd's
			// TestMain) builds it with the fake too.
			c.Dir, c.Env = root, append(os.Environ(), "GOFLAGS=-overlay="+file)
			out, err := c.CombinedOutput()
			if err != nil {
				t.Fatalf("with a fifth provider, go test -run '%s' %s failed: %v\n%s", run, pkg, err, out)
			}
			if pkg == "./pkg/providers" && !strings.Contains(string(out), "--- PASS: TestConformance/fake ") {
				t.Fatalf("the conformance suite did not run the fifth provider:\n%s", out)
			}
		})
	}
}

func moduleRoot(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}
