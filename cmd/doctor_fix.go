package cmd

import (
	"fmt"
	"maps"
	"slices"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// fixProfile writes into the profile the settings doctor's probes found
// working (webhook.Check.Found of failed checks), after printing the
// change as a diff on stderr; dryRun prints it only. It reports whether
// it wrote anything.
func fixProfile(f *Factory, p config.Profile, spec provider.Spec, checks []webhook.Check, dryRun bool) (bool, error) {
	want := map[string]string{}
	from := map[string]string{} // setting → the check that found it
	for _, c := range checks {
		if c.Status != webhook.CheckFail || len(c.Found) == 0 {
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(c.Found)) {
			v := c.Found[k]
			if prev, ok := want[k]; ok && prev != v {
				return false, fmt.Errorf("doctor --fix: checks %s and %s found different values of %s (%q, %q); set it by hand with `hookctl profile add %s --force ...`", from[k], c.Name, k, prev, v, p.Name)
			}
			if err := validateSetting(spec, k, v); err != nil {
				return false, fmt.Errorf("doctor --fix: check %s found %s=%q, which the profile refuses: %w", c.Name, k, v, err)
			}
			want[k], from[k] = v, c.Name
		}
	}
	var diff []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if old := p.Setting(k); old != want[k] {
			diff = append(diff, "- "+k+": "+orDefault(old), "+ "+k+": "+want[k])
		}
	}
	if len(diff) == 0 {
		notice(f, "doctor --fix: nothing to write (no probe found a value the profile lacks)")
		return false, nil
	}
	fmt.Fprintf(f.IO.ErrOut, "profile %s, settings:\n", p.Name)
	for _, l := range diff {
		fmt.Fprintln(f.IO.ErrOut, l)
	}
	if dryRun {
		notice(f, "doctor --fix --dry-run: nothing written")
		return false, nil
	}
	cfg, err := f.Config()
	if err != nil {
		return false, err
	}
	stored, ok := cfg.Profiles[p.Name]
	if !ok {
		return false, fmt.Errorf("doctor --fix: profile %s is not in %s, so there is nowhere to write its settings", p.Name, cfg.Path)
	}
	if stored.Settings == nil {
		stored.Settings = map[string]string{}
	}
	maps.Copy(stored.Settings, want)
	cfg.Profiles[p.Name] = stored
	if err := cfg.Save(); err != nil {
		return false, fmt.Errorf("doctor --fix: writing %s: %w", cfg.Path, err)
	}
	notice(f, "doctor --fix: wrote %d setting(s) to profile %s in %s", len(diff)/2, p.Name, cfg.Path)
	return true, nil
}

// validateSetting checks a found value as `profile add` would.
func validateSetting(spec provider.Spec, name, v string) error {
	i := slices.IndexFunc(spec.Fields, func(fd provider.Field) bool { return fd.Name == name })
	if i < 0 {
		return fmt.Errorf("%s has no setting %s", spec.Name, name)
	}
	if fd := spec.Fields[i]; fd.Validate != nil {
		return fd.Validate(v)
	}
	return nil
}

func orDefault(v string) string {
	if v == "" {
		return "(default)"
	}
	return v
}
