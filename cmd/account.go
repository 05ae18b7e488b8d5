package cmd

import (
	"slices"
	"strings"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/providers/provider"
)

// accountKey names the provider account behind a profile, for the account
// lock of rotate-secret and apply (bulkrun.AcquireAccountLock): the
// provider, base URL, region, environment, the profile's settings but the
// ones that only change hookctl's behaviour, and the login credentials in
// effect. Two profiles with the same key talk to one account. It is a
// fingerprint (credentials.Fingerprint), never the secrets themselves; ""
// when the credentials cannot be read (the run then fails on them anyway).
func accountKey(f *Factory, p config.Profile) string {
	spec, err := providers.Lookup(p.Provider)
	if err != nil {
		return ""
	}
	creds, err := f.Credentials()
	if err != nil {
		return ""
	}
	parts := []string{spec.Name, strings.TrimRight(p.BaseURL, "/"), p.TokenURL, p.Region, p.Environment}
	keys := make([]string, 0, len(p.Settings))
	for k := range p.Settings {
		if k != provider.FieldStrictEvents {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		parts = append(parts, k, p.Settings[k])
	}
	for _, c := range spec.Credentials {
		if c.Cache || c.Generated {
			continue
		}
		v, _, err := creds.Lookup(p.Name, c.Name)
		if err != nil && !c.Optional {
			return ""
		}
		parts = append(parts, c.Name, v)
	}
	return credentials.Fingerprint(parts...)
}
