package cmd

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// ProfileAddOptions are `hookctl profile add`'s inputs.
type ProfileAddOptions struct {
	F                                                      *Factory
	Name, Provider, Region, Environment, BaseURL, TokenURL string
	// Settings are the provider fields given, by flag name ("true" or
	// "false" for a boolean one); a flag not given is absent.
	Settings map[string]string
	Use      bool
	Force    bool
}

// NewCmdProfileAdd builds `hookctl profile add`.
func NewCmdProfileAdd(f *Factory, runF func(*ProfileAddOptions) error) *cobra.Command {
	opts := &ProfileAddOptions{F: f}
	var fields profileFieldFlags
	c := &cobra.Command{
		Use:   "add <name> --provider <provider> [flags]",
		Short: "Add or replace a profile",
		Long: `Add a profile, or replace one of the same name: with --force, or when
you say yes on a terminal. Adding a profile exactly as it is saved (without
--force) changes nothing and exits 0, so a setup script may run again.`,
		Example: `  $ hookctl profile add billing --provider solvimon --environment live
  $ hookctl profile add pexa-uk --provider pexa --region uk --client-id abc123

  # OffBlocks, where its answer differs from hookctl's inferred wire details
  $ hookctl profile add ob --provider offblocks --environment live --digest-algorithm sha-256 --verification-key-path /v1/webhooks/verification-key`,
		Args: exactArgs(1, "a profile name"),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Name = args[0]
			opts.Settings = fields.given(c)
			if runF != nil {
				return runF(opts)
			}
			return runProfileAdd(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Provider, "provider", "", "provider: "+strings.Join(providers.Names(), ", "))
	fl.StringVar(&opts.Region, "region", "", "region (pexa: uk or au)")
	fl.StringVar(&opts.Environment, "environment", "", "environment (e.g. test or live, prod or staging)")
	fl.StringVar(&opts.BaseURL, "base-url", "", "API base URL (default: the provider's for the region/environment)")
	fl.StringVar(&opts.TokenURL, "token-url", "", "OAuth token URL where the provider uses one")
	fl.BoolVar(&opts.Use, "use", false, "make it the current profile")
	fl.BoolVar(&opts.Force, "force", false, "replace a profile of the same name that differs (asked on a terminal otherwise)")
	fields = addProfileFieldFlags(c)
	_ = c.RegisterFlagCompletionFunc("provider", cobra.FixedCompletions(providers.Names(), cobra.ShellCompDirectiveNoFileComp))
	return c
}

// profileFieldFlags are the flags of every provider's profile fields.
type profileFieldFlags struct {
	strs  map[string]*string
	bools map[string]*bool
}

// addProfileFieldFlags adds a flag for each field any provider has, its
// usage naming the providers that use it.
func addProfileFieldFlags(c *cobra.Command) profileFieldFlags {
	fl := c.Flags()
	ff := profileFieldFlags{strs: map[string]*string{}, bools: map[string]*bool{}}
	users := map[string][]string{}
	fields := map[string]provider.Field{}
	var order []string
	for _, spec := range providers.All() {
		for _, fd := range spec.Fields {
			if _, ok := fields[fd.Name]; !ok {
				order = append(order, fd.Name)
				fields[fd.Name] = fd
			}
			users[fd.Name] = append(users[fd.Name], spec.Name)
		}
	}
	for _, name := range order {
		// A provider's usage quotes commands in backquotes, which pflag
		// would print as the flag's value name ("--key-id hookctl keys
		// upload"): in a flag's usage they are single quotes.
		usage := fmt.Sprintf("%s (%s)", strings.ReplaceAll(fields[name].Usage, "`", "'"), strings.Join(users[name], ", "))
		if fields[name].Bool {
			ff.bools[name] = fl.Bool(name, false, usage)
		} else {
			ff.strs[name] = fl.String(name, "", usage)
		}
	}
	return ff
}

// given is the field flags set on c, as strings.
func (ff profileFieldFlags) given(c *cobra.Command) map[string]string {
	out := map[string]string{}
	for name, b := range ff.bools {
		if c.Flags().Changed(name) {
			out[name] = strconv.FormatBool(*b)
		}
	}
	for name, v := range ff.strs {
		if c.Flags().Changed(name) {
			out[name] = *v
		}
	}
	return out
}

// envPrefixFree refuses a profile name whose own credential variables
// (HOOKCTL_<PROFILE>_<NAME>) would be another profile's: names that differ
// only in - . and _ (billing-live, billing_live). Each would read the
// other's credentials from the environment.
func envPrefixFree(cfg *config.Config, name string) error {
	prefix := credentials.EnvPrefix(name)
	for _, other := range slices.Sorted(maps.Keys(cfg.Profiles)) {
		if other != name && credentials.EnvPrefix(other) == prefix {
			return usageErrorf("profile name %q would share its credential variables (%s<NAME>) with profile %q; choose a name that differs in more than - . and _", name, prefix, other)
		}
	}
	return nil
}

func runProfileAdd(ctx context.Context, opts *ProfileAddOptions) error {
	f := opts.F
	if err := config.ValidName(opts.Name); err != nil {
		return &webhook.Error{Kind: webhook.KindUsage, Err: err}
	}
	if opts.Provider == "" {
		return usageErrorf("--provider is required (%s)", strings.Join(providers.Names(), ", "))
	}
	spec, err := providers.Lookup(opts.Provider)
	if err != nil {
		return &webhook.Error{Kind: webhook.KindUsage, Err: err}
	}
	p, err := spec.NewProfile(provider.ProfileInput{Name: opts.Name, Region: opts.Region, Environment: opts.Environment,
		BaseURL: opts.BaseURL, TokenURL: opts.TokenURL, Settings: opts.Settings})
	if err != nil {
		return err
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	if err := envPrefixFree(cfg, p.Name); err != nil {
		return err
	}
	if old, exists := cfg.Profiles[p.Name]; exists && !opts.Force && sameProfile(old, p) {
		// Nothing to replace: a setup script may run twice.
		notice(f, "profile %s is saved with these settings already; nothing changed", p.Name)
		if opts.Use && cfg.CurrentProfile != p.Name {
			cfg.CurrentProfile = p.Name
			return cfg.Save()
		}
		return nil
	}
	if old, exists := cfg.Profiles[p.Name]; exists && !opts.Force {
		// Replacing a profile loses its settings: never by accident.
		if !f.IO.CanPrompt() && !f.Global.Yes {
			return usageErrorf("profile %s exists (provider %s); pass --force to replace it", p.Name, old.Provider)
		}
		if err := confirm(ctx, f, fmt.Sprintf("Replace profile %s (provider %s)?", p.Name, old.Provider)); err != nil {
			return err
		}
	}
	cfg.Profiles[p.Name] = p
	if opts.Use || cfg.CurrentProfile == "" {
		cfg.CurrentProfile = p.Name
	}
	if err := cfg.Save(); err != nil {
		return err
	}
	notice(f, "profile %s saved (%s)", p.Name, cfg.Path)
	if len(spec.Credentials) > 0 {
		notice(f, "next: hookctl auth login -p %s", p.Name)
	}
	return nil
}

// sameProfile reports whether a and b are the same profile, setting for
// setting (no settings and an empty map are the same).
func sameProfile(a, b config.Profile) bool {
	return a.Name == b.Name && a.Provider == b.Provider && a.Region == b.Region && a.Environment == b.Environment &&
		a.BaseURL == b.BaseURL && a.TokenURL == b.TokenURL && maps.Equal(a.Settings, b.Settings)
}
