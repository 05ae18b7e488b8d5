// Package manifest is webhooks as code: the manifest file (`hookctl
// export` writes it, `diff` and `apply` read it), its JSON Schema, the
// plan that turns a manifest and the providers' registrations into
// creates, updates and deletes, and the engine that carries a plan out
// as a crash-safe bulk run (pkg/bulkrun: journal, locks, sinks), as
// rotation does.
// No cobra here.
package manifest

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Version is the manifest format version this hookctl reads and writes.
const Version = 1

// Manifest is a webhooks.yaml file. The JSON Schema in schema.json
// describes the same fields (TestSchemaMatchesTypes keeps them together).
type Manifest struct {
	Version  int     `json:"version" yaml:"version"`
	Webhooks []Entry `json:"webhooks" yaml:"webhooks"`
}

// Entry is one desired registration.
type Entry struct {
	Provider string `json:"provider" yaml:"provider"`
	Profile  string `json:"profile" yaml:"profile"`
	// ID pins the registration; without it the identity finds it.
	ID     string   `json:"id,omitempty" yaml:"id,omitempty"`
	Name   string   `json:"name,omitempty" yaml:"name,omitempty"`
	URL    string   `json:"url" yaml:"url"`
	Events []string `json:"events,omitempty" yaml:"events,omitempty"`
	// AllEvents asks for every event, as the provider documents it
	// (provider.Spec.AllEvents), instead of Events. An entry has one or
	// the other: no events never means every event.
	AllEvents bool `json:"all_events,omitempty" yaml:"all_events,omitempty"`
	// Active nil leaves the registration's state as it is.
	Active *bool             `json:"active,omitempty" yaml:"active,omitempty"`
	Params map[string]string `json:"params,omitempty" yaml:"params,omitempty"`

	// Line is where the entry starts in the file (0 when not read from one).
	Line int `json:"-" yaml:"-"`
}

// Identity is what finds an entry's registration when no id is pinned:
// the provider's own stable name where it has one, else URL and events.
func (e Entry) Identity() string {
	return identity(e.Provider, e.Name, e.URL, e.Events, e.AllEvents, e.Params)
}

// identity: where URL and events identify a registration, every event
// is one identity however it is spelled (all_events, no filter, or the
// provider's documented list by name), so an entry finds the
// registration it created.
func identity(prov, name, url string, events []string, all bool, params map[string]string) string {
	spec, err := providers.Lookup(prov)
	if err == nil && spec.Manifest.Identity != nil {
		if id := spec.Manifest.Identity(name, events, params); id != "" {
			return id
		}
	}
	if all || (err == nil && spec.AllEvents.Covers(events)) {
		return "url=" + url + " all_events"
	}
	ev := slices.Clone(events)
	sort.Strings(ev)
	return "url=" + url + " events=" + strings.Join(ev, ",")
}

// allEventsOf is what every event means at prov.
func allEventsOf(prov string) provider.AllEvents {
	spec, _ := providers.Lookup(prov)
	return spec.AllEvents
}

// liveParams reads a registration's params back through its provider.
func liveParams(r webhook.Registration) map[string]string {
	if spec, err := providers.Lookup(r.Provider); err == nil && spec.Manifest.Params != nil {
		return spec.Manifest.Params(r)
	}
	return map[string]string{}
}

// liveIdentity is a registration's identity, as Entry.Identity.
func liveIdentity(r webhook.Registration) string {
	return identity(r.Provider, r.Name, r.URL, r.Events, false, liveParams(r))
}

