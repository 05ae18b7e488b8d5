package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/bulkrun"
	"github.com/hookctl/hookctl/pkg/manifest"
	"github.com/hookctl/hookctl/pkg/output"
)

// ApplyOptions are `hookctl apply`'s inputs.
type ApplyOptions struct {
	F           *Factory
	File        string
	cmd         *cobra.Command
	Prune       bool
	DryRun      bool
	Concurrency int
	Rate        string
	SecretOut   string
	Exec        string
}

// NewCmdApply builds `hookctl apply`.
func NewCmdApply(f *Factory, runF func(*ApplyOptions) error) *cobra.Command {
	opts := &ApplyOptions{F: f}
	c := &cobra.Command{
		Use:   "apply -f <manifest> [flags]",
		Short: "Make the providers match a manifest: create, update and (with --prune) delete",
		Long: `Carry out the plan 'hookctl diff' prints: create the registrations the manifest
adds, update the fields that differ, and, only with --prune, delete the
registrations the manifest does not name. Applying the same manifest again sends
no write. A change the provider's register or update rules refuse stops apply
before any write, as it stops diff (exit 2). Writes run with bounded concurrency under a rate limit, each reported
(one line per change, a summary on stderr), exit 6 when some failed. With -p
on the command line, only that profile's part of the manifest is applied.

On a terminal apply asks before the first write; without one it needs --yes.
A journal in the state directory (beside rotate-secret's, under the same
per-profile lock) makes a crashed run safe: the next apply finds a registration
it had created by its identity and stores its secret, then plans again from the
providers' state. The secret of each created registration is stored in the
credential store and, with --secret-out or --exec, delivered as rotate-secret
delivers new secrets.`,
		Example: `  # what would change, as apply sees it, without changing anything
  $ hookctl apply -f webhooks.yaml --dry-run

  # in CI on merge: create and update, and delete what the manifest dropped
  $ hookctl apply -f webhooks.yaml --prune --yes --exec 'vault kv put secret/hooks/$HOOKCTL_ID value=-'`,
		Args: exactArgs(0, "no arguments (name the manifest with -f)"),
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.File == "" {
				return usageErrorf("-f FILE is required (the manifest; - for stdin)")
			}
			if opts.Concurrency < 0 {
				return usageErrorf("--concurrency must be positive")
			}
			if _, err := parseRate(opts.Rate); err != nil {
				return usageErrorf("--rate: %v", err)
			}
			opts.cmd = c
			if runF != nil {
				return runF(opts)
			}
			return runApply(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVarP(&opts.File, "file", "f", "", "manifest `FILE` to apply (- for stdin)")
	fl.BoolVar(&opts.Prune, "prune", false, "delete registrations of the manifest's profiles that it does not name")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the plan as apply would carry it out; change nothing")
	fl.IntVar(&opts.Concurrency, "concurrency", 4, "writes in flight")
	fl.StringVar(&opts.Rate, "rate", defaultRate, "at most `N/s` provider requests per profile (0: unlimited)")
	fl.StringVar(&opts.SecretOut, "secret-out", "", "also append each created registration's secret to `FILE` (0600, JSON lines)")
	fl.StringVar(&opts.Exec, "exec", "", "also run `CMD` (sh -c) per created registration, secret on stdin; HOOKCTL_ID, HOOKCTL_PROVIDER, HOOKCTL_PROFILE in env")
	return c
}

func runApply(ctx context.Context, opts *ApplyOptions) error {
	f := opts.F
	prog := startProgress(f, "applied")
	defer prog.stop()
	m, err := loadManifest(f, opts.cmd, opts.File)
	if err != nil {
		return err
	}
	targets, err := manifestTargets(f, m, opts.Rate)
	if err != nil {
		return err
	}
	creds, err := f.Credentials()
	if err != nil {
		return err
	}
	state, err := f.StateDir()
	if err != nil {
		return err
	}
	printer, err := f.Printer()
	if err != nil {
		return err
	}
	o := manifest.Options{Store: creds, StateDir: state, Concurrency: opts.Concurrency, Prune: opts.Prune, DryRun: opts.DryRun,
		Now: f.Now, Stderr: f.IO.ErrOut, Confirm: func(writes []manifest.Change) error {
			return confirm(ctx, f, fmt.Sprintf("Apply %s?", planSummary(writes)))
		}}
	o.Sinks = newSinks(f, opts.SecretOut, opts.Exec)
	o.Progress = prog.callback()
	rep, runErr := manifest.Apply(ctx, targets, o)
	prog.stop()
	if rep == nil {
		return runErr
	}
	if rep.Results == nil {
		rep.Results = []manifest.Result{}
	}
	t := &output.Table{Headers: []string{"PROFILE", "ACTION", "ID", "IDENTITY", "STATUS", "REASON", "ERROR"}}
	for _, r := range rep.Results {
		status := r.Status
		if r.Recovered {
			status += " (recovered)"
		}
		t.AddRow(r.Profile, r.Action, r.ID, r.Identity, status, r.Reason, firstLine(r.Error))
	}
	if err := printer.Print(rep.Results, t); err != nil {
		return err
	}
	notice(f, "%s", applySummary(rep))
	if runErr != nil {
		return runErr
	}
	return rep.Err()
}

// newSinks are the places new secrets go besides the credential store
// (--secret-out FILE, --exec CMD), for rotate-secret and apply.
func newSinks(f *Factory, secretOut, exec string) []bulkrun.Sink {
	var sinks []bulkrun.Sink
	if secretOut != "" {
		sinks = append(sinks, bulkrun.NewFileSink(secretOut))
	}
	if exec != "" {
		sinks = append(sinks, bulkrun.NewExecSink(exec, f.IO.ErrOut))
	}
	return sinks
}

// applySummary is the one line apply ends with on stderr.
func applySummary(rep *manifest.Report) string {
	n := map[string]int{}
	var skipped, failed, planned, notStarted int
	for _, r := range rep.Results {
		switch r.Status {
		case manifest.StatusNotStarted:
			notStarted++
		case manifest.StatusOK:
			n[r.Action]++
		case manifest.StatusSkipped:
			skipped++
		case manifest.StatusFailed:
			failed++
		case manifest.StatusPlanned:
			planned++
		}
	}
	if rep.DryRun {
		return fmt.Sprintf("dry run: %d planned, %d skipped; nothing was changed", planned, skipped)
	}
	if len(rep.Results) == 0 {
		return "nothing to do: the providers match the manifest"
	}
	return fmt.Sprintf("created %d, updated %d, deleted %d, skipped %d, failed %d",
		n[manifest.ActionCreate], n[manifest.ActionUpdate], n[manifest.ActionDelete], skipped, failed) + notStartedNote(notStarted)
}
