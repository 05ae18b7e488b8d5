package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// NewCmdAuth builds `hookctl auth`.
func NewCmdAuth(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use: "auth <command>",
		Example: `  $ hookctl auth login -p billing
  $ printf '%s\n' "$SOLVIMON_API_KEY" | hookctl auth login -p billing --stdin
  $ hookctl auth status -p billing
  $ hookctl auth logout -p billing --yes`,
		Short: "Store, remove and check API credentials",
		Long: `Credentials live in the OS keyring (service "hookctl"), one entry per
<profile>/<name>. Environment variables override them (see 'hookctl help
credentials'); secrets are never taken from command-line arguments.`,
	}
	c.AddCommand(NewCmdAuthLogin(f, nil), NewCmdAuthLogout(f, nil), NewCmdAuthStatus(f, nil))
	return c
}

// AuthLoginOptions are `hookctl auth login`'s inputs.
type AuthLoginOptions struct {
	F          *Factory
	Credential string
	Stdin      bool
	NoVerify   bool
}

// NewCmdAuthLogin builds `hookctl auth login`.
func NewCmdAuthLogin(f *Factory, runF func(*AuthLoginOptions) error) *cobra.Command {
	opts := &AuthLoginOptions{F: f}
	c := &cobra.Command{
		Use:   "login [flags]",
		Short: "Store the profile's API credentials in the keyring",
		Long: `Store the profile's API credentials. On a terminal each is asked for with echo
off; otherwise pass --stdin and pipe one value per line, in the order listed
by 'hookctl auth status'.

Before storing, hookctl asks the provider whether it accepts them (a new
access token where the provider uses tokens): a refused credential is not
stored (exit 4). --no-verify stores without asking, e.g. offline.`,
		Example: `  # Interactive
  $ hookctl auth login -p billing

  # From a secret manager, no terminal
  $ vault kv get -field=key secret/solvimon | hookctl auth login -p billing --stdin`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runAuthLogin(c.Context(), opts)
		},
	}
	c.Flags().StringVar(&opts.Credential, "credential", "", "store only this credential (e.g. token)")
	c.Flags().BoolVar(&opts.Stdin, "stdin", false, "read the values from stdin, one per line")
	c.Flags().BoolVar(&opts.NoVerify, "no-verify", false, "store without asking the provider whether it accepts the credentials (e.g. offline)")
	return c
}

// loginCredentials are what `auth login` asks for.
func loginCredentials(spec provider.Spec, only string) ([]provider.Credential, error) {
	var out []provider.Credential
	var names []string
	for _, cr := range spec.Credentials {
		if cr.Generated || cr.Cache {
			continue
		}
		names = append(names, cr.Name)
		if only == cr.Name || only == "" && !cr.Optional {
			out = append(out, cr)
		}
	}
	if len(out) == 0 {
		if only != "" {
			return nil, usageErrorf("%s has no credential %q (it has: %s)", spec.Name, only, strings.Join(names, ", "))
		}
		return nil, usageErrorf("%s needs no login credentials", spec.Name)
	}
	return out, nil
}

func runAuthLogin(ctx context.Context, opts *AuthLoginOptions) error {
	f := opts.F
	profile, spec, err := f.Profile()
	if err != nil {
		return err
	}
	wanted, err := loginCredentials(spec, opts.Credential)
	if err != nil {
		return err
	}
	if !opts.Stdin && !f.IO.CanPrompt() {
		var envs []string
		for _, cr := range wanted {
			envs = append(envs, credentials.ProfileEnvVar(profile.Name, cr.Name))
		}
		return usageErrorf("no terminal to prompt on: pipe the value(s) with --stdin, or set %s instead", strings.Join(envs, " and "))
	}
	creds, err := f.Credentials()
	if err != nil {
		return err
	}
	// A store that cannot even be read (no keyring) fails now, before the
	// user types a secret that could not be stored anyway, and before the
	// provider is asked about it.
	if _, err := creds.Get(profile.Name, wanted[0].Name); err != nil && !errors.Is(err, credentials.ErrNotFound) {
		return credentials.CannotKeep(fmt.Sprintf("the credential store cannot keep the credentials of profile %s, so none were asked for", profile.Name), err)
	}
	values, err := readLoginValues(ctx, f, opts.Stdin, wanted)
	if err != nil {
		return err
	}
	if !opts.NoVerify {
		tried := map[string]string{}
		for i, cr := range wanted {
			tried[cr.Name] = values[i]
		}
		if err := tryLogin(ctx, f, profile, spec, creds.Trial(profile.Name, tried)); err != nil {
			return err
		}
	}
	return storeLogin(f, creds, profile.Name, spec, wanted, values)
}

