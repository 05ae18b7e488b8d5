package verify

import (
	"bytes"
	"encoding/binary"
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

// special8 reports whether any of the 8 bytes in x is special: a JSON
// body is mostly long runs of plain ASCII, which a byte at a time made
// the scan as costly as the body's HMAC (pprof of BenchmarkVerifyBatchRun).
// Exact for the bytes up to the first special one, which is all the
// caller needs: it finds that byte with the table.
func special8(x uint64) bool { return specialMask(x) != 0 }

// specialMask is special8's test before the comparison: not zero when x
// holds a special byte. Masks of several words can be ORed and tested once.
func specialMask(x uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	quote, backslash := x^(lo*'"'), x^(lo*'\\')
	// A byte below 0x20 wraps in x-0x20, a zero byte (a quote or
	// backslash, xored) wraps in -1, and a borrow only comes from such a
	// byte; non-ASCII bytes have the high bit already.
	return (x | (x - lo*0x20) | (quote - lo) | (backslash - lo)) & hi
}

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
		for b := d.b; i+32 <= len(b); i += 32 {
			w := b[i : i+32 : i+32]
			if specialMask(binary.LittleEndian.Uint64(w))|specialMask(binary.LittleEndian.Uint64(w[8:]))|
				specialMask(binary.LittleEndian.Uint64(w[16:]))|specialMask(binary.LittleEndian.Uint64(w[24:])) != 0 {
				break
			}
		}
		for i+8 <= len(d.b) && !special8(binary.LittleEndian.Uint64(d.b[i:])) {
			i += 8
		}
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
