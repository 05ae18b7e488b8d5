package cmd

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
	"os"
	"slices"
	"strings"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/verify"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// `hookctl verify --batch`: one JSON line per delivery, keys resolved once
// per registration.

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

// batchLine is one result of `verify --batch -o json`.
type batchLine struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
	signature.Result
}

// batchVerifier checks batch entries; keys are resolved once per
// registration id, so the per-entry cost is parsing plus the MAC.
type batchVerifier struct {
	ctx     context.Context
	opts    *VerifyOptions
	sopts   signature.Options
	keys    map[string][]signature.Key
	schemes map[string]string // profile scheme per id
	refresh *verify.KeyRefresher
	scratch batchScratch      // the decoder's buffers, reused by the next entry
	req     signature.Request // the entry's request, when it has headers and body
}

func newBatchVerifier(ctx context.Context, opts *VerifyOptions) (*batchVerifier, error) {
	now := opts.F.Now()
	if opts.Now != "" {
		var err error
		if now, err = parseTimeFlag(opts.Now); err != nil {
			return nil, usageErrorf("--now: %v", err)
		}
	}
	return &batchVerifier{ctx: ctx, opts: opts, sopts: signature.Options{Now: now, Tolerance: opts.Tolerance},
		keys: map[string][]signature.Key{}, schemes: map[string]string{}, refresh: newKeyRefresher(opts),
		scratch: newBatchScratch()}, nil
}

func (b *batchVerifier) keysFor(id string) ([]signature.Key, string, error) {
	if k, ok := b.keys[id]; ok {
		return k, b.schemes[id], nil
	}
	o := *b.opts
	if id != "" && o.SecretFile == "" && o.SecretEnv == "" && o.PublicKeyFile == "" {
		o.ID = id
	}
	if o.ID == "" && o.SecretFile == "" && o.SecretEnv == "" && o.PublicKeyFile == "" {
		return nil, "", usageErrorf("no key for this entry: give it an \"id\" (with -p), or pass a key flag")
	}
	keys, scheme, err := verifyKeys(b.ctx, &o)
	if err != nil {
		return nil, "", err
	}
	b.keys[id], b.schemes[id] = keys, scheme
	return keys, scheme, nil
}

// check verifies one JSON line.
// The result does not alias line, but its Signed data may alias the
// entry's body, which the next check reuses.
func (b *batchVerifier) check(line []byte) (signature.Result, error) {
	e, err := decodeBatchLineTo(line, &b.scratch)
	if err != nil {
		return signature.Result{}, err
	}
	var req *signature.Request
	switch {
	case e.Request != "" && (e.Header != nil || len(e.Body) > 0):
		return signature.Result{}, errors.New(`give "request", or "headers" and "body", not both`)
	case e.Request != "":
		if req, err = signature.ParseRawRequest(strings.NewReader(e.Request), maxVerifyBody); err != nil {
			return signature.Result{}, fmt.Errorf("request: %v", err)
		}
	case e.Header != nil:
		b.req = signature.Request{Method: http.MethodPost, Header: e.Header, Body: e.Body}
		req = &b.req
	default:
		return signature.Result{}, errors.New(`no "request" and no "headers"`)
	}
	if b.opts.TargetURIScheme != "" {
		if err := req.SetTargetScheme(b.opts.TargetURIScheme); err != nil {
			return signature.Result{}, fmt.Errorf("--target-uri-scheme: %v", err)
		}
	}
	keys, profScheme, err := b.keysFor(e.ID)
	if err != nil {
		return signature.Result{}, err
	}
	scheme, err := verify.PickScheme(b.opts.Scheme, profScheme, req.Header)
	if err != nil {
		return signature.Result{}, err
	}
	keys, fetched := b.refresh.Refresh(b.ctx, scheme, req.Header, keys)
	return verify.WithStep(scheme.Verify(req, keys, b.sopts), fetched), nil
}

func runVerifyBatch(ctx context.Context, opts *VerifyOptions) error {
	var in io.Reader = opts.F.IO.In
	if opts.BatchFile != "-" {
		fh, err := os.Open(opts.BatchFile)
		if err != nil {
			return usageErrorf("--batch: %v", err)
		}
		defer fh.Close()
		in = fh
	}
	bv, err := newBatchVerifier(ctx, opts)
	if err != nil {
		return err
	}
	defer raiseBatchGC(opts.F.Getenv)()
	printer, err := opts.F.Printer()
	if err != nil {
		return err
	}
	out := bufio.NewWriterSize(opts.F.IO.Out, 64<<10) // --jq output bypasses it
	defer out.Flush()
	var enc []byte // one JSON result line
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 2*maxVerifyBody)
	n, total, failed, badInput := 0, 0, 0, 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		total++
		res, err := bv.check(line)
		bl := batchLine{Line: n, Result: res}
		if bl.Steps == nil {
			bl.Steps = []signature.Step{} // an entry that never reached a check
		}
		if err != nil {
			var we *webhook.Error
			if errors.As(err, &we) && (we.Kind == webhook.KindAuth || we.Kind == webhook.KindNotFound || we.Kind == webhook.KindStorage) {
				return fmt.Errorf("--batch line %d: %w", n, err)
			}
			bl.Error = err.Error()
			if bl.FailedStep == "" {
				bl.FailedStep = "input"
			}
		}
		switch {
		case bl.Valid:
		case bl.FailedStep == "input":
			badInput++ // not checked at all: no verdict on the delivery
		default:
			failed++
		}
		if printer.JQ != "" {
			if err := printer.Print(bl, nil); err != nil {
				return err
			}
			continue
		}
		if printer.Structured() {
			enc = appendBatchLine(enc[:0], &bl)
			if _, err := out.Write(enc); err != nil {
				return err
			}
			continue
		}
		detail := bl.Error
		for _, s := range bl.Steps {
			if !s.OK && s.Name == bl.FailedStep {
				detail = s.Detail
				break
			}
		}
		valid := "invalid"
		if bl.Valid {
			valid = "valid"
		}
		fmt.Fprintf(out, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", n, valid, dash(bl.Scheme), dash(bl.Key), dash(bl.FailedStep),
			output.Sanitize(dash(bl.ID)), output.Sanitize(dash(detail)))
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("--batch line %d: %w", n+1, err)
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if failed > 0 {
		msg := fmt.Sprintf("%d of %d deliveries failed verification", failed, total)
		if badInput > 0 {
			msg += fmt.Sprintf("; %d could not be checked (input errors)", badInput)
		}
		return webhook.Errorf(webhook.KindVerify, "%s", msg)
	}
	if badInput > 0 {
		return webhook.Errorf(webhook.KindUsage, "%d of %d entries could not be checked (input errors: see each line's error); the others are valid", badInput, total)
	}
	if !printer.Structured() {
		notice(opts.F, "all %d deliveries valid", total)
	}
	return nil
}
