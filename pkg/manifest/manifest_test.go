package manifest

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// jsonFields lists a struct's JSON names and the required ones (no omitempty).
func jsonFields(t reflect.Type) (all, required []string) {
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || name == "" {
			continue
		}
		all = append(all, name)
		if !strings.Contains(opts, "omitempty") {
			required = append(required, name)
		}
	}
	sort.Strings(all)
	sort.Strings(required)
	return all, required
}

type schemaObject struct {
	Required   []string                   `json:"required"`
	Properties map[string]json.RawMessage `json:"properties"`
	AllOf      []struct {
		If struct {
			Properties struct {
				Provider struct {
					Const string `json:"const"`
				} `json:"provider"`
			} `json:"properties"`
		} `json:"if"`
		Then struct {
			Properties struct {
				Params struct {
					Properties map[string]any `json:"properties"`
				} `json:"params"`
			} `json:"properties"`
		} `json:"then"`
	} `json:"allOf"`
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestSchemaMatchesTypes keeps schema.json and the Go types together:
// the same fields, the same required ones, the providers of the registry
// and each provider's register params.
func TestSchemaMatchesTypes(t *testing.T) {
	var top struct {
		schemaObject
		Defs struct {
			Webhook schemaObject `json:"webhook"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &top); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		typ reflect.Type
		obj schemaObject
	}{{reflect.TypeFor[Manifest](), top.schemaObject}, {reflect.TypeFor[Entry](), top.Defs.Webhook}} {
		all, req := jsonFields(c.typ)
		if got := keys(c.obj.Properties); !slices.Equal(got, all) {
			t.Errorf("%s: schema properties %v, Go fields %v", c.typ.Name(), got, all)
		}
		got := slices.Clone(c.obj.Required)
		sort.Strings(got)
		if !slices.Equal(got, req) {
			t.Errorf("%s: schema requires %v, Go requires (no omitempty) %v", c.typ.Name(), got, req)
		}
	}
	var prov struct {
		Enum []string `json:"enum"`
	}
	if err := json.Unmarshal(top.Defs.Webhook.Properties["provider"], &prov); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(prov.Enum, providers.Names()) {
		t.Errorf("schema providers %v, registry %v", prov.Enum, providers.Names())
	}
	params := map[string][]string{}
	for _, a := range top.Defs.Webhook.AllOf {
		if p := a.If.Properties.Provider.Const; p != "" {
			params[p] = keys(a.Then.Properties.Params.Properties)
		}
	}
	for _, spec := range providers.All() {
		var want []string
		for _, p := range spec.Params {
			want = append(want, p.Name)
		}
		sort.Strings(want)
		got, ok := params[spec.Name]
		if !ok {
			t.Errorf("schema has no params rule for %s", spec.Name)
		}
		if len(got)+len(want) > 0 && !slices.Equal(got, want) {
			t.Errorf("%s: schema params %v, Spec.Params %v", spec.Name, got, want)
		}
	}
}

// TestDocsSchemaIsCurrent: docs/ ships the schema the binary validates
// with (`go run ./cmd/gendocs` copies it).
func TestDocsSchemaIsCurrent(t *testing.T) {
	b, err := os.ReadFile("../../docs/webhooks-manifest.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(Schema()) {
		t.Fatal("docs/webhooks-manifest.schema.json differs from the schema the binary validates with (pkg/manifest/schema.json and the registry): run go run ./cmd/gendocs")
	}
}

func TestParseErrorsHaveLines(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		want      []string
	}{
		{"yaml syntax", "version: 1\nwebhooks: [\n", []string{"m.yaml: line 2"}},
		{"empty", "", []string{"empty manifest"}},
		{"version", "version: 2\nwebhooks: []\n", []string{"m.yaml:1: at /version"}},
		{"missing webhooks", "version: 1\n", []string{`m.yaml:1: at /: required: missing properties: ["webhooks"]`}},
		{"fields", `version: 1
webhooks:
  - provider: solvimon
    profile: s1
    url: ftp://x
    events: [A]
    colour: blue
  - provider: pwc
    profile: p
    url: https://x
    events: [A, B]
    active: "yes"
    params: {reference: r}
  - provider: nosuch
    profile: p
    url: https://x
    events: []
`, []string{
			`m.yaml:5: at /webhooks/0/url: pattern: "ftp://x" does not match`,
			`m.yaml:7: at /webhooks/0: unexpected additional properties ["colour"]`,
			"m.yaml:11: at /webhooks/1/events: maxItems: array length 2 is greater than 1",
			`m.yaml:12: at /webhooks/1/active: type: yes has type "string", want "boolean"`,
			`m.yaml:13: at /webhooks/1/params: unexpected additional properties ["reference"]`,
			"m.yaml:14: at /webhooks/2/provider: enum: nosuch does not equal any of",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("m.yaml", []byte(c.doc))
			if err == nil {
				t.Fatal("no error")
			}
			if webhook.KindOf(err) != webhook.KindUsage {
				t.Errorf("kind %v, want usage (exit 2)", webhook.KindOf(err))
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			// One line per problem, nothing beyond: a refused provider's
			// entry is not held to every provider's rules at once.
			if n := strings.Count(err.Error(), "m.yaml:"); c.name == "fields" && n != len(c.want) {
				t.Errorf("%d problems reported, want %d:\n%v", n, len(c.want), err)
			}
		})
	}
}

func regs() []webhook.Registration {
	return []webhook.Registration{
		{Provider: "solvimon", Profile: "s", ID: "whk_1", Name: "a", URL: "https://a.example.com", Events: []string{"INVOICE.CREATED"}, Active: true,
			Secret: "s3cr3t-solvimon", Extra: map[string]any{"reference": "a-1", "authentication_type": "NONE", "include_previous_data": false, "excluded_actions": []string{}}},
		{Provider: "pwc", Profile: "p", ID: "sub_1", Name: "rf", URL: "https://p.example.com", Events: []string{"ReportFiled"}, Active: false,
			Secret: "s3cr3t-pwc", Extra: map[string]any{"content_type": "application/json", "history": []string{"x"}}},
		{Provider: "pexa", Profile: "x", ID: "reg_1", URL: "https://x.example.com", Events: []string{"WORKSPACE_CLOSED", "SECRET_EXPIRY"}, Active: true,
			Secret: "s3cr3t-pexa", Extra: map[string]any{"region": "au", "authentication_mode": "HMAC"}},
		{Provider: "offblocks", Profile: "o", ID: "ob_1", URL: "https://o.example.com", Events: []string{}, Active: true},
	}
}

// TestExportRoundTrip: what export writes parses, matches the schema,
// holds no secret, and plans no change against what it came from.
func TestExportRoundTrip(t *testing.T) {
	live := regs()
	for _, pin := range []bool{false, true} {
		b, err := FromRegistrations(live, pin).Encode()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range live {
			if r.Secret != "" && strings.Contains(string(b), r.Secret) {
				t.Fatalf("export holds the secret of %s:\n%s", r.ID, b)
			}
		}
		for _, w := range []string{"# identity: reference=a-1", "# identity: name=rf event=ReportFiled", "# identity: url=https://x.example.com events=SECRET_EXPIRY,WORKSPACE_CLOSED", "auth-mode: HMAC"} {
			if !strings.Contains(string(b), w) {
				t.Errorf("export lacks %q:\n%s", w, b)
			}
		}
		if strings.Contains(string(b), "content-type") || strings.Contains(string(b), "history") {
			t.Errorf("export holds defaults or read-only fields:\n%s", b)
		}
		m, err := Parse("export.yaml", b)
		if err != nil {
			t.Fatalf("export does not parse: %v\n%s", err, b)
		}
		for _, prof := range m.Profiles() {
			var mine []webhook.Registration
			for _, r := range live {
				if r.Profile == prof {
					mine = append(mine, r)
				}
			}
			ch, err := PlanProfile(prof, m.Webhooks, mine)
			if err != nil || len(ch) != 0 {
				t.Errorf("pin=%v %s: plan against its own export: %v %+v", pin, prof, err, ch)
			}
		}
	}
}

func TestPlanProfile(t *testing.T) {
	live := []webhook.Registration{
		{Provider: "solvimon", Profile: "s", ID: "whk_1", Name: "a", URL: "https://a.example.com", Events: []string{"X.CREATED", "X.UPDATED"}, Active: true, Extra: map[string]any{"reference": "a-1"}},
		{Provider: "solvimon", Profile: "s", ID: "whk_2", Name: "b", URL: "https://b.example.com", Events: []string{"X.CREATED"}, Active: true, Extra: map[string]any{"reference": "b-1"}},
		{Provider: "solvimon", Profile: "other", ID: "whk_9", URL: "https://z.example.com", Extra: map[string]any{"reference": "z"}},
	}
	f := false
	entries := []Entry{
		// events in another order are the same set; url, active and a param change
		{Provider: "solvimon", Profile: "s", URL: "https://a.example.com/v2", Events: []string{"X.UPDATED", "X.CREATED"}, Active: &f,
			Params: map[string]string{"reference": "a-1", "include-previous-data": "true", "endpoint-secret-file": "pw.txt"}, Line: 3},
		{Provider: "solvimon", Profile: "s", Name: "c", URL: "https://c.example.com", Events: []string{"X.CREATED"}, Params: map[string]string{"reference": "c-1"}, Line: 9},
		{Provider: "solvimon", Profile: "other", URL: "https://z.example.com", Params: map[string]string{"reference": "z"}},
	}
	ch, err := PlanProfile("s", entries, live[:2])
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, c := range ch {
		var fs []string
		for _, f := range c.Fields {
			fs = append(fs, f.Describe())
		}
		got = append(got, c.Action+" "+c.ID+" "+c.Identity+": "+strings.Join(fs, "; "))
	}
	want := []string{
		"update whk_1 reference=a-1: url: https://a.example.com → https://a.example.com/v2; active: true → false; params.include-previous-data: \"\" → true",
		"create  reference=c-1: url: - → https://c.example.com; events: - → [X.CREATED]; name: - → c; params.reference: - → c-1",
		"delete whk_2 reference=b-1: url: https://b.example.com → -; events: [X.CREATED] → -",
	}
	if !slices.Equal(got, want) {
		t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	up := ch[0].updateRequest()
	if up.URL == nil || up.Events != nil || up.Name != nil || up.Active == nil || *up.Active || len(up.Params) != 1 || up.Params["include-previous-data"] != "true" {
		t.Errorf("update request sends more or less than the changes: %+v", up)
	}
	if cr := ch[1].createRequest(); cr.URL != "https://c.example.com" || cr.Name != "c" || cr.Params["reference"] != "c-1" {
		t.Errorf("create request: %+v", cr)
	}
	// A pinned id the provider does not know is an error, not a create
	// that every rerun would repeat.
	_, err = PlanProfile("s", []Entry{{Provider: "solvimon", Profile: "s", ID: "whk_gone", URL: "https://a", Line: 4}}, live[:2])
	if webhook.KindOf(err) != webhook.KindNotFound || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("pinned id not found: %v", err)
	}
	// A pinned id matches whatever its identity says.
	ch, _ = PlanProfile("s", []Entry{{Provider: "solvimon", Profile: "s", ID: "whk_2", URL: "https://b.example.com", Events: []string{"X.CREATED"}, Params: map[string]string{"reference": "b-2"}}}, live[:2])
	if len(ch) != 2 || ch[0].Action != ActionUpdate || ch[0].ID != "whk_2" || ch[1].Action != ActionDelete || ch[1].ID != "whk_1" {
		t.Errorf("pinned plan: %+v", ch)
	}
}

func TestCheck(t *testing.T) {
	profiles := map[string]string{"s": "solvimon", "p": "pwc"}
	lookup := func(name string) (string, error) {
		if p, ok := profiles[name]; ok {
			return p, nil
		}
		return "", webhook.Invalid("profile %q not found", name)
	}
	for _, c := range []struct {
		name string
		m    Manifest
		want string
	}{
		{"unknown profile", Manifest{Webhooks: []Entry{{Provider: "solvimon", Profile: "nope", Line: 3}}}, "m.yaml:3: profile \"nope\""},
		{"wrong provider", Manifest{Webhooks: []Entry{{Provider: "pexa", Profile: "s", Line: 5}}}, "m.yaml:5: profile \"s\" is a solvimon profile"},
		{"same identity", Manifest{Webhooks: []Entry{
			{Provider: "solvimon", Profile: "s", URL: "https://a", Events: []string{"X.CREATED"}, Params: map[string]string{"reference": "r"}, Line: 3},
			{Provider: "solvimon", Profile: "s", URL: "https://b", AllEvents: true, Params: map[string]string{"reference": "r"}, Line: 8},
		}}, "m.yaml:8: profile s: identity reference=r is already declared on line 3"},
		// No events never means every event.
		{"no events", Manifest{Webhooks: []Entry{{Provider: "solvimon", Profile: "s", URL: "https://a", Events: []string{}, Line: 4}}},
			"m.yaml:4: no events: an entry names its events (an empty list is never read as \"every event\")\nlist them under events (`hookctl events -p s` lists them); or give all_events: true for every event (solvimon is sent no included_actions filter"},
		{"events and all_events", Manifest{Webhooks: []Entry{{Provider: "solvimon", Profile: "s", URL: "https://a", Events: []string{"X.CREATED"}, AllEvents: true, Line: 6}}},
			"m.yaml:6: give events or all_events: true, not both"},
		{"all_events where there is none", Manifest{Webhooks: []Entry{{Provider: "pwc", Profile: "p", Name: "a", AllEvents: true, Line: 7}}},
			"m.yaml:7: all_events: pwc has no \"every event\": a PwC subscription has exactly one event"},
		{"no events where there is no all_events", Manifest{Webhooks: []Entry{{Provider: "pwc", Profile: "p", Name: "a", Line: 2}}},
			"m.yaml:2: no events: an entry names its events (an empty list is never read as \"every event\")\nlist them under events (`hookctl events -p p` lists them); pwc has no all_events: true: "},
		{"same id", Manifest{Webhooks: []Entry{
			{Provider: "pwc", Profile: "p", ID: "x", Name: "a", Events: []string{"E"}, Line: 3},
			{Provider: "pwc", Profile: "p", ID: "x", Name: "b", Events: []string{"E"}, Line: 9},
		}}, "m.yaml:9: profile p: id x is already declared on line 3"},
	} {
		err := c.m.Check("m.yaml", lookup)
		if err == nil || !strings.Contains(err.Error(), c.want) || webhook.KindOf(err) != webhook.KindUsage {
			t.Errorf("%s: %v, want %q (exit 2)", c.name, err, c.want)
		}
	}
}

// TestPlanAllEvents: all_events is every event however the
// provider holds it (no filter, or its documented list by name), so an
// export of either plans nothing, and asking for it where the
// registration names fewer is one change that sends AllEvents.
func TestPlanAllEvents(t *testing.T) {
	five := providersAllEvents(t, "offblocks")
	live := []webhook.Registration{
		{Provider: "offblocks", Profile: "o", ID: "ob_none", URL: "https://n.example.com", Active: true},
		{Provider: "offblocks", Profile: "o", ID: "ob_five", URL: "https://f.example.com", Events: reversed(five), Active: true},
		{Provider: "offblocks", Profile: "o", ID: "ob_one", URL: "https://one.example.com", Events: []string{"card.updated"}, Active: true},
		{Provider: "solvimon", Profile: "s", ID: "whk_all", URL: "https://a.example.com", Active: true, Extra: map[string]any{"reference": "all"}},
		{Provider: "solvimon", Profile: "s", ID: "whk_one", URL: "https://b.example.com", Events: []string{"X.CREATED"}, Active: true, Extra: map[string]any{"reference": "one"}},
	}
	exported := FromRegistrations(live, false)
	var all []string
	for _, e := range exported.Webhooks {
		if e.AllEvents {
			all = append(all, e.URL)
		}
	}
	if want := []string{"https://n.example.com", "https://a.example.com"}; !slices.Equal(all, want) {
		t.Errorf("export writes all_events for %v, want the registrations without a filter %v", all, want)
	}
	for _, prof := range []string{"o", "s"} {
		var mine []webhook.Registration
		for _, r := range live {
			if r.Profile == prof {
				mine = append(mine, r)
			}
		}
		// all_events where the registration names the five: no change.
		entries := slices.Clone(exported.Webhooks)
		for i := range entries {
			if entries[i].URL == "https://f.example.com" {
				entries[i].Events, entries[i].AllEvents = nil, true
			}
		}
		if ch, err := PlanProfile(prof, entries, mine); err != nil || len(ch) != 0 {
			t.Errorf("%s: plan against its own export: %v %+v", prof, err, ch)
		}
	}

	// Solvimon: all_events where one action is named is one field, sent
	// as AllEvents; a list where there is no filter is an events change.
	entries := []Entry{
		{Provider: "solvimon", Profile: "s", URL: "https://a.example.com", Events: []string{"X.UPDATED"}, Params: map[string]string{"reference": "all"}},
		{Provider: "solvimon", Profile: "s", URL: "https://b.example.com", AllEvents: true, Params: map[string]string{"reference": "one"}},
	}
	ch, err := PlanProfile("s", entries, live[3:])
	if err != nil || len(ch) != 2 {
		t.Fatalf("plan: %v %+v", err, ch)
	}
	if d := ch[0].Fields; len(d) != 1 || d[0].Describe() != "events: [] → [X.UPDATED]" {
		t.Errorf("list where there is no filter: %+v", d)
	}
	if d := ch[1].Fields; len(d) != 1 || d[0].Describe() != "all_events: false → true" {
		t.Errorf("all_events where one action is named: %+v", d)
	}
	if up := ch[1].updateRequest(); !up.AllEvents || up.Events != nil {
		t.Errorf("update request %+v, want AllEvents and no events", up)
	}
	cr := createChange(Entry{Provider: "offblocks", Profile: "o", URL: "https://new.example.com", AllEvents: true})
	if req := cr.createRequest(); !req.AllEvents || len(req.Events) != 0 || cr.Fields[1].Describe() != "all_events: - → true" {
		t.Errorf("create: %+v %+v", req, cr.Fields)
	}
	// OffBlocks identifies by URL and events: every event is one identity
	// whichever way it is written.
	if a, b := (Entry{Provider: "offblocks", URL: "https://f.example.com", AllEvents: true}).Identity(), liveIdentity(live[1]); a != b || a != "url=https://f.example.com all_events" {
		t.Errorf("identities %q and %q", a, b)
	}
}

func providersAllEvents(t *testing.T, name string) []string {
	t.Helper()
	spec, err := providers.Lookup(name)
	if err != nil || len(spec.AllEvents.Events) == 0 {
		t.Fatalf("%s: %v %+v", name, err, spec.AllEvents)
	}
	return spec.AllEvents.Events
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}
