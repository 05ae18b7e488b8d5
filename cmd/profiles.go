package cmd

// Commands that run over several profiles (list, rotate-secret, doctor,
// secrets list): which profiles -p (repeated), --all-profiles and
// --provider select, the run of each in turn, and the one exit code of
// them all.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// profileSelection is which profiles a command runs for: the names of a
// repeated -p, every profile (--all-profiles), or those of providers
// (--provider). None of them: the selected profile, as everywhere else.
type profileSelection struct {
	Names     []string
	All       bool
	Providers []string
}

// addProfilesFlag puts a repeatable -p/--profile on c in place of the
// global one (a local flag shadows it); given once, it selects the
// profile as the global flag does (resolveGlobals).
func addProfilesFlag(c *cobra.Command, f *Factory, names *[]string, usage string) {
	c.Flags().StringSliceVarP(names, "profile", "p", nil, usage)
	_ = c.RegisterFlagCompletionFunc("profile", completeProfiles(f))
}

// addProfileSelectionFlags adds -p (repeatable), --all-profiles and
// --provider to c.
func addProfileSelectionFlags(c *cobra.Command, f *Factory, s *profileSelection) {
	addProfilesFlag(c, f, &s.Names, "`PROFILE` to use (env HOOKCTL_PROFILE); repeat, or comma-separate, for several")
	c.Flags().BoolVar(&s.All, "all-profiles", false, "run for every profile of the config, one after another")
	c.Flags().StringSliceVar(&s.Providers, "provider", nil, "run for every profile of `PROVIDER` (repeat for several)")
	_ = c.RegisterFlagCompletionFunc("provider", cobra.FixedCompletions(providers.Names(), cobra.ShellCompDirectiveNoFileComp))
}

// localProfile is the profile a command's own repeatable -p names when
// it is given exactly one, for resolveGlobals.
func localProfile(c *cobra.Command) (string, bool) {
	fl := c.Flags().Lookup("profile")
	if fl == nil || !fl.Changed || fl == c.Root().PersistentFlags().Lookup("profile") {
		return "", false
	}
	sv, ok := fl.Value.(pflag.SliceValue)
	if !ok {
		return "", false
	}
	if names := uniqueIDs(sv.GetSlice()); len(names) == 1 {
		return names[0], true
	}
	return "", false
}

// several reports whether the flags may select more than one profile.
func (s profileSelection) several() bool {
	return s.All || len(s.Providers) > 0 || len(uniqueIDs(s.Names)) > 1
}

// validate refuses flags that contradict each other, before anything runs.
func (s profileSelection) validate() error {
	if len(s.Names) > 0 && (s.All || len(s.Providers) > 0) {
		return usageErrorf("-p names the profiles; --all-profiles and --provider choose them: give one or the other")
	}
	for _, p := range s.Providers {
		if _, err := providers.Lookup(p); err != nil {
			return usageErrorf("--provider: %v", err)
		}
	}
	return nil
}

// profiles are the names of the selected profiles, in the order given
// (-p) or the config's; nil when the flags select one profile the usual
// way (one -p, HOOKCTL_PROFILE, the current profile). Each is checked
// against the config first, so a typo runs nothing.
func (s profileSelection) profiles(f *Factory) ([]string, error) {
	if !s.several() {
		return nil, nil
	}
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	var names []string
	switch {
	case len(s.Names) > 0:
		names = uniqueIDs(s.Names)
		for _, n := range names {
			if _, _, err := namedProfile(f, n); err != nil {
				return nil, err
			}
		}
	default:
		for _, n := range cfg.Names() {
			if s.All || slices.Contains(s.Providers, cfg.Profiles[n].Provider) {
				names = append(names, n)
			}
		}
	}
	switch {
	case len(names) == 0 && s.All:
		return nil, webhook.Errorf(webhook.KindUsage, "--all-profiles: the config has no profiles").
			WithHint("add one with `hookctl profile add NAME --provider P`")
	case len(names) == 0:
		return nil, profileError(fmt.Errorf("--provider %s: no profile of that provider (known: %s)",
			strings.Join(s.Providers, ","), strings.Join(cfg.Names(), ", ")))
	case len(names) > 1 && f.Global.BaseURL != "":
		return nil, usageErrorf("%s names one API, but the command runs for %d profiles; set base URLs in the profiles instead", f.Global.baseURLFrom, len(names))
	}
	return names, nil
}

// profileRun is the profile one turn of forEachProfile is for: name ""
// for the selected profile of a command run the usual way.
type profileRun struct {
	name    string
	several bool // the command runs for more than one profile
}

// prefix starts what a turn says on stderr, so each line names its
// profile when there are several.
func (r profileRun) prefix() string {
	if !r.several {
		return ""
	}
	return "profile " + r.name + ": "
}

// forEachProfile runs fn for each of names, one after another, with the
// Factory selecting that profile: each turn is the run `-p NAME` makes,
// with its own provider client and rotation locks, and two profiles of one
// provider account never run at once. names nil: fn runs once, for the
// selected profile. It stops at an interrupt; the error is profilesError's.
func forEachProfile(ctx context.Context, f *Factory, names []string, fn func(profileRun) error) error {
	if names == nil {
		return fn(profileRun{})
	}
	saved, savedFrom := f.Global.Profile, f.Global.profileFrom
	defer func() { f.Global.Profile, f.Global.profileFrom = saved, savedFrom }()
	var failed []profileFailure
	for _, n := range names {
		f.Global.Profile, f.Global.profileFrom = n, "--all-profiles, --provider or -p"
		if err := fn(profileRun{name: n, several: len(names) > 1}); err != nil {
			failed = append(failed, profileFailure{n, err})
			if errors.Is(err, context.Canceled) || ctx.Err() != nil {
				break
			}
		}
	}
	return profilesError(len(names), failed)
}

type profileFailure struct {
	profile string
	err     error
}

// profilesError is the outcome of a run over total profiles, failed of
// them failing ('hookctl help exit-codes'): nil when none failed; an
// interrupt as itself (130); one profile's error as it is; 7 when every
// failure was rate limiting (rerun later, as within one rotate-secret
// run); the kind every profile failed with when all failed alike (4 for
// credentials missing everywhere); else 6, a partial failure. A profile
// that cannot do the operation is no failure: it reports "not supported".
func profilesError(total int, failed []profileFailure) error {
	if len(failed) == 0 {
		return nil
	}
	for _, pf := range failed {
		if errors.Is(pf.err, context.Canceled) {
			return pf.err
		}
	}
	if total == 1 {
		return failed[0].err
	}
	kind := webhook.KindOf(failed[0].err)
	same := true
	for _, pf := range failed[1:] {
		same = same && webhook.KindOf(pf.err) == kind
	}
	switch {
	case same && kind == webhook.KindRateLimited:
	case same && len(failed) == total:
	default:
		kind = webhook.KindPartial
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d profiles failed", len(failed), total)
	for _, pf := range failed {
		fmt.Fprintf(&b, "\n  %s: %s", pf.profile, strings.ReplaceAll(pf.err.Error(), "\n", "\n    "))
	}
	return &webhook.Error{Kind: kind, Msg: b.String()}
}

// labelProfiles puts a PROFILE column first in t, each row's profile from
// profiles, when the command ran for several.
func labelProfiles(t *output.Table, several bool, profiles []string) {
	if !several {
		return
	}
	t.Headers = append([]string{"PROFILE"}, t.Headers...)
	for i := range t.Rows {
		t.Rows[i] = append([]string{profiles[i]}, t.Rows[i]...)
	}
}
