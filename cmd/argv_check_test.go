package cmd

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// argvCase is one argv and the options it should give, or wantErr.
type argvCase[O any] struct {
	args    []string
	want    O
	wantErr bool
}

// checkArgv runs each case through parseArgv: a bad argv must fail before
// runF; a good one must reach it with the options want (their F, when
// they have one, the factory the command was built with).
func checkArgv[O any](t *testing.T, build func(*Factory, func(*O) error) *cobra.Command, cases []argvCase[O]) {
	t.Helper()
	for _, tc := range cases {
		f, got, err := parseArgv(t, build, tc.args)
		if tc.wantErr {
			if err == nil || got != nil {
				t.Errorf("%v: err %v, ran %v; want an error", tc.args, err, got != nil)
			}
			continue
		}
		if err != nil || got == nil {
			t.Errorf("%v: err %v, ran %v", tc.args, err, got != nil)
			continue
		}
		want := tc.want
		if fv := reflect.ValueOf(&want).Elem().FieldByName("F"); fv.IsValid() {
			fv.Set(reflect.ValueOf(f))
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("%v: %+v, want %+v", tc.args, *got, want)
		}
	}
}

// Every command built as NewCmdX(f, runF) has an argv → options test in a
// *_cmd_test.go file: one that names its constructor.
func TestEveryCommandHasArgvTest(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	var built []string
	for _, p := range pkgs {
		for path, file := range p.Files {
			if strings.HasSuffix(path, "_cmd_test.go") {
				ast.Inspect(file, func(n ast.Node) bool {
					if id, ok := n.(*ast.Ident); ok && strings.HasPrefix(id.Name, "NewCmd") {
						named[id.Name] = true
					}
					return true
				})
			}
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			for _, d := range file.Decls {
				if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "NewCmd") && fn.Type.Params.NumFields() == 2 {
					built = append(built, fn.Name.Name)
				}
			}
		}
	}
	if len(built) < 20 {
		t.Fatalf("found only %d constructors taking (f, runF): %v", len(built), built)
	}
	for _, name := range built {
		if !named[name] {
			t.Errorf("%s has no argv → options test in a *_cmd_test.go file", name)
		}
	}
}
