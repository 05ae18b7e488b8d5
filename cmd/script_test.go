package cmd_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/zalando/go-keyring"

	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/internal/testkit/dbustest"
	"github.com/hookctl/hookctl/internal/testkit/spectest"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/signature"
)

// hookctlPath is the hookctl binary the end-to-end tests run (TestMain).
var hookctlPath string

// TestMain builds hookctl as users get it, without -race whatever this test
// binary was built with, and puts it first on PATH for the scripts, the
// fault matrix and the leak scan. They start hundreds of hookctl processes,
// and a race-instrumented one takes about 90 ms to start against 3 ms; the
// code those processes run is race-tested in-process by the package tests
// (cmd's per-verb tests, pkg/verify, pkg/rotation).
func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "hookctl-cmd-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	hookctlPath = filepath.Join(dir, "hookctl")
	if out, err := exec.Command("go", "build", "-o", hookctlPath, "github.com/hookctl/hookctl").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building hookctl: %v\n%s", err, out)
		return 1
	}
	os.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return m.Run()
}

// TestScripts runs every testdata/script/*.txtar flow against a fresh
// sandbox whose every request is checked against the providers' official
// OpenAPI documents. With the keyring harness (scripts/test.sh) the scripts
// use the real Secret Service; otherwise the explicit file store.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		// [keyring]: the scripts use the real Secret Service.
		Condition: func(cond string) (bool, error) {
			if cond == "keyring" {
				return realKeyring(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Setup: func(env *testscript.Env) error {
			srv, err := sandbox.Start(sandbox.Options{Wrap: func(name string, h http.Handler) http.Handler {
				return spectest.ForProvider(t, name, h)
			}})
			if err != nil {
				return err
			}
			env.Defer(func() { srv.Close() })
			env.Setenv("SANDBOX", srv.BaseURL)
			env.Values[recorderKey{}] = &recorder{}
			work := env.WorkDir
			env.Setenv("HOOKCTL_CONFIG", work+"/.config/hookctl/config.yaml")
			env.Setenv("XDG_CONFIG_HOME", work+"/.config")
			env.Setenv("XDG_STATE_HOME", work+"/.state")
			env.Setenv("HOME", work)
			if realKeyring() {
				env.Setenv("DBUS_SESSION_BUS_ADDRESS", os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
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
			// httppost URL JSON [TOKEN] sends POST URL with a JSON body (and a
			// bearer token) and writes the answer's body to stdout: a
			// provider API called directly, not through hookctl.
			"httppost": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) < 2 || len(args) > 3 {
					ts.Fatalf("usage: httppost URL JSON [TOKEN]")
				}
				req, err := http.NewRequest(http.MethodPost, args[0], strings.NewReader(args[1]))
				ts.Check(err)
				req.Header.Set("Content-Type", "application/json")
				if len(args) == 3 {
					req.Header.Set("Authorization", "Bearer "+args[2])
				}
				resp, err := http.DefaultClient.Do(req)
				ts.Check(err)
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				ts.Check(err)
				if resp.StatusCode >= 300 {
					ts.Fatalf("httppost: %s: %s", resp.Status, b)
				}
				_, err = ts.Stdout().Write(b)
				ts.Check(err)
			},
			// capturejson VAR PATH sets VAR to the string at PATH (dot
			// separated keys and array indexes) in the last stdout's JSON.
			"capturejson": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: capturejson VAR PATH")
				}
				var v any
				ts.Check(json.Unmarshal([]byte(ts.ReadFile("stdout")), &v))
				for _, k := range strings.Split(args[1], ".") {
					switch x := v.(type) {
					case map[string]any:
						v = x[k]
					case []any:
						i, err := strconv.Atoi(k)
						if err != nil || i < 0 || i >= len(x) {
							ts.Fatalf("capturejson: no index %s", k)
						}
						v = x[i]
					default:
						ts.Fatalf("capturejson: %s: not an object or array", k)
					}
				}
				str, ok := v.(string)
				if !ok || str == "" {
					ts.Fatalf("capturejson: %s is not a non-empty string", args[1])
				}
				ts.Setenv(args[0], str)
			},
			// waitfile FILE VAR waits for FILE (written whole, e.g. by
			// verify listen --addr-file) and sets VAR to its trimmed content:
			// a background process hands over the port it listens on, so
			// no free port is picked, closed and hoped for.
			"waitfile": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: waitfile FILE VAR")
				}
				deadline := time.Now().Add(30 * time.Second)
				for {
					if b, err := os.ReadFile(ts.MkAbs(args[0])); err == nil && len(bytes.TrimSpace(b)) > 0 {
						ts.Setenv(args[1], string(bytes.TrimSpace(b)))
						return
					}
					if time.Now().After(deadline) {
						ts.Fatalf("waitfile: %s did not appear within 30s", args[0])
					}
					time.Sleep(10 * time.Millisecond)
				}
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
			// recorder VAR starts an HTTP server that records every request
			// and answers 202 (a forward target); VAR is its base URL.
			"recorder": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: recorder VAR")
				}
				ts.Setenv(args[0], ts.Value(recorderKey{}).(*recorder).start(ts))
			},
			// recorded prints every recorded request as raw HTTP after a
			// "### request N" line; recorded N FILE writes request N (from 1)
			// to FILE; recorded reset forgets them all.
			"recorded": func(ts *testscript.TestScript, neg bool, args []string) {
				rec := ts.Value(recorderKey{}).(*recorder)
				rec.mu.Lock()
				defer rec.mu.Unlock()
				switch len(args) {
				case 0:
					for i, r := range rec.reqs {
						fmt.Fprintf(ts.Stdout(), "### request %d\n%s\n", i+1, r)
					}
				case 1:
					if args[0] != "reset" {
						ts.Fatalf("usage: recorded [N FILE | reset]")
					}
					rec.reqs = nil
				case 2:
					n, err := strconv.Atoi(args[0])
					ts.Check(err)
					if n < 1 || n > len(rec.reqs) {
						ts.Fatalf("recorded: %d requests, no request %d", len(rec.reqs), n)
					}
					ts.Check(os.WriteFile(ts.MkAbs(args[1]), rec.reqs[n-1], 0o600))
				default:
					ts.Fatalf("usage: recorded [N FILE | reset]")
				}
			},
			// keyring get KEY prints what the OS keyring holds for hookctl
			// under KEY ("<profile>/<name>"), read by this test process
			// on the scripts' bus; ! keyring get KEY: it holds nothing.
			"keyring": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 || args[0] != "get" {
					ts.Fatalf("usage: keyring get KEY")
				}
				if !realKeyring() {
					ts.Fatalf("keyring: no real Secret Service here (guard the script with [keyring])")
				}
				v, err := keyring.Get(credentials.Service, args[1])
				switch {
				case errors.Is(err, keyring.ErrNotFound) && neg:
					return
				case err != nil:
					ts.Fatalf("keyring get %s: %v", args[1], err)
				case neg:
					ts.Fatalf("the keyring still holds %s", args[1])
				}
				fmt.Fprintln(ts.Stdout(), v)
			},
			// sendraw FILE URL sends the raw HTTP request saved in FILE (its
			// method, headers and body, byte for byte) to URL and prints the
			// response status code.
			"sendraw": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: sendraw FILE URL")
				}
				fh, err := os.Open(ts.MkAbs(args[0]))
				ts.Check(err)
				req, err := signature.ParseRawRequest(fh, 0)
				fh.Close()
				ts.Check(err)
				hr, err := http.NewRequest(req.Method, args[1], bytes.NewReader(req.Body))
				ts.Check(err)
				hr.Header = req.Header.Clone()
				if h := hr.Header.Get("Host"); h != "" {
					hr.Host = h
				}
				hr.Header.Del("Host")
				hr.Header.Del("Content-Length")
				resp, err := http.DefaultClient.Do(hr)
				ts.Check(err)
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				fmt.Fprintln(ts.Stdout(), resp.StatusCode)
			},
		},
	})
}

