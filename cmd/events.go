package cmd

import (
	"context"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// NewCmdEvents builds `hookctl events`.
func NewCmdEvents(f *Factory, runF func() error) *cobra.Command {
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
				return runF()
			}
			return runEvents(c.Context(), f)
		},
	}
}

func runEvents(ctx context.Context, f *Factory) error {
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

// addStrictEventsFlag adds --strict-events to a command that takes events,
// setting *dst only when it is given (nil: the profile's strict-events
// setting decides).
func addStrictEventsFlag(c *cobra.Command, dst **bool) {
	c.Flags().VarPF(&optionalBool{dst}, "strict-events", "", "refuse event names missing from the provider's catalogue instead of sending them with a warning (default: the profile's strict-events setting)").NoOptDefVal = "true"
}

// optionalBool is a boolean flag value that stays nil until given.
type optionalBool struct{ v **bool }

func (o *optionalBool) String() string {
	if o.v == nil || *o.v == nil {
		return "false"
	}
	return strconv.FormatBool(**o.v)
}

func (o *optionalBool) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*o.v = &b
	return nil
}

func (o *optionalBool) Type() string { return "bool" }

// checkEventNames checks the event names given to register or update
// against the provider's catalogue: catalogues are incomplete,
// so a name missing there is sent with a warning naming the closest known
// ones, and the provider decides; with --strict-events (or the profile's
// strict-events) it is refused before any request, exit 2.
func checkEventNames(ctx context.Context, f *Factory, prov webhook.Provider, profile config.Profile, names []string, strictFlag *bool) error {
	strict := profile.Setting(provider.FieldStrictEvents) == "true"
	if strictFlag != nil {
		strict = *strictFlag
	}
	ec, ok := prov.(webhook.EventChecker)
	if !ok {
		if strict {
			return webhook.Unsupported(prov.Name(), "--strict-events").WithHint("%s publishes no event names to check against; `hookctl events -p %s` lists the names your registrations use", prov.Name(), profile.Name)
		}
		return nil
	}
	if len(names) == 0 {
		return nil
	}
	cat, err := ec.EventsToCheck(ctx, names)
	if err != nil {
		return err
	}
	unknown := webhook.UnknownEvents(names, cat.Names())
	if len(unknown) == 0 {
		return nil
	}
	if cat.Fallback != "" {
		warnCode(f, "events_fallback", "%s", cat.Fallback)
	}
	if cat.Source == webhook.SourceLive {
		// The provider's own list, read just now: it would refuse the
		// name, so say so here, before anything is sent.
		var parts []string
		for _, u := range unknown {
			parts = append(parts, u.Name+suggestion(u))
		}
		return webhook.Invalid("%s: not in %s: %s", prov.Name(), cat.Name, strings.Join(parts, "; ")).WithHint(
			"see `hookctl events -p %s` for the events %s offers", profile.Name, prov.Name())
	}
	if strict {
		var parts []string
		for _, u := range unknown {
			parts = append(parts, u.Name+suggestion(u))
		}
		return webhook.Invalid("%s: --strict-events refuses event names not in %s: %s", prov.Name(), cat.Name, strings.Join(parts, "; ")).WithHint(
			"see `hookctl events -p %s`; without --strict-events (and the profile's strict-events setting) such names are sent with a warning and %s decides",
			profile.Name, prov.Name())
	}
	for _, u := range unknown {
		warnCode(f, "unknown_event", "%s is not in %s%s; sent anyway, %s decides (--strict-events refuses such names)", u.Name, cat.Name, suggestion(u), prov.Name())
	}
	return nil
}

// suggestion is " (did you mean X?)", " (closest: A, B)" or "".
func suggestion(u webhook.UnknownEvent) string {
	if s := u.Suggestion(); s != "" {
		return " (" + s + ")"
	}
	return ""
}
