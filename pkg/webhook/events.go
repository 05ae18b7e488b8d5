package webhook

import (
	"cmp"
	"slices"
	"strings"
)

// Where an event list comes from (EventCatalogue.Source, EventType.Source).
const (
	// SourceLive: read from the provider's API just now.
	SourceLive = "live"
	// SourceBuiltIn: hookctl's copy of a catalogue the provider published.
	SourceBuiltIn = "built-in"
	// SourceSubscriptions: the provider publishes no names; these are the
	// ones the profile's registrations use.
	SourceSubscriptions = "subscriptions"
)

// EventCatalogue is a provider's list of event names and where it comes
// from. Provider catalogues are incomplete, so a name missing here is
// warned about, not refused (unless --strict-events).
type EventCatalogue struct {
	Events []EventType
	// Source is SourceLive, SourceBuiltIn or SourceSubscriptions.
	Source string
	// Name is the list as a noun phrase, for "X is not in <Name>".
	Name string
	// About is the source in words for the user, with the capture date of
	// a built-in catalogue.
	About string
	// Fallback, when set, says why the provider's live list could not be
	// read and a built-in catalogue stands in.
	Fallback string
}

// BuiltInCatalogue is hookctl's copy of a published catalogue: of names
// whose events ("PEXA's UK events"), origin where and when it was read
// ("PEXA's webhooks guide, captured 2026-07-26").
func BuiltInCatalogue(of, origin string, events []EventType) *EventCatalogue {
	name := "hookctl's built-in catalogue of " + of
	return &EventCatalogue{Events: events, Source: SourceBuiltIn, Name: name, About: name + " (" + origin + ")"}
}

// Names lists the catalogue's event names in order.
func (c *EventCatalogue) Names() []string {
	out := make([]string, len(c.Events))
	for i, e := range c.Events {
		out[i] = e.Name
	}
	return out
}

// UnknownEvent is a name a catalogue lacks, with the known names it is
// closest to.
type UnknownEvent struct {
	Name string
	// DidYouMean are the known names it is most likely a typo of (empty
	// when none is that close).
	DidYouMean []string
	// Closest are up to three known names nearest to it, nearest first.
	Closest []string
}

// Suggestion is "did you mean X?" for a likely typo, else "closest: A, B,
// C", else "" (an empty catalogue).
func (u UnknownEvent) Suggestion() string {
	switch {
	case len(u.DidYouMean) > 0:
		return "did you mean " + strings.Join(u.DidYouMean, " or ") + "?"
	case len(u.Closest) > 0:
		return "closest: " + strings.Join(u.Closest, ", ")
	}
	return ""
}

// maxClosest is how many near names a warning lists.
const maxClosest = 3

// UnknownEvents returns each name not in known (once, in the order given)
// with the known names it is closest to. Names match exactly: providers
// compare event names as given.
func UnknownEvents(names, known []string) []UnknownEvent {
	var out []UnknownEvent
	for _, n := range names {
		if slices.Contains(known, n) || slices.ContainsFunc(out, func(u UnknownEvent) bool { return u.Name == n }) {
			continue
		}
		out = append(out, suggest(n, known))
	}
	return out
}

// suggest ranks known names by edit distance to name, compared
// case-insensitively with '-' and ' ' read as '_' (the usual slips between
// PEXA's, Solvimon's and OffBlocks' spellings).
func suggest(name string, known []string) UnknownEvent {
	type cand struct {
		name string
		d    int
	}
	norm := normalizeEvent(name)
	var cands []cand
	for _, k := range known {
		kn := normalizeEvent(k)
		d := editDistance(norm, kn)
		// A name that shares nothing with k is no suggestion.
		if d < max(len(norm), len(kn)) {
			cands = append(cands, cand{k, d})
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return cmp.Compare(a.d, b.d) })
	u := UnknownEvent{Name: name}
	for i, c := range cands {
		if i < maxClosest {
			u.Closest = append(u.Closest, c.name)
		}
		if c.d == cands[0].d && c.d <= typoDistance(norm) {
			u.DidYouMean = append(u.DidYouMean, c.name)
		}
	}
	return u
}

// typoDistance is how many edits still read as a typo: one, plus one per
// six characters, at most three.
func typoDistance(s string) int { return min(1+len(s)/6, 3) }

func normalizeEvent(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return '_'
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(s)))
}

// editDistance is the Levenshtein distance between a and b, in bytes
// (event names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