// realKeyring reports whether the scripts run against a real Secret
// Service: under scripts/with-keyring.sh (or scripts/test.sh).
func realKeyring() bool {
	return dbustest.Enabled() && os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}

// recorderKey finds a script's recorder in its testscript values.
type recorderKey struct{}

// recorder is the `recorder` command's server: each request it got, as raw
// HTTP (request line, Host, headers sorted, Content-Length, body).
type recorder struct {
	mu   sync.Mutex
	srv  *httptest.Server
	reqs [][]byte
}

func (rec *recorder) start(ts *testscript.TestScript) string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.srv != nil {
		return rec.srv.URL
	}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var b bytes.Buffer
		fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", r.Method, r.URL.RequestURI(), r.Host)
		h := r.Header.Clone()
		h.Del("Content-Length")
		h.Write(&b)
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
		b.Write(body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, b.Bytes())
		rec.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	ts.Defer(rec.srv.Close)
	return rec.srv.URL
}

// TestScriptProfilesUnique: scripts share the real keyring under
// scripts/test.sh, so two scripts adding the same profile name would see
// each other's keys and tokens.
func TestScriptProfilesUnique(t *testing.T) {
	files, err := filepath.Glob("testdata/script/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	re := regexp.MustCompile(`profile add (\S+)`)
	owner := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if o, ok := owner[m[1]]; ok && o != f {
				t.Errorf("profile %q is added by both %s and %s", m[1], o, f)
			}
			owner[m[1]] = f
		}
	}
}
