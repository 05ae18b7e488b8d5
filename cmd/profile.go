package cmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/providers"
)

// NewCmdProfile builds `hookctl profile`.
func NewCmdProfile(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use: "profile <command>",
		Example: `  $ hookctl profile add billing --provider solvimon --environment live
  $ hookctl profile list
  $ hookctl profile use billing
  $ hookctl profile show billing`,
		Short: "Manage profiles (provider, region, API base, non-secret ids)",
	}
	c.AddCommand(NewCmdProfileAdd(f, nil), NewCmdProfileList(f, nil), NewCmdProfileUse(f, nil), NewCmdProfileShow(f, nil), NewCmdProfileRemove(f, nil))
	return c
}

// profileView is the JSON form of a profile: every key always there,
// settings keyed in snake_case like every other JSON key (the config file
// keeps the flag spelling, client-id, that 'profile add' takes).
type profileView struct {
	Name        string            `json:"name"`
	Provider    string            `json:"provider"`
	Region      string            `json:"region"`
	Environment string            `json:"environment"`
	BaseURL     string            `json:"base_url"`
	TokenURL    string            `json:"token_url"`
	Settings    map[string]string `json:"settings"`
	Current     bool              `json:"current"`
}

func newProfileView(p config.Profile, current bool) profileView {
	v := profileView{Name: p.Name, Provider: p.Provider, Region: p.Region, Environment: p.Environment,
		BaseURL: p.BaseURL, TokenURL: p.TokenURL, Settings: map[string]string{}, Current: current}
	for k, val := range p.Settings {
		v.Settings[strings.ReplaceAll(k, "-", "_")] = val
	}
	return v
}

// ProfileListOptions are `hookctl profile list`'s inputs.
type ProfileListOptions struct {
	F *Factory
}

// NewCmdProfileList builds `hookctl profile list`.
func NewCmdProfileList(f *Factory, runF func(*ProfileListOptions) error) *cobra.Command {
	opts := &ProfileListOptions{F: f}
	return &cobra.Command{
		Use: "list",
		Example: `  $ hookctl profile list
  $ hookctl profile list -o json --jq '.[].name'`,
		Aliases: []string{"ls"},
		Short:   "List profiles",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runProfileList(opts)
		},
	}
}

func runProfileList(opts *ProfileListOptions) error {
	f := opts.F
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
		views = append(views, newProfileView(p, cur))
		mark := ""
		if cur {
			mark = "*"
		}
		t.AddRow(n, p.Provider, p.Region, p.Environment, p.BaseURL, mark)
	}
	t.Empty = "no profiles: add one with 'hookctl profile add'"
	return printer.Print(views, t)
}

// ProfileUseOptions are `hookctl profile use`'s inputs.
type ProfileUseOptions struct {
	F    *Factory
	Name string
}

// NewCmdProfileUse builds `hookctl profile use`.
func NewCmdProfileUse(f *Factory, runF func(*ProfileUseOptions) error) *cobra.Command {
	opts := &ProfileUseOptions{F: f}
	return &cobra.Command{
		Use:               "use <name>",
		Example:           `  $ hookctl profile use billing`,
		Short:             "Make a profile the current one",
		Args:              exactArgs(1, "a profile name"),
		ValidArgsFunction: completeProfiles(f),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runProfileUse(opts)
		},
	}
}

func runProfileUse(opts *ProfileUseOptions) error {
	cfg, err := opts.F.Config()
	if err != nil {
		return err
	}
	if _, err := cfg.Resolve(opts.Name); err != nil {
		return profileError(err)
	}
	cfg.CurrentProfile = opts.Name
	if err := cfg.Save(); err != nil {
		return err
	}
	notice(opts.F, "current profile: %s", opts.Name)
	return nil
}

// ProfileRemoveOptions are `hookctl profile remove`'s inputs.
type ProfileRemoveOptions struct {
	F    *Factory
	Name string
}

// NewCmdProfileRemove builds `hookctl profile remove`.
func NewCmdProfileRemove(f *Factory, runF func(*ProfileRemoveOptions) error) *cobra.Command {
	opts := &ProfileRemoveOptions{F: f}
	return &cobra.Command{
		Use: "remove <name>",
		Example: `  $ hookctl profile remove billing
  $ hookctl profile remove billing --yes   # in a script`,
		Aliases:           []string{"rm"},
		SuggestFor:        []string{"delete", "del"},
		Short:             "Remove a profile and everything stored for it (credentials, tokens, webhook secrets)",
		Args:              exactArgs(1, "a profile name"),
		ValidArgsFunction: completeProfiles(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runProfileRemove(c.Context(), opts)
		},
	}
}

func runProfileRemove(ctx context.Context, opts *ProfileRemoveOptions) error {
	f := opts.F
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	p, err := cfg.Resolve(opts.Name)
	if err != nil {
		return profileError(err)
	}
	if err := confirm(ctx, f, fmt.Sprintf("Remove profile %s and its stored credentials?", p.Name)); err != nil {
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
}
