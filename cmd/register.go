package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// RegisterOptions are `hookctl register`'s inputs.
type RegisterOptions struct {
	F            *Factory
	URL          string
	Events       []string
	AllEvents    bool
	Name         string
	Inactive     bool
	ShowSecret   bool
	TestFirst    bool
	Params       map[string]string // the provider flags given
	StrictEvents *bool             // --strict-events, nil when not given
}

// NewCmdRegister builds `hookctl register`.
func NewCmdRegister(f *Factory, runF func(*RegisterOptions) error) *cobra.Command {
	opts := &RegisterOptions{F: f}
	var params map[string]*string
	c := &cobra.Command{
		Use:   "register --url <url> (--event <event>... | --all-events) [flags]",
		Short: "Register a webhook endpoint",
		Long: `Register a webhook endpoint at the profile's provider. Each provider's rules are
checked before anything is sent. An event name missing from the provider's
catalogue ('hookctl events') is sent with a warning naming the closest known
ones, and the provider decides; --strict-events (or the profile setting
strict-events) refuses it instead. The new signing secret, when the provider
returns one, is stored in the keyring for 'hookctl verify'.

Every registration names its events: without --event or --all-events,
register refuses to run (exit 2), since what a provider makes of an empty
event list is undocumented and can quietly stop deliveries, or flood them.
--all-events asks for every event, as each provider documents it:
` + allEventsHelp() + `

--test-first (solvimon) has the provider try the endpoint with a test delivery
before anything is created; when the endpoint fails the test, nothing is
registered and hookctl exits 1 with the provider's answer.`,
		Example: `  # Solvimon
  $ hookctl register --url https://hooks.example.com/solvimon --event INVOICE.CREATED --name billing --reference billing-1

  # Solvimon: register only if the endpoint takes a test delivery
  $ hookctl register --test-first --url https://hooks.example.com/solvimon --event INVOICE.PAID --name billing --reference billing-2

  # PEXA: SECRET_EXPIRY plus at least one other event
  $ hookctl register -p pexa-uk --url https://hooks.example.com/pexa --event SECRET_EXPIRY --event WORKSPACE_CLOSED

  # OffBlocks: every type its guide lists, named one by one
  $ hookctl register -p offblocks --url https://hooks.example.com/offblocks --all-events`,
		Args: exactArgs(0, "no arguments (use --url and --event)"),
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.URL == "" {
				return usageErrorf("--url is required")
			}
			if opts.AllEvents && len(opts.Events) > 0 {
				return usageErrorf("give --event or --all-events, not both")
			}
			if err := activeFlags(c, &opts.Inactive); err != nil {
				return err
			}
			opts.Params = setParams(c, params)
			if runF != nil {
				return runF(opts)
			}
			return runRegister(c.Context(), opts)
		},
	}
	c.Flags().StringVar(&opts.URL, "url", "", "endpoint URL that receives deliveries")
	c.Flags().StringSliceVarP(&opts.Events, "event", "e", nil, "event type to subscribe to (repeatable; see 'hookctl events')")
	c.Flags().BoolVar(&opts.AllEvents, "all-events", false, allEventsUsage("subscribe to"))
	c.Flags().StringVar(&opts.Name, "name", "", "display name (required by solvimon; pwc: the subscription name)")
	addActiveFlags(c, "create the registration enabled (the default)", "create the registration disabled")
	c.Flags().BoolVar(&opts.ShowSecret, "show-secret", false, "print the new secret in full")
	c.Flags().BoolVar(&opts.TestFirst, "test-first", false, "have the provider test the endpoint first; register nothing if it fails (solvimon)")
	addStrictEventsFlag(c, &opts.StrictEvents)
	params = addParamFlags(c)
	_ = c.RegisterFlagCompletionFunc("event", completeEvents(f))
	return c
}

