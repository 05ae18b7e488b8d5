package cmd

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
)

// diffEnv is an environment with profiles p (current) and prod, both
// Solvimon at a server that answers 404 to everything.
type diffEnv struct {
	t      *testing.T
	config []byte // the config file those profiles are in
}

func newDiffEnv(t *testing.T) *diffEnv {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":"not found"}`))
	}))
	t.Cleanup(srv.Close)
	cli := NewCLI(t, "HOOKCTL_API_KEY", "sandbox-api-key")
	for _, p := range []string{"p", "prod"} {
		cli.OK("profile", "add", p, "--provider", "solvimon", "--environment", "test", "--base-url", srv.URL)
	}
	cli.OK("profile", "use", "p")
	b, err := os.ReadFile(cli.Env["HOOKCTL_CONFIG"])
	if err != nil {
		t.Fatal(err)
	}
	return &diffEnv{t: t, config: b}
}

// run runs args as Main does, on the root build makes, in a fresh copy of
// the environment, and returns stdout, stderr (the environment's directory
// replaced by DIR) and the exit code.
func (e *diffEnv) run(build func(*Factory, []string) *cobra.Command, args ...string) (string, string, int) {
	t := e.t
	t.Helper()
	cli := NewCLI(t, "HOOKCTL_API_KEY", "sandbox-api-key")
	path := cli.Env["HOOKCTL_CONFIG"]
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, e.config, 0o600); err != nil {
		t.Fatal(err)
	}
	io, _, out, errOut := output.Test()
	f := NewFactory(io, cli.Getenv, "test")
	root := build(f, args)
	root.InitDefaultCompletionCmd(args...)
	typeUsageErrors(root)
	root.SetArgs(args)
	code := 0
	if err := root.ExecuteContext(context.Background()); err != nil {
		code = reportError(f, err)
	}
	clean := func(s string) string {
		s = dataKey.ReplaceAllString(strings.ReplaceAll(s, cli.Dir, "DIR"), "data-key/KEY")
		return httpDate.ReplaceAllString(elapsed.ReplaceAllString(s, "(T)"), "< Date: D")
	}
	return clean(out.String()), clean(errOut.String()), code
}

// same reports args for which the lazy root and the whole tree differ.
func (e *diffEnv) same(args ...string) {
	e.t.Helper()
	wantOut, wantErr, wantCode := e.run(fullRoot, args...)
	out, errOut, code := e.run(newCmdRootFor, args...)
	if out != wantOut || errOut != wantErr || code != wantCode {
		e.t.Errorf("hookctl %q: exit %d, stdout %q, stderr %q;\n  the whole tree gives exit %d, stdout %q, stderr %q",
			args, code, trunc(out), trunc(errOut), wantCode, trunc(wantOut), trunc(wantErr))
	}
}

