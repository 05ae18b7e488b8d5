package cmd_test

import (
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/internal/spectest"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/sandbox"
)

// TestMain lets testscript run hookctl in-process: the test binary doubles
// as the hookctl executable.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"hookctl": func() { os.Exit(cmd.Main(os.Args[1:], output.System())) },
	})
}

// TestScripts runs every testdata/script/*.txtar flow against a fresh
// sandbox whose every request is checked against the providers' official
// OpenAPI documents. With the keyring harness (scripts/test.sh) the scripts
// use the real Secret Service; otherwise the explicit file store.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			srv, err := sandbox.Start(sandbox.Options{Wrap: func(name string, h http.Handler) http.Handler {
				return spectest.ForProvider(t, name, h)
			}})
			if err != nil {
				return err
			}
			env.Defer(func() { srv.Close() })
			env.Setenv("SANDBOX", srv.BaseURL)
			work := env.WorkDir
			env.Setenv("HOOKCTL_CONFIG", work+"/.config/hookctl/config.yaml")
			env.Setenv("XDG_CONFIG_HOME", work+"/.config")
			env.Setenv("XDG_STATE_HOME", work+"/.state")
			env.Setenv("HOME", work)
			if bus := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); bus != "" && os.Getenv("HOOKCTL_KEYRING_TEST") == "1" {
				env.Setenv("DBUS_SESSION_BUS_ADDRESS", bus)
				// Each script gets its own profile names, so keyring entries never collide.
			} else {
				env.Setenv("HOOKCTL_STORAGE", "file")
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// exits CODE PROG ARGS... runs PROG and checks its exact exit code.
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) < 2 {
					ts.Fatalf("usage: exits CODE PROG [ARGS...]")
				}
				want, err := strconv.Atoi(args[0])
				ts.Check(err)
				err = ts.Exec(args[1], args[2:]...)
				got := 0
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					got = ee.ExitCode()
				} else if err != nil {
					ts.Fatalf("exits: %v", err)
				}
				if got != want {
					ts.Fatalf("exit code %d, want %d", got, want)
				}
			},
			// capture VAR sets VAR to the last command's stdout, trimmed.
			"capture": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: capture VAR")
				}
				v := strings.TrimSpace(ts.ReadFile("stdout"))
				if v == "" {
					ts.Fatalf("capture %s: stdout is empty", args[0])
				}
				ts.Setenv(args[0], v)
			},
			// httpget URL writes the body of GET URL to stdout (the sandbox's request log).
			"httpget": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: httpget URL")
				}
				resp, err := http.Get(args[0])
				ts.Check(err)
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				ts.Check(err)
				_, err = ts.Stdout().Write(b)
				ts.Check(err)
			},
			// httpput URL JSON sends PUT URL with a JSON body (sandbox fault injection).
			"httpput": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: httpput URL JSON")
				}
				req, err := http.NewRequest(http.MethodPut, args[0], strings.NewReader(args[1]))
				ts.Check(err)
				resp, err := http.DefaultClient.Do(req)
				ts.Check(err)
				resp.Body.Close()
				if resp.StatusCode >= 300 {
					ts.Fatalf("httpput: %s", resp.Status)
				}
			},
			// tamper FILE OLD NEW replaces the first OLD with NEW in FILE.
			"tamper": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 3 {
					ts.Fatalf("usage: tamper FILE OLD NEW")
				}
				path := ts.MkAbs(args[0])
				b, err := os.ReadFile(path)
				ts.Check(err)
				if !strings.Contains(string(b), args[1]) {
					ts.Fatalf("tamper: %q not in %s", args[1], args[0])
				}
				ts.Check(os.WriteFile(path, []byte(strings.Replace(string(b), args[1], args[2], 1)), 0o600))
			},
		},
	})
}