func runRegister(ctx context.Context, opts *RegisterOptions) error {
	prov, profile, err := opts.F.Provider()
	if err != nil {
		return err
	}
	printer, err := opts.F.Printer()
	if err != nil {
		return err
	}
	_, spec, err := opts.F.Profile()
	if err != nil {
		return err
	}
	if err := checkEventsGiven(spec, profile.Name, opts.Events, opts.AllEvents, "no --event given"); err != nil {
		return err
	}
	req := webhook.CreateRequest{URL: opts.URL, Events: opts.Events, AllEvents: opts.AllEvents, Name: opts.Name, Params: map[string]string{}}
	for k, v := range opts.Params {
		if v != "" {
			req.Params[k] = v
		}
	}
	if opts.Inactive {
		active := false
		req.Active = &active
	}
	if err := checkEventNames(ctx, opts.F, prov, profile, opts.Events, opts.StrictEvents); err != nil {
		return err
	}
	if err := checkSecretStore(opts.F, profile.Name); err != nil {
		return err
	}
	if opts.TestFirst {
		if err := testFirst(ctx, opts.F, prov, req); err != nil {
			return err
		}
	}
	regs, err := prov.Register(ctx, req)
	if err != nil {
		return err
	}
	if opts.AllEvents && spec.AllEvents.Notice != "" {
		notice(opts.F, "%s", spec.AllEvents.Notice)
	}
	if err := storeSecrets(opts.F, profile.Name, regs); err != nil {
		return err
	}
	data, table := output.Registrations(regs, opts.ShowSecret)
	return printer.Print(data, table)
}

// checkSecretStore makes sure, before a registration is created, that the
// credential store can keep its signing secret: a webhook whose secret is
// lost is worse than none, and a retry would create a duplicate.
// Providers that sign deliveries with their own key (they declare
// verification keys) hand out no secret to keep.
func checkSecretStore(f *Factory, profile string) error {
	prov, _, err := f.Provider()
	if err != nil {
		return err
	}
	if _, ok := prov.(webhook.VerificationKeySource); ok {
		return nil
	}
	creds, err := f.Credentials()
	if err != nil {
		return err
	}
	if err := creds.CheckWritable(profile); err != nil {
		return credentials.CannotKeep("nothing was registered: the credential store cannot keep the new webhook's signing secret", err)
	}
	return nil
}

// storeSecrets keeps each registration's returned secret as current in the
// keyring; a failure is reported, since the secret is needed to verify.
func storeSecrets(f *Factory, profile string, regs []webhook.Registration) error {
	var withSecret []webhook.Registration
	for _, r := range regs {
		if r.Secret != "" {
			withSecret = append(withSecret, r)
		}
	}
	if len(withSecret) == 0 {
		return nil
	}
	creds, err := f.Credentials()
	if err != nil {
		return fmt.Errorf("registered, but the secret could not be stored: %w (rerun 'hookctl get ID --show-secret' to see it)", err)
	}
	for _, r := range withSecret {
		if err := creds.StoreCurrent(profile, r.ID, r.Secret, 0, f.Now()); err != nil {
			return fmt.Errorf("registered %s, but its secret could not be stored: %w", r.ID, err)
		}
	}
	return nil
}

// testFirst has the provider try the endpoint of a registration about to
// be created; a failed test stops `register --test-first` with the
// provider's answer, nothing created.
func testFirst(ctx context.Context, f *Factory, prov webhook.Provider, req webhook.CreateRequest) error {
	ct, ok := prov.(webhook.ConnectionTester)
	if !ok {
		return webhook.Unsupported(prov.Name(), "register --test-first")
	}
	msg, err := ct.TestConnection(ctx, req)
	if err != nil {
		e := &webhook.Error{Kind: webhook.KindOf(err), Err: err, Msg: "nothing was registered"}
		if e.Kind == webhook.KindError {
			e.WithHint("make %s answer 2xx to the test delivery, then run the command again (or register without --test-first)", req.URL)
		}
		return e
	}
	notice(f, "endpoint test passed: %s", msg)
	return nil
}