// The lazy root behaves like the whole tree for every kind of argument
// list: global flags before the command, aliases, nested commands, help in
// each form, typos, completion, separators.
func TestLazyRootDifferential(t *testing.T) {
	e := newDiffEnv(t)
	C, N := cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd
	cases := [][]string{
		// global flags before the command
		{"-p", "prod", "list"}, {"--profile=prod", "list"}, {"--profile", "prod", "list"}, {"-pprod", "list"},
		{"-o", "json", "list"}, {"-ojson", "list"}, {"--output=json", "list"}, {"--debug", "list"}, {"-q", "list"},
		{"-y", "-q", "list"}, {"-yq", "list"}, {"--timeout", "5s", "list"}, {"--jq", ".[]", "list"},
		{"--no-color", "version"}, {"-o", "json", "version"}, {"-o", "yaml", "version"}, {"-o", "xml", "version"},
		{"-p", "nosuch", "list"}, {"-p", "list"}, {"-p", "list", "list"}, {"-o", "list"}, {"--config", "list", "list"},
		{"--timeout", "bogus", "list"}, {"-p"}, {"--profile"}, {"-o"},
		// flags before the command that the root knows only while executing
		{"-h", "list"}, {"--help", "list"}, {"-h", "profile", "add"}, {"--help", "profile"}, {"-v", "list"},
		{"--version", "profile"}, {"-h=true", "list"}, {"--help=false", "list"}, {"--version=false", "version"},
		{"-v", "-p", "prod"}, {"-hv"}, {"-vh"},
		// unknown flags before a command
		{"--bogus", "list"}, {"--bogus=1", "list"}, {"-Z", "list"}, {"-Z", "x", "list"}, {"--lmit", "5", "list"},
		// aliases
		{"ls"}, {"ls", "--help"}, {"rm"}, {"rm", "--help"}, {"show"}, {"show", "x"}, {"unregister"}, {"unregister", "-h"},
		{"profile", "ls"}, {"profile", "rm"}, {"secrets", "ls"}, {"secrets", "rm"},
		// nested commands
		{"profile"}, {"profile", "add"}, {"profile", "add", "--help"}, {"profile", "list"}, {"profile", "show"},
		{"profile", "show", "p"}, {"profile", "show", "nosuch"}, {"profile", "use"}, {"profile", "use", "prod"},
		{"profile", "remove", "prod"}, {"profile", "add", "x"}, {"profile", "add", "x", "--provider", "nosuch"},
		{"auth"}, {"auth", "status"}, {"auth", "status", "--help"}, {"auth", "logout"},
		{"keys"}, {"keys", "generate"}, {"keys", "generate", "--help"}, {"keys", "show"},
		{"sandbox"}, {"sandbox", "demo", "--help"}, {"sandbox", "serve", "--help"}, {"sandbox", "deliver"},
		{"secrets"}, {"secrets", "revoke-previous"}, {"secrets", "revoke-previous", "--help"}, {"secrets", "list"},
		{"deliveries"}, {"deliveries", "resend"}, {"deliveries", "resend", "--help"}, {"deliveries", "list"},
		{"penalty-box"}, {"penalty-box", "list", "--help"}, {"verify", "listen", "--help"}, {"verify", "listen", "x"},
		{"verify"}, {"verify", "--id", "list"}, {"verify", "-h"}, {"get"}, {"get", "list"}, {"get", "--", "list"},
		{"delete", "list"}, {"list", "list"}, {"list", "profile"}, {"profile", "add", "list"},
		{"register", "--help"}, {"update", "-h"}, {"rotate-secret", "--help"}, {"events", "--help"}, {"send-test"},
		{"ping", "--help"}, {"export", "--help"}, {"diff", "--help"}, {"apply", "--help"}, {"doctor", "--help"},
		{"events"}, {"list"}, {"get", "x"}, {"ping"},
		// help in every form
		{}, {"help"}, {"help", "list"}, {"help", "ls"}, {"help", "profile"}, {"help", "profile", "add"},
		{"help", "profile", "ls"}, {"help", "profile", "nosuch"}, {"help", "nonexistent"}, {"help", "exit-codes"},
		{"help", "environment"}, {"help", "credentials"}, {"help", "formatting"}, {"help", "exit"}, {"help", "env"},
		{"help", "help"}, {"help", "completion"}, {"help", "completion", "bash"}, {"help", "version"},
		{"help", "list", "extra"}, {"help", "-p", "prod", "list"}, {"help", "--", "list"}, {"help", "--help"},
		{"help", "-h", "list"}, {"help", "list", "--help"}, {"help", "keys", "generate"}, {"help", "sandbox", "demo"},
		{"exit-codes"}, {"environment", "--help"}, {"-h"}, {"--help"}, {"list", "--help"}, {"list", "-h"},
		{"help", "--bogus"}, {"help", "__complete"}, {"help", "-o", "json"}, {"-o", "json", "help", "nosuch"},
		{"help", "profle"}, {"help", "lst"}, {"help", "--", "profile", "add"}, {"help", "-p", "prod", "--", "list"},
		{"help", "--", "-p", "list"}, {"help", "--", "nosuch"}, {"help", "--", "exit-codes"}, {"-p", "prod", "help", "--", "ls"},
		{C, "help", "--", ""}, {C, "help", "--", "profile", ""}, {"auth", C, "keys", "-"}, {"get", C, ""},
		{"environment", C, "auth"}, {"exit-codes", N, "list"},
		{"-p", "prod", C, "list", ""}, {"-p", "prod", C, "list", "--"}, {"--debug", C, ""},
		// typos
		{"lst"}, {"profle"}, {"profle", "add"}, {"list", "--limt"}, {"list", "--limt", "3"}, {"verfy"}, {"regster"},
		{"sandbx", "demo"}, {"-p", "prod", "lst"}, {"--debug", "profle"}, {"rotate"}, {"secret"}, {"key"},
		{"delivery"}, {"complet"}, {"hlp"}, {"vers"}, {"exit-code"}, {"LIST"}, {"List"},
		// completion scripts
		{"completion"}, {"completion", "bash"}, {"completion", "zsh"}, {"completion", "fish"}, {"completion", "powershell"},
		{"completion", "nosuch"}, {"completion", "bash", "--help"}, {"completion", "--help"}, {"completion", "zsh", "--no-descriptions"},
		{"-p", "prod", "completion", "bash"},
		// __complete: command names, flags, flag values, ids, subcommands
		{C, ""}, {N, ""}, {C, "l"}, {C, "pro"}, {C, "e"}, {C, "x"}, {C, "-"}, {C, "--"}, {C, "--p"}, {C, "-p", ""},
		{C, "--profile", ""}, {C, "--profile="}, {C, "-p", "p"}, {C, "-o", ""}, {C, "--output", "j"}, {C, "-p", "prod", ""},
		{C, "-p", "prod", "l"}, {C, "--debug", ""}, {C, "list", ""}, {C, "list", "-"}, {C, "list", "--"},
		{C, "list", "-o", ""}, {C, "list", "--profile", ""}, {C, "ls", "--"}, {C, "get", ""}, {C, "show", ""},
		{C, "rm", ""}, {C, "profile", ""}, {C, "profile", "a"}, {C, "profile", "use", ""}, {C, "profile", "show", ""},
		{C, "profile", "add", "x", "--provider", ""}, {C, "profile", "add", "x", "--environment", ""},
		{C, "auth", ""}, {C, "keys", ""}, {C, "sandbox", ""}, {C, "sandbox", "demo", "--"}, {C, "secrets", ""},
		{C, "deliveries", ""}, {C, "deliveries", "resend", ""}, {C, "verify", ""}, {C, "verify", "--id", ""},
		{C, "register", "--event", ""}, {C, "help", ""}, {C, "help", "pro"}, {C, "help", "profile", ""},
		{C, "help", "e"}, {C, "completion", ""}, {C, "completion", "bash", ""}, {C, "__complete", ""},
		{C, "lst", ""}, {C, "profle", ""}, {C, "--bogus", ""}, {C, "version", ""}, {C, "version", "-"},
		{C, "exit-codes", ""}, {N, "list", "--"}, {N, "-o", ""}, {N, "help", ""}, {C}, {N},
		{C, "-h", ""}, {C, "--help", "l"}, {C, "-v", ""}, {C, "get", "list", ""}, {C, "--", ""},
		// --version, version
		{"--version"}, {"-v"}, {"version"}, {"version", "--help"}, {"version", "extra"}, {"--version", "--help"},
		{"-p", "prod", "--version"}, {"--versio"}, {"version", "-v"},
		// separators
		{"--"}, {"--", "list"}, {"list", "--"}, {"--", "--version"}, {"-p", "prod", "--", "list"}, {"profile", "--", "add"},
		{"help", "--"}, {"-", "list"}, {"-"},
		// an argument equal to a command name where it is not the command
		{"-p", "help", "list"}, {"--config", "help", "list"}, {"--jq", "list", "get", "x"}, {"--timeout", "list"},
		{"list", "-p", "help"}, {"profile", "show", "list"}, {"profile", "add", "help"}, {"-p", "version", "version"},
		{"-o", "help"}, {"--profile", "profile", "profile"}, {"get", "help"}, {"verify", "help"}, {"secrets", "help"},
		{"-p", "__complete", "list"}, {"-p", "completion", "list"}, {"help", "-p", "help", "list"},
		// more
		{"-o", "json", "lst"}, {"-o", "json", "help", "nosuch"}, {"lst", "--help"}, {"-p", "prod", "help"},
		{"ls", "a", "b"}, {"secrets", "revok"}, {"deliveries", "resnd"}, {"profile", "add", "--provider"},
		{"help", "-o", "json", "list"}, {"completion", "bash", "extra"}, {"help", "completion", "zsh"},
		{N, "help", "profile", ""}, {"verify", "listen", "--addr"}, {"keys", "generate", "extra"},
		{"sandbox", "demo", "extra"}, {"version", "--bogus"}, {"-o", "json", "version", "--bogus"},
		{"help", "profile", "add", "extra"}, {"profile", "help"}, {"profile", "help", "add"}, {"auth", "--help"},
		{"exit-codes", "--help"}, {"exit-codes", "extra"}, {"-p", "prod", "exit-codes"}, {"environment", "-h"},
		// odd
		{""}, {"", "list"}, {"list", ""}, {" list"}, {"list=1"}, {"--profile=", "list"}, {"-o=", "list"},
	}
	for _, args := range cases {
		e.same(args...)
	}
}

