package manifest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/providers/provider"
)

// TestSchemaRulesFromSpecs: a provider's block of the schema comes from
// its spec alone, so a new provider needs no line in schema.json. A
// provider that is not in the registry, with one param and one event a
// registration, gets exactly those rules.
func TestSchemaRulesFromSpecs(t *testing.T) {
	fifth := provider.Spec{Name: "fifth", Params: []provider.Field{{Name: "colour"}}, Manifest: provider.Manifest{OneEvent: true}}
	var root jsonschema.Schema
	if err := json.Unmarshal(renderSchema(append(providers.All(), fifth)), &root); err != nil {
		t.Fatalf("the rendered schema is no JSON Schema: %v", err)
	}
	entry, err := root.Defs["webhook"].Resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		doc, wantErr string
	}{
		{`{"provider": "fifth", "profile": "p", "url": "https://x.example", "events": ["a"], "params": {"colour": "red"}}`, ""},
		{`{"provider": "fifth", "profile": "p", "url": "https://x.example", "events": ["a"], "params": {"size": "9"}}`, "size"},
		{`{"provider": "fifth", "profile": "p", "url": "https://x.example", "events": ["a", "b"]}`, "maxItems"},
		{`{"provider": "sixth", "profile": "p", "url": "https://x.example", "events": ["a"]}`, "enum"},
		// The four providers' own rules still hold beside the new one.
		{`{"provider": "offblocks", "profile": "p", "url": "https://x.example", "events": ["a"], "params": {"colour": "red"}}`, "colour"},
	} {
		var doc any
		if err := json.Unmarshal([]byte(c.doc), &doc); err != nil {
			t.Fatal(err)
		}
		err := entry.Validate(doc)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: %v", c.doc, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: error %v, want one naming %q", c.doc, err, c.wantErr)
		}
	}
}
