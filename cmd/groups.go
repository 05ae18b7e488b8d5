package cmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// refuseUnknownSubcommands gives every command group under c (a command
// that only holds subcommands) a RunE. Left alone, cobra prints a group's
// help and exits 0 for `hookctl auth logn`, so a script's typo passes as
// success; the root already refuses unknown commands, and now every level
// does. A group given no argument still shows its help.
func refuseUnknownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		refuseUnknownSubcommands(sub)
	}
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's default, which only its root applies
	}
	if c.HasParent() && c.HasSubCommands() && !c.Runnable() {
		c.Args = cobra.ArbitraryArgs // the RunE below names what was meant
		c.RunE = func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return c.Help()
			}
			return unknownCommand(c, args[0], "command", c.SuggestionsFor(args[0]))
		}
	}
}

// unknownCommand is the exit-2 error for a name c has no subcommand (or
// help topic) for, worded like cobra's own at the top level.
func unknownCommand(c *cobra.Command, name, what string, suggestions []string) error {
	msg := fmt.Sprintf("unknown %s %q for %q", what, name, c.CommandPath())
	if len(suggestions) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(suggestions, "\n\t")
	}
	return &webhook.Error{Kind: webhook.KindUsage, Msg: msg, Hint: fmt.Sprintf("Run '%s --help' for usage.", c.CommandPath())}
}

// strictHelp makes `hookctl help TOPIC` refuse a topic or command that
// does not exist (cobra prints the root's usage and exits 0), suggesting
// commands and help topics alike.
func strictHelp(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	for _, help := range root.Commands() {
		if help.Name() != "help" {
			continue
		}
		help.Run = nil
		help.RunE = func(_ *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			switch {
			case err != nil || target == nil:
				return unknownCommand(root, args[0], "help topic", helpSuggestions(root, args[0]))
			case len(rest) > 0 && target.HasSubCommands():
				return unknownCommand(target, rest[0], "command", target.SuggestionsFor(rest[0]))
			}
			return target.Help()
		}
	}
}

// helpSuggestions are the commands cobra would suggest for name, plus the
// help topics it starts or is started by (cobra skips topics: they are not
// runnable).
func helpSuggestions(root *cobra.Command, name string) []string {
	out := root.SuggestionsFor(name)
	for _, t := range helpTopics {
		if name != "" && (strings.HasPrefix(t.name, name) || strings.HasPrefix(name, t.name)) {
			out = append(out, t.name)
		}
	}
	return out
}
