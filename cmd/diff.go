package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/manifest"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// DiffOptions are `hookctl diff`'s inputs.
type DiffOptions struct {
	F        *Factory
	File     string
	ExitCode bool
	cmd      *cobra.Command
}

// NewCmdDiff builds `hookctl diff`.
func NewCmdDiff(f *Factory, runF func(*DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{F: f}
	c := &cobra.Command{
		Use:   "diff -f <manifest> [flags]",
		Short: "Show what apply would change to make the providers match a manifest",
		Long: `Compare a manifest (see 'hookctl export') with the registrations of the profiles it
names and print the plan, field by field: create (in the manifest, not at the
provider), update (a field differs) and delete (at the provider, not in the
manifest; 'hookctl apply' deletes only with --prune). Fields an entry leaves out
(name, active, a param) are not compared. Nothing is changed. With -p on the
command line, only that profile's entries and registrations are compared.

The manifest is validated against docs/webhooks-manifest.schema.json first; each
problem is reported with its line (exit 2). Then each change is checked with the
provider's own register and update rules, as apply would send it: a change the
provider would refuse fails diff, apply --dry-run and apply alike (exit 2). With --exit-code, diff exits 8 when
there are changes and 0 when there are none, for CI.`,
		Example: `  # the plan, one row per field
  $ hookctl diff -f webhooks.yaml

  # in CI on a pull request: fail the check when the providers differ
  $ hookctl diff -f webhooks.yaml --exit-code

  # the plan as JSON
  $ hookctl diff -f webhooks.yaml -o json`,
		Args: exactArgs(0, "no arguments (name the manifest with -f)"),
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.File == "" {
				return usageErrorf("-f FILE is required (the manifest; - for stdin)")
			}
			opts.cmd = c
			if runF != nil {
				return runF(opts)
			}
			return runDiff(c.Context(), opts)
		},
	}
	c.Flags().StringVarP(&opts.File, "file", "f", "", "manifest `FILE` to compare with (- for stdin)")
	c.Flags().BoolVar(&opts.ExitCode, "exit-code", false, "exit 8 when there are changes, 0 when there are none")
	return c
}

func runDiff(ctx context.Context, opts *DiffOptions) error {
	m, err := loadManifest(opts.F, opts.cmd, opts.File)
	if err != nil {
		return err
	}
	targets, err := manifestTargets(opts.F, m, "")
	if err != nil {
		return err
	}
	changes, err := manifest.Plan(ctx, targets)
	if err != nil {
		return err
	}
	printer, err := opts.F.Printer()
	if err != nil {
		return err
	}
	if changes == nil {
		changes = []manifest.Change{}
	}
	if err := printer.Print(changes, planTable(changes)); err != nil {
		return err
	}
	notice(opts.F, "%s", planSummary(changes))
	if opts.ExitCode && len(changes) > 0 {
		return webhook.Errorf(webhook.KindChanges, "%d changes", len(changes))
	}
	return nil
}

// planTable has one row per changed field.
func planTable(changes []manifest.Change) *output.Table {
	t := &output.Table{Headers: []string{"PROFILE", "ACTION", "ID", "IDENTITY", "FIELD", "FROM", "TO"}}
	for _, c := range changes {
		for _, f := range c.Fields {
			from, to := f.Texts()
			t.AddRow(c.Profile, c.Action, c.ID, c.Identity, f.Field, from, to)
		}
	}
	return t
}

// planSummary is the line diff ends with on stderr.
func planSummary(changes []manifest.Change) string {
	n := map[string]int{}
	for _, c := range changes {
		n[c.Action]++
	}
	if len(changes) == 0 {
		return "no changes: the providers match the manifest"
	}
	return fmt.Sprintf("%d changes: %d to create, %d to update, %d to delete", len(changes),
		n[manifest.ActionCreate], n[manifest.ActionUpdate], n[manifest.ActionDelete])
}
