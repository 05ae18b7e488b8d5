package cmd

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/pkg/output"
)

// runTTY runs hookctl in-process with stdout and stderr on a terminal of
// width columns and returns stdout, stderr and the error.
func runTTY(t *testing.T, cli *CLI, width int, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	ios := &output.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	ios.SetTTY(false, true, true)
	ios.SetTerminalWidth(width)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	root := NewCmdRoot(NewFactory(ios, cli.Getenv, "test"))
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

// solvimonSandbox starts a sandbox with a Solvimon profile "s" on it.
func solvimonSandbox(t *testing.T) *CLI {
	t.Helper()
	cli := NewCLI(t, "HOOKCTL_API_KEY", "sandbox-api-key")
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	box := srv.Box("solvimon").(interface{ ProfileArgs() []string })
	cli.OK(append([]string{"profile", "add", "s"}, box.ProfileArgs()...)...)
	return cli
}

// TestTablesFitTheTerminal: on a terminal of 80 columns
// `list` fits, the id whole and the URL cut; piped, the row is whole. A
// dry run's plan is under PLAN, and REASON says why in words.
func TestTablesFitTheTerminal(t *testing.T) {
	t.Parallel()
	cli := solvimonSandbox(t)
	long := "https://hooks.example.com/solvimon/a/very/long/path/that/an/eighty/column/terminal/cannot/hold"
	id := strings.TrimSpace(cli.OK("register", "-p", "s", "--url", long, "--event", "INVOICE.CREATED", "--event", "INVOICE.PAID",
		"--name", "n", "--reference", "r", "-o", "json", "--jq", ".[0].id"))

	out, _, err := runTTY(t, cli, 80, "list", "-p", "s")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if n := utf8.RuneCountInString(line); n > 80 {
			t.Errorf("a %d-column line on an 80-column terminal: %q", n, line)
		}
	}
	if !strings.Contains(out, id) || !strings.Contains(out, "…") || strings.Contains(out, "cannot/hold") {
		t.Errorf("want the id whole and the URL cut:\n%s", out)
	}
	if piped := cli.OK("list", "-p", "s"); !strings.Contains(piped, long+"\t") {
		t.Errorf("piped list cut the URL: %q", piped)
	}

	out, _, err = runTTY(t, cli, 200, "rotate-secret", "-p", "s", "--all", "--dry-run")
	if err != nil {
		t.Fatal(err)
	}
	header := strings.Fields(strings.SplitN(out, "\n", 2)[0])
	if strings.Join(header, " ") != "ID STATUS PLAN REASON ERROR" {
		t.Errorf("dry-run header %q, want ID STATUS PLAN REASON ERROR", header)
	}
	if !strings.Contains(out, "every registration (--all)") {
		t.Errorf("dry run does not say why in words:\n%s", out)
	}
	out, _, err = runTTY(t, cli, 200, "rotate-secret", "-p", "s", id, "--dry-run")
	if err != nil || !strings.Contains(out, "named on the command line") {
		t.Errorf("named dry run (%v):\n%s", err, out)
	}
}
