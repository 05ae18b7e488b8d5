package providers

import (
	"slices"
	"testing"
)

// Lookup and Names answer from the registry's ids without building every
// spec, so each id must be its spec's own name.
func TestRegistryIDsAreSpecNames(t *testing.T) {
	var names []string
	for _, s := range All() {
		names = append(names, s.Name)
	}
	if got := Names(); !slices.Equal(got, names) {
		t.Fatalf("Names() = %v, the specs' names are %v", got, names)
	}
	for _, n := range names {
		if s, err := Lookup(n); err != nil || s.Name != n {
			t.Errorf("Lookup(%q) = %q, %v", n, s.Name, err)
		}
	}
	if _, err := Lookup("nope"); err == nil {
		t.Error("Lookup of an unknown provider succeeded")
	}
}

// TestAllEventsDeclared: every provider says what "every
// event" sends, or why it has none.
func TestAllEventsDeclared(t *testing.T) {
	for _, s := range All() {
		a := s.AllEvents
		switch {
		case a.Supported() && a.Refusal != "":
			t.Errorf("%s: supports all events and refuses them: %+v", s.Name, a)
		case !a.Supported() && (a.Refusal == "" || a.Events != nil || a.Covers(nil)):
			t.Errorf("%s: refuses all events without saying why, or still covers them: %+v", s.Name, a)
		case a.Supported() && a.Covers([]string{"NOT.AN_EVENT"}):
			t.Errorf("%s: an unknown event covers all events", s.Name)
		}
	}
}
