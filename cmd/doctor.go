package cmd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/doctor"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// NewCmdDoctor builds `hookctl doctor`.
func NewCmdDoctor(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check that the profile's core loop works, without changing anything",
		Long: `Check, without changing anything at the provider, what the core loop
(register, list, update, rotate-secret, verify) of the profile relies on:

  config       the config file is readable and the profile resolves
  keyring      the credential store answers
  credentials  the provider accepts the credentials (a new access token
               where it issues tokens, never a cached one)
  list         listing registrations is permitted
  ...          the provider's own checks: each read path the profile relies
               on (with a registration's id when one exists), PEXA's scopes,
               OffBlocks' signing and verification keys, PwC's RSA key
  events       the event catalogue (live where the provider has one)
  clock        this machine's clock against the provider's Date header
               (warn beyond 1m, FAIL at the 5m signature tolerance)
  tls          https with a verified certificate (plain http on loopback,
               hookctl's sandbox, is skipped)

One line per check: ok, warn, FAIL or skipped, with what was seen and, for a
FAIL, what to do. -o json prints an array of {check, status, detail, fix}
(status ok, warn, fail or skipped). docs/guides/provider-assumptions.md says
which check confirms each fact hookctl inferred about a provider.

Exits 0 when no check fails (warn and skipped do not count), 4 when the
credentials are missing or refused, 1 when any other check fails.`,
		Example: `  $ hookctl doctor -p pexa-uk
  $ hookctl doctor -p billing -o json --jq '.[] | select(.status == "fail")'`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error { return runDoctor(c.Context(), f) },
	}
}

func runDoctor(ctx context.Context, f *Factory) error {
	printer, err := f.Printer()
	if err != nil {
		return err
	}
	hc, err := f.HTTPClient()
	if err != nil {
		return err
	}
	// Every request of the checks goes through the observer, so the clock
	// and TLS checks judge the provider's own answers.
	observed, obs := doctor.Observe(hc, f.Now)
	f.HTTPClient = func() (*http.Client, error) { return observed, nil }

	var checks []webhook.Check
	profile, spec, prov, cfgCheck := doctorConfig(f)
	checks = append(checks, cfgCheck)
	var authFailed bool
	if cfgCheck.Status == webhook.CheckFail {
		for _, name := range webhook.GenericChecks[1:] {
			checks = append(checks, webhook.Skipped(name, "not checked: the profile could not be loaded"))
		}
	} else {
		checks = append(checks, doctorKeyring(f, profile, spec))
		rep := doctor.Run(ctx, doctor.Input{Provider: prov, Declared: spec.DoctorChecks, Observer: obs})
		checks = append(checks, rep.Checks...)
		authFailed = rep.AuthFailed
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	t := &output.Table{Headers: []string{"STATUS", "CHECK", "DETAIL", "FIX"}}
	var failed []string
	for _, c := range checks {
		t.AddRow(c.Status.Label(), c.Name, c.Detail, c.Fix)
		if c.Status == webhook.CheckFail {
			failed = append(failed, c.Name)
		}
	}
	if err := printer.Print(checks, t); err != nil {
		return err
	}
	switch {
	case authFailed:
		return webhook.Errorf(webhook.KindAuth, "doctor: the credentials of profile %s are missing or refused (failed: %s)", profile.Name, strings.Join(failed, ", "))
	case len(failed) > 0:
		return webhook.Errorf(webhook.KindError, "doctor: %d check(s) failed for profile %s: %s", len(failed), profile.Name, strings.Join(failed, ", "))
	}
	notice(f, "doctor: profile %s is ready: every check the core loop needs passed", profile.Name)
	return nil
}

// doctorConfig loads the config, resolves the profile and builds its
// provider client (which checks the profile's settings).
func doctorConfig(f *Factory) (config.Profile, provider.Spec, webhook.Provider, webhook.Check) {
	fix := "fix the file, or recreate the profile with `hookctl profile add NAME --provider P ...`"
	cfg, err := f.Config()
	if err != nil {
		return config.Profile{}, provider.Spec{}, nil, webhook.Failed(webhook.CheckConfig, err, fix)
	}
	p, spec, err := f.Profile()
	if err != nil {
		return p, spec, nil, webhook.Failed(webhook.CheckConfig, err, fix)
	}
	prov, _, err := f.Provider()
	if err != nil {
		return p, spec, nil, webhook.Failed(webhook.CheckConfig, err, fix)
	}
	where := p.Provider
	if p.Region != "" {
		where += " " + p.Region
	}
	if p.Environment != "" {
		where += " " + p.Environment
	}
	return p, spec, prov, webhook.Passed(webhook.CheckConfig, "profile %s (%s) from %s", p.Name, where, cfg.Path)
}

// doctorKeyring reads one of the profile's entries: absent is fine, an
// unreachable keyring is not. Nothing is written.
func doctorKeyring(f *Factory, p config.Profile, spec provider.Spec) webhook.Check {
	fix := "start the Secret Service (e.g. gnome-keyring) or unlock the keyring; without one, set the HOOKCTL_* variables or use --insecure-storage (`hookctl help credentials`)"
	creds, err := f.Credentials()
	if err != nil {
		return webhook.Failed(webhook.CheckKeyring, err, fix)
	}
	name := "store-check"
	if len(spec.Credentials) > 0 {
		name = spec.Credentials[0].Name
	}
	if _, err := creds.Get(p.Name, name); err != nil && !errors.Is(err, credentials.ErrNotFound) {
		return webhook.Failed(webhook.CheckKeyring, err, fix)
	}
	what := "the " + string(creds.Source())
	switch creds.Source() {
	case credentials.SourceKeyring:
		what = "the OS keyring"
	case credentials.SourceFile:
		what = "the credentials file"
	}
	loc, err := creds.WebhookSecretsLocation()
	if err != nil {
		return webhook.Failed(webhook.CheckKeyring, fmt.Errorf("%s answers, but the webhook secrets' data key cannot be read: %w", what, err), fix)
	}
	return webhook.Passed(webhook.CheckKeyring, "%s answers; %s", what, loc)
}
