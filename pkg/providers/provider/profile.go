package provider

import (
	"maps"
	"slices"
	"strings"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// ProfileInput is what a new profile was given (`profile add`'s flags),
// before the provider's Spec checks it.
type ProfileInput struct {
	Name, Region, Environment, BaseURL, TokenURL string
	// Settings are the provider fields given, by name, as given ("true"
	// or "false" for a boolean field); a field not given is absent or "".
	// They may name any provider's fields: one s has not is refused.
	Settings map[string]string
}

// NewProfile builds the profile in describes for s's provider and checks
// it: the region and environment s allows (the first environment when
// none is given), its required fields, each field's own check, no field
// s does not use, then s.ValidateProfile. Every refusal is a usage error
// naming the flag.
func (s Spec) NewProfile(in ProfileInput) (config.Profile, error) {
	p := config.Profile{Name: in.Name, Provider: s.Name, Region: in.Region, Environment: in.Environment,
		BaseURL: strings.TrimRight(in.BaseURL, "/"), TokenURL: in.TokenURL, Settings: map[string]string{}}
	if err := s.checkRegion(p.Region); err != nil {
		return config.Profile{}, err
	}
	if p.Environment == "" && len(s.Environments) > 0 {
		p.Environment = s.Environments[0]
	}
	if p.Environment != "" && !slices.Contains(s.Environments, p.Environment) {
		return config.Profile{}, usageErrorf("unknown environment %q for %s (%s)", p.Environment, s.Name, strings.Join(s.Environments, ", "))
	}
	for _, fd := range s.Fields {
		v, err := fd.setting(s.Name, in.Settings[fd.Name])
		if err != nil {
			return config.Profile{}, err
		}
		if in.Settings[fd.Name] != "" {
			p.Settings[fd.Name] = v
		}
	}
	for _, name := range slices.Sorted(maps.Keys(in.Settings)) {
		if in.Settings[name] != "" && p.Settings[name] == "" {
			return config.Profile{}, usageErrorf("--%s is not used by %s", name, s.Name)
		}
	}
	if s.ValidateProfile != nil {
		if err := s.ValidateProfile(p); err != nil {
			return config.Profile{}, &webhook.Error{Kind: webhook.KindUsage, Err: err}
		}
	}
	return p, nil
}

// checkRegion refuses a region s does not take, and none where it needs
// one.
func (s Spec) checkRegion(region string) error {
	switch {
	case len(s.Regions) == 0 && region != "":
		return usageErrorf("--region is not used by %s", s.Name)
	case len(s.Regions) == 0:
		return nil
	case region == "":
		return usageErrorf("--region is required for %s (%s)", s.Name, strings.Join(s.Regions, ", "))
	case !slices.Contains(s.Regions, region):
		return usageErrorf("unknown region %q for %s (%s)", region, s.Name, strings.Join(s.Regions, ", "))
	}
	return nil
}

// setting is the value saved for fd given v ("" when not given): v
// checked and normalised, or an error for a required field not given.
func (fd Field) setting(provider, v string) (string, error) {
	if v == "" {
		if fd.Required {
			return "", usageErrorf("--%s is required for %s", fd.Name, provider)
		}
		return "", nil
	}
	if fd.Validate != nil {
		if err := fd.Validate(v); err != nil {
			return "", usageErrorf("--%s: %v", fd.Name, err)
		}
	}
	if fd.Normalize != nil {
		v = fd.Normalize(v)
	}
	return v, nil
}

func usageErrorf(format string, args ...any) error {
	return webhook.Errorf(webhook.KindUsage, format, args...)
}
