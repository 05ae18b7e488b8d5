package cmd

import (
	"bytes"
	"net/http"
	"net/textproto"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON scanner for the common shape of a batch line: the fast path
// of decodeBatchLine, which falls back to encoding/json for anything else.

// jsonScan is a cursor over one line of JSON.
type jsonScan struct {
	b []byte
	i int
}

func (d *jsonScan) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\r', '\n':
			d.i++
		default:
			return
		}
	}
}

func (d *jsonScan) eat(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (d *jsonScan) end() bool {
	d.ws()
	return d.i == len(d.b)
}

// special marks the bytes a JSON string scan must stop at: the closing
// quote, an escape, control characters (invalid in JSON) and non-ASCII
// (to validate as UTF-8).
var special = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// str reads a string. Without escapes it returns a slice of the line
// (fresh false); with escapes, a new buffer (fresh true). It refuses what
// encoding/json would reject or rewrite: control characters, invalid
// UTF-8 (replaced by U+FFFD there), lone surrogates.
func (d *jsonScan) str() (s []byte, fresh, ok bool) {
	raw, escaped, ok := d.rawStr()
	if !ok || !escaped {
		return raw, false, ok
	}
	out, ok := unescapeTo(make([]byte, 0, len(raw)), raw)
	return out, true, ok
}

// strTo is str appending the decoded string to buf (which it may grow):
// no allocation when buf has room.
func (d *jsonScan) strTo(buf []byte) ([]byte, bool) {
	raw, escaped, ok := d.rawStr()
	if !ok {
		return nil, false
	}
	if !escaped {
		return append(buf, raw...), true
	}
	return unescapeTo(buf, raw)
}

// rawStr reads a string and returns its raw bytes between the quotes, a
// slice of the line, and whether they hold escapes; it refuses what str
// refuses, but leaves escapes to be decoded.
func (d *jsonScan) rawStr() (raw []byte, escaped, ok bool) {
	if !d.eat('"') {
		return nil, false, false
	}
	start, i := d.i, d.i
	ascii := true
	for {
		for i < len(d.b) && !special[d.b[i]] {
			i++
		}
		if i >= len(d.b) {
			return nil, false, false
		}
		switch c := d.b[i]; {
		case c == '"':
			raw := d.b[start:i]
			d.i = i + 1
			// Escapes only produce ASCII or whole runes, so the raw bytes
			// are valid UTF-8 exactly when the decoded ones are.
			if !ascii && !utf8.Valid(raw) {
				return nil, false, false
			}
			return raw, escaped, true
		case c == '\\':
			escaped = true
			i += 2 // the escaped byte is never the closing quote
		case c < 0x20:
			return nil, false, false
		default:
			ascii = false
			i++
		}
	}
}

// unescapeTo appends the decoded inside of a JSON string that holds
// escapes to out.
func unescapeTo(out, raw []byte) ([]byte, bool) {
	d := jsonScan{b: raw}
	for d.i < len(raw) {
		j := bytes.IndexByte(raw[d.i:], '\\')
		if j < 0 {
			return append(out, raw[d.i:]...), true
		}
		j += d.i
		out = append(out, raw[d.i:j]...)
		if j+1 >= len(raw) {
			return out, false
		}
		e := raw[j+1]
		d.i = j + 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return nil, false
			}
			if utf16.IsSurrogate(r) {
				// Only a high surrogate followed by a low one is a rune;
				// encoding/json turns anything else into U+FFFD.
				if r >= 0xDC00 || d.i+1 >= len(raw) || raw[d.i] != '\\' || raw[d.i+1] != 'u' {
					return nil, false
				}
				d.i += 2
				lo, ok := d.hex4()
				if !ok {
					return nil, false
				}
				if r = utf16.DecodeRune(r, lo); r == utf8.RuneError {
					return nil, false
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, false
		}
	}
	return out, true
}

func (d *jsonScan) hex4() (rune, bool) {
	if d.i+4 > len(d.b) {
		return 0, false
	}
	var r rune
	for _, c := range d.b[d.i : d.i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	d.i += 4
	return r, true
}

// headers reads {"Name": "value" | ["v1", ...], ...} into canonical
// http.Header, as batchHeaders.header does: into reuse, emptied first,
// when it is not nil.
func (d *jsonScan) headers(reuse http.Header) (http.Header, bool) {
	if !d.eat('{') {
		return nil, false
	}
	h := reuse
	if h == nil {
		h = make(http.Header, 8)
	} else {
		clear(h)
	}
	d.ws()
	if d.eat('}') {
		return h, true
	}
	for {
		d.ws()
		k, _, ok := d.str()
		if !ok {
			return nil, false
		}
		name := textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(string(k)))
		if _, dup := h[name]; dup {
			return nil, false
		}
		d.ws()
		if !d.eat(':') {
			return nil, false
		}
		d.ws()
		var vals []string
		if d.eat('[') {
			d.ws()
			if !d.eat(']') {
				for {
					d.ws()
					v, _, ok := d.str()
					if !ok {
						return nil, false
					}
					vals = append(vals, string(v))
					d.ws()
					if d.eat(']') {
						break
					}
					if !d.eat(',') {
						return nil, false
					}
				}
			}
		} else {
			v, _, ok := d.str()
			if !ok {
				return nil, false
			}
			vals = []string{string(v)}
		}
		h[name] = vals
		d.ws()
		if d.eat('}') {
			return h, true
		}
		if !d.eat(',') {
			return nil, false
		}
	}
}
