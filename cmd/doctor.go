package cmd

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/base/text"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/doctor"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// maxFixRounds bounds doctor --fix's write-and-check-again rounds.
const maxFixRounds = 3

// DoctorOptions are `hookctl doctor`'s flags.
type DoctorOptions struct {
	F *Factory
	// Fix writes what the probes found into the profile; DryRun shows
	// it without writing.
	Fix, DryRun bool
	Select      profileSelection
}

// NewCmdDoctor builds `hookctl doctor`.
func NewCmdDoctor(f *Factory, runF func(*DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{F: f}
	c := &cobra.Command{
		Use:   "doctor [flags]",
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
FAIL, what to do. -o json prints an array of {profile, check, status, detail,
fix, found, probes} (status ok, warn, fail or skipped).
docs/guides/provider-assumptions.md says which check confirms each fact
hookctl inferred about a provider, and which probe finds its value.

Where a check of an inferred wire fact fails (OffBlocks' covered components,
digest algorithm and verification-key path, PEXA's UK read path, PwC's read
route), doctor tries the documented alternatives, read-only and at most
five requests per fact, and names the one the account accepts ("found", and
"probes": the requests sent). --fix writes the found values into the
profile's settings and prints the change as a diff on stderr; --fix
--dry-run prints the diff and writes nothing. --fix never prompts: it changes
only the local profile, and the diff shows the old values to restore.

Exits 0 when no check fails (warn and skipped do not count), 4 when the
credentials are missing or refused, 1 when any other check fails. With --fix,
once settings are written the checks run again with them (and what that run
finds is written too, up to three rounds: one fix can uncover the next), and
the exit code is the last run's; the table shows the run before the fix.

--all-profiles, --provider P and -p repeated check several profiles in turn,
in one table with a PROFILE column; the exit code combines them ('hookctl
help exit-codes'): 0 when all are ready, 6 when some are not, 4 when no
profile's credentials work.`,
		Example: `  $ hookctl doctor -p pexa-uk
  $ hookctl doctor -p billing -o json --jq '.[] | select(.status == "fail")'

  # Write what the probes found into the profile, then check again
  $ hookctl doctor -p cards --fix
  $ hookctl doctor -p cards

  # Every profile, before a CI job relies on them
  $ hookctl doctor --all-profiles`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.DryRun && !opts.Fix {
				return usageErrorf("--dry-run goes with --fix (doctor itself never writes)")
			}
			if err := opts.Select.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runDoctor(c.Context(), opts)
		},
	}
	c.Flags().BoolVar(&opts.Fix, "fix", false, "write the settings the probes found working into the profile (diff on stderr)")
	c.Flags().BoolVar(&opts.DryRun, "dry-run", false, "with --fix: print the diff, write nothing")
	addProfileSelectionFlags(c, f, &opts.Select)
	return c
}

// doctorRow is one check of one profile, as -o json prints it.
type doctorRow struct {
	Profile string `json:"profile"`
	webhook.Check
}

func runDoctor(ctx context.Context, opts *DoctorOptions) error {
	f := opts.F
	names, err := opts.Select.profiles(f)
	if err != nil {
		return err
	}
	printer, err := f.Printer()
	if err != nil {
		return err
	}
	hc, err := f.HTTPClient()
	if err != nil {
		return err
	}
	defer func(orig func() (*http.Client, error)) { f.HTTPClient = orig }(f.HTTPClient)
	rows := []doctorRow{}
	var notices []string
	runErr := forEachProfile(ctx, f, names, func(profileRun) error {
		// An observer per profile: the clock and TLS checks judge its provider.
		observed, obs := doctor.Observe(hc, f.Now)
		f.HTTPClient = func() (*http.Client, error) { return observed, nil }
		res, err := doctorProfile(ctx, opts, obs)
		for _, c := range res.checks {
			rows = append(rows, doctorRow{Profile: res.profile, Check: c})
		}
		if res.ready != "" {
			notices = append(notices, res.ready)
		}
		return err
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	t := &output.Table{Headers: []string{"STATUS", "CHECK", "DETAIL", "FIX"}, Wrap: []string{"DETAIL", "FIX"}}
	profiles := make([]string, len(rows))
	for i, c := range rows {
		// One line each: a newline in a cell would show as \x0a.
		t.AddRow(c.Status.Label(), c.Name, text.OneLine(c.Detail), text.OneLine(c.Fix))
		profiles[i] = c.Profile
	}
	labelProfiles(t, len(names) > 1, profiles)
	if err := printer.Print(rows, t); err != nil {
		return err
	}
	for _, n := range notices {
		notice(f, "%s", n)
	}
	return runErr
}

// doctorResult is what doctor found for one profile: the checks the
// table shows and, when it is ready, the notice that says so.
type doctorResult struct {
	profile string
	checks  []webhook.Check
	ready   string
}

// doctorProfile checks the selected profile and, with --fix, writes what
// the probes found and checks again; the error says what still fails.
func doctorProfile(ctx context.Context, opts *DoctorOptions, obs *doctor.Observer) (doctorResult, error) {
	f := opts.F
	checks, profile, spec, authFailed := doctorChecks(ctx, f, obs)
	res := doctorResult{profile: profile.Name, checks: checks}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if opts.Fix {
		// A fix can uncover the next fact (a request refused for its
		// signature hides whether the path it was sent to exists), so
		// --fix checks again after writing and writes what that run
		// found, a few rounds at most.
		wroteAny := false
		for range maxFixRounds {
			wrote, err := fixProfile(f, profile, spec, checks, opts.DryRun)
			if err != nil {
				return res, err
			}
			if !wrote {
				break
			}
			wroteAny = true
			if checks, profile, _, authFailed = doctorChecks(ctx, f, obs); ctx.Err() != nil {
				return res, ctx.Err()
			}
		}
		if wroteAny {
			// The verdict is the profile's as it is now (the table
			// shows what was found before the fix).
			if names := failedChecks(checks); len(names) > 0 {
				kind := webhook.KindError
				if authFailed {
					kind = webhook.KindAuth
				}
				return res, webhook.Errorf(kind, "doctor --fix: with the new settings, %d check(s) still fail for profile %s: %s", len(names), profile.Name, strings.Join(names, ", "))
			}
			res.ready = fmt.Sprintf("doctor --fix: checked again with the new settings: profile %s is ready", profile.Name)
			return res, nil
		}
	}
	failed := failedChecks(checks)
	switch {
	case authFailed:
		return res, webhook.Errorf(webhook.KindAuth, "doctor: the credentials of profile %s are missing or refused (failed: %s)", profile.Name, strings.Join(failed, ", "))
	case len(failed) > 0:
		return res, webhook.Errorf(webhook.KindError, "doctor: %d check(s) failed for profile %s: %s", len(failed), profile.Name, strings.Join(failed, ", "))
	}
	res.ready = fmt.Sprintf("doctor: profile %s is ready: every check the core loop needs passed", profile.Name)
	return res, nil
}

// doctorChecks runs every check of the selected profile, in order.
func doctorChecks(ctx context.Context, f *Factory, obs *doctor.Observer) ([]webhook.Check, config.Profile, provider.Spec, bool) {
	profile, spec, prov, cfgCheck := doctorConfig(f)
	checks := []webhook.Check{cfgCheck}
	if cfgCheck.Status == webhook.CheckFail {
		for _, name := range webhook.GenericChecks[1:] {
			checks = append(checks, webhook.Skipped(name, "not checked: the profile could not be loaded"))
		}
		return checks, profile, spec, false
	}
	checks = append(checks, doctorKeyring(f, profile, spec))
	rep := doctor.Run(ctx, doctor.Input{Provider: prov, Declared: spec.DoctorChecks, Observer: obs})
	return append(checks, rep.Checks...), profile, spec, rep.AuthFailed
}

func failedChecks(checks []webhook.Check) []string {
	var out []string
	for _, c := range checks {
		if c.Status == webhook.CheckFail {
			out = append(out, c.Name)
		}
	}
	return out
}
