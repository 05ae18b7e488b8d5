package cmd

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"
)

// annotationStub marks a root command that is only a placeholder for the
// one topCommands would build.
const annotationStub = "hookctl/stub"

// newCmdRootFor builds the root for running args, with only the command
// they select (through
// `help` and `__complete` too); every other command is a stub that has its
// name and aliases, which is all finding a command or suggesting one for a
// typo needs. Anything that lists the commands (the root's help and usage,
// completing a command name) builds them all first. So `hookctl --version`
// builds no command and `hookctl list` one, instead of every command's
// flags, help and the provider specs behind them.
func newCmdRootFor(f *Factory, args []string) *cobra.Command {
	root := newCmdRootBare(f)
	t := &lazyRoot{f: f, root: root, stubs: map[*cobra.Command]topCommand{}}
	for _, tc := range topCommands() {
		stub := &cobra.Command{Use: tc.name, Aliases: tc.aliases, GroupID: tc.group,
			Annotations: map[string]string{annotationStub: "1"}}
		if !tc.topic {
			// Runnable, as the command is, so that suggestions and
			// listings treat the stub like it; it never runs (load).
			stub.RunE = func(c *cobra.Command, _ []string) error {
				return fmt.Errorf("internal error: command %s was not built", c.Name())
			}
		}
		t.stubs[stub] = tc
		root.AddCommand(stub)
	}
	help, usage := root.HelpFunc(), root.UsageFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		if c == root {
			t.loadAll()
		}
		help(c, args)
	})
	root.SetUsageFunc(func(c *cobra.Command) error {
		if c == root {
			t.loadAll()
		}
		return usage(c)
	})
	strictHelp(root)
	for _, help := range root.Commands() {
		if help.Name() == "help" {
			// What `help` shows is what its arguments select once parsed,
			// which the arguments before parsing need not tell (`help --
			// list`): build it then.
			run := help.RunE
			help.RunE = func(c *cobra.Command, args []string) error {
				t.load(args)
				return run(c, args)
			}
		}
	}
	t.load(args)
	if i := slices.IndexFunc(args, func(a string) bool {
		return a == cobra.ShellCompRequestCmd || a == cobra.ShellCompNoDescRequestCmd
	}); i >= 0 {
		// Completing a command name lists every command with its Short.
		// (Shells put __complete first; global flags may precede it, and
		// it may be a mere argument, as in `get __complete`: building
		// more than args select changes nothing.)
		if !t.load(args[i+1:]) {
			t.loadAll()
		}
	}
	typeUsageErrors(root)
	return root
}

// lazyRoot replaces the root's stubs by their commands on demand.
type lazyRoot struct {
	f     *Factory
	root  *cobra.Command
	stubs map[*cobra.Command]topCommand
}

// load builds the command args select, following `help <command>`, and
// reports whether args select one (rather than the root).
func (t *lazyRoot) load(args []string) bool {
	c, rest, err := t.root.Find(args)
	if err != nil || c == nil || c == t.root {
		return false
	}
	if c.Name() == "help" && c.Parent() == t.root && len(rest) > 0 {
		return t.load(rest)
	}
	if tc, ok := t.stubs[c]; ok {
		t.replace(c, tc)
	}
	return true
}

// loadAll builds every command still a stub.
func (t *lazyRoot) loadAll() {
	for _, c := range slices.Clone(t.root.Commands()) {
		if tc, ok := t.stubs[c]; ok {
			t.replace(c, tc)
		}
	}
}

func (t *lazyRoot) replace(stub *cobra.Command, tc topCommand) {
	delete(t.stubs, stub)
	t.root.RemoveCommand(stub)
	c := tc.newCmd(t.f)
	typeUsageErrors(c)
	t.root.AddCommand(c)
}
