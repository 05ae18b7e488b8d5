package cmd

import (
	"context"
	"regexp"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/rotation"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// RotateOptions are `hookctl rotate-secret`'s inputs.
type RotateOptions struct {
	F *Factory

	IDs            []string
	All            bool
	ExpiringWithin time.Duration
	OlderThan      time.Duration
	Events         []string
	URLMatch       string
	DryRun         bool
	Redeliver      bool
	Concurrency    int
	Rate           string
	SecretOut      string
	Exec           string
	ShowSecret     bool
	// CurrentSecretFile proves ownership for this call only (PwC).
	CurrentSecretFile string
	Select            profileSelection
}

// rotateLong is `hookctl rotate-secret`'s help text.
const rotateLong = `Rotate signing secrets, one registration or many. Each new secret is stored in the
credential store as current (the old one as previous while the provider still signs
with it) and, with --secret-out or --exec, delivered to where the receiver reads it.
A journal in the state directory makes a crashed run safe: the next run finishes it,
delivering to the sinks named on its own command line (never to ones the journal names).
The credential store and every sink are checked before the first rotation: a sink that
cannot work stops the run with nothing changed. When a delivery fails, no further
rotation starts; rerun with a working sink to deliver, without rotating again.
--redeliver sends the stored current secrets to the sinks without rotating.

Each registration gets one row, whose status is ok, failed, skipped, planned
or would fail (--dry-run), not supported, or not started: the run was
interrupted (Ctrl-C) before its turn, nothing was sent for it, and a rerun
does it. "(recovered)" marks a row
finished from the journal of an interrupted run.

--older-than reads the age of a secret from the provider (PEXA: its expiry less the
30-day lifetime; Solvimon: secret_rolled_at; PwC: the subscription's last change) and
from the secret store, never from the journal, so a CI runner that keeps nothing
chooses as one that keeps its state dir. --dry-run reports what the real run would
refuse as "would fail" (PwC without the current secret it wants as proof) and exits
as the real run would. --all over a provider without webhook secrets (OffBlocks)
reports each registration "not supported" and succeeds.

--all with --all-profiles rotates every profile, with --provider P every
profile of provider P, with -p repeated the profiles it names: one profile
after another (each under its own rotation lock and its provider account's),
one report whose rows name their profile (PROFILE). Profiles without webhook
secrets report "not supported"; two profiles of one provider account are
refused (exit 2) before anything is sent. A failed delivery stops the run as
within one profile: no later profile starts. The exit code combines the
profiles' ('hookctl help exit-codes'): 0 when every profile succeeded, 6
when some failed and others worked, the profiles' own code when all failed
alike.`

// rotateExample is `hookctl rotate-secret`'s examples.
const rotateExample = `  # rotate one registration (Solvimon)
  $ hookctl rotate-secret whk_3354cb22cdfe209a3847

  # what a scheduled job would rotate, without rotating
  $ hookctl rotate-secret --all --older-than 720h --dry-run

  # rotate in CI and push each secret into Vault (secret on stdin)
  $ hookctl rotate-secret --all --older-than 720h --exec 'vault kv put secret/hooks/$HOOKCTL_ID value=-'

  # PwC: rotate a subscription whose current secret hookctl does not hold;
  # the new secret is stored as usual
  $ hookctl rotate-secret 5f0c... --current-secret-file old-secret.txt

  # send the stored secrets to Vault again, without rotating
  $ hookctl rotate-secret --all --redeliver --exec 'vault kv put secret/hooks/$HOOKCTL_ID value=-'

  # every profile's secrets older than 30 days, in one run
  $ hookctl rotate-secret --all --all-profiles --older-than 30d --exec 'vault kv put secret/hooks/$HOOKCTL_PROFILE/$HOOKCTL_ID value=-'`

// NewCmdRotate builds `hookctl rotate-secret`.
func NewCmdRotate(f *Factory, runF func(*RotateOptions) error) *cobra.Command {
	opts := &RotateOptions{F: f}
	c := &cobra.Command{
		Use:               "rotate-secret [<id>...] [flags]",
		Short:             "Rotate the signing secret of registrations",
		Long:              rotateLong,
		Example:           rotateExample,
		ValidArgsFunction: completeIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IDs = args
			if err := opts.Select.validate(); err != nil {
				return err
			}
			if opts.Select.several() && (len(args) > 0 || !opts.All) {
				return usageErrorf("over several profiles (--all-profiles, --provider, -p repeated) pass --all: ids name the registrations of one profile")
			}
			if opts.All == (len(args) > 0) {
				return usageErrorf("name registration ids or pass --all")
			}
			if opts.Concurrency < 0 {
				return usageErrorf("--concurrency must be positive")
			}
			if _, err := parseRate(opts.Rate); err != nil {
				return usageErrorf("--rate: %v", err)
			}
			if opts.CurrentSecretFile != "" && (len(args) != 1 || opts.Redeliver) {
				return usageErrorf("--current-secret-file holds the secret of one registration: name exactly one id (and no --redeliver)")
			}
			if opts.Redeliver && opts.SecretOut == "" && opts.Exec == "" {
				return usageErrorf("--redeliver needs --secret-out FILE or --exec CMD to deliver to")
			}
			if _, err := regexp.Compile(opts.URLMatch); err != nil {
				return usageErrorf("--url-match: %v", err)
			}
			if runF != nil {
				return runF(opts)
			}
			return runRotate(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.BoolVar(&opts.All, "all", false, "rotate every registration of the profile (narrowed by the filters)")
	fl.Var(output.DurationValue{P: &opts.ExpiringWithin}, "expiring-within", "only secrets that expire within `DUR` (e.g. 7d, 36h)")
	fl.Var(output.DurationValue{P: &opts.OlderThan}, "older-than", "only secrets last rotated more than `DUR` ago, or never on record (e.g. 30d, 2w)")
	fl.StringSliceVar(&opts.Events, "event", nil, "only registrations receiving `EVENT` (repeat, or comma-separate, for any of several)")
	_ = c.RegisterFlagCompletionFunc("event", completeEvents(f))
	fl.StringVar(&opts.URLMatch, "url-match", "", "only registrations whose URL matches `REGEX`")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the plan and what the real run would refuse; change nothing")
	fl.BoolVar(&opts.Redeliver, "redeliver", false, "send the stored current secrets to --secret-out/--exec without rotating")
	fl.IntVar(&opts.Concurrency, "concurrency", 0, "rotations in flight (default: the provider's)")
	fl.StringVar(&opts.Rate, "rate", defaultRate, "at most `N/s` provider requests (0: unlimited)")
	fl.StringVar(&opts.SecretOut, "secret-out", "", "also append each new secret to `FILE` (0600, JSON lines)")
	fl.StringVar(&opts.Exec, "exec", "", "also run `CMD` (sh -c) per new secret, secret on stdin; HOOKCTL_ID, HOOKCTL_PROVIDER, HOOKCTL_PROFILE in env")
	fl.BoolVar(&opts.ShowSecret, "show-secret", false, "print the new secrets")
	addCurrentSecretFlag(c, &opts.CurrentSecretFile)
	addProfileSelectionFlags(c, f, &opts.Select)
	return c
}

// rotateProvider is the rate-limited provider as a rotation.Rotator; a
// provider that cannot rotate is returned too, with the Unsupported error.
func rotateProvider(opts *RotateOptions) (rotation.Rotator, webhook.Provider, config.Profile, error) {
	prov, p, err := rateLimitedProvider(opts.F, opts.Rate)
	if err != nil {
		return nil, nil, p, err
	}
	rot, ok := prov.(rotation.Rotator)
	if !ok {
		err := webhook.Unsupported(prov.Name(), "rotate-secret")
		if h, ok := prov.(webhook.RotateSecretHinter); ok {
			err = err.WithHint("%s", h.RotateSecretHint())
		}
		return nil, prov, p, err
	}
	return rot, prov, p, nil
}

func runRotate(ctx context.Context, opts *RotateOptions) error {
	names, err := opts.Select.profiles(opts.F)
	if err != nil {
		return err
	}
	if err := oneProfilePerAccount(opts.F, names); err != nil {
		return err
	}
	printer, err := opts.F.Printer()
	if err != nil {
		return err
	}
	var parts []rotated
	undelivered := "" // the profile whose sink failed: no later profile starts
	runErr := forEachProfile(ctx, opts.F, names, func(r profileRun) error {
		if undelivered != "" {
			return webhook.Errorf(webhook.KindError, "not started: delivering a new secret of profile %s failed, so no rotation was started after it; fix the sink and rerun", undelivered)
		}
		part, err := rotateProfile(ctx, opts, r)
		if part.rep != nil {
			parts = append(parts, part)
		}
		if part.undelivered && !opts.Redeliver {
			undelivered = part.profile
		}
		return err
	})
	if len(parts) == 0 {
		return runErr
	}
	if err := printer.Print(rotateRows(parts), rotateTable(parts, len(names) > 1, opts.ShowSecret)); err != nil {
		return err
	}
	for _, p := range parts {
		for _, n := range p.notes {
			notice(opts.F, "%s", n)
		}
	}
	return runErr
}

// rotated is one profile's part of a rotate-secret run: its report, what
// to say about it on stderr after the table, and whether a sink failed.
type rotated struct {
	profile     string
	rep         *rotation.Report
	notes       []string
	undelivered bool
}

// rotateProfile rotates the registrations of the selected profile.
func rotateProfile(ctx context.Context, opts *RotateOptions, r profileRun) (rotated, error) {
	prog := startProgress(opts.F, "rotated")
	defer prog.stop()
	prov, base, profile, err := rotateProvider(opts)
	if err != nil {
		if base != nil && opts.All && opts.CurrentSecretFile == "" {
			return rotateNotSupported(ctx, opts, r, base, profile, err)
		}
		return rotated{}, err
	}
	if opts.CurrentSecretFile != "" {
		if err := useCurrentSecret(ctx, opts.F, prov, opts.IDs[0], opts.CurrentSecretFile); err != nil {
			return rotated{}, err
		}
	}
	creds, err := opts.F.Credentials()
	if err != nil {
		return rotated{}, err
	}
	state, err := opts.F.StateDir()
	if err != nil {
		return rotated{}, err
	}
	sel := rotation.Selector{IDs: opts.IDs, All: opts.All, ExpiringWithin: opts.ExpiringWithin, OlderThan: opts.OlderThan, Events: opts.Events}
	if opts.URLMatch != "" {
		sel.URLMatch = regexp.MustCompile(opts.URLMatch)
	}
	ro := rotation.Options{Provider: prov, Profile: profile.Name, Account: accountKey(opts.F, profile), Store: creds, StateDir: state, Select: sel,
		Concurrency: opts.Concurrency, DryRun: opts.DryRun, Redeliver: opts.Redeliver, ShowSecret: opts.ShowSecret, Now: opts.F.Now, Stderr: opts.F.IO.ErrOut}
	ro.Sinks = newSinks(opts.F, opts.SecretOut, opts.Exec)
	ro.Progress = prog.callback()
	eng, err := rotation.New(ro)
	if err != nil {
		return rotated{}, err
	}
	rep, runErr := eng.Run(ctx)
	prog.stop()
	if rep == nil {
		return rotated{}, runErr
	}
	part := rotated{profile: profile.Name, rep: rep, notes: []string{r.prefix() + rotateSummary(rep, opts.Redeliver)}, undelivered: eng.DeliveryFailed()}
	if runErr != nil {
		return part, runErr
	}
	return part, rep.Err(!opts.All && len(opts.IDs) == 1)
}

// oneProfilePerAccount refuses a run over two profiles of one provider
// account (accountKey): each would rotate the same registrations, one
// right after the other, and the first would keep secrets the provider
// no longer signs with. As apply refuses such a manifest, before anything
// is sent.
func oneProfilePerAccount(f *Factory, names []string) error {
	seen := map[string]string{}
	for _, n := range names {
		p, _, err := namedProfile(f, n)
		if err != nil {
			return err
		}
		key := accountKey(f, p)
		if key == "" {
			continue
		}
		if first, ok := seen[key]; ok {
			return webhook.Errorf(webhook.KindUsage, "profiles %q and %q reach the same %s account (same API and credentials); a run rotates an account under one profile", first, n, p.Provider).
				WithHint("name the profiles with -p, leaving out one of the two")
		}
		seen[key] = n
	}
	return nil
}
