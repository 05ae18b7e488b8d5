package manifest

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"
	"go.yaml.in/yaml/v3"

	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// schemaTemplate is the manifest's JSON Schema without what the provider
// registry says: the provider enum and the per-provider rules are empty
// lists that renderSchema fills.
//
//go:embed schema.json
var schemaTemplate string

// Schema is the manifest's JSON Schema: schema.json with every provider of
// the registry in the provider enum and one rule per provider (its
// Spec.Params, and Manifest.OneEvent); `go run ./cmd/gendocs` copies it to
// docs/webhooks-manifest.schema.json.
var Schema = sync.OnceValue(func() []byte { return renderSchema(providers.All()) })

// renderSchema fills schemaTemplate's two empty lists, written in the
// file's own layout.
func renderSchema(specs []provider.Spec) []byte {
	names := make([]string, len(specs))
	rules := make([]string, len(specs))
	for i, s := range specs {
		names[i] = strconv.Quote(s.Name)
		rules[i] = providerRule(s)
	}
	out := strings.Replace(schemaTemplate, `"enum": []`, `"enum": [`+strings.Join(names, ", ")+`]`, 1)
	out = strings.Replace(out, `      "allOf": []`, "      \"allOf\": [\n"+strings.Join(rules, ",\n")+"\n      ]", 1)
	return []byte(out)
}

// providerRule is one provider's "if provider is X then" rule: only its
// register params, each a string, and one event where a registration has
// exactly one.
func providerRule(s provider.Spec) string {
	params := `{ "type": "object", "additionalProperties": false`
	if len(s.Params) > 0 {
		props := make([]string, len(s.Params))
		for i, f := range s.Params {
			props[i] = strconv.Quote(f.Name) + `: { "type": "string" }`
		}
		params += `, "properties": { ` + strings.Join(props, ", ") + ` }`
	}
	params += " }"
	const in = "        "
	rule := in + "{\n" + in + `  "if": { "properties": { "provider": { "const": ` + strconv.Quote(s.Name) + " } } },\n"
	if s.Manifest.OneEvent {
		rule += in + "  \"then\": {\n" + in + "    \"properties\": {\n" +
			in + "      \"events\": { \"minItems\": 1, \"maxItems\": 1 },\n" +
			in + "      \"params\": " + params + "\n" + in + "    }\n" + in + "  }\n"
	} else {
		rule += in + `  "then": { "properties": { "params": ` + params + " } }\n"
	}
	return rule + in + "}"
}

// The validator (google/jsonschema-go) reports the first problem it
// meets, without where in the document it is. To report every problem at
// its line, the document is validated in pieces: each required list on
// its own, then each key with its value (and the entry's provider, which
// the per-provider rules need) against the schema without its required
// list. A key's problem is then at that key's line.
type schemaParts struct {
	topRequired, topKeys     *jsonschema.Resolved // the document, webhooks' items left out
	entryRequired, entryKeys *jsonschema.Resolved // one webhooks entry
	// entryKeysAnyProvider is entryKeys without the per-provider rules,
	// for an entry whose provider is missing or refused: an "if" on a
	// provider that is absent holds, so every provider's "then" would.
	entryKeysAnyProvider *jsonschema.Resolved
}

var compiled = sync.OnceValues(func() (*schemaParts, error) {
	var root jsonschema.Schema
	if err := json.Unmarshal(Schema(), &root); err != nil {
		return nil, err
	}
	entry := root.Defs["webhook"]
	if entry == nil {
		return nil, errors.New(`no $defs/webhook`)
	}
	resolve := func(s *jsonschema.Schema) (*jsonschema.Resolved, error) { return s.Resolve(nil) }
	required := func(r []string) *jsonschema.Schema { return &jsonschema.Schema{Type: "object", Required: r} }
	keysOnly := func(s *jsonschema.Schema) *jsonschema.Schema {
		c := s.CloneSchemas()
		c.Required, c.ID, c.Schema, c.Defs = nil, "", "", nil
		return c
	}
	top := keysOnly(&root)
	if wh := top.Properties["webhooks"]; wh != nil {
		wh.Items = nil // each entry is validated on its own
	}
	anyProvider := keysOnly(entry)
	anyProvider.AllOf = nil
	var p schemaParts
	var err error
	for _, r := range []struct {
		dst **jsonschema.Resolved
		s   *jsonschema.Schema
	}{{&p.topRequired, required(root.Required)}, {&p.topKeys, top}, {&p.entryRequired, required(entry.Required)}, {&p.entryKeys, keysOnly(entry)}, {&p.entryKeysAnyProvider, anyProvider}} {
		if *r.dst, err = resolve(r.s); err != nil {
			return nil, err
		}
	}
	return &p, nil
})

