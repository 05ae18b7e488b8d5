package cmd

import (
	"context"
	"slices"
	"strings"

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
	Events     []string
	Select     profileSelection
}

// listLong is `hookctl list`'s help text.
const listLong = `List the profile's webhook registrations: every one, following the
provider's pages to the end.

--limit N returns at most N. When it leaves registrations out, stderr says
so ({"warning":{"code":"more_results",...}} with -o json); stdout stays a
plain list (a JSON array), so a script that needs them all leaves --limit
out.

STATUS is the same at every provider: ok (deliveries flow), inactive
(disabled, by you or by the provider after failed deliveries), penalty-box
(parked by the provider after failures; retried later), secret-expired
(the signing secret expired).

--event E keeps the registrations that receive E (repeat for any of
several; one without an event filter receives every event). Where the
provider finds a subscription by event itself (PwC's find), it is asked
instead of listing everything.

On a narrow terminal the table first leaves out the columns empty in every
row, then ACTIVE (STATUS says inactive too), then SECRET EXPIRES, and only
then cuts the URL; -o wide shows every column uncut.

--all-profiles lists the registrations of every profile, --provider P those
of every profile of provider P, and -p repeated (or comma-separated) those of
the profiles it names, one profile after another; the table gains a PROFILE
column (each registration's JSON has "profile" anyway), and --limit caps
each profile. A profile that fails is reported on stderr and the others are
still listed; the exit code combines them ('hookctl help exit-codes': 6 when
some profiles failed and others worked).`

// listExample is `hookctl list`'s examples.
const listExample = `  # Every registration of the current profile, as a table
  $ hookctl list

  # Just the ids, as JSON
  $ hookctl list -o json --jq '.[].id'

  # A quick look at the first 5
  $ hookctl list --limit 5

  # Every column, none cut, on a narrow terminal
  $ hookctl list -o wide

  # Who receives invoice payments
  $ hookctl list --event INVOICE.PAID

  # Every registration of every profile, and of the PEXA profiles only
  $ hookctl list --all-profiles
  $ hookctl list --provider pexa -o json`

// NewCmdList builds `hookctl list`.
func NewCmdList(f *Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{F: f}
	c := &cobra.Command{
		Use:     "list [flags]",
		Aliases: []string{"ls"},
		Short:   "List webhook registrations",
		Long:    listLong,
		Example: listExample,
		Args:    exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.Limit < 0 {
				return usageErrorf("--limit must be 0 or more")
			}
			if opts.Status != "" && !slices.Contains(webhook.Statuses, opts.Status) {
				return usageErrorf("--status %q: use one of %s", opts.Status, strings.Join(webhook.Statuses, ", "))
			}
			if opts.All && opts.Limit > 0 {
				return usageErrorf("--all lists every registration and --limit caps them: give one or the other")
			}
			if err := opts.Select.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runList(c.Context(), opts)
		},
	}
	c.Flags().BoolVar(&opts.All, "all", false, "every registration (the default; for scripts that say so)")
	c.Flags().IntVar(&opts.Limit, "limit", 0, "return at most `N` registrations; stderr says when more exist (0: all)")
	c.Flags().BoolVar(&opts.ShowSecret, "show-secret", false, "include secrets in the output")
	c.Flags().StringVar(&opts.Status, "status", "", "only registrations with this `STATUS`: "+strings.Join(webhook.Statuses, ", "))
	c.Flags().StringSliceVar(&opts.Events, "event", nil, "only registrations receiving `EVENT` (repeat, or comma-separate, for any of several)")
	_ = c.RegisterFlagCompletionFunc("event", completeEvents(f))
	_ = c.RegisterFlagCompletionFunc("status", cobra.FixedCompletions(webhook.Statuses, cobra.ShellCompDirectiveNoFileComp))
	addProfileSelectionFlags(c, f, &opts.Select)
	return c
}

func runList(ctx context.Context, opts *ListOptions) error {
	names, err := opts.Select.profiles(opts.F)
	if err != nil {
		return err
	}
	printer, err := opts.F.Printer()
	if err != nil {
		return err
	}
	var regs []webhook.Registration
	var capped []profileRun // the profiles --limit left registrations out of
	listed := 0
	runErr := forEachProfile(ctx, opts.F, names, func(r profileRun) error {
		got, more, err := listProfile(ctx, opts)
		if err != nil {
			return err
		}
		listed++
		regs = append(regs, got...)
		if more {
			capped = append(capped, r)
		}
		return nil
	})
	if listed == 0 {
		return runErr
	}
	data, table := output.Registrations(regs, opts.ShowSecret)
	profiles := make([]string, len(data))
	for i, r := range data {
		profiles[i] = r.Profile
	}
	labelProfiles(table, len(names) > 1, profiles)
	table.Empty = "no registrations"
	if opts.Status == webhook.StatusPenaltyBox {
		table.Empty = "no registrations in the penalty box"
	}
	if err := printer.Print(data, table); err != nil {
		return err
	}
	for _, r := range capped {
		warnCode(opts.F, "more_results", "%sshowing the first %d registrations; more exist (leave out --limit to list them all)", r.prefix(), opts.Limit)
	}
	return runErr
}

// listProfile reads the registrations of the selected profile, with the
// filters and the cap applied; more: the cap left some out.
func listProfile(ctx context.Context, opts *ListOptions) (regs []webhook.Registration, more bool, err error) {
	prov, profile, err := opts.F.Provider()
	if err != nil {
		return nil, false, err
	}
	if el, ok := prov.(webhook.EventLister); ok && len(opts.Events) > 0 {
		if regs, err = listByEvent(ctx, el, opts.Events); err != nil {
			return nil, false, err
		}
	} else {
		lo := webhook.ListOptions{All: true}
		if opts.Limit > 0 && opts.Status == "" && len(opts.Events) == 0 {
			// One more than the cap tells whether more exist. With a
			// filter every registration is read: the cap applies after it.
			lo = webhook.ListOptions{Limit: opts.Limit + 1}
		}
		if regs, err = prov.List(ctx, lo); err != nil {
			return nil, false, err
		}
		ids := make([]string, len(regs))
		for i, r := range regs {
			ids[i] = r.ID
		}
		saveIDCache(opts.F, profile.Name, ids)
	}
	regs = slices.DeleteFunc(regs, func(r webhook.Registration) bool {
		return opts.Status != "" && r.Status != opts.Status ||
			len(opts.Events) > 0 && !slices.ContainsFunc(opts.Events, r.Receives)
	})
	if more = opts.Limit > 0 && len(regs) > opts.Limit; more {
		regs = regs[:opts.Limit]
	}
	return regs, more, nil
}

// listByEvent asks the provider for each event's registrations, each
// registration once.
func listByEvent(ctx context.Context, el webhook.EventLister, events []string) ([]webhook.Registration, error) {
	var out []webhook.Registration
	seen := map[string]bool{}
	for _, ev := range events {
		regs, err := el.ListEvent(ctx, ev)
		if err != nil {
			return nil, err
		}
		for _, r := range regs {
			if !seen[r.ID] {
				seen[r.ID] = true
				out = append(out, r)
			}
		}
	}
	return out, nil
}
