package cmd

// `hookctl profile show`: a profile and what its provider can do.

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

// profileShowView is `profile show`'s JSON: the profile and what it can
// do (null when its provider client cannot be built from it).
type profileShowView struct {
	profileView
	Capabilities []string `json:"capabilities"`
}

// ProfileShowOptions are `hookctl profile show`'s inputs.
type ProfileShowOptions struct {
	F *Factory
	// Name is the profile to show; "" for the selected one.
	Name string
}

// NewCmdProfileShow builds `hookctl profile show`.
func NewCmdProfileShow(f *Factory, runF func(*ProfileShowOptions) error) *cobra.Command {
	opts := &ProfileShowOptions{F: f}
	return &cobra.Command{
		Use: "show [<name>]",
		Example: `  $ hookctl profile show            # the current profile
  $ hookctl profile show billing -o yaml
  $ hookctl profile show billing -o json --jq '.capabilities'`,
		Short: "Show a profile (default: the selected one) and what it can do",
		Long: `Show a profile's settings and its capabilities: what its provider lets
hookctl do beyond register, list, get, update, delete and verify. A command
that needs one the profile lacks answers "not supported by <provider>" (exit
2); rotate-secret --all reports such a profile's registrations "not
supported" and succeeds.

` + capabilitiesHelp(),
		SuggestFor:        []string{"get", "describe", "view"},
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeProfiles(f),
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Name = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return runProfileShow(opts)
		},
	}
}

func runProfileShow(opts *ProfileShowOptions) error {
	f := opts.F
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	name, err := f.ProfileName()
	if err != nil {
		return err
	}
	if opts.Name != "" {
		name = opts.Name
	}
	p, err := cfg.Resolve(name)
	if err != nil {
		return profileError(err)
	}
	printer, err := f.Printer()
	if err != nil {
		return err
	}
	v := profileShowView{profileView: newProfileView(p, p.Name == cfg.CurrentProfile)}
	caps, err := profileCapabilities(f, p)
	if err != nil {
		warn(f, "%s; its capabilities are not known", firstLine(err.Error()))
	}
	v.Capabilities = caps
	// The table shows the JSON's fields under the JSON's names.
	t := &output.Table{Headers: []string{"FIELD", "VALUE"}}
	t.AddRow("name", v.Name)
	t.AddRow("provider", v.Provider)
	for _, kv := range [][2]string{{"region", v.Region}, {"environment", v.Environment}, {"base_url", v.BaseURL}, {"token_url", v.TokenURL}} {
		if kv[1] != "" {
			t.AddRow(kv[0], kv[1])
		}
	}
	keys := make([]string, 0, len(v.Settings))
	for k := range v.Settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t.AddRow("settings."+k, v.Settings[k])
	}
	t.AddRow("current", fmt.Sprint(v.Current))
	if caps != nil {
		t.AddRow("capabilities", strings.Join(caps, ", "))
	}
	return printer.Print(v, t)
}

// profileCapabilities builds the profile's provider client, without
// sending anything, and asks it what it can do (webhook.Capabilities).
func profileCapabilities(f *Factory, p config.Profile) ([]string, error) {
	spec, err := providers.Lookup(p.Provider)
	if err != nil {
		return nil, err
	}
	deps, err := f.Deps(p)
	if err != nil {
		return nil, err
	}
	prov, err := spec.New(deps)
	if err != nil {
		return nil, err
	}
	return webhook.Capabilities(prov), nil
}

// capabilitiesHelp lists every capability and what it makes work.
func capabilitiesHelp() string {
	var b strings.Builder
	b.WriteString("Capabilities:\n")
	for _, c := range webhook.AllCapabilities {
		fmt.Fprintf(&b, "  %-17s %s\n", c.Name, c.Enables)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
