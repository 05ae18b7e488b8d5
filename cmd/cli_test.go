package cmd

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// CLI runs hookctl in-process for tests, the one runner the in-process
// tests of cmd and cmd_test share. It has an environment of its own:
// config, state and credentials (file storage) under a temp dir, plus
// what the test puts in Env. It never touches the process environment,
// so tests that use it may run in parallel.
type CLI struct {
	t   testing.TB
	Dir string
	Env map[string]string
}

// NewCLI gives a test a fresh, isolated hookctl; kv are extra variables as
// name, value pairs.
func NewCLI(t testing.TB, kv ...string) *CLI {
	t.Helper()
	dir := t.TempDir()
	c := &CLI{t: t, Dir: dir, Env: map[string]string{
		"HOME":            dir,
		"XDG_CONFIG_HOME": filepath.Join(dir, "config"),
		"XDG_STATE_HOME":  filepath.Join(dir, "state"),
		"HOOKCTL_CONFIG":  filepath.Join(dir, "config", "hookctl", "config.yaml"),
		"HOOKCTL_STORAGE": "file",
		"PATH":            os.Getenv("PATH"),
	}}
	for i := 0; i+1 < len(kv); i += 2 {
		c.Env[kv[i]] = kv[i+1]
	}
	return c
}

// Getenv reads the CLI's environment.
func (c *CLI) Getenv(k string) string { return c.Env[k] }

// Exec runs args with stdin in, writing to out and errOut, until ctx ends.
func (c *CLI) Exec(ctx context.Context, in string, out, errOut io.Writer, args ...string) error {
	ios := &output.IOStreams{In: strings.NewReader(in), Out: out, ErrOut: errOut}
	root := newCmdRootFor(NewFactory(ios, c.Getenv, "test"), args)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

// Run runs args (30 s at most) and returns stdout, stderr and the error.
func (c *CLI) Run(args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := c.Exec(ctx, "", &out, &errOut, args...)
	return out.String(), errOut.String(), err
}

// Main runs args with stdin in (30 s at most) as cmd.Main does, errors
// reported on stderr (the "error: " line and its hint, or JSON with -o
// json), and returns stdout, stderr and the exit code: for tests of what a
// user reads when a command fails.
func (c *CLI) Main(in string, args ...string) (string, string, int) {
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ios := &output.IOStreams{In: strings.NewReader(in), Out: &out, ErrOut: &errOut}
	f := NewFactory(ios, c.Getenv, "test")
	root := newCmdRootFor(f, args)
	typeUsageErrors(root)
	root.SetArgs(args)
	code := webhook.ExitOK
	if err := root.ExecuteContext(ctx); err != nil {
		code = reportError(f, err)
	}
	return out.String(), errOut.String(), code
}

// OK runs args, fails the test on an error, and returns stdout.
func (c *CLI) OK(args ...string) string {
	c.t.Helper()
	out, errOut, err := c.Run(args...)
	if err != nil {
		c.t.Fatalf("hookctl %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// SetProcessEnv puts the CLI's environment into the process's, for tests
// that run hookctl as a child process or through Main, which read it. Such
// tests cannot run in parallel (t.Setenv refuses to).
func (c *CLI) SetProcessEnv() {
	for k, v := range c.Env {
		c.t.Setenv(k, v)
	}
}
