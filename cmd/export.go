package cmd

import (
	"context"
	"io"
	"net/http"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/time/rate"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/manifest"
	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// ExportOptions are `hookctl export`'s inputs.
type ExportOptions struct {
	F        *Factory
	Profiles []string
	PinIDs   bool
}

// NewCmdExport builds `hookctl export`.
func NewCmdExport(f *Factory, runF func(*ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{F: f}
	c := &cobra.Command{
		Use:   "export [-p <profile>...] [flags]",
		Short: "Write the registrations of profiles as a manifest (webhooks as code)",
		Long: `Write the registrations of one or more profiles as a manifest that 'hookctl diff'
and 'hookctl apply' read: provider, profile, url, events, active, name and the
provider-specific settings (params), never a secret. Each entry is headed by a
comment naming its identity, what diff and apply find it by when no id is pinned:
the provider's own stable name where it has one (Solvimon reference, PwC name and
event), else its URL and events. --pin-ids writes each registration's id too.
A registration without an event filter is written as all_events: true, which
apply sends as 'hookctl register --all-events' does; an entry with neither
events nor all_events is refused (exit 2), never read as every event.

The manifest is YAML (JSON with -o json); its schema is
docs/webhooks-manifest.schema.json.`,
		Example: `  # the registrations of two profiles, into a reviewed file
  $ hookctl export -p billing -p pexa-uk > webhooks.yaml

  # pin each registration by its id (PEXA and OffBlocks have no stable name)
  $ hookctl export -p pexa-uk --pin-ids > webhooks.yaml`,
		Args: exactArgs(0, "no arguments (name profiles with -p)"),
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runExport(c.Context(), opts)
		},
	}
	addProfilesFlag(c, f, &opts.Profiles, "`PROFILE` to export (repeat, or comma-separate; default: the selected profile)")
	c.Flags().BoolVar(&opts.PinIDs, "pin-ids", false, "write each registration's id, so diff and apply match by id")
	return c
}

func runExport(ctx context.Context, opts *ExportOptions) error {
	names := uniqueIDs(opts.Profiles)
	if len(names) == 0 {
		p, _, err := opts.F.Profile()
		if err != nil {
			return err
		}
		names = []string{p.Name}
	}
	var regs []webhook.Registration
	for _, name := range names {
		prov, _, err := manifestProvider(opts.F, name, len(names), "")
		if err != nil {
			return err
		}
		list, err := prov.List(ctx, webhook.ListOptions{All: true})
		if err != nil {
			return err
		}
		regs = append(regs, list...)
	}
	m := manifest.FromRegistrations(regs, opts.PinIDs)
	printer, err := opts.F.Printer()
	if err != nil {
		return err
	}
	if printer.Structured() {
		return printer.Print(m, nil)
	}
	b, err := m.Encode()
	if err != nil {
		return err
	}
	_, err = opts.F.IO.Out.Write(b)
	return err
}

// manifestProvider builds the provider client of a named profile; rate,
// when set ("N/s"), limits every HTTP attempt. --base-url applies only
// when there is one profile (it names one API).
func manifestProvider(f *Factory, name string, profiles int, rateFlag string) (webhook.Provider, config.Profile, error) {
	p, spec, err := namedProfile(f, name)
	if err != nil {
		return nil, p, err
	}
	if f.Global.BaseURL != "" {
		if profiles > 1 {
			return nil, p, usageErrorf("--base-url names one API, but the command uses %d profiles; set base URLs in the profiles instead", profiles)
		}
		p.BaseURL = f.Global.BaseURL
	}
	deps, err := f.Deps(p)
	if err != nil {
		return nil, p, err
	}
	if rateFlag != "" {
		if hc := rateLimitedHTTP(f, rateFlag); hc != nil {
			deps.HTTP = hc
		}
	}
	prov, err := spec.New(deps)
	return prov, p, err
}

// rateLimitedHTTP is an HTTP client whose every attempt, retries
// included, waits for a limiter of rateFlag; nil when unlimited.
func rateLimitedHTTP(f *Factory, rateFlag string) *http.Client {
	lim, _ := parseRate(rateFlag)
	if lim == rate.Inf {
		return nil
	}
	return f.NewHTTPClient(func(o *httpclient.Options) { o.Limiter = rate.NewLimiter(lim, 1) })
}

// namedProfile resolves a profile a manifest or -p names.
func namedProfile(f *Factory, name string) (config.Profile, provider.Spec, error) {
	if err := config.ValidName(name); err != nil {
		return config.Profile{}, provider.Spec{}, usageErrorf("profile %q: %v", name, err)
	}
	cfg, err := f.Config()
	if err != nil {
		return config.Profile{}, provider.Spec{}, err
	}
	p, err := cfg.Resolve(name)
	if err != nil {
		return p, provider.Spec{}, &webhook.Error{Kind: webhook.KindUsage, Err: err}
	}
	spec, err := providers.Lookup(p.Provider)
	if err != nil {
		return p, spec, &webhook.Error{Kind: webhook.KindUsage, Err: err}
	}
	return p, spec, nil
}

// maxManifest bounds what -f reads.
const maxManifest = 16 << 20

// loadManifest reads and validates a manifest file ("-": stdin),
// checks its profiles against the config and, with -p given on the
// command line (not HOOKCTL_PROFILE, which CI often sets for other
// commands), keeps only that profile's entries.
func loadManifest(f *Factory, c *cobra.Command, path string) (*manifest.Manifest, error) {
	var in io.Reader = f.IO.In
	if path != "-" {
		fh, err := os.Open(path)
		if err != nil {
			return nil, usageErrorf("-f: %v", err)
		}
		defer fh.Close()
		in = fh
	}
	data, err := io.ReadAll(io.LimitReader(in, maxManifest+1))
	if err != nil {
		return nil, usageErrorf("-f: %v", err)
	}
	if len(data) > maxManifest {
		return nil, usageErrorf("-f %s: over %d MiB; a manifest is a list of registrations", path, maxManifest>>20)
	}
	m, err := manifest.Parse(path, data)
	if err != nil {
		return nil, err
	}
	err = m.Check(path, func(name string) (string, error) {
		p, _, err := namedProfile(f, name)
		return p.Provider, err
	})
	if err != nil || !c.Flags().Changed("profile") {
		return m, err
	}
	only := f.Global.Profile
	var kept []manifest.Entry
	for _, e := range m.Webhooks {
		if e.Profile == only {
			kept = append(kept, e)
		}
	}
	if len(kept) == 0 {
		return nil, usageErrorf("%s has no entry for profile %s (-p)", path, only)
	}
	m.Webhooks = kept
	return m, nil
}

// manifestTargets builds one target per profile the manifest names.
func manifestTargets(f *Factory, m *manifest.Manifest, rateFlag string) ([]manifest.Target, error) {
	names := m.Profiles()
	targets := make([]manifest.Target, 0, len(names))
	for _, name := range names {
		prov, p, err := manifestProvider(f, name, len(names), rateFlag)
		if err != nil {
			return nil, err
		}
		targets = append(targets, manifest.Target{Profile: name, Account: accountKey(f, p), Provider: prov, Entries: m.Webhooks})
	}
	return targets, nil
}
