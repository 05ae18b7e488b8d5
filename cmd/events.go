package cmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// EventsOptions are `hookctl events`' inputs.
type EventsOptions struct {
	F *Factory
}

// NewCmdEvents builds `hookctl events`.
func NewCmdEvents(f *Factory, runF func(*EventsOptions) error) *cobra.Command {
	opts := &EventsOptions{F: f}
	return &cobra.Command{
		Use:   "events",
		Short: "List the event types the profile's provider accepts",
		Long: `List the event types the profile's provider accepts, and which are mandatory.

A line on stderr (and "source" in each JSON entry) says where the list comes
from: "live" from the provider's API (Solvimon; hookctl's built-in catalogue
stands in, with a warning, when the API cannot be read), "built-in" for
hookctl's copy of a published catalogue, with its date (PEXA, OffBlocks;
they have no API that lists events), or "subscriptions" where the provider
publishes no names (PwC): then the list is the names this profile's
subscriptions use. Catalogues are incomplete: register and update send a
name missing from them with a warning, or refuse it with --strict-events.`,
		Example: `  $ hookctl events -p pexa-uk
  $ hookctl events -p billing -o json --jq '.[].name'`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runEvents(c.Context(), opts)
		},
	}
}

func runEvents(ctx context.Context, opts *EventsOptions) error {
	f := opts.F
	prov, _, err := f.Provider()
	if err != nil {
		return err
	}
	printer, err := f.Printer()
	if err != nil {
		return err
	}
	cat, err := prov.Events(ctx)
	if err != nil {
		return err
	}
	if cat.Fallback != "" {
		warnCode(f, "events_fallback", "%s", cat.Fallback)
	}
	notice(f, "source: %s", cat.About)
	events := make([]webhook.EventType, 0, len(cat.Events))
	t := &output.Table{Headers: []string{"EVENT", "MANDATORY", "DESCRIPTION"}, Wrap: []string{"DESCRIPTION"}}
	for _, e := range cat.Events {
		e.Source = cat.Source
		events = append(events, e)
		m := ""
		if e.Mandatory {
			m = "yes"
		}
		t.AddRow(e.Name, m, e.Description)
	}
	return printer.Print(events, t)
}
