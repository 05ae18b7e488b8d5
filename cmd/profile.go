package cmd

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// NewCmdProfile builds `hookctl profile`.
func NewCmdProfile(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "profile <command>",
		Short: "Manage profiles (provider, region, API base, non-secret ids)",
	}
	c.AddCommand(newCmdProfileAdd(f), newCmdProfileList(f), newCmdProfileUse(f), newCmdProfileShow(f), newCmdProfileRemove(f))
	return c
}

// ProfileAddOptions are `hookctl profile add`'s inputs.
type ProfileAddOptions struct {
	Name, Provider, Region, Environment, BaseURL, TokenURL string
	Settings                                               map[string]*string
	Use                                                    bool
}

func newCmdProfileAdd(f *Factory) *cobra.Command {
	opts := &ProfileAddOptions{}
	c := &cobra.Command{
		Use:   "add <name> --provider <provider> [flags]",
		Short: "Add or replace a profile",
		Example: `  $ hookctl profile add billing --provider solvimon --environment live
  $ hookctl profile add pexa-uk --provider pexa --region uk --client-id abc123`,
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
	opts.Settings = map[string]*string{}
	users := map[string][]string{}
	usage := map[string]string{}
	var order []string
	for _, spec := range providers.All() {
		for _, fd := range spec.Fields {
			if _, ok := usage[fd.Name]; !ok {
				order = append(order, fd.Name)
				usage[fd.Name] = fd.Usage
			}
			users[fd.Name] = append(users[fd.Name], spec.Name)
		}
	}
	for _, name := range order {
		opts.Settings[name] = fl.String(name, "", fmt.Sprintf("%s (%s)", usage[name], strings.Join(users[name], ", ")))
	}
	_ = c.RegisterFlagCompletionFunc("provider", cobra.FixedCompletions(providers.Names(), cobra.ShellCompDirectiveNoFileComp))
	return c
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
		v := *opts.Settings[fd.Name]
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
		p.Settings[fd.Name] = v
	}
	for name, v := range opts.Settings {
		if c.Flags().Changed(name) && *v != "" && p.Settings[name] == "" {
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

// profileView is the JSON form of a profile.
type profileView struct {
	config.Profile
	Current bool `json:"current"`
}

func newCmdProfileList(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List profiles",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(*cobra.Command, []string) error {
			cfg, err := f.Config()
			if err != nil {
				return err
			}
			printer, err := f.Printer()
			if err != nil {
				return err
			}
			views := []profileView{}
			t := &output.Table{Headers: []string{"NAME", "PROVIDER", "REGION", "ENVIRONMENT", "BASE URL", "CURRENT"}}
			for _, n := range cfg.Names() {
				p := cfg.Profiles[n]
				cur := n == cfg.CurrentProfile
				views = append(views, profileView{p, cur})
				mark := ""
				if cur {
					mark = "*"
				}
				t.AddRow(n, p.Provider, p.Region, p.Environment, p.BaseURL, mark)
			}
			return printer.Print(views, t)
		},
	}
}

func newCmdProfileUse(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:               "use <name>",
		Short:             "Make a profile the current one",
		Args:              exactArgs(1, "a profile name"),
		ValidArgsFunction: completeProfiles(f),
		RunE: func(_ *cobra.Command, args []string) error {
			cfg, err := f.Config()
			if err != nil {
				return err
			}
			if _, err := cfg.Resolve(args[0]); err != nil {
				return &webhook.Error{Kind: webhook.KindNotFound, Err: err}
			}
			cfg.CurrentProfile = args[0]
			if err := cfg.Save(); err != nil {
				return err
			}
			notice(f, "current profile: %s", args[0])
			return nil
		},
	}
}

func newCmdProfileShow(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:               "show [<name>]",
		Short:             "Show a profile (default: the selected one)",
		SuggestFor:        []string{"get", "describe", "view"},
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeProfiles(f),
		RunE: func(_ *cobra.Command, args []string) error {
			cfg, err := f.Config()
			if err != nil {
				return err
			}
			name, err := f.ProfileName()
			if err != nil {
				return err
			}
			if len(args) == 1 {
				name = args[0]
			}
			p, err := cfg.Resolve(name)
			if err != nil {
				return &webhook.Error{Kind: webhook.KindNotFound, Err: err}
			}
			printer, err := f.Printer()
			if err != nil {
				return err
			}
			t := &output.Table{Headers: []string{"FIELD", "VALUE"}}
			t.AddRow("name", p.Name)
			t.AddRow("provider", p.Provider)
			for _, kv := range [][2]string{{"region", p.Region}, {"environment", p.Environment}, {"base-url", p.BaseURL}, {"token-url", p.TokenURL}} {
				if kv[1] != "" {
					t.AddRow(kv[0], kv[1])
				}
			}
			keys := make([]string, 0, len(p.Settings))
			for k := range p.Settings {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				t.AddRow(k, p.Settings[k])
			}
			return printer.Print(profileView{p, p.Name == cfg.CurrentProfile}, t)
		},
	}
}

func newCmdProfileRemove(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:               "remove <name>",
		Aliases:           []string{"rm"},
		SuggestFor:        []string{"delete", "del"},
		Short:             "Remove a profile and everything stored for it (credentials, tokens, webhook secrets)",
		Args:              exactArgs(1, "a profile name"),
		ValidArgsFunction: completeProfiles(f),
		RunE: func(_ *cobra.Command, args []string) error {
			cfg, err := f.Config()
			if err != nil {
				return err
			}
			p, err := cfg.Resolve(args[0])
			if err != nil {
				return &webhook.Error{Kind: webhook.KindNotFound, Err: err}
			}
			if err := confirm(f, fmt.Sprintf("Remove profile %s and its stored credentials?", p.Name)); err != nil {
				return err
			}
			// Everything the store wrote for the profile (its index):
			// credentials, cached tokens, keys, webhook secrets; plus the
			// provider's credential names and token, which may predate
			// the index.
			if creds, err := f.Credentials(); err == nil {
				extra := []string{"token"}
				if spec, err := providers.Lookup(p.Provider); err == nil {
					for _, cr := range spec.Credentials {
						extra = append(extra, cr.Name)
					}
				}
				if err := creds.ForgetProfile(p.Name, extra...); err != nil {
					warn(f, "could not remove everything stored for profile %s: %v", p.Name, err)
				}
			}
			delete(cfg.Profiles, p.Name)
			if cfg.CurrentProfile == p.Name {
				cfg.CurrentProfile = ""
			}
			if err := cfg.Save(); err != nil {
				return err
			}
			notice(f, "profile %s removed", p.Name)
			return nil
		},
	}
}
