package providers_test

import (
	"slices"
	"testing"

	"github.com/hookctl/hookctl/pkg/doctor"
	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// TestAssumptionsAreComplete: every declared assumption says what, which
// value, where from and how sure; names a doctor check that exists for its
// provider (or none); and an override that is a real `profile add` flag.
func TestAssumptionsAreComplete(t *testing.T) {
	confidences := []string{provider.ConfidenceSEC, provider.ConfidenceINF, provider.ConfidenceUnknown, provider.ConfidenceClosest}
	for _, s := range providers.All() {
		if len(s.Assumptions) == 0 {
			t.Errorf("%s declares no assumptions", s.Name)
		}
		checks := doctor.Names(s)
		flags := []string{"base-url", "token-url"}
		for _, f := range s.Fields {
			flags = append(flags, f.Name)
		}
		for _, a := range s.Assumptions {
			if a.Fact == "" || a.Default == "" || a.Source == "" {
				t.Errorf("%s: %q lacks a fact, default or source: %+v", s.Name, a.Fact, a)
			}
			if !slices.Contains(confidences, a.Confidence) {
				t.Errorf("%s: %q has confidence %q, want one of %v", s.Name, a.Fact, a.Confidence, confidences)
			}
			if a.Check != "" && !slices.Contains(checks, a.Check) {
				t.Errorf("%s: %q names doctor check %q, which %s does not have (%v)", s.Name, a.Fact, a.Check, s.Name, checks)
			}
			if a.Override != "" && !slices.Contains(flags, a.Override) {
				t.Errorf("%s: %q names override --%s, which is not a %s profile setting (%v)", s.Name, a.Fact, a.Override, s.Name, flags)
			}
			if a.Override != "" && a.Avoid != "" {
				t.Errorf("%s: %q has both a profile override and a way to avoid it; the override is the answer", s.Name, a.Fact)
			}
		}
	}
}

// TestDoctorChecksDeclared: a provider's check names are unique and none
// shadows a generic one.
func TestDoctorChecksDeclared(t *testing.T) {
	for _, s := range providers.All() {
		names := doctor.Names(s)
		for i, n := range names {
			if slices.Contains(names[i+1:], n) {
				t.Errorf("%s: doctor check %q appears twice in %v", s.Name, n, names)
			}
		}
		for _, n := range s.DoctorChecks {
			if slices.Contains(webhook.GenericChecks, n) {
				t.Errorf("%s: declares the generic check %q as its own", s.Name, n)
			}
		}
	}
}
