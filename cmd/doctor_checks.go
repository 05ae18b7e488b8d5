package cmd

// The checks doctor runs in cmd, where the Factory is: the config and the
// credential store.

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

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

// doctorKeyring reads one entry of the store: absent is fine, a store
// that cannot be used is not. Nothing is written. The entry is a login
// credential the environment does not give, so a failure's fix names the
// variable that would stand in for it; when the environment gives them
// all, it is an entry of hookctl's own: webhook secrets need the store
// whatever the environment holds, and saying "set HOOKCTL_API_KEY" to
// someone who has would be false.
func doctorKeyring(f *Factory, p config.Profile, spec provider.Spec) webhook.Check {
	fix := "start the Secret Service (e.g. gnome-keyring) or unlock the keyring; without one, set the HOOKCTL_* variables or use --insecure-storage (`hookctl help credentials`)"
	creds, err := f.Credentials()
	if err != nil {
		return webhook.Failed(webhook.CheckKeyring, err, fix)
	}
	var name string
	var fromEnv []string
	for _, cr := range spec.Credentials {
		if cr.Cache || cr.Optional || credentials.ProfileEnvVar(p.Name, cr.Name) == "" {
			continue
		}
		if _, src, err := creds.Lookup(p.Name, cr.Name); err == nil && src == credentials.SourceEnv {
			fromEnv = append(fromEnv, creds.EnvVarFor(p.Name, cr.Name))
		} else if name == "" {
			name = cr.Name
		}
	}
	allFromEnv := name == ""
	if allFromEnv {
		name = credentials.ProbeName
	}
	if _, err := creds.Get(p.Name, name); err != nil && !errors.Is(err, credentials.ErrNotFound) {
		c := webhook.Failed(webhook.CheckKeyring, err, fix)
		if allFromEnv && len(fromEnv) > 0 {
			c.Detail += fmt.Sprintf(" (the login credentials come from the environment: %s; hookctl keeps webhook secrets and its own entries only in a store)", strings.Join(fromEnv, ", "))
		}
		return c
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