// FromRegistrations is the manifest of regs: what export writes. pinIDs
// writes each registration's id. Secrets never enter it: an Entry has no
// field for one, and params naming secret files are never read back. A
// registration without an event filter is written as all_events, which
// applies as the same thing.
func FromRegistrations(regs []webhook.Registration, pinIDs bool) *Manifest {
	m := &Manifest{Version: Version, Webhooks: []Entry{}}
	for _, r := range regs {
		active := r.Active
		e := Entry{Provider: r.Provider, Profile: r.Profile, Name: r.Name, URL: r.URL, Events: slices.Clone(r.Events), Active: &active}
		if len(e.Events) == 0 {
			// A provider without "every event" never reports none; if
			// one did, Check refuses the entry rather than guess.
			e.Events, e.AllEvents = nil, allEventsOf(r.Provider).Supported()
		}
		if p := liveParams(r); len(p) > 0 {
			e.Params = p
		}
		if pinIDs {
			e.ID = r.ID
		}
		m.Webhooks = append(m.Webhooks, e)
	}
	sort.SliceStable(m.Webhooks, func(a, b int) bool {
		x, y := m.Webhooks[a], m.Webhooks[b]
		if x.Profile != y.Profile {
			return x.Profile < y.Profile
		}
		return x.Identity() < y.Identity()
	})
	return m
}

// Encode writes m as YAML, each entry headed by a comment naming its
// identity (what diff and apply match it by).
func (m *Manifest) Encode() ([]byte, error) {
	var doc yaml.Node
	if err := doc.Encode(m); err != nil {
		return nil, err
	}
	doc.HeadComment = "hookctl webhooks manifest: hookctl diff -f FILE, hookctl apply -f FILE\n" +
		"schema: docs/webhooks-manifest.schema.json"
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value != "webhooks" {
			continue
		}
		for j, item := range doc.Content[i+1].Content {
			item.HeadComment = "identity: " + m.Webhooks[j].Identity()
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Profiles lists the profiles the manifest names, in order of first use.
func (m *Manifest) Profiles() []string {
	var out []string
	for _, e := range m.Webhooks {
		if !slices.Contains(out, e.Profile) {
			out = append(out, e.Profile)
		}
	}
	return out
}

// Check validates what the schema cannot: each profile exists and is of
// the entry's provider (providerOf answers for a profile name), and no
// two entries of a profile share an identity or a pinned id.
func (m *Manifest) Check(file string, providerOf func(profile string) (string, error)) error {
	seen := map[string]int{}
	for _, e := range m.Webhooks {
		prov, err := providerOf(e.Profile)
		if err != nil {
			return lineErr(file, e.Line, "profile %q: %v", e.Profile, err).
				WithHint("add it with `hookctl profile add %s --provider %s ...`, or fix the manifest", e.Profile, e.Provider)
		}
		if prov != e.Provider {
			return lineErr(file, e.Line, "profile %q is a %s profile, but the entry says provider %s", e.Profile, prov, e.Provider)
		}
		if err := e.checkEvents(file); err != nil {
			return err
		}
		keys := []string{"identity " + e.Identity()}
		if e.ID != "" {
			keys = []string{"id " + e.ID}
		}
		for _, k := range keys {
			k = e.Profile + "\x00" + k
			if line, dup := seen[k]; dup {
				return lineErr(file, e.Line, "profile %s: %s is already declared on line %d", e.Profile, k[len(e.Profile)+1:], line)
			}
			seen[k] = e.Line
		}
	}
	return nil
}

// checkEvents: an entry names its events or says all_events: true, as
// register takes --event or --all-events; neither is refused, never read
// as every event.
func (e Entry) checkEvents(file string) error {
	all := allEventsOf(e.Provider)
	switch {
	case e.AllEvents && len(e.Events) > 0:
		return lineErr(file, e.Line, "give events or all_events: true, not both")
	case e.AllEvents && !all.Supported():
		return lineErr(file, e.Line, "all_events: %s has no \"every event\": %s", e.Provider, all.Refusal).
			WithHint("list the events under events (`hookctl events -p %s` lists them)", e.Profile)
	case !e.AllEvents && len(e.Events) == 0:
		return lineErr(file, e.Line, "no events: an entry names its events (an empty list is never read as \"every event\")").
			WithHint("list them under events (`hookctl events -p %s` lists them); %s", e.Profile, all.Alternative(e.Provider, "all_events: true"))
	}
	return nil
}

func lineErr(file string, line int, format string, args ...any) *webhook.Error {
	return webhook.Invalid("%s:%d: %s", file, line, fmt.Sprintf(format, args...))
}
