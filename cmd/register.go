package cmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// RegisterOptions are `hookctl register`'s inputs.
type RegisterOptions struct {
	F            *Factory
	URL          string
	Events       []string
	Name         string
	Inactive     bool
	ShowSecret   bool
	TestFirst    bool
	Params       map[string]*string
	StrictEvents *bool // --strict-events, nil when not given
}

// NewCmdRegister builds `hookctl register`.
func NewCmdRegister(f *Factory, runF func(*RegisterOptions) error) *cobra.Command {
	opts := &RegisterOptions{F: f}
	c := &cobra.Command{
		Use:   "register --url <url> --event <event>... [flags]",
		Short: "Register a webhook endpoint",
		Long: `Register a webhook endpoint at the profile's provider. Each provider's rules are
checked before anything is sent. An event name missing from the provider's
catalogue ('hookctl events') is sent with a warning naming the closest known
ones, and the provider decides; --strict-events (or the profile setting
strict-events) refuses it instead. The new signing secret, when the provider
returns one, is stored in the keyring for 'hookctl verify'.

--test-first (solvimon) has the provider try the endpoint with a test delivery
before anything is created; when the endpoint fails the test, nothing is
registered and hookctl exits 1 with the provider's answer.`,
		Example: `  # Solvimon
  $ hookctl register --url https://hooks.example.com/solvimon --event INVOICE.CREATED --name billing --reference billing-1

  # Solvimon: register only if the endpoint takes a test delivery
  $ hookctl register --test-first --url https://hooks.example.com/solvimon --event INVOICE.PAID --name billing --reference billing-2

  # PEXA: SECRET_EXPIRY plus at least one other event
  $ hookctl register -p pexa-uk --url https://hooks.example.com/pexa --event SECRET_EXPIRY --event WORKSPACE_CLOSED`,
		Args: exactArgs(0, "no arguments (use --url and --event)"),
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.URL == "" {
				return usageErrorf("--url is required")
			}
			if err := activeFlags(c, &opts.Inactive); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runRegister(c.Context(), opts)
		},
	}
	c.Flags().StringVar(&opts.URL, "url", "", "endpoint URL that receives deliveries")
	c.Flags().StringSliceVarP(&opts.Events, "event", "e", nil, "event type to subscribe to (repeatable; see 'hookctl events')")
	c.Flags().StringVar(&opts.Name, "name", "", "display name (required by solvimon; pwc: the subscription name)")
	addActiveFlags(c, "create the registration enabled (the default)", "create the registration disabled")
	c.Flags().BoolVar(&opts.ShowSecret, "show-secret", false, "print the new secret in full")
	c.Flags().BoolVar(&opts.TestFirst, "test-first", false, "have the provider test the endpoint first; register nothing if it fails (solvimon)")
	addStrictEventsFlag(c, &opts.StrictEvents)
	opts.Params = addParamFlags(c)
	_ = c.RegisterFlagCompletionFunc("event", completeEvents(f))
	return c
}

// addActiveFlags adds --active and --inactive, the pair register and
// update both take (issue 16 item 2).
func addActiveFlags(c *cobra.Command, active, inactive string) {
	c.Flags().Bool("active", false, active)
	c.Flags().Bool("inactive", false, inactive)
}

// activeFlags reads --active/--inactive: *inactive is true for
// --inactive or --active=false. It reports whether either was given.
func activeFlags(c *cobra.Command, inactive *bool) error {
	fl := c.Flags()
	a, _ := fl.GetBool("active")
	i, _ := fl.GetBool("inactive")
	if fl.Changed("active") && fl.Changed("inactive") {
		return usageErrorf("give --active or --inactive, not both")
	}
	*inactive = (fl.Changed("inactive") && i) || (fl.Changed("active") && !a)
	return nil
}

// addParamFlags adds every provider's register/update params as flags; each
// says which providers use it, and adapters reject ones they don't know.
func addParamFlags(c *cobra.Command) map[string]*string {
	params := map[string]*string{}
	usage := map[string][]string{}
	text := map[string]string{}
	var order []string
	for _, spec := range providers.All() {
		for _, p := range spec.Params {
			if _, seen := text[p.Name]; !seen {
				order = append(order, p.Name)
				text[p.Name] = p.Usage
			}
			usage[p.Name] = append(usage[p.Name], spec.Name)
		}
	}
	for _, name := range order {
		params[name] = c.Flags().String(name, "", fmt.Sprintf("%s (%s)", text[name], strings.Join(usage[name], ", ")))
	}
	return params
}

// setParams returns the params the user set.
func setParams(c *cobra.Command, params map[string]*string) map[string]string {
	out := map[string]string{}
	for name, v := range params {
		if c.Flags().Changed(name) {
			out[name] = *v
		}
	}
	return out
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
	req := webhook.CreateRequest{URL: opts.URL, Events: opts.Events, Name: opts.Name, Params: map[string]string{}}
	for k, v := range opts.Params {
		if *v != "" {
			req.Params[k] = *v
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
	if len(opts.Events) == 0 {
		if _, spec, err := opts.F.Profile(); err == nil && spec.NoEvents != "" {
			notice(opts.F, "no --event given: the registration receives %s", spec.NoEvents)
		}
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
		return &webhook.Error{Kind: webhook.KindOf(err), Err: err,
			Msg: "nothing was registered: the credential store cannot keep the new webhook's signing secret"}
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
