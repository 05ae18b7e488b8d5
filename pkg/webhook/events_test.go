package webhook

import (
	"slices"
	"testing"
)

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"kitten", "sitting", 3},
		{"flaw", "lawn", 2},
		{"WORKSPACE_CLOSD", "WORKSPACE_CLOSED", 1},
		{"INVOICE.CREATED", "INVOICE.CREATED", 0},
	} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := editDistance(c.b, c.a); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d (symmetric)", c.b, c.a, got, c.want)
		}
	}
}

func TestUnknownEvents(t *testing.T) {
	known := []string{"SECRET_EXPIRY", "WORKSPACE_CLOSED", "WORKSPACE_LODGED", "WORKSPACE_PREPARED", "card.updated", "INVOICE.CREATED", "INVOICE.UPDATED"}
	cases := []struct {
		name       string
		given      []string
		unknown    []string
		suggestion []string
	}{
		{"all known", []string{"SECRET_EXPIRY", "WORKSPACE_CLOSED"}, nil, nil},
		{"typo", []string{"WORKSPACE_CLOSD"}, []string{"WORKSPACE_CLOSD"}, []string{"did you mean WORKSPACE_CLOSED?"}},
		{"case and dash", []string{"workspace-closed"}, []string{"workspace-closed"}, []string{"did you mean WORKSPACE_CLOSED?"}},
		{"dotted", []string{"card.update"}, []string{"card.update"}, []string{"did you mean card.updated?"}},
		{"nearest wins", []string{"INVOICE.XREATED"}, []string{"INVOICE.XREATED"}, []string{"did you mean INVOICE.CREATED?"}},
		{"one letter off", []string{"WORKSPACE_LODGEX"}, []string{"WORKSPACE_LODGEX"}, []string{"did you mean WORKSPACE_LODGED?"}},
		{"far: closest only", []string{"WORKSPACE_PARTICIPANT_ADDED"}, []string{"WORKSPACE_PARTICIPANT_ADDED"},
			[]string{"closest: WORKSPACE_PREPARED, WORKSPACE_CLOSED, WORKSPACE_LODGED"}},
		{"once each, in order", []string{"B_THING", "SECRET_EXPIRY", "A_THING", "B_THING"}, []string{"B_THING", "A_THING"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := UnknownEvents(c.given, known)
			var names, sugg []string
			for _, u := range got {
				names = append(names, u.Name)
				sugg = append(sugg, u.Suggestion())
			}
			if !slices.Equal(names, c.unknown) {
				t.Fatalf("unknown = %q, want %q", names, c.unknown)
			}
			if c.suggestion != nil && !slices.Equal(sugg, c.suggestion) {
				t.Fatalf("suggestions = %q, want %q", sugg, c.suggestion)
			}
		})
	}
}

func TestUnknownEventsTieAndEmpty(t *testing.T) {
	u := UnknownEvents([]string{"ORDER.PAID"}, []string{"ORDER.PAIR", "ORDER.PAIN", "ORDER.CREATED"})
	if len(u) != 1 || !slices.Equal(u[0].DidYouMean, []string{"ORDER.PAIR", "ORDER.PAIN"}) || u[0].Suggestion() != "did you mean ORDER.PAIR or ORDER.PAIN?" {
		t.Fatalf("tie: %+v", u)
	}
	u = UnknownEvents([]string{"X"}, nil)
	if len(u) != 1 || u[0].Suggestion() != "" {
		t.Fatalf("empty catalogue: %+v", u)
	}
}

func TestBuiltInCatalogue(t *testing.T) {
	c := BuiltInCatalogue("OffBlocks' events", "OffBlocks' webhook guide, as of 2026-11-23", []EventType{{Name: "a.b"}, {Name: "c.d"}})
	if c.Source != SourceBuiltIn || c.Name != "hookctl's built-in catalogue of OffBlocks' events" ||
		c.About != "hookctl's built-in catalogue of OffBlocks' events (OffBlocks' webhook guide, as of 2026-11-23)" ||
		!slices.Equal(c.Names(), []string{"a.b", "c.d"}) {
		t.Fatalf("%+v", c)
	}
}