// The same for argument lists drawn at random (a fixed seed) from command
// names, aliases, flags, separators and help.
func TestLazyRootDifferentialRandom(t *testing.T) {
	e := newDiffEnv(t)
	words := []string{"help", "list", "ls", "profile", "add", "show", "rm", "--", "-h", "--help", "-v", "--version",
		"-p", "prod", "-o", "json", "--debug", "exit-codes", "environment", "secrets", "revoke-previous", "verify",
		"listen", "completion", "bash", cobra.ShellCompRequestCmd, "", "-", "--bogus", "version", "keys", "x",
		"--limit", "auth", "status", "lst"}
	r := rand.New(rand.NewPCG(7, 9))
	for range 200 {
		args := make([]string, 1+r.IntN(4))
		for i := range args {
			args[i] = words[r.IntN(len(words))]
		}
		e.same(args...)
	}
}

// dataKey is the name of a fresh environment's random data key.
var dataKey = regexp.MustCompile(`data-key/[0-9a-f]+`)

// httpDate is the Date header --debug shows: the two runs of an argv may
// straddle a second.
var httpDate = regexp.MustCompile(`< Date: [^\n]*`)

// elapsed is how long --debug says an answer took.
var elapsed = regexp.MustCompile(`\([0-9.]+[mµn]?s\)`)

func trunc(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// `hookctl help X` shows what `hookctl X --help` does, -h and -v among
// the flags included (cobra's own help command adds them before showing a
// command's help; strictHelp replaced it).
func TestHelpCommandSameAsHelpFlag(t *testing.T) {
	for _, args := range [][]string{
		{}, {"list"}, {"ls"}, {"profile"}, {"profile", "add"}, {"verify", "listen"}, {"version"},
		{"completion", "bash"}, {"exit-codes"}, {"keys", "generate"},
	} {
		for _, build := range []func(*Factory, []string) *cobra.Command{fullRoot, newCmdRootFor} {
			_, want, _, _ := runRoot(t, build, append(slices.Clone(args), "--help")...)
			_, got, errOut, code := runRoot(t, build, append([]string{"help"}, args...)...)
			if got != want || code != 0 {
				t.Errorf("hookctl help %s: exit %d, stderr %q, stdout\n%s\nwant what --help prints:\n%s", strings.Join(args, " "), code, errOut, got, want)
			}
		}
	}
}
