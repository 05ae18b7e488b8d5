package manifest

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// Actions of a Change.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"
)

// FieldChange is one field of a change: From is the provider's value
// (nil on create), To the manifest's (nil on delete).
type FieldChange struct {
	Field string `json:"field"`
	From  any    `json:"from"`
	To    any    `json:"to"`
}

// Change is one write the plan needs.
type Change struct {
	Action   string `json:"action"`
	Provider string `json:"provider"`
	Profile  string `json:"profile"`
	// ID is the registration's id ("" for a create).
	ID       string        `json:"id"`
	Identity string        `json:"identity"`
	Fields   []FieldChange `json:"changes"`
	// Line is the manifest entry's line (0 for a delete).
	Line int `json:"line,omitempty"`

	entry *Entry
	live  *webhook.Registration
}

// PlanProfile compares a profile's manifest entries with its live
// registrations. Entries with an id match that registration; the others
// match the first unmatched registration with the same identity. A
// registration no entry matches is deleted (apply does so only with
// --prune). Fields an entry leaves out (name, active, a param) are kept
// as they are; params naming secret files are sent on create only.
func PlanProfile(profile string, entries []Entry, live []webhook.Registration) ([]Change, error) {
	matched := make([]bool, len(live))
	byID := map[string]int{}
	for i, r := range live {
		byID[r.ID] = i
	}
	var changes []Change
	for _, e := range entries {
		if e.Profile != profile {
			continue
		}
		i := -1
		if e.ID != "" {
			j, ok := byID[e.ID]
			if !ok {
				return nil, webhook.Errorf(webhook.KindNotFound, "line %d: profile %s: pinned id %s not found at %s", e.Line, profile, e.ID, e.Provider).
					WithHint("drop the id to create the registration anew, or export the profile again")
			}
			i = j
		} else {
			want := e.Identity()
			for j, r := range live {
				if !matched[j] && liveIdentity(r) == want {
					i = j
					break
				}
			}
		}
		if i < 0 {
			changes = append(changes, createChange(e))
			continue
		}
		matched[i] = true
		if c, ok := updateChange(e, &live[i]); ok {
			changes = append(changes, c)
		}
	}
	for i := range live {
		if !matched[i] {
			r := &live[i]
			changes = append(changes, Change{Action: ActionDelete, Provider: r.Provider, Profile: profile, ID: r.ID,
				Identity: liveIdentity(*r), Fields: []FieldChange{{"url", r.URL, nil}, {"events", events(r.Events), nil}}, live: r})
		}
	}
	return changes, nil
}

func events(ev []string) []string {
	if ev == nil {
		return []string{}
	}
	return ev
}

func createChange(e Entry) Change {
	c := Change{Action: ActionCreate, Provider: e.Provider, Profile: e.Profile, ID: "", Identity: e.Identity(), Line: e.Line, entry: &e}
	c.Fields = append(c.Fields, FieldChange{"url", nil, e.URL})
	if e.AllEvents {
		c.Fields = append(c.Fields, FieldChange{"all_events", nil, true})
	} else {
		c.Fields = append(c.Fields, FieldChange{"events", nil, events(e.Events)})
	}
	if e.Name != "" {
		c.Fields = append(c.Fields, FieldChange{"name", nil, e.Name})
	}
	if e.Active != nil {
		c.Fields = append(c.Fields, FieldChange{"active", nil, *e.Active})
	}
	for _, k := range sortedKeys(e.Params) {
		c.Fields = append(c.Fields, FieldChange{"params." + k, nil, e.Params[k]})
	}
	return c
}

func updateChange(e Entry, r *webhook.Registration) (Change, bool) {
	c := Change{Action: ActionUpdate, Provider: e.Provider, Profile: e.Profile, ID: r.ID, Identity: e.Identity(), Line: e.Line, entry: &e, live: r}
	if e.URL != r.URL {
		c.Fields = append(c.Fields, FieldChange{"url", r.URL, e.URL})
	}
	switch {
	case e.AllEvents:
		// No filter and the documented list by name both are every event.
		if !allEventsOf(e.Provider).Covers(r.Events) {
			c.Fields = append(c.Fields, FieldChange{"all_events", false, true})
		}
	case !sameSet(e.Events, r.Events):
		c.Fields = append(c.Fields, FieldChange{"events", events(r.Events), events(e.Events)})
	}
	if e.Name != "" && e.Name != r.Name {
		c.Fields = append(c.Fields, FieldChange{"name", r.Name, e.Name})
	}
	if e.Active != nil && *e.Active != r.Active {
		c.Fields = append(c.Fields, FieldChange{"active", r.Active, *e.Active})
	}
	have := liveParams(*r)
	for _, k := range sortedKeys(e.Params) {
		if isFileParam(k) {
			continue
		}
		if e.Params[k] != have[k] {
			c.Fields = append(c.Fields, FieldChange{"params." + k, have[k], e.Params[k]})
		}
	}
	return c, len(c.Fields) > 0
}

// isFileParam: a param naming a file that holds a secret. Its content
// cannot be read back from the provider, so it is sent on create only.
func isFileParam(k string) bool { return strings.HasSuffix(k, "-file") }

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// createRequest is what a create change asks the provider for.
func (c *Change) createRequest() webhook.CreateRequest {
	e := c.entry
	req := webhook.CreateRequest{URL: e.URL, Events: slices.Clone(e.Events), AllEvents: e.AllEvents, Name: e.Name, Active: e.Active, Params: map[string]string{}}
	for k, v := range e.Params {
		req.Params[k] = v
	}
	return req
}

// updateRequest sends only the fields that differ.
func (c *Change) updateRequest() webhook.UpdateRequest {
	e := c.entry
	var req webhook.UpdateRequest
	for _, f := range c.Fields {
		switch {
		case f.Field == "url":
			req.URL = &e.URL
		case f.Field == "events":
			req.Events = events(slices.Clone(e.Events))
		case f.Field == "all_events":
			req.AllEvents = true
		case f.Field == "name":
			req.Name = &e.Name
		case f.Field == "active":
			req.Active = e.Active
		case strings.HasPrefix(f.Field, "params."):
			if req.Params == nil {
				req.Params = map[string]string{}
			}
			k := strings.TrimPrefix(f.Field, "params.")
			req.Params[k] = e.Params[k]
		}
	}
	return req
}

// Describe is the change as text: "url: a → b".
func (f FieldChange) Describe() string {
	from, to := f.Texts()
	return fmt.Sprintf("%s: %s → %s", f.Field, from, to)
}

// Texts are From and To as a table shows them ("-" for none).
func (f FieldChange) Texts() (from, to string) { return show(f.From), show(f.To) }

func show(v any) string {
	switch v := v.(type) {
	case nil:
		return "-"
	case []string:
		return "[" + strings.Join(v, ",") + "]"
	case string:
		if v == "" {
			return `""`
		}
		return v
	}
	return fmt.Sprint(v)
}
