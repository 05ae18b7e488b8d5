package cmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// ListOptions are `hookctl list`'s inputs.
type ListOptions struct {
	F          *Factory
	All        bool
	Limit      int
	ShowSecret bool
	Status     string
}

// NewCmdList builds `hookctl list`.
func NewCmdList(f *Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{F: f}
	c := &cobra.Command{
		Use:     "list [flags]",
		Aliases: []string{"ls"},
		Short:   "List webhook registrations",
		Example: `  # Registrations of the current profile, as a table
  $ hookctl list

  # Every page, as JSON, just the ids
  $ hookctl list --all -o json --jq '.[].id'`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.Limit < 0 {
				return usageErrorf("--limit must be 0 or more")
			}
			if runF != nil {
				return runF(opts)
			}
			return runList(c.Context(), opts)
		},
	}
	c.Flags().BoolVar(&opts.All, "all", false, "follow every page")
	c.Flags().IntVar(&opts.Limit, "limit", 0, "page size (provider default when 0)")
	c.Flags().BoolVar(&opts.ShowSecret, "show-secret", false, "include secrets in the output")
	c.Flags().StringVar(&opts.Status, "status", "", "only registrations with this status (e.g. penalty-box)")
	return c
}

func runList(ctx context.Context, opts *ListOptions) error {
	prov, profile, err := opts.F.Provider()
	if err != nil {
		return err
	}
	printer, err := opts.F.Printer()
	if err != nil {
		return err
	}
	regs, err := prov.List(ctx, webhook.ListOptions{All: opts.All, Limit: opts.Limit})
	if err != nil {
		return err
	}
	ids := make([]string, len(regs))
	for i, r := range regs {
		ids[i] = r.ID
	}
	saveIDCache(profile.Name, ids)
	if opts.Status != "" {
		kept := regs[:0]
		for _, r := range regs {
			if r.Status == opts.Status {
				kept = append(kept, r)
			}
		}
		regs = kept
	}
	data, table := output.Registrations(regs, opts.ShowSecret)
	if len(data) == 0 && !printer.Structured() && printer.IO.IsStdoutTTY() {
		notice(opts.F, "no registrations")
		return nil
	}
	return printer.Print(data, table)
}
