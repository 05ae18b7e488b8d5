package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// Every structured form (JSON, YAML, --jq) is made from one value: our
// struct encoded to JSON and read back keeping the key order, with an
// empty string turned into null. So YAML lists keys in the JSON order, and
// the rule `hookctl help formatting` documents holds for every command
// without each struct having to remember it: a value hookctl does not have
// is null, never "" and never a missing key.

// object is a JSON object with its keys in order.
type object []member

type member struct {
	key string
	val any
}

// MarshalJSON writes the members in order, HTML left alone.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := encodeCompact(&b, m.key); err != nil {
			return nil, err
		}
		b.WriteByte(':')
		if err := encodeCompact(&b, m.val); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func encodeCompact(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	return nil
}

// ordered encodes v as JSON and reads it back in key order, "" as null.
func ordered(v any) (any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return readValue(dec)
}

func readValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := object{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := readValue(dec)
				if err != nil {
					return nil, err
				}
				o = append(o, member{k.(string), v})
			}
			_, err := dec.Token()
			return o, err
		case '[':
			a := []any{}
			for dec.More() {
				v, err := readValue(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token()
			return a, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		if t == "" {
			return nil, nil
		}
	}
	return tok, nil
}

// generic turns an ordered value into maps for gojq (which sorts keys).
func generic(v any) any {
	switch t := v.(type) {
	case object:
		m := make(map[string]any, len(t))
		for _, x := range t {
			m[x.key] = generic(x.val)
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = generic(x)
		}
		return out
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return int(i)
		}
		f, _ := t.Float64()
		return f
	}
	return v
}

// yamlNode turns an ordered value into YAML with the same key order.
func yamlNode(v any) (*yaml.Node, error) {
	switch t := v.(type) {
	case object:
		n := &yaml.Node{Kind: yaml.MappingNode}
		for _, m := range t {
			val, err := yamlNode(m.val)
			if err != nil {
				return nil, err
			}
			key := &yaml.Node{}
			if err := key.Encode(m.key); err != nil { // quotes keys like "n" YAML 1.1 reads as booleans
				return nil, err
			}
			n.Content = append(n.Content, key, val)
		}
		return n, nil
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		if len(t) == 0 {
			n.Style = yaml.FlowStyle
		}
		for _, x := range t {
			val, err := yamlNode(x)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, val)
		}
		return n, nil
	}
	n := &yaml.Node{}
	if err := n.Encode(generic(v)); err != nil {
		return nil, err
	}
	return n, nil
}

func writeYAML(w io.Writer, v any) error {
	o, err := ordered(v)
	if err != nil {
		return err
	}
	n, err := yamlNode(o)
	if err != nil {
		return err
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return err
	}
	return enc.Close()
}

// WriteJSONLine writes v as one line of compact JSON (JSON Lines output),
// shaped as WriteJSON shapes it.
func WriteJSONLine(w io.Writer, v any) error {
	o, err := ordered(v)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(o)
}
