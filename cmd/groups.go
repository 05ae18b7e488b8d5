package cmd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/agnivade/levenshtein"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// typeUsageErrors makes every usage error under c a typed exit-2 error,
// so reportError never has to recognise cobra's words (a provider's
// message may say "accepts " too). Flag errors are typed by flagError;
// argument errors by wrapping each command's Args here; an unknown
// command by giving every command group (a command that only holds
// subcommands, the root included) a RunE. Left alone, cobra prints a
// group's help and exits 0 for `hookctl auth logn`, so a script's typo
// passes as success. A group given no argument still shows its help.
// Safe to call more than once.
func typeUsageErrors(c *cobra.Command) {
	for _, sub := range c.Commands() {
		typeUsageErrors(sub)
	}
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's default, which only its root applies
	}
	if c.HasSubCommands() && !c.Runnable() {
		c.Args = cobra.ArbitraryArgs // the RunE below names what was meant
		c.RunE = func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return c.Help()
			}
			return unknownCommand(c, args[0], "command", c.SuggestionsFor(args[0]))
		}
	}
	if c.Annotations[annotationTypedArgs] == "" && c.Args != nil {
		args := c.Args
		c.Args = func(c *cobra.Command, a []string) error {
			err := args(c, a)
			var we *webhook.Error
			if err != nil && !errors.As(err, &we) {
				err = &webhook.Error{Kind: webhook.KindUsage, Err: err, Hint: usageHint(c)}
			}
			return err
		}
		if c.Annotations == nil {
			c.Annotations = map[string]string{}
		}
		c.Annotations[annotationTypedArgs] = "1"
	}
}

const annotationTypedArgs = "hookctl/typed-args"

// usageHint points at a command's help.
func usageHint(c *cobra.Command) string {
	return fmt.Sprintf("Run '%s --help' for usage.", c.CommandPath())
}

// flagError types a flag-parsing error as a usage error and, for an
// unknown flag, names the closest flags the command has.
func flagError(c *cobra.Command, err error) error {
	e := &webhook.Error{Kind: webhook.KindUsage, Err: err, Hint: usageHint(c)}
	var nx *pflag.NotExistError
	if errors.As(err, &nx) && nx.GetSpecifiedName() != "" {
		if s := flagSuggestions(c, nx.GetSpecifiedName()); len(s) > 0 {
			e.Msg, e.Err = err.Error()+"\n\nDid you mean this?\n\t--"+strings.Join(s, "\n\t--"), nil
		}
	}
	return e
}

// flagSuggestions are c's flags (inherited ones included) within two edits
// of name, or that it starts.
func flagSuggestions(c *cobra.Command, name string) []string {
	var out []string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		if levenshtein.ComputeDistance(name, f.Name) <= 2 || (len(name) > 2 && strings.HasPrefix(f.Name, name)) {
			out = append(out, f.Name)
		}
	})
	return out
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
			case err != nil || target == nil || (target == root && len(rest) > 0):
				return unknownCommand(root, args[0], "help topic", helpSuggestions(root, args[0]))
			case len(rest) > 0 && target.HasSubCommands():
				return unknownCommand(target, rest[0], "command", target.SuggestionsFor(rest[0]))
			}
			// As cobra's help command does: --help and --version are
			// flags of the command, which its help lists.
			target.InitDefaultHelpFlag()
			target.InitDefaultVersionFlag()
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
