package main

// The architecture tests hold the layer order of docs/architecture.md
// ("Layers") against the imports `go list` reports, and the size limits
// of its "Functions" section against the source.

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fzipp/gocyclo"
)

const module = "github.com/hookctl/hookctl"

// layers lists the module's packages from the bottom up. A package may
// import packages of its own layer or of a layer below it, never above.
// A pattern ending in "/..." matches the folder and everything under it,
// "/*" only the folders directly under it; the first match wins, so a
// narrower pattern comes before a wider one.
var layers = []struct {
	name string
	pkgs []string
}{
	{"base", []string{"internal/base/...", "pkg/signature/httpsig"}},
	{"signature", []string{"pkg/signature"}},
	{"domain", []string{"pkg/webhook"}},
	{"infrastructure", []string{"pkg/config", "pkg/output", "pkg/httpclient", "pkg/credentials", "pkg/verify", "internal/emulator/..."}},
	{"provider contract", []string{"pkg/providers/provider"}},
	{"adapters", []string{"pkg/providers/*", "internal/sandbox"}},
	{"registry", []string{"pkg/providers"}},
	{"engines", []string{"pkg/rotation", "pkg/manifest", "pkg/doctor", "pkg/bulkrun"}},
	{"test kits", []string{"internal/testkit/..."}},
	{"cli", []string{"cmd"}},
	{"programs", []string{".", "cmd/...", "bench/...", "scripts/..."}},
}

// engines are the packages that do work for a command and report it
// through their own types, so that cmd alone decides how it is shown.
var engines = []string{"pkg/rotation", "pkg/manifest", "pkg/doctor", "pkg/bulkrun"}

type goPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
	Dir        string
	GoFiles    []string
}

func listPackages(t *testing.T) []goPackage {
	t.Helper()
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Deps,Dir,GoFiles", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 30 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// rel is an import path relative to the module ("." for the module's
// root), ok false for a package outside the module.
func rel(path string) (string, bool) {
	if path == module {
		return ".", true
	}
	r, ok := strings.CutPrefix(path, module+"/")
	return r, ok
}

func matches(pattern, pkg string) bool {
	if root, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == root || strings.HasPrefix(pkg, root+"/")
	}
	if root, ok := strings.CutSuffix(pattern, "/*"); ok {
		rest, ok := strings.CutPrefix(pkg, root+"/")
		return ok && !strings.Contains(rest, "/")
	}
	return pattern == pkg
}

func layerOf(pkg string) int {
	for i, l := range layers {
		for _, p := range l.pkgs {
			if matches(p, pkg) {
				return i
			}
		}
	}
	return -1
}

func within(pkg string, roots ...string) bool {
	for _, r := range roots {
		if matches(r+"/...", pkg) {
			return true
		}
	}
	return false
}

func TestLayerOrder(t *testing.T) {
	for _, p := range listPackages(t) {
		from, _ := rel(p.ImportPath)
		lf := layerOf(from)
		if lf < 0 {
			t.Errorf("%s is in no layer: place it in architecture_test.go's layers and docs/architecture.md", from)
			continue
		}
		for _, imp := range p.Imports {
			to, ok := rel(imp)
			if !ok {
				continue
			}
			if lt := layerOf(to); lt > lf {
				t.Errorf("%s (%s) imports %s (%s), a layer above it", from, layers[lf].name, to, layers[lt].name)
			}
		}
	}
}

// The emulators are written from the providers' documents, not from the
// clients: a rule an emulator took from a client would check the client
// against itself. So no emulator depends on the API layer, the sandbox
// host that serves them depends on no client, and no client depends on
// an emulator.
func TestEmulatorsAndClientsApart(t *testing.T) {
	for _, p := range listPackages(t) {
		from, _ := rel(p.ImportPath)
		for _, d := range p.Deps {
			to, ok := rel(d)
			if !ok {
				continue
			}
			switch {
			case within(from, "internal/emulator") && within(to, "pkg") && !within(to, "pkg/signature/httpsig"):
				t.Errorf("emulator %s depends on %s", from, to)
			case within(from, "internal/sandbox") && within(to, "pkg/providers", "pkg/config", "pkg/credentials", "pkg/bulkrun", "pkg/rotation", "pkg/manifest", "cmd"):
				t.Errorf("sandbox host %s depends on client package %s", from, to)
			case within(from, "pkg") && within(to, "internal/emulator", "internal/sandbox"):
				t.Errorf("client %s depends on emulator package %s", from, to)
			}
		}
	}
}

func TestEnginesDoNotPrint(t *testing.T) {
	for _, p := range listPackages(t) {
		from, _ := rel(p.ImportPath)
		if !within(from, engines...) {
			continue
		}
		if slices.Contains(p.Deps, module+"/pkg/output") {
			t.Errorf("engine %s depends on pkg/output: return results, or write to a writer it is given, and let cmd show them", from)
		}
	}
}