// readLoginValues reads a value for each credential wanted: a line each
// from stdin with --stdin, else a prompt each with echo off. None may be
// empty.
func readLoginValues(ctx context.Context, f *Factory, stdin bool, wanted []provider.Credential) ([]string, error) {
	values := make([]string, len(wanted))
	if stdin {
		sc := bufio.NewScanner(f.IO.In)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for i, cr := range wanted {
			if !sc.Scan() {
				return nil, usageErrorf("--stdin: expected %d line(s), missing %s", len(wanted), cr.Name)
			}
			values[i] = strings.TrimSpace(sc.Text())
		}
	} else {
		for i, cr := range wanted {
			v, err := readSecretPrompt(ctx, f, cr.Prompt+": ", int(os.Stdin.Fd()))
			if err != nil {
				return nil, err
			}
			values[i] = v
		}
	}
	for i, cr := range wanted {
		if values[i] == "" {
			return nil, usageErrorf("empty %s", cr.Name)
		}
	}
	return values, nil
}

// storeLogin stores the values `auth login` read and drops what the old
// login obtained.
func storeLogin(f *Factory, creds *credentials.Store, profile string, spec provider.Spec, wanted []provider.Credential, values []string) error {
	for i, cr := range wanted {
		if err := creds.Set(profile, cr.Name, values[i]); err != nil {
			return fmt.Errorf("store %s: %w", cr.Name, err)
		}
	}
	// Tokens and the like go: what the old login obtained. A key record
	// stays: the provider binds it to the key and account it belongs to,
	// so the same credentials again need no new `keys upload`.
	for _, cr := range spec.Credentials {
		if cr.Cache && !cr.KeyRecord {
			_ = creds.Delete(profile, cr.Name)
		}
	}
	notice(f, "stored %d credential(s) for profile %s in the %s", len(wanted), profile, creds.Source())
	// The check before storing tried the values given; every other
	// command uses the environment first.
	for _, cr := range wanted {
		if _, src, err := creds.Lookup(profile, cr.Name); err == nil && src == credentials.SourceEnv {
			warn(f, "%s is set and wins over the %s just stored; unset it to use the stored one", creds.EnvVarFor(profile, cr.Name), cr.Name)
		}
	}
	return nil
}

// tryLogin asks the provider whether it accepts the credentials of trial
// (the new values over what is stored) before `auth login` stores them.
// Where the provider uses tokens, a new token is the whole check: OffBlocks
// lists nothing before a signing key is uploaded, which needs a login first.
func tryLogin(ctx context.Context, f *Factory, profile config.Profile, spec provider.Spec, trial *credentials.Store) error {
	deps, err := f.Deps(profile)
	if err != nil {
		return err
	}
	deps.Creds = trial
	prov, err := spec.New(deps)
	if err == nil {
		err = checkCredentials(ctx, prov, false)
	}
	switch {
	case err == nil:
		return nil
	case webhook.KindOf(err) == webhook.KindAuth:
		return fmt.Errorf("%s did not accept the credentials, nothing stored: %w", spec.Name, err)
	}
	return fmt.Errorf("could not check the credentials with %s, nothing stored (--no-verify stores them unchecked): %w", spec.Name, err)
}

// checkCredentials asks the provider whether the credentials in effect
// work: a new access token where the provider uses tokens (never a cached
// one, which a wrong secret would hide), then, with list, the cheapest
// authenticated call.
func checkCredentials(ctx context.Context, prov webhook.Provider, list bool) error {
	if a, ok := prov.(webhook.Authenticator); ok {
		if err := a.Authenticate(ctx); err != nil || !list {
			return err
		}
	}
	_, err := prov.List(ctx, webhookListProbe)
	return err
}

// AuthLogoutOptions are `hookctl auth logout`'s inputs.
type AuthLogoutOptions struct {
	F *Factory
}

// NewCmdAuthLogout builds `hookctl auth logout`.
func NewCmdAuthLogout(f *Factory, runF func(*AuthLogoutOptions) error) *cobra.Command {
	opts := &AuthLogoutOptions{F: f}
	return &cobra.Command{
		Use:   "logout",
		Short: "Remove the profile's stored credentials and cached tokens",
		Long: `Remove the profile's stored login credentials and cached access tokens from
the keyring (or the credential file). Generated key pairs (with the id
OffBlocks gave an uploaded one) and webhook secrets stay. Asks first on a terminal; without one, --yes is required.`,
		Example: `  $ hookctl auth logout -p billing
  $ hookctl auth logout -p billing --yes   # in a script`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runAuthLogout(c.Context(), opts)
		},
	}
}

func runAuthLogout(ctx context.Context, opts *AuthLogoutOptions) error {
	f := opts.F
	profile, spec, err := f.Profile()
	if err != nil {
		return err
	}
	if err := confirm(ctx, f, fmt.Sprintf("Remove the stored credentials of profile %s?", profile.Name)); err != nil {
		return err
	}
	creds, err := f.Credentials()
	if err != nil {
		return err
	}
	for _, cr := range spec.Credentials {
		if cr.Generated || cr.KeyRecord {
			continue
		}
		if err := creds.Delete(profile.Name, cr.Name); err != nil {
			return fmt.Errorf("remove %s: %w", cr.Name, err)
		}
	}
	notice(f, "removed the credentials of profile %s", profile.Name)
	return nil
}

// webhookListProbe is the cheapest authenticated call every provider has.
var webhookListProbe = webhook.ListOptions{Limit: 1}
