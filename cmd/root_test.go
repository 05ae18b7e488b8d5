package cmd_test

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/pkg/output"
)

// TestUnknownSubcommandEveryGroup: every command that has subcommands
// refuses one it does not have with exit 2 and cobra's "unknown command"
// wording, so a new group cannot go back to printing help and exiting 0
// (issue 13 item 9).
func TestUnknownSubcommandEveryGroup(t *testing.T) {
	io, _, _, _ := output.Test()
	root := cmd.NewCmdRoot(cmd.NewFactory(io, func(string) string { return "" }, "test"))
	var groups [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		for _, sub := range c.Commands() {
			if sub.HasSubCommands() {
				p := append(append([]string{}, path...), sub.Name())
				groups = append(groups, p)
				walk(sub, p)
			}
		}
	}
	walk(root, nil)
	if len(groups) < 4 {
		t.Fatalf("found only %d command groups: %v", len(groups), groups)
	}
	for _, g := range groups {
		if g[0] == "verify" {
			continue // verify runs itself; its subcommand is listen
		}
		args := append(append([]string{}, g...), "no-such-thing")
		io, _, out, errOut := output.Test()
		code := cmd.Main(args, io)
		if code != 2 {
			t.Errorf("hookctl %s: exit %d, want 2; stderr: %s", strings.Join(args, " "), code, errOut)
		}
		if want := `unknown command "no-such-thing" for "hookctl ` + strings.Join(g, " ") + `"`; !strings.Contains(errOut.String(), want) {
			t.Errorf("hookctl %s: stderr %q lacks %q", strings.Join(args, " "), errOut, want)
		}
		if out.Len() != 0 {
			t.Errorf("hookctl %s printed to stdout: %q", strings.Join(args, " "), out)
		}
	}
}
