// Package cmd is hookctl's cobra command tree and nothing else: each verb
// parses flags into an options struct and calls into pkg/. Main maps errors
// to exit codes in one place.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Build information, set by goreleaser with -ldflags -X.
var (
	version = ""
	commit  = ""
	date    = ""
)

// Main runs hookctl with args and returns the process exit code.
func Main(args []string, io *output.IOStreams) int {
	f := NewFactory(io, os.Getenv, buildVersion())
	root := newCmdRootFor(f, args)
	// cobra adds `completion` only while executing; adding it now lets its
	// group refuse an unknown shell like every other group.
	root.InitDefaultCompletionCmd(args...)
	typeUsageErrors(root)
	root.SetArgs(args)
	// Ctrl-C and SIGTERM cancel the running command's context, watched
	// from when a command runs: registering costs the runtime a thread
	// and a round trip to it for each signal (1-2 ms), which --version
	// and --help (answered before any command runs) do not need.
	stop := func() {}
	defer func() { stop() }()
	pre := root.PersistentPreRunE
	root.PersistentPreRunE = func(c *cobra.Command, args []string) error {
		var ctx context.Context
		ctx, stop = signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
		c.SetContext(ctx)
		return pre(c, args)
	}
	err := root.ExecuteContext(context.Background())
	if err == nil {
		return webhook.ExitOK
	}
	return reportError(f, err)
}

// reportError prints err once (JSON with -o json) and returns its exit code.
func reportError(f *Factory, err error) int {
	err = networkError(f, err)
	kind := webhook.KindOf(err)
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(f.IO.ErrOut, "interrupted")
		return webhook.ExitInterrupted
	}
	if kind == webhook.KindChanges {
		// Not a failure: `diff --exit-code` found changes and printed them.
		return kind.ExitCode()
	}
	if f.Global.Output == "json" {
		var e output.ErrorJSON
		e.Error.Code = kind.String()
		e.Error.Message = err.Error()
		if hint := webhook.HintOf(err); hint != "" {
			e.Error.Message = strings.TrimSuffix(e.Error.Message, "\n"+hint)
			e.Error.Hint = hint
		}
		output.WriteJSON(f.IO.ErrOut, e)
		return kind.ExitCode()
	}
	fmt.Fprintln(f.IO.ErrOut, "error: "+sanitizeLines(err.Error()))
	return kind.ExitCode()
}

func sanitizeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = output.Sanitize(l)
	}
	return strings.Join(lines, "\n")
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return strings.TrimPrefix(bi.Main.Version, "v")
	}
	return "dev"
}

// NewCmdRoot builds the whole command tree from f: for the reference
// pages, the completion scripts and tests that walk every command. Main
// builds only what its arguments select (newCmdRootFor).
func NewCmdRoot(f *Factory) *cobra.Command {
	root := newCmdRootBare(f)
	for _, t := range topCommands() {
		root.AddCommand(t.newCmd(f))
	}
	strictHelp(root)
	typeUsageErrors(root)
	return root
}

// newCmdRootBare is the root with its flags and groups and no commands.
func newCmdRootBare(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use: "hookctl <command> [flags]",
		Example: `  $ hookctl profile add billing --provider solvimon --environment live
  $ hookctl register -p billing --url https://hooks.example.com/solvimon --event INVOICE.CREATED --name billing --reference billing-1
  $ hookctl rotate-secret -p billing --all --older-than 30d
  $ hookctl verify -p billing whk_3354cb22cdfe209a3847 --request-file delivery.http`,
		Short: "Manage webhook registrations across providers",
		Long: `hookctl administers webhook registrations at PEXA, Solvimon, OffBlocks and PwC
Report Filing: register, list, update, delete, rotate signing secrets in bulk,
and verify captured deliveries offline.

Data goes to stdout; progress, warnings and prompts go to stderr.
See 'hookctl help exit-codes', 'hookctl help environment' and 'hookctl help credentials'.`,
		Version:       f.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			return f.resolveGlobals(c)
		},
	}
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(flagError)
	root.SetVersionTemplate("hookctl {{.Version}}\n")

	pf := root.PersistentFlags()
	g := &f.Global
	pf.StringVarP(&g.Profile, "profile", "p", "", "profile to use (env HOOKCTL_PROFILE)")
	pf.StringVarP(&g.Output, "output", "o", "table", "output format: table, wide (a table with every column, none cut), json or yaml")
	pf.StringVar(&g.JQ, "jq", "", "filter JSON output with a jq expression")
	pf.StringVar(&g.ConfigFile, "config", "", "config file (env HOOKCTL_CONFIG; default $XDG_CONFIG_HOME/hookctl/config.yaml)")
	pf.StringVar(&g.BaseURL, "base-url", "", "override the profile's API base URL (env HOOKCTL_BASE_URL)")
	pf.BoolVar(&g.Debug, "debug", false, "trace HTTP requests to stderr (secrets redacted)")
	g.Timeout = 30 * time.Second
	pf.Var(output.DurationValue{P: &g.Timeout}, "timeout", "timeout for each HTTP request (e.g. 30s, 2m)")
	pf.BoolVar(&g.NoColor, "no-color", false, "disable colour (also NO_COLOR)")
	pf.BoolVarP(&g.Quiet, "quiet", "q", false, "print nothing but data and errors")
	pf.BoolVarP(&g.Yes, "yes", "y", false, "assume yes for confirmations")
	pf.BoolVar(&g.InsecureStorage, "insecure-storage", false, "store credentials in a 0600 file instead of the OS keyring (also HOOKCTL_STORAGE=file)")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(output.Formats, cobra.ShellCompDirectiveNoFileComp))
	_ = root.RegisterFlagCompletionFunc("profile", completeProfiles(f))

	root.AddGroup(&cobra.Group{ID: "webhooks", Title: "Webhook commands:"}, &cobra.Group{ID: "setup", Title: "Setup commands:"})
	return root
}

