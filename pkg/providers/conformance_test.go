package providers_test

import (
	"slices"
	"testing"

	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/internal/testkit/conformance"
	"github.com/hookctl/hookctl/pkg/providers"
)

// TestConformance runs the provider conformance suite for every provider
// against its emulator: each provider in the registry has an emulator in
// the sandbox's, and the other way round.
func TestConformance(t *testing.T) {
	entries := sandbox.Entries()
	var matched []string
	for _, spec := range providers.All() {
		i := slices.IndexFunc(entries, func(e emulator.Entry) bool { return e.Name == spec.Name })
		if i < 0 {
			t.Errorf("provider %s has no emulator in sandbox.Entries()", spec.Name)
			continue
		}
		matched = append(matched, spec.Name)
		t.Run(spec.Name, func(t *testing.T) {
			t.Parallel()
			conformance.Run(t, conformance.Harness{Spec: spec, Entry: entries[i]})
		})
	}
	for _, e := range entries {
		if !slices.Contains(matched, e.Name) {
			t.Errorf("emulator %s serves no provider in providers.All()", e.Name)
		}
	}
}
