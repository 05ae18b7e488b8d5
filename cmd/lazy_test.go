package cmd

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
)

// runRoot runs args as Main does on the root build makes for them, with
// an empty environment, and returns the root, stdout, stderr and the exit
// code.
func runRoot(t *testing.T, build func(*Factory, []string) *cobra.Command, args ...string) (*cobra.Command, string, string, int) {
	t.Helper()
	io, _, out, errOut := output.Test()
	f := NewFactory(io, func(string) string { return "" }, "test")
	root := build(f, args)
	root.InitDefaultCompletionCmd(args...)
	typeUsageErrors(root)
	root.SetArgs(args)
	code := 0
	if err := root.ExecuteContext(context.Background()); err != nil {
		code = reportError(f, err)
	}
	return root, out.String(), errOut.String(), code
}

func fullRoot(f *Factory, _ []string) *cobra.Command { return NewCmdRoot(f) }

// built names the root's commands that are built (not stubs).
func built(root *cobra.Command) []string {
	var out []string
	for _, c := range root.Commands() {
		if c.Annotations[annotationStub] == "" && c.Name() != "help" && c.Name() != "completion" && c.Name() != cobra.ShellCompRequestCmd {
			out = append(out, c.Name())
		}
	}
	return out
}

// Main builds the command its arguments select and no other: none for
// --version, and only what a listing needs for help and completion.
func TestNewCmdRootForBuildsOnlyWhatArgsSelect(t *testing.T) {
	all := built(NewCmdRoot(NewFactory(&output.IOStreams{}, func(string) string { return "" }, "test")))
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--version"}, nil},
		{[]string{"-v"}, nil},
		{[]string{"version", "-o", "json"}, []string{"version"}},
		{[]string{"-p", "billing", "ls", "--help"}, []string{"list"}},
		{[]string{"verify", "--help"}, []string{"verify"}},
		{[]string{"help", "profile", "add"}, []string{"profile"}},
		{[]string{"help", "environment"}, []string{"environment"}},
		{[]string{"lst"}, nil}, // suggested from the stubs' names
		{[]string{cobra.ShellCompRequestCmd, "get", ""}, []string{"get"}},
		{[]string{cobra.ShellCompRequestCmd, "l"}, all},
		{[]string{"--help"}, all},
		{[]string{"help"}, all},
		{nil, all},
	} {
		root, _, errOut, _ := runRoot(t, newCmdRootFor, tc.args...)
		if got := built(root); !slices.Equal(got, tc.want) {
			t.Errorf("hookctl %s built %v, want %v (stderr %q)", strings.Join(tc.args, " "), got, tc.want, errOut)
		}
	}
}

// A stub stands in for its command wherever the root looks at it without
// building it: finding it by name or alias, suggesting it for a typo,
// grouping it.
func TestStubsMatchCommands(t *testing.T) {
	f := NewFactory(&output.IOStreams{}, func(string) string { return "" }, "test")
	full := map[string]*cobra.Command{}
	for _, c := range NewCmdRoot(f).Commands() {
		full[c.Name()] = c
	}
	n := 0
	for _, stub := range newCmdRootFor(f, nil).Commands() {
		if stub.Annotations[annotationStub] == "" {
			continue
		}
		n++
		c := full[stub.Name()]
		if c == nil {
			t.Errorf("stub %s has no command", stub.Name())
			continue
		}
		delete(full, c.Name())
		if !slices.Equal(stub.Aliases, c.Aliases) || !slices.Equal(stub.SuggestFor, c.SuggestFor) || stub.GroupID != c.GroupID ||
			stub.Hidden != c.Hidden || stub.Deprecated != c.Deprecated || stub.Runnable() != c.Runnable() ||
			stub.IsAvailableCommand() != c.IsAvailableCommand() || stub.IsAdditionalHelpTopicCommand() != c.IsAdditionalHelpTopicCommand() {
			t.Errorf("stub %s differs from its command: aliases %v/%v, suggest %v/%v, group %q/%q, hidden %v/%v, runnable %v/%v",
				stub.Name(), stub.Aliases, c.Aliases, stub.SuggestFor, c.SuggestFor, stub.GroupID, c.GroupID, stub.Hidden, c.Hidden, stub.Runnable(), c.Runnable())
		}
	}
	delete(full, "help")
	if len(full) > 0 || n < 20 {
		t.Errorf("%d stubs; commands without one: %v", n, full)
	}
}

// What the user sees does not depend on which commands were built: the
// same output and exit code as with the whole tree.
func TestNewCmdRootForSameAsWholeTree(t *testing.T) {
	for _, args := range [][]string{
		nil, {"--version"}, {"--help"}, {"help"}, {"version"}, {"-o", "json", "version"},
		{"lst"}, {"list", "--help"}, {"ls", "--help"}, {"help", "ls"}, {"rm", "--help"},
		{"help", "environment"}, {"help", "credentials"}, {"help", "exit-codes"}, {"environment"},
		{"help", "nosuch"}, {"help", "profile", "nosuch"}, {"profile"}, {"profile", "ad"},
		{"completion", "bash"}, {"completion", "nosuch"}, {"--bogus"}, {"list", "--outpt", "json"},
		{"--version", "list"}, {"help", "verify", "listen"}, {"--versio"},
		{cobra.ShellCompRequestCmd, ""}, {cobra.ShellCompRequestCmd, "l"}, {cobra.ShellCompRequestCmd, "list", "--"},
		{cobra.ShellCompRequestCmd, "help", "pro"}, {cobra.ShellCompNoDescRequestCmd, "profile", ""},
		{cobra.ShellCompRequestCmd, "-o", ""},
	} {
		_, wantOut, wantErr, wantCode := runRoot(t, fullRoot, args...)
		_, out, errOut, code := runRoot(t, newCmdRootFor, args...)
		if out != wantOut || errOut != wantErr || code != wantCode {
			t.Errorf("hookctl %s: exit %d, stdout %q, stderr %q; the whole tree gives exit %d, stdout %q, stderr %q",
				strings.Join(args, " "), code, out, errOut, wantCode, wantOut, wantErr)
		}
	}
}

// TestOnlyRootHasPersistentPreRun: Main starts watching Ctrl-C and SIGTERM
// in the root's PersistentPreRunE, and cobra runs only the nearest one: a
// command with its own would run with no signal handling (killed by
// Ctrl-C mid-rotation instead of stopping cleanly with exit 130).
func TestOnlyRootHasPersistentPreRun(t *testing.T) {
	io, _, _, _ := output.Test()
	root := NewCmdRoot(NewFactory(io, func(string) string { return "" }, "test"))
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.PersistentPreRun != nil || sub.PersistentPreRunE != nil {
				t.Errorf("%s has its own PersistentPreRun: it would run without signal handling (see Main); chain to the root's instead", sub.CommandPath())
			}
			walk(sub)
		}
	}
	walk(root)
	if root.PersistentPreRunE == nil {
		t.Fatal("the root has no PersistentPreRunE for Main to wrap")
	}
}