// topCommand is a command under the root: the name and aliases that select
// it from the arguments, and how to build it.
type topCommand struct {
	name    string
	aliases []string // the built command's own (TestStubsMatchCommands)
	group   string
	topic   bool // a help topic: not runnable, listed apart
	build   func(*Factory) *cobra.Command
}

func (t topCommand) newCmd(f *Factory) *cobra.Command {
	c := t.build(f)
	c.GroupID = t.group
	return c
}

// topCommands are the root's commands and help topics, in help order.
func topCommands() []topCommand {
	webhooks := func(name string, build func(*Factory) *cobra.Command, aliases ...string) topCommand {
		return topCommand{name: name, aliases: aliases, group: "webhooks", build: build}
	}
	setup := func(name string, build func(*Factory) *cobra.Command) topCommand {
		return topCommand{name: name, group: "setup", build: build}
	}
	cmds := []topCommand{
		webhooks("register", func(f *Factory) *cobra.Command { return NewCmdRegister(f, nil) }),
		webhooks("list", func(f *Factory) *cobra.Command { return NewCmdList(f, nil) }, "ls"),
		webhooks("get", func(f *Factory) *cobra.Command { return NewCmdGet(f, nil) }, "show"),
		webhooks("update", func(f *Factory) *cobra.Command { return NewCmdUpdate(f, nil) }),
		webhooks("delete", func(f *Factory) *cobra.Command { return NewCmdDelete(f, nil) }, "unregister", "rm"),
		webhooks("rotate-secret", func(f *Factory) *cobra.Command { return NewCmdRotate(f, nil) }),
		webhooks("verify", func(f *Factory) *cobra.Command { return NewCmdVerify(f, nil) }),
		webhooks("events", func(f *Factory) *cobra.Command { return NewCmdEvents(f, nil) }),
		webhooks("send-test", func(f *Factory) *cobra.Command { return NewCmdSendTest(f, nil) }),
		webhooks("penalty-box", NewCmdPenaltyBox),
		webhooks("deliveries", NewCmdDeliveries),
		webhooks("ping", func(f *Factory) *cobra.Command { return NewCmdPing(f, nil) }),
		webhooks("secrets", NewCmdSecrets),
		webhooks("export", func(f *Factory) *cobra.Command { return NewCmdExport(f, nil) }),
		webhooks("diff", func(f *Factory) *cobra.Command { return NewCmdDiff(f, nil) }),
		webhooks("apply", func(f *Factory) *cobra.Command { return NewCmdApply(f, nil) }),
		setup("profile", NewCmdProfile),
		setup("auth", NewCmdAuth),
		setup("keys", NewCmdKeys),
		setup("doctor", func(f *Factory) *cobra.Command { return NewCmdDoctor(f, nil) }),
		setup("sandbox", NewCmdSandbox),
		{name: "version", build: func(f *Factory) *cobra.Command { return NewCmdVersion(f, nil) }},
	}
	for _, t := range helpTopics {
		cmds = append(cmds, topCommand{name: t.name, topic: true, build: func(*Factory) *cobra.Command { return newHelpTopic(t) }})
	}
	return cmds
}

// usageErrorf builds an exit-2 error for bad flags or arguments.
func usageErrorf(format string, args ...any) error {
	return webhook.Errorf(webhook.KindUsage, format, args...)
}

// exactArgs is cobra.ExactArgs with a usage error and a readable name.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("expected %s, got %d argument(s)", what, len(args))
		}
		return nil
	}
}
