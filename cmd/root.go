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
	root := NewCmdRoot(f)
	// cobra adds `completion` only while executing; adding it now lets its
	// group refuse an unknown shell like every other group.
	root.InitDefaultCompletionCmd(args...)
	typeUsageErrors(root)
	root.SetArgs(args)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := root.ExecuteContext(ctx)
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
		var we *webhook.Error
		if errors.As(err, &we) && we.Hint != "" {
			e.Error.Message = strings.TrimSuffix(e.Error.Message, "\n"+we.Hint)
			e.Error.Hint = we.Hint
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

// NewCmdRoot builds the whole command tree from f.
func NewCmdRoot(f *Factory) *cobra.Command {
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
			return f.resolveGlobals(c.Root().PersistentFlags())
		},
	}
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(flagError)
	root.SetVersionTemplate("hookctl {{.Version}}\n")

	pf := root.PersistentFlags()
	g := &f.Global
	pf.StringVarP(&g.Profile, "profile", "p", "", "profile to use (env HOOKCTL_PROFILE)")
	pf.StringVarP(&g.Output, "output", "o", "table", "output format: table, json or yaml")
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
	for _, c := range []*cobra.Command{
		NewCmdRegister(f, nil), NewCmdList(f, nil), NewCmdGet(f, nil), NewCmdUpdate(f, nil),
		NewCmdDelete(f, nil), NewCmdRotate(f, nil), NewCmdVerify(f, nil), NewCmdEvents(f, nil),
		NewCmdSendTest(f), NewCmdPenaltyBox(f), NewCmdDeliveries(f), NewCmdPing(f), NewCmdSecrets(f),
		NewCmdExport(f, nil), NewCmdDiff(f, nil), NewCmdApply(f, nil),
	} {
		c.GroupID = "webhooks"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{NewCmdProfile(f), NewCmdAuth(f), NewCmdKeys(f), NewCmdDoctor(f), NewCmdSandbox(f)} {
		c.GroupID = "setup"
		root.AddCommand(c)
	}
	root.AddCommand(NewCmdVersion(f))
	addHelpTopics(root)
	strictHelp(root)
	typeUsageErrors(root)
	return root
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
