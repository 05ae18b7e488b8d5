package cmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// UpdateOptions are `hookctl update`'s inputs.
type UpdateOptions struct {
	F            *Factory
	ID           string
	URL          string
	Name         string
	Events       []string
	AddEvents    []string
	RemoveEvents []string
	AllEvents    bool
	Active       bool
	Params       map[string]string
	StrictEvents *bool // --strict-events, nil when not given
	// CurrentSecretFile proves ownership for this call only (PwC).
	CurrentSecretFile string

	setURL, setName, setEvents, setActive bool
}

// NewCmdUpdate builds `hookctl update`.
func NewCmdUpdate(f *Factory, runF func(*UpdateOptions) error) *cobra.Command {
	opts := &UpdateOptions{F: f}
	var params map[string]*string
	c := &cobra.Command{
		Use:   "update <id> [flags]",
		Short: "Change a webhook registration",
		Long: `Change a registration's URL, events, name or active state. Only what you pass
changes; --add-event and --remove-event edit the current event list. Event
names given are checked as 'hookctl register' checks them.

An update never leaves a registration without events: removing the last one
is refused (exit 2), as register refuses none. --all-events replaces the list
with every event, as 'hookctl register --help' says for each provider.`,
		Example: `  # Solvimon: a new URL, then one more event and one fewer
  $ hookctl update whk_3354cb22cdfe209a3847 --url https://hooks.example.com/v2
  $ hookctl update whk_3354cb22cdfe209a3847 --add-event INVOICE.PAID --remove-event INVOICE.CREATED

  # PwC: pause deliveries, and resume them
  $ hookctl update -p pwc 818631fb-948c-4c2a-88c5-a83a661baa4e --inactive
  $ hookctl update -p pwc 818631fb-948c-4c2a-88c5-a83a661baa4e --active

  # PwC: a subscription whose secret hookctl does not hold
  $ vault kv get -field=secret secret/hooks/818631fb | hookctl update -p pwc 818631fb-948c-4c2a-88c5-a83a661baa4e --url https://hooks.example.com/v2 --current-secret-file -`,
		Args:              exactArgs(1, "one registration id"),
		ValidArgsFunction: completeIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.ID = args[0]
			fl := c.Flags()
			opts.setURL, opts.setName, opts.setEvents, opts.setActive = fl.Changed("url"), fl.Changed("name"), fl.Changed("event"), fl.Changed("active") || fl.Changed("inactive")
			var inactive bool
			if err := activeFlags(c, &inactive); err != nil {
				return err
			}
			opts.Active = !inactive
			opts.Params = setParams(c, params)
			if opts.setEvents && (len(opts.AddEvents) > 0 || len(opts.RemoveEvents) > 0) {
				return usageErrorf("--event replaces the list; don't combine it with --add-event or --remove-event")
			}
			if opts.AllEvents && (opts.setEvents || len(opts.AddEvents) > 0 || len(opts.RemoveEvents) > 0) {
				return usageErrorf("--all-events replaces the list; don't combine it with --event, --add-event or --remove-event")
			}
			if !opts.setURL && !opts.setName && !opts.setEvents && !opts.AllEvents && !opts.setActive && len(opts.AddEvents)+len(opts.RemoveEvents)+len(opts.Params) == 0 {
				return usageErrorf("nothing to update: pass --url, --event, --add-event, --remove-event, --all-events, --name, --active, --inactive or a provider flag")
			}
			if runF != nil {
				return runF(opts)
			}
			return runUpdate(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.URL, "url", "", "new endpoint URL")
	fl.StringVar(&opts.Name, "name", "", "new display name")
	fl.StringSliceVarP(&opts.Events, "event", "e", nil, "replace the event list (repeatable)")
	fl.StringSliceVar(&opts.AddEvents, "add-event", nil, "add an event (repeatable)")
	fl.StringSliceVar(&opts.RemoveEvents, "remove-event", nil, "remove an event (repeatable)")
	fl.BoolVar(&opts.AllEvents, "all-events", false, allEventsUsage("replace the event list with"))
	addActiveFlags(c, "enable deliveries", "disable deliveries (--active=false says the same)")
	addStrictEventsFlag(c, &opts.StrictEvents)
	addCurrentSecretFlag(c, &opts.CurrentSecretFile)
	params = addParamFlags(c)
	for _, name := range []string{"event", "add-event", "remove-event"} {
		_ = c.RegisterFlagCompletionFunc(name, completeEvents(f))
	}
	return c
}

func runUpdate(ctx context.Context, opts *UpdateOptions) error {
	prov, profile, err := opts.F.Provider()
	if err != nil {
		return err
	}
	if err := useCurrentSecret(opts.F, prov, opts.ID, opts.CurrentSecretFile); err != nil {
		return err
	}
	// The names given are checked; those already on the registration were
	// accepted by the provider.
	given := opts.AddEvents
	if opts.setEvents {
		given = opts.Events
	}
	if err := checkEventNames(ctx, opts.F, prov, profile, given, opts.StrictEvents); err != nil {
		return err
	}
	printer, err := opts.F.Printer()
	if err != nil {
		return err
	}
	req := webhook.UpdateRequest{Params: opts.Params}
	if opts.setURL {
		req.URL = &opts.URL
	}
	if opts.setName {
		req.Name = &opts.Name
	}
	if opts.setActive {
		req.Active = &opts.Active
	}
	if opts.setEvents {
		// --event '' is an empty list, refused below; never "keep".
		req.Events = append([]string{}, opts.Events...)
	}
	if len(opts.AddEvents) > 0 || len(opts.RemoveEvents) > 0 {
		cur, err := prov.Get(ctx, opts.ID)
		if err != nil {
			return err
		}
		req.Events = webhook.ApplyEventEdits(cur.Events, opts.AddEvents, opts.RemoveEvents)
	}
	_, spec, err := opts.F.Profile()
	if err != nil {
		return err
	}
	if req.Events != nil || opts.AllEvents {
		if err := checkEventsGiven(spec, profile.Name, req.Events, opts.AllEvents, "the update would leave no events"); err != nil {
			return err
		}
		req.AllEvents = opts.AllEvents
	}
	reg, err := prov.Update(ctx, opts.ID, req)
	if err != nil {
		return err
	}
	if opts.AllEvents && spec.AllEvents.Notice != "" {
		notice(opts.F, "%s", spec.AllEvents.Notice)
	}
	data, table := output.Registrations([]webhook.Registration{*reg}, false)
	return printer.Print(data[0], table)
}
