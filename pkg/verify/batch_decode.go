package verify

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// batchInput is one decoded `verify --batch` line.
type batchInput struct {
	Request string
	Header  http.Header // nil: the line has no "headers"
	Body    []byte
	ID      string
}

// decodeBatchLine decodes one --batch line. Most lines take the one-pass
// decoder below; any line it does not handle exactly as encoding/json
// would goes through encoding/json instead, so the two never disagree.
//
// Why not encoding/json alone: with a 1 KiB body, its validation pass plus
// reflection were about 70% of a batch check (pprof of
// BenchmarkVerifyBatchHMAC1KiB), holding HMAC batches near 60,000 checks/s
// per core.
func decodeBatchLine(line []byte) (batchInput, error) {
	return decodeBatchLineTo(line, nil)
}

// batchScratch is what the one-pass decoder keeps from one line to the
// next so as not to allocate it again: the body buffer, the header map
// and the backing of its value slices, which the next line overwrites
// (so the caller must be done with the previous entry), and the
// canonical spelling of the header names seen so far.
type batchScratch struct {
	body   []byte
	header http.Header
	vals   []string
	text   []byte            // the header values of a line, decoded, end to end
	ends   []int             // where each value ends in text
	spans  []headerSpan      // each header of the line
	names  map[string]string // header name as written → canonical name; nil: not kept
}

func newBatchScratch() batchScratch {
	return batchScratch{names: make(map[string]string)}
}

// headerSpan is one header of a line: its canonical name, and its values
// are those ending at ends[from:to].
type headerSpan struct {
	name     string
	from, to int
}

// Bounds on batchScratch.names, so a batch of ever new header names keeps
// bounded memory: names beyond them are canonicalised every time.
const (
	maxCachedNames   = 256
	maxCachedNameLen = 128
)

// decodeBatchLineTo is decodeBatchLine reusing s (nil: allocating afresh)
// when the one-pass decoder takes the line.
func decodeBatchLineTo(line []byte, s *batchScratch) (batchInput, error) {
	var in batchInput
	if fastDecodeBatchTo(line, &in, s) {
		return in, nil
	}
	var e batchEntry
	if err := json.Unmarshal(line, &e); err != nil {
		return batchInput{}, fmt.Errorf("not a JSON object: %v", err)
	}
	in = batchInput{Request: e.Request, Body: []byte(e.Body), ID: e.ID}
	if e.Headers != nil {
		in.Header = e.Headers.header()
	}
	return in, nil
}

// fastDecodeBatch decodes the common shape of a batch line into in: one
// object whose keys are exactly "request", "headers", "body" and "id" (each
// at most once), string values, and "headers" an object of strings or
// arrays of strings with no two names alike once canonicalised. It reports
// false for anything else — other keys (encoding/json also matches "Body"
// or "BODY"), null, numbers, invalid UTF-8, lone surrogates, control
// characters, trailing data — and the caller falls back to encoding/json.
// in is only meaningful when it reports true. Nothing returned aliases
// line, which the caller's scanner reuses.
func fastDecodeBatch(line []byte, in *batchInput) bool {
	return fastDecodeBatchTo(line, in, nil)
}

// fastDecodeBatchTo is fastDecodeBatch decoding into s's buffers where s
// is not nil.
func fastDecodeBatchTo(line []byte, in *batchInput, s *batchScratch) bool {
	if s == nil {
		s = new(batchScratch)
	}
	d := jsonScan{b: line}
	d.ws()
	if !d.eat('{') {
		return false
	}
	d.ws()
	if d.eat('}') {
		return d.end()
	}
	var seen uint8
	for {
		d.ws()
		key, _, ok := d.str()
		if !ok {
			return false
		}
		d.ws()
		if !d.eat(':') {
			return false
		}
		d.ws()
		var bit uint8
		switch string(key) {
		case "request":
			bit = 1
			v, _, ok := d.str()
			if !ok {
				return false
			}
			in.Request = string(v)
		case "body":
			bit = 2
			if in.Body, ok = d.strTo(s.body[:0]); !ok {
				return false
			}
			if cap(in.Body) > cap(s.body) {
				s.body = in.Body[:0]
			}
		case "id":
			bit = 4
			v, _, ok := d.str()
			if !ok {
				return false
			}
			in.ID = string(v)
		case "headers":
			bit = 8
			if in.Header, ok = d.headers(s); !ok {
				return false
			}
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		d.ws()
		if d.eat('}') {
			return d.end()
		}
		if !d.eat(',') {
			return false
		}
	}
}
