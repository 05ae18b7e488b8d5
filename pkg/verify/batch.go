package verify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/textproto"
	"slices"
	"strings"

	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// `hookctl verify --batch`: one JSON line per delivery, keys resolved once
// per registration.

// MaxBody bounds a delivery read for verification.
const MaxBody = 32 << 20

// batchEntry is one line of `verify --batch`: a raw request, or headers and
// body; id names the registration whose stored secrets to use (with -p).
type batchEntry struct {
	Request string       `json:"request"`
	Headers batchHeaders `json:"headers"`
	Body    string       `json:"body"`
	ID      string       `json:"id"`
}

// batchHeaders accepts {"Name": "value"} and {"Name": ["v1", "v2"]}.
type batchHeaders map[string]headerValues

// headerValues is one header's value or values.
type headerValues []string

func (v *headerValues) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, (*[]string)(v))
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("a header value must be a string or an array of strings")
	}
	*v = headerValues{s}
	return nil
}

// header turns the entry's headers into canonical http.Header. Names that
// differ only in case become one header, their values in the order of the
// names' sorted spelling (a JSON object's order is lost by then).
func (h batchHeaders) header() http.Header {
	out := make(http.Header, len(h))
	for _, k := range slices.Sorted(maps.Keys(h)) {
		ck := textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k))
		out[ck] = append(out[ck], h[k]...)
	}
	return out
}

// BatchLine is one result of `verify --batch -o json`.
type BatchLine struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
	signature.Result
}

// Batch checks batch entries; keys are resolved once per registration id,
// so the per-entry cost is parsing plus the MAC.
type Batch struct {
	Scheme          string // the scheme asked for; "" detects it per entry
	TargetURIScheme string // RFC 9421 @target-uri scheme for a request line without one; "" assumes
	Options         signature.Options
	// Keys resolves the keys of an entry's "id" ("" for an entry without
	// one) and the profile's scheme; it is asked once per id that it
	// answers without error.
	Keys    func(ctx context.Context, id string) ([]signature.Key, string, error)
	Refresh *KeyRefresher // nil: keys are not fetched

	keys    map[string][]signature.Key
	schemes map[string]string // profile scheme per id
	scratch batchScratch      // the decoder's buffers, reused by the next entry
	req     signature.Request // the entry's request, when it has headers and body
}

func (b *Batch) keysFor(ctx context.Context, id string) ([]signature.Key, string, error) {
	if k, ok := b.keys[id]; ok {
		return k, b.schemes[id], nil
	}
	keys, scheme, err := b.Keys(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if b.keys == nil {
		b.keys, b.schemes = map[string][]signature.Key{}, map[string]string{}
	}
	b.keys[id], b.schemes[id] = keys, scheme
	return keys, scheme, nil
}

// Check verifies one JSON line.
// The result does not alias line, but its Signed data may alias the
// entry's body, which the next check reuses.
func (b *Batch) Check(ctx context.Context, line []byte) (signature.Result, error) {
	if b.scratch.names == nil {
		b.scratch = newBatchScratch()
	}
	e, err := decodeBatchLineTo(line, &b.scratch)
	if err != nil {
		return signature.Result{}, err
	}
	var req *signature.Request
	switch {
	case e.Request != "" && (e.Header != nil || len(e.Body) > 0):
		return signature.Result{}, errors.New(`give "request", or "headers" and "body", not both`)
	case e.Request != "":
		if req, err = signature.ParseRawRequest(strings.NewReader(e.Request), MaxBody); err != nil {
			return signature.Result{}, fmt.Errorf("request: %v", err)
		}
	case e.Header != nil:
		b.req = signature.Request{Method: http.MethodPost, Header: e.Header, Body: e.Body}
		req = &b.req
	default:
		return signature.Result{}, errors.New(`no "request" and no "headers"`)
	}
	if b.TargetURIScheme != "" {
		if err := req.SetTargetScheme(b.TargetURIScheme); err != nil {
			return signature.Result{}, fmt.Errorf("--target-uri-scheme: %v", err)
		}
	}
	keys, profScheme, err := b.keysFor(ctx, e.ID)
	if err != nil {
		return signature.Result{}, err
	}
	scheme, err := PickScheme(b.Scheme, profScheme, req.Header)
	if err != nil {
		return signature.Result{}, err
	}
	keys, fetched := b.Refresh.Refresh(ctx, scheme, req.Header, keys)
	return WithStep(scheme.Verify(req, keys, b.Options), fetched), nil
}

// BatchOutput is where Run writes each result.
type BatchOutput struct {
	W    io.Writer // buffered by Run
	JSON bool      // JSON lines as output.WriteJSONLine writes a BatchLine; else tab-separated cells
	// Each, when set, takes every result instead of W (--jq).
	Each func(BatchLine) error
}

// BatchCounts are what a run checked: Total entries, Failed verification,
// and BadInput not checked at all (no verdict on the delivery).
type BatchCounts struct {
	Total, Failed, BadInput int
}

// LineError is what stopped a run at a line: an error that would fail
// every entry after it too (credentials refused, a registration or
// storage missing), or reading the input.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Run checks every line of in (blank lines and # comments skipped) and
// writes one result per entry to out.
func (b *Batch) Run(ctx context.Context, in io.Reader, out BatchOutput) (BatchCounts, error) {
	var counts BatchCounts
	w := bufio.NewWriterSize(out.W, 64<<10) // Each bypasses it
	defer w.Flush()
	var enc []byte // one result line
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 2*MaxBody)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		bl, err := b.line(ctx, n, line)
		if err != nil {
			return counts, &LineError{Line: n, Err: err}
		}
		counts.add(&bl)
		switch {
		case out.Each != nil:
			err = out.Each(bl)
		case out.JSON:
			enc = appendBatchLine(enc[:0], &bl)
			_, err = w.Write(enc)
		default:
			enc = appendBatchText(enc[:0], &bl)
			_, err = w.Write(enc)
		}
		if err != nil {
			return counts, err
		}
	}
	if err := sc.Err(); err != nil {
		return counts, &LineError{Line: n + 1, Err: err}
	}
	return counts, w.Flush()
}

// line checks line n: the result, with an entry's own error in it, or an
// error that stops the run.
func (b *Batch) line(ctx context.Context, n int, line []byte) (BatchLine, error) {
	res, err := b.Check(ctx, line)
	bl := BatchLine{Line: n, Result: res}
	if bl.Steps == nil {
		bl.Steps = []signature.Step{} // an entry that never reached a check
	}
	if err != nil {
		var we *webhook.Error
		if errors.As(err, &we) && (we.Kind == webhook.KindAuth || we.Kind == webhook.KindNotFound || we.Kind == webhook.KindStorage) {
			return bl, err
		}
		bl.Error = err.Error()
		if bl.FailedStep == "" {
			bl.FailedStep = "input"
		}
	}
	return bl, nil
}

func (c *BatchCounts) add(bl *BatchLine) {
	c.Total++
	switch {
	case bl.Valid:
	case bl.FailedStep == "input":
		c.BadInput++
	default:
		c.Failed++
	}
}
