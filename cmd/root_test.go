package cmd_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/pkg/output"
)

// TestUnknownSubcommandEveryGroup: every command that has subcommands
// refuses one it does not have with exit 2 and cobra's "unknown command"
// wording, so a new group cannot go back to printing help and exiting 0.
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

// TestFlagValueNames: pflag takes a usage's first
// backquoted word as the flag's value name (`FILE` → --secret-out FILE),
// so a backquoted phrase in a usage renders as one: profile add --help
// showed "--key-id hookctl keys upload". In every command's flags, a
// backquoted value name is a placeholder (FILE, N/s), never prose.
func TestFlagValueNames(t *testing.T) {
	io, _, _, _ := output.Test()
	root := cmd.NewCmdRoot(cmd.NewFactory(io, func(string) string { return "" }, "test"))
	placeholder := regexp.MustCompile(`^[A-Z][A-Za-z0-9_./|-]*$`)
	checked := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.LocalFlags(), c.InheritedFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				checked++
				if !strings.Contains(f.Usage, "`") {
					return
				}
				if name, _ := pflag.UnquoteUsage(f); !placeholder.MatchString(name) {
					t.Errorf("%s --%s renders as \"--%s %s\": %q", c.CommandPath(), f.Name, f.Name, name, f.Usage)
				}
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if checked < 100 {
		t.Fatalf("checked only %d flags", checked)
	}
}
