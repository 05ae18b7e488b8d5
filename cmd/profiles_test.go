package cmd

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// TestProfilesError pins how the profiles of one run combine into one
// exit code ('hookctl help exit-codes').
func TestProfilesError(t *testing.T) {
	auth := webhook.Errorf(webhook.KindAuth, "no credentials")
	missing := webhook.Errorf(webhook.KindNotFound, "gone")
	limited := webhook.Errorf(webhook.KindRateLimited, "429")
	partial := webhook.Errorf(webhook.KindPartial, "1 of 2 rotations failed")
	fail := func(errs ...error) []profileFailure {
		var out []profileFailure
		for i, err := range errs {
			out = append(out, profileFailure{fmt.Sprintf("p%d", i+1), err})
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		total  int
		failed []profileFailure
		want   int
	}{
		{"none failed", 3, nil, webhook.ExitOK},
		{"the only profile keeps its code", 1, fail(missing), webhook.ExitNotFound},
		{"some failed, others worked", 3, fail(auth), webhook.ExitPartial},
		{"all failed alike", 2, fail(auth, auth), webhook.ExitAuth},
		{"all failed, differently", 2, fail(auth, missing), webhook.ExitPartial},
		{"all partial", 2, fail(partial, partial), webhook.ExitPartial},
		{"only rate limiting, others worked", 3, fail(limited, limited), webhook.ExitRateLimited},
		{"rate limiting and more", 3, fail(limited, auth), webhook.ExitPartial},
		{"interrupted", 3, fail(auth, fmt.Errorf("rotate: %w", context.Canceled)), webhook.ExitInterrupted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := profilesError(tc.total, tc.failed)
			got := webhook.ExitOK
			switch {
			case errors.Is(err, context.Canceled):
				got = webhook.ExitInterrupted
			case err != nil:
				got = webhook.KindOf(err).ExitCode()
			}
			if got != tc.want {
				t.Fatalf("exit %d, want %d (%v)", got, tc.want, err)
			}
			if tc.total > 1 && got != webhook.ExitInterrupted && got != webhook.ExitOK {
				// The message names each failed profile with its error, hint lines indented.
				for _, pf := range tc.failed {
					if !strings.Contains(err.Error(), "\n  "+pf.profile+": "+pf.err.Error()) {
						t.Errorf("the error does not name %s: %q", pf.profile, err)
					}
				}
			}
		})
	}
	one := fail(missing)
	if err := profilesError(1, one); err != one[0].err {
		t.Errorf("one profile: got %v, want its own error unchanged", err)
	}
}

// TestProfileSelectionFlags: -p repeats (or comma-separates) on the
// commands that run for several profiles, alongside --all-profiles and
// --provider; contradicting flags are usage errors before anything runs;
// -p given once selects the profile as the global -p does, over
// HOOKCTL_PROFILE, and every other command keeps the global -p.
func TestProfileSelectionFlags(t *testing.T) {
	build := map[string]func(*Factory, *profileSelection) *cobra.Command{
		"list": func(f *Factory, got *profileSelection) *cobra.Command {
			return NewCmdList(f, func(o *ListOptions) error { *got = o.Select; return nil })
		},
		"rotate-secret": func(f *Factory, got *profileSelection) *cobra.Command {
			return NewCmdRotate(f, func(o *RotateOptions) error { *got = o.Select; return nil })
		},
	}
	for _, tc := range []struct {
		args    []string
		want    profileSelection
		global  string // f.Global.Profile after the flags
		wantErr string
	}{
		{args: nil, global: "from-env"},
		{args: []string{"-p", "a"}, want: profileSelection{Names: []string{"a"}}, global: "a"},
		{args: []string{"-p", "a", "-p", "b"}, want: profileSelection{Names: []string{"a", "b"}}, global: "from-env"},
		{args: []string{"--profile", "a,b"}, want: profileSelection{Names: []string{"a", "b"}}, global: "from-env"},
		{args: []string{"-p", "a", "-p", "a"}, want: profileSelection{Names: []string{"a", "a"}}, global: "a"},
		{args: []string{"--all-profiles"}, want: profileSelection{All: true}, global: "from-env"},
		{args: []string{"--provider", "pexa", "--provider", "pwc"}, want: profileSelection{Providers: []string{"pexa", "pwc"}}, global: "from-env"},
		{args: []string{"--all-profiles", "-p", "a"}, wantErr: "give one or the other"},
		{args: []string{"--provider", "pexa", "-p", "a"}, wantErr: "give one or the other"},
		{args: []string{"--provider", "nope"}, wantErr: `unknown provider "nope"`},
	} {
		for name, b := range build {
			t.Run(name+" "+strings.Join(tc.args, " "), func(t *testing.T) {
				io, _, _, _ := output.Test()
				f := NewFactory(io, func(k string) string {
					if k == "HOOKCTL_PROFILE" {
						return "from-env"
					}
					return ""
				}, "test")
				var got profileSelection
				root := newCmdRootBare(f)
				root.AddCommand(b(f, &got))
				args := append([]string{name}, tc.args...)
				if name == "rotate-secret" {
					args = append(args, "--all")
				}
				root.SetArgs(args)
				err := root.Execute()
				if tc.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tc.wantErr) || webhook.KindOf(err) != webhook.KindUsage {
						t.Fatalf("err %v, want a usage error with %q", err, tc.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got.Names, tc.want.Names) || got.All != tc.want.All || !slices.Equal(got.Providers, tc.want.Providers) {
					t.Errorf("selection %+v, want %+v", got, tc.want)
				}
				if f.Global.Profile != tc.global {
					t.Errorf("Global.Profile %q, want %q", f.Global.Profile, tc.global)
				}
			})
		}
	}
	// Another command: the global -p, once, as before.
	io, _, _, _ := output.Test()
	f := NewFactory(io, func(string) string { return "" }, "test")
	root := newCmdRootBare(f)
	var ran bool
	root.AddCommand(NewCmdGet(f, func(*GetOptions) error { ran = true; return nil }))
	root.SetArgs([]string{"get", "whk_1", "-p", "a", "-p", "b"})
	if err := root.Execute(); err != nil || !ran || f.Global.Profile != "b" {
		t.Errorf("get -p a -p b: err %v, ran %v, profile %q; want the global flag's last value", err, ran, f.Global.Profile)
	}
}

// TestRotateSeveralProfilesNeedAll: over several profiles rotate-secret
// takes --all and no ids (ids are one profile's registrations).
func TestRotateSeveralProfilesNeedAll(t *testing.T) {
	for _, args := range [][]string{
		{"--all-profiles"},
		{"--provider", "pexa", "whk_1"},
		{"-p", "a", "-p", "b", "whk_1", "--all"},
	} {
		io, _, _, _ := output.Test()
		f := NewFactory(io, func(string) string { return "" }, "test")
		c := NewCmdRotate(f, func(*RotateOptions) error { t.Errorf("%v ran", args); return nil })
		c.SilenceErrors, c.SilenceUsage = true, true
		c.SetArgs(args)
		if err := c.Execute(); webhook.KindOf(err) != webhook.KindUsage || !strings.Contains(fmt.Sprint(err), "pass --all") {
			t.Errorf("%v: err %v, want a usage error saying to pass --all", args, err)
		}
	}
}
