package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
	"github.com/spf13/cobra"
)

// `hookctl auth status`: where each credential comes from, and whether the
// provider accepts the ones in effect (exit 4 when one is missing or
// refused).

// authStatusRow is one credential in `auth status -o json`.
type authStatusRow struct {
	Profile    string `json:"profile"`
	Provider   string `json:"provider"`
	Credential string `json:"credential"`
	Source     string `json:"source"`
	EnvVar     string `json:"env_var"`
	Error      string `json:"error"`
}

type authStatus struct {
	Credentials []authStatusRow `json:"credentials"`
	// WebhookSecrets says where webhook secrets and their data key are
	// (null when the store could not be opened).
	WebhookSecrets *credentials.SecretsLocation `json:"webhook_secrets"`
	// Accepted is whether the provider accepted the credentials (null when not checked).
	Accepted *bool  `json:"accepted"`
	Message  string `json:"message"`
}

// AuthStatusOptions are `hookctl auth status`'s inputs.
type AuthStatusOptions struct {
	F       *Factory
	Offline bool
}

// NewCmdAuthStatus builds `hookctl auth status`.
func NewCmdAuthStatus(f *Factory, runF func(*AuthStatusOptions) error) *cobra.Command {
	opts := &AuthStatusOptions{F: f}
	c := &cobra.Command{
		Use: "status",
		Example: `  # Where each credential comes from, and whether the provider accepts them
  $ hookctl auth status -p billing

  # Offline: sources only, no request
  $ hookctl auth status -p billing --offline`,
		Short: "Show where each credential comes from and whether the API accepts it",
		Long: `Show where each of the profile's credentials comes from (env, keyring, file)
and, under ENV, the variable that overrides it: the one set, else the profile's
own (HOOKCTL_<PROFILE>_<NAME>, see 'hookctl help environment'); then ask the provider whether it accepts them: a new access token where the
provider uses tokens (never a cached one), then one authenticated call.

Exits 4 when a credential is missing or refused, after printing the table
(or JSON); --offline only checks that the credentials are there.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runAuthStatus(c.Context(), opts)
		},
	}
	c.Flags().BoolVar(&opts.Offline, "offline", false, "don't ask the provider whether it accepts the credentials")
	return c
}

func runAuthStatus(ctx context.Context, opts *AuthStatusOptions) error {
	f := opts.F
	profile, spec, err := f.Profile()
	if err != nil {
		return err
	}
	printer, err := f.Printer()
	if err != nil {
		return err
	}
	creds, credErr := f.Credentials()
	st, t, present := credentialSources(profile.Name, spec, creds, credErr)
	// problem decides the exit code; accepted is only ever the provider's
	// own answer (null when it was not asked).
	problem := credErr
	if problem == nil {
		problem = missingLogin(profile.Name, spec, present)
	}
	if problem == nil && !opts.Offline {
		prov, _, err := f.Provider()
		if err == nil {
			err = checkCredentials(ctx, prov, true)
		}
		ok := err == nil
		if ok || webhook.KindOf(err) == webhook.KindAuth {
			st.Accepted = &ok
		}
		problem = err
	}
	if problem != nil {
		st.Message = problem.Error()
	}
	if credErr == nil {
		if loc, err := creds.WebhookSecretsLocation(); err == nil {
			st.WebhookSecrets = &loc
		} else {
			warn(f, "webhook secrets: %v", firstLine(err.Error()))
		}
	}
	if err := printer.Print(st, t); err != nil {
		return err
	}
	if st.WebhookSecrets != nil {
		notice(f, "%s", st.WebhookSecrets)
	}
	return authStatusResult(f, profile.Name, spec.Name, st, problem)
}

// credentialSources is where each of the profile's credentials comes
// from, as `auth status` shows it, and which are present.
func credentialSources(profile string, spec provider.Spec, creds *credentials.Store, credErr error) (authStatus, *output.Table, map[string]bool) {
	st := authStatus{Credentials: []authStatusRow{}}
	t := &output.Table{Headers: []string{"CREDENTIAL", "SOURCE", "ENV", "NOTE"}, Wrap: []string{"NOTE"}}
	present := map[string]bool{}
	for _, cr := range spec.Credentials {
		if cr.Cache {
			continue
		}
		row := authStatusRow{Profile: profile, Provider: spec.Name, Credential: cr.Name, Source: string(credentials.SourceNone), EnvVar: credentials.ProfileEnvVar(profile, cr.Name)}
		switch {
		case credErr != nil:
			row.Error = credErr.Error()
		default:
			row.EnvVar = creds.EnvVarFor(profile, cr.Name) // the one in effect, else the profile's own
			_, src, err := creds.Lookup(profile, cr.Name)
			row.Source = string(src)
			present[cr.Name] = err == nil
			if err != nil && !errors.Is(err, credentials.ErrNotFound) {
				row.Error = err.Error()
			} else if err == nil && src != credentials.SourceEnv {
				if ch, ok := creds.Chunked(profile, cr.Name); ok {
					row.Error = ch
				}
			}
		}
		if row.Source == string(credentials.SourceNone) && row.Error == "" && cr.Optional {
			row.Error = "optional"
		}
		st.Credentials = append(st.Credentials, row)
		t.AddRow(cr.Name, row.Source, row.EnvVar, firstLine(row.Error))
	}
	return st, t, present
}

// authStatusResult is `auth status`'s last line or its error: what the
// provider said of the credentials, or why it was not asked.
func authStatusResult(f *Factory, profile, provName string, st authStatus, problem error) error {
	switch {
	case problem == nil && st.Accepted != nil:
		notice(f, "%s accepts the credentials of profile %s", provName, profile)
	case problem == nil:
	case st.Accepted != nil:
		return fmt.Errorf("%s does not accept the credentials of profile %s: %w", provName, profile, problem)
	case webhook.KindOf(problem) == webhook.KindAuth:
		return fmt.Errorf("the credentials of profile %s are incomplete: %w", profile, problem)
	default:
		return fmt.Errorf("could not ask %s about the credentials of profile %s: %w", provName, profile, problem)
	}
	return nil
}

// missingLogin is the exit-4 error for a profile whose login credentials
// are incomplete: some required one absent, unless an optional one is
// there (optional credentials are alternatives, like Solvimon's token for
// its api-key). Keys from `keys generate` are the provider's to judge.
func missingLogin(profile string, spec provider.Spec, present map[string]bool) error {
	missing := ""
	for _, cr := range spec.Credentials {
		switch {
		case cr.Generated || cr.Cache:
		case cr.Optional && present[cr.Name]:
			return nil
		case !cr.Optional && !present[cr.Name] && missing == "":
			missing = cr.Name
		}
	}
	if missing == "" {
		return nil
	}
	return credentials.MissingError(profile, missing)
}
