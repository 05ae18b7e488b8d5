package manifest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// Schema is the manifest's JSON Schema; `go run ./internal/gendocs`
// copies it to docs/webhooks-manifest.schema.json.
//
//go:embed schema.json
var Schema []byte

const schemaURL = "https://github.com/hookctl/hookctl/docs/webhooks-manifest.schema.json"

var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(schemaURL)
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
	js, err := json.Marshal(raw)
	if err != nil {
		return nil, webhook.Invalid("%s: not a JSON-compatible document (keys must be strings): %v", file, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return nil, webhook.Invalid("%s: %v", file, err)
	}
	sch, err := compiled()
	if err != nil {
		return nil, fmt.Errorf("manifest schema: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, webhook.Invalid("%s: %v", file, err)
		}
		return nil, schemaErrors(file, root.Content[0], ve)
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

var printer = message.NewPrinter(language.English)

// schemaErrors turns the validator's leaf errors into one message, a
// line each, "file:LINE: at /webhooks/0/url: ...", sorted by line.
func schemaErrors(file string, doc *yaml.Node, ve *jsonschema.ValidationError) error {
	type problem struct {
		line int
		text string
	}
	var out []problem
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		loc := "/" + strings.Join(e.InstanceLocation, "/")
		line := lineOf(doc, e.InstanceLocation)
		if ap, ok := e.ErrorKind.(*kind.AdditionalProperties); ok && len(ap.Properties) > 0 {
			// Point at the first unknown key rather than its object.
			line = lineOf(doc, append(slices.Clone(e.InstanceLocation), ap.Properties[0]))
		}
		out = append(out, problem{line, fmt.Sprintf("at %s: %s", loc, e.ErrorKind.LocalizedString(printer))})
	}
	walk(ve)
	sort.SliceStable(out, func(a, b int) bool { return out[a].line < out[b].line })
	lines := make([]string, 0, len(out))
	for _, p := range out {
		l := fmt.Sprintf("%s:%d: %s", file, p.line, p.text)
		if len(lines) == 0 || lines[len(lines)-1] != l {
			lines = append(lines, l)
		}
	}
	return webhook.Invalid("%s does not match the manifest schema:\n%s", file, strings.Join(lines, "\n")).
		WithHint("the schema is docs/webhooks-manifest.schema.json; `hookctl export` writes a valid manifest to start from")
}

// lineOf follows a JSON pointer's tokens through the YAML nodes and
// returns the line of the deepest node it reaches.
func lineOf(n *yaml.Node, path []string) int {
	line := n.Line
	for _, tok := range path {
		for n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			next = child(n, tok)
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
			}
		}
		if next == nil {
			break
		}
		n, line = next, next.Line
	}
	return line
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
