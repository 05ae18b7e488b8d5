package sandbox

import (
	"slices"
	"testing"

	"github.com/hookctl/hookctl/pkg/providers"
)

// Every provider has an emulator, registered once, under its own id, with
// the credentials `sandbox --help` lists.
func TestEveryProviderHasAnEmulator(t *testing.T) {
	var names []string
	for _, e := range Entries() {
		if e.New == nil || e.Help == "" || e.Demo == nil {
			t.Errorf("emulator %q lacks New, Help or Demo", e.Name)
		}
		names = append(names, e.Name)
	}
	want := providers.Names()
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("emulators %v, providers %v", names, want)
	}
}
