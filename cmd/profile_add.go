package cmd

import (
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
	Name, Provider, Region, Environment, BaseURL, TokenURL string
	Settings                                               map[string]*string // string fields
	Bools                                                  map[string]*bool   // boolean fields
	Use                                                    bool
	Force                                                  bool
}

func newCmdProfileAdd(f *Factory) *cobra.Command {
	opts := &ProfileAddOptions{}
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
			return runProfileAdd(f, c, opts)
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
	opts.Settings, opts.Bools = map[string]*string{}, map[string]*bool{}
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
			opts.Bools[name] = fl.Bool(name, false, usage)
		} else {
			opts.Settings[name] = fl.String(name, "", usage)
		}
	}
	_ = c.RegisterFlagCompletionFunc("provider", cobra.FixedCompletions(providers.Names(), cobra.ShellCompDirectiveNoFileComp))
	return c
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

func runProfileAdd(f *Factory, c *cobra.Command, opts *ProfileAddOptions) error {
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
	p := config.Profile{Name: opts.Name, Provider: spec.Name, Region: opts.Region, Environment: opts.Environment,
		BaseURL: strings.TrimRight(opts.BaseURL, "/"), TokenURL: opts.TokenURL, Settings: map[string]string{}}
	if len(spec.Regions) == 0 && p.Region != "" {
		return usageErrorf("--region is not used by %s", spec.Name)
	}
	if len(spec.Regions) > 0 {
		if p.Region == "" {
			return usageErrorf("--region is required for %s (%s)", spec.Name, strings.Join(spec.Regions, ", "))
		}
		if !slices.Contains(spec.Regions, p.Region) {
			return usageErrorf("unknown region %q for %s (%s)", p.Region, spec.Name, strings.Join(spec.Regions, ", "))
		}
	}
	if p.Environment == "" && len(spec.Environments) > 0 {
		p.Environment = spec.Environments[0]
	}
	if p.Environment != "" && !slices.Contains(spec.Environments, p.Environment) {
		return usageErrorf("unknown environment %q for %s (%s)", p.Environment, spec.Name, strings.Join(spec.Environments, ", "))
	}
	for _, fd := range spec.Fields {
		v := opts.value(c, fd.Name)
		if v == "" {
			if fd.Required {
				return usageErrorf("--%s is required for %s", fd.Name, spec.Name)
			}
			continue
		}
		if fd.Validate != nil {
			if err := fd.Validate(v); err != nil {
				return usageErrorf("--%s: %v", fd.Name, err)
			}
		}
		if fd.Normalize != nil {
			v = fd.Normalize(v)
		}
		p.Settings[fd.Name] = v
	}
	for _, name := range append(slices.Collect(maps.Keys(opts.Settings)), slices.Collect(maps.Keys(opts.Bools))...) {
		if opts.value(c, name) != "" && p.Settings[name] == "" {
			return usageErrorf("--%s is not used by %s", name, spec.Name)
		}
	}
	if spec.ValidateProfile != nil {
		if err := spec.ValidateProfile(p); err != nil {
			return &webhook.Error{Kind: webhook.KindUsage, Err: err}
		}
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
		if err := confirm(c.Context(), f, fmt.Sprintf("Replace profile %s (provider %s)?", p.Name, old.Provider)); err != nil {
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

// value is a setting flag as given: "" when not given, "true"/"false" for
// a boolean one.
func (opts *ProfileAddOptions) value(c *cobra.Command, name string) string {
	if b, ok := opts.Bools[name]; ok {
		if !c.Flags().Changed(name) {
			return ""
		}
		return strconv.FormatBool(*b)
	}
	if v, ok := opts.Settings[name]; ok && c.Flags().Changed(name) {
		return *v
	}
	return ""
}

// sameProfile reports whether a and b are the same profile, setting for
// setting (no settings and an empty map are the same).
func sameProfile(a, b config.Profile) bool {
	return a.Name == b.Name && a.Provider == b.Provider && a.Region == b.Region && a.Environment == b.Environment &&
		a.BaseURL == b.BaseURL && a.TokenURL == b.TokenURL && maps.Equal(a.Settings, b.Settings)
}