// Only the command line knows cobra: everything below it is usable
// without it, and a flag never leaks into the API layer.
func TestOnlyCmdImportsCobra(t *testing.T) {
	for _, p := range listPackages(t) {
		from, _ := rel(p.ImportPath)
		if within(from, "cmd") || from == "." || from == "bench/floors/required" {
			continue // bench/floors/required measures what linking the required libraries costs
		}
		for _, d := range p.Deps {
			if d == "github.com/spf13/cobra" || strings.HasPrefix(d, "github.com/spf13/cobra/") {
				t.Errorf("%s depends on %s: only cmd may", from, d)
			}
		}
	}
}

// Size limits for a function outside tests: its lines from `func` to the
// closing brace, and its cyclomatic complexity as gocyclo counts it (one
// plus each if, for, case, && and ||, function literals included).
const (
	maxFuncLines      = 80
	maxFuncComplexity = 25
)

// oversized are the functions above the limits when the limits came in;
// each must shrink, and the list with it.
var oversized = map[string]bool{
	"pkg/credentials.Store.loadDataKey": true,
}

func TestFunctionSize(t *testing.T) {
	fset := token.NewFileSet()
	seen := map[string]bool{}
	for _, p := range listPackages(t) {
		for _, name := range p.GoFiles {
			path := filepath.Join(p.Dir, name)
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			r, _ := rel(p.ImportPath)
			for _, d := range f.Decls {
				fn, ok := d.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				lines := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
				cc := gocyclo.Complexity(fn)
				if lines <= maxFuncLines && cc <= maxFuncComplexity {
					continue
				}
				key := r + "." + funcName(fn)
				seen[key] = true
				if !oversized[key] {
					t.Errorf("%s:%d: %s has %d lines and complexity %d (limits %d and %d): split it",
						filepath.ToSlash(filepath.Join(r, name)), fset.Position(fn.Pos()).Line, funcName(fn), lines, cc, maxFuncLines, maxFuncComplexity)
				}
			}
		}
	}
	for key := range oversized {
		if !seen[key] {
			t.Errorf("%s is within the limits now: remove it from oversized", key)
		}
	}
}

// funcName is "Name" or "Recv.Name" for a method.
func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	t := fn.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if g, ok := t.(*ast.IndexExpr); ok {
		t = g.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + fn.Name.Name
	}
	return fn.Name.Name
}

// Every document a comment names is in the repository, and a section it
// names (docs/providers/pexa.md §1.4) is a heading there: a comment is
// the reason for the code beside it, and a reason that points outside
// the checkout cannot be checked. Comments name no issue numbers either:
// the tracker is not in the checkout.
func TestCommentsCiteDocumentsInRepo(t *testing.T) {
	doc := regexp.MustCompile(`[\w./<>-]*[\w>]\.md\b`)
	section := regexp.MustCompile(`(docs/providers/\w+\.md),? \(?§? ?(\d+(?:\.\d+)*)`)
	issue := regexp.MustCompile(`\b[Ii]ssues? #?\d+`)
	headings := map[string]string{}
	fset := token.NewFileSet()
	n := 0
	for _, p := range listAllGoFiles(t) {
		f, err := parser.ParseFile(fset, p.path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, cg := range f.Comments {
			text := cg.Text()
			line := fset.Position(cg.Pos()).Line
			for _, m := range doc.FindAllString(text, -1) {
				n++
				if !docExists(m, filepath.Dir(p.path)) {
					t.Errorf("%s:%d: cites %s, which is not in the repository", p.rel, line, m)
				}
			}
			for _, m := range issue.FindAllString(text, -1) {
				t.Errorf("%s:%d: cites %q: say what the code does and why instead", p.rel, line, m)
			}
			for _, m := range section.FindAllStringSubmatch(strings.Join(strings.Fields(text), " "), -1) {
				if _, ok := headings[m[1]]; !ok {
					b, _ := os.ReadFile(m[1])
					headings[m[1]] = string(b)
				}
				if !regexp.MustCompile(`(?m)^#+ ` + regexp.QuoteMeta(m[2]) + `[. ]`).MatchString(headings[m[1]]) {
					t.Errorf("%s:%d: cites %s §%s, which has no such section", p.rel, line, m[1], m[2])
				}
			}
		}
	}
	if n < 50 {
		t.Fatalf("found only %d document citations in comments: is the pattern right?", n)
	}
}

// docExists reports whether a cited document is a file at the root of
// the repository, under docs/, or beside the citing file. A <placeholder>
// in the path stands for every provider.
func docExists(name, dir string) bool {
	if strings.Contains(name, "<") {
		name = regexp.MustCompile(`<\w+>`).ReplaceAllString(name, "pexa")
	}
	for _, c := range []string{name, filepath.Join("docs", name), filepath.Join(dir, name)} {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return true
		}
	}
	return false
}

type goFile struct{ path, rel string }

// listAllGoFiles is every Go file of the module, tests included, but
// testdata.
func listAllGoFiles(t *testing.T) []goFile {
	t.Helper()
	var files []goFile
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			files = append(files, goFile{path: path, rel: filepath.ToSlash(path)})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
