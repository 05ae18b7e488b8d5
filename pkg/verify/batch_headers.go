package verify

import (
	"net/http"
	"net/textproto"
	"strings"
)

// The headers object of a batch line, read by the scanner of
// batch_scan.go into reused buffers.

// headers reads {"Name": "value" | ["v1", ...], ...} into canonical
// http.Header, as batchHeaders.header does, in s's buffers: the map,
// emptied, and the value slices are the previous line's, and the values
// are cut from one string, so a line's headers cost one allocation.
func (d *jsonScan) headers(s *batchScratch) (http.Header, bool) {
	if !d.eat('{') {
		return nil, false
	}
	if s.text == nil { // a fresh scratch: room for a typical line's headers
		s.text, s.ends, s.spans, s.vals = make([]byte, 0, 256), make([]int, 0, 8), make([]headerSpan, 0, 8), make([]string, 0, 8)
	}
	text, ends, spans := s.text[:0], s.ends[:0], s.spans[:0]
	d.ws()
	if !d.eat('}') {
		for {
			d.ws()
			k, _, ok := d.str()
			if !ok {
				return nil, false
			}
			sp := headerSpan{name: s.canonical(k), from: len(ends)}
			d.ws()
			if !d.eat(':') {
				return nil, false
			}
			d.ws()
			if text, ends, ok = d.headerValues(text, ends); !ok {
				return nil, false
			}
			sp.to = len(ends)
			spans = append(spans, sp)
			d.ws()
			if d.eat('}') {
				break
			}
			if !d.eat(',') {
				return nil, false
			}
		}
	}
	s.text, s.ends, s.spans = text, ends, spans
	return s.headerMap()
}

// headerValues reads one header's "value" or ["v1", ...], appending each
// value to text and where it ends to ends.
func (d *jsonScan) headerValues(text []byte, ends []int) ([]byte, []int, bool) {
	var ok bool
	if !d.eat('[') {
		if text, ok = d.strTo(text); !ok {
			return nil, nil, false
		}
		return text, append(ends, len(text)), true
	}
	d.ws()
	if d.eat(']') {
		return text, ends, true
	}
	for {
		d.ws()
		if text, ok = d.strTo(text); !ok {
			return nil, nil, false
		}
		ends = append(ends, len(text))
		d.ws()
		if d.eat(']') {
			return text, ends, true
		}
		if !d.eat(',') {
			return nil, nil, false
		}
	}
}

// headerMap builds the header of the line read into s.text, s.ends and
// s.spans: the values cut from one string, the map emptied and filled.
// It reports false for two names alike once canonicalised.
func (s *batchScratch) headerMap() (http.Header, bool) {
	all := string(s.text)
	vals := s.vals[:0]
	start := 0
	for _, end := range s.ends {
		vals = append(vals, all[start:end])
		start = end
	}
	s.vals = vals
	h := s.header
	if h == nil {
		h = make(http.Header, max(len(s.spans), 8))
		s.header = h
	} else {
		clear(h)
	}
	for _, sp := range s.spans {
		if _, dup := h[sp.name]; dup {
			return nil, false
		}
		if sp.from == sp.to {
			h[sp.name] = nil // as encoding/json leaves an empty array
		} else {
			h[sp.name] = vals[sp.from:sp.to:sp.to]
		}
	}
	return h, true
}

// canonical is the canonical header name for k as written (trimmed), from
// s.names when k was seen before (s.names nil: no cache, for one line).
func (s *batchScratch) canonical(k []byte) string {
	if name, ok := s.names[string(k)]; ok {
		return name
	}
	raw := string(k)
	name := textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(raw))
	if s.names != nil && len(raw) <= maxCachedNameLen && len(s.names) < maxCachedNames {
		s.names[raw] = name
	}
	return name
}
