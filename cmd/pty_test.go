//go:build linux || darwin

package cmd

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/hookctl/hookctl/pkg/output"
)

// runPTY runs hookctl in-process with stdout and stderr on a real
// pseudo-terminal of cols columns, as a person's shell would give them:
// output.NewIOStreams finds the terminal and its width the way the binary
// does (term.IsTerminal, term.GetSize), colour follows NO_COLOR and TERM
// from the CLI's environment, and the bar's \r and escape sequences reach
// the terminal. It returns everything the terminal received (its \r\n
// turned back into \n) and the command's error. kv are extra environment
// variables for this run, as name, value pairs.
func runPTY(t *testing.T, cli *CLI, cols int, kv []string, args ...string) (string, error) {
	t.Helper()
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptm.Close()
	if err := pty.Setsize(ptm, &pty.Winsize{Cols: uint16(cols), Rows: 50}); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	read := make(chan struct{})
	go func() {
		defer close(read)
		_, _ = io.Copy(&got, ptm) // ends with EIO once the terminal is closed and drained
	}()
	env := func(k string) string {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == k {
				return kv[i+1]
			}
		}
		return cli.Getenv(k)
	}
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	ios := output.NewIOStreams(devNull, tty, tty, env)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	root := newCmdRootFor(NewFactory(ios, env, "test"), args)
	root.SetArgs(args)
	runErr := root.ExecuteContext(ctx)
	tty.Close()
	select {
	case <-read:
	case <-time.After(10 * time.Second):
		t.Fatal("the terminal's output did not end")
	}
	return strings.ReplaceAll(got.String(), "\r\n", "\n"), runErr
}