// Parse reads a manifest, validates it against the schema and returns it
// with each entry's line. Every problem is a usage error (exit 2) that
// names file:line.
func Parse(file string, data []byte) (*Manifest, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, webhook.Invalid("%s: %v", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(root.Content) == 0 {
		return nil, webhook.Invalid("%s: empty manifest (want version: 1 and webhooks: [...])", file)
	}
	var raw any
	if err := root.Decode(&raw); err != nil {
		return nil, webhook.Invalid("%s: %v", file, err)
	}
	// Through JSON, so the validator sees JSON's types (numbers as float64).
	js, err := json.Marshal(raw)
	if err != nil {
		return nil, webhook.Invalid("%s: not a JSON-compatible document (keys must be strings): %v", file, err)
	}
	var inst any
	if err := json.Unmarshal(js, &inst); err != nil {
		return nil, webhook.Invalid("%s: %v", file, err)
	}
	sch, err := compiled()
	if err != nil {
		return nil, fmt.Errorf("manifest schema: %w", err)
	}
	if probs := validateDoc(sch, inst, root.Content[0]); len(probs) > 0 {
		return nil, schemaErrors(file, probs)
	}
	var m Manifest
	if err := root.Decode(&m); err != nil {
		return nil, webhook.Invalid("%s: %v", file, err)
	}
	if items := child(root.Content[0], "webhooks"); items != nil {
		for i := range m.Webhooks {
			if i < len(items.Content) {
				m.Webhooks[i].Line = items.Content[i].Line
			}
		}
	}
	return &m, nil
}

// problem is one schema violation at a line of the document.
type problem struct {
	line int
	at   string // JSON pointer of the instance
	text string
}

// validateDoc finds every violation in doc (node is its YAML).
func validateDoc(p *schemaParts, doc any, node *yaml.Node) []problem {
	obj, ok := doc.(map[string]any)
	if !ok {
		return []problem{{node.Line, "/", message(p.topRequired.Validate(doc))}}
	}
	probs := checkObject(p.topRequired, p.topKeys, obj, node, "", nil)
	items, _ := obj["webhooks"].([]any)
	list := child(node, "webhooks")
	for i, e := range items {
		n := list
		if list != nil && i < len(list.Content) {
			n = list.Content[i]
		}
		at := "/webhooks/" + strconv.Itoa(i)
		eo, ok := e.(map[string]any)
		if !ok {
			probs = append(probs, problem{n.Line, at, message(p.entryRequired.Validate(e))})
			continue
		}
		// The per-provider rules need the provider beside each key; a
		// provider the schema refuses is reported once, and not added.
		keys, extra := p.entryKeysAnyProvider, map[string]any(nil)
		if pv, ok := eo["provider"]; ok && p.entryKeys.Validate(map[string]any{"provider": pv}) == nil {
			keys, extra = p.entryKeys, map[string]any{"provider": pv}
		}
		probs = append(probs, checkObject(p.entryRequired, keys, eo, n, at, extra)...)
	}
	sort.SliceStable(probs, func(a, b int) bool { return probs[a].line < probs[b].line })
	return probs
}

// checkObject checks obj's required list, then each key on its own (with
// extra beside it).
func checkObject(required, keys *jsonschema.Resolved, obj map[string]any, node *yaml.Node, at string, extra map[string]any) []problem {
	var probs []problem
	if err := required.Validate(obj); err != nil {
		probs = append(probs, problem{node.Line, cmp.Or(at, "/"), message(err)})
	}
	for _, k := range keysInOrder(node, obj) {
		one := map[string]any{k: obj[k]}
		for ek, ev := range extra {
			if ek != k {
				one[ek] = ev
			}
		}
		if err := keys.Validate(one); err != nil {
			line := node.Line
			if kn := keyNode(node, k); kn != nil {
				line = kn.Line
			}
			// Under the key's own schema (".../properties/<k>..." in the
			// chain) the problem is in its value; else the key itself is
			// one the object does not allow.
			loc := cmp.Or(at, "/")
			if strings.Contains(err.Error(), "/properties/"+k) {
				loc = at + "/" + k
			}
			probs = append(probs, problem{line, loc, message(err)})
		}
	}
	return probs
}

// message is the validator's error without its chain of "validating
// <schema>: " prefixes.
func message(err error) string {
	if err == nil {
		return "does not match"
	}
	s := err.Error()
	if i := strings.LastIndex(s, "validating "); i >= 0 {
		if j := strings.Index(s[i:], ": "); j >= 0 {
			s = s[i+j+2:]
		}
	}
	return s
}

// keysInOrder lists obj's keys in the document's order.
func keysInOrder(node *yaml.Node, obj map[string]any) []string {
	var out []string
	seen := map[string]bool{}
	if node != nil && node.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(node.Content); i += 2 {
			if k := node.Content[i].Value; !seen[k] {
				if _, ok := obj[k]; ok {
					out, seen[k] = append(out, k), true
				}
			}
		}
	}
	for k := range obj { // keys the YAML node did not show (aliases)
		if !seen[k] {
			out = append(out, k)
		}
	}
	return out
}

// keyNode is the key node of key in a mapping node (nil when absent).
func keyNode(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i]
		}
	}
	return nil
}

// schemaErrors is one message, a line each, "file:LINE: at /webhooks/0/url: ...".
func schemaErrors(file string, probs []problem) error {
	lines := make([]string, 0, len(probs))
	for _, p := range probs {
		l := fmt.Sprintf("%s:%d: at %s: %s", file, p.line, p.at, p.text)
		if len(lines) == 0 || lines[len(lines)-1] != l {
			lines = append(lines, l)
		}
	}
	return webhook.Invalid("%s does not match the manifest schema:\n%s", file, strings.Join(lines, "\n")).
		WithHint("the schema is docs/webhooks-manifest.schema.json; `hookctl export` writes a valid manifest to start from")
}

// child is the value of key in a mapping node (nil when absent).
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
