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
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/signature/httpsig"
	"github.com/hookctl/hookctl/pkg/verify"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// maxVerifyBody bounds a delivery read for verification.
const maxVerifyBody = 32 << 20

// VerifyOptions are `hookctl verify`'s inputs.
type VerifyOptions struct {
	F             *Factory
	ID            string
	Scheme        string
	SecretFile    string
	SecretEnv     string
	PublicKeyFile string
	RequestFile   string
	BodyFile      string
	Headers       []string
	HARFile       string
	HAREntry      int
	BatchFile     string
	SeenDB        string
	Tolerance     time.Duration
	Now           string
	// TargetURIScheme is the scheme of the target URI (RFC 9421
	// @target-uri) for a delivery that does not name one.
	TargetURIScheme string
}

// NewCmdVerify builds `hookctl verify`.
func NewCmdVerify(f *Factory, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{F: f}
	c := &cobra.Command{
		Use:   "verify [flags]",
		Short: "Verify the signature of a captured webhook delivery",
		Long: `Verify a captured delivery offline and explain each step: headers found,
timestamp skew, digest, each signature tried and with which key.

The delivery is a raw HTTP request (--request-file, '-' for stdin; curl -v
dumps work), a body plus headers, or one entry of a HAR 1.2 file (--har,
--entry N; browser and proxy exports). --batch verifies JSON lines, each
{"request": "<raw HTTP request>"} or {"headers": {...}, "body": "..."}, with
an optional "id" naming the registration (with -p), and prints one result
per line. With --seen-db FILE, a delivery whose signed content was
accepted before fails as a replay; running listeners may share the file.
For a live receiver, see 'hookctl verify listen'.

The scheme is detected from the headers
unless --scheme is given. A request line without scheme and host
("POST /hook HTTP/1.1") is taken as http when its Host is a loopback
address (a local receiver) and https otherwise; --target-uri-scheme says
which, for signatures that cover the target URI (OffBlocks). Keys come from the profile's stored secrets
(-p P --id ID: current, and previous while the provider still signs with
it), or from --secret-file, --secret-env or --public-key-file; never from a
command-line argument. OffBlocks has a verification key instead: when a
delivery names a keyid the profile has not stored, it is fetched once,
stored, and the steps say so.

Exit status 0 when valid (with --batch: every entry), 3 when the signature,
timestamp or digest fails or a delivery is a replay.`,
		Example: `  # A delivery captured as a raw HTTP request, keys from the profile
  $ hookctl verify -p billing --id wh_123 --request-file delivery.http

  # Body and headers, secret from the environment
  $ hookctl verify --body-file body.json --header 'X-PAYLOAD-SIGNATURE-TIMESTAMP: 2026-01-02T03:04:05Z' \
      --header 'X-PAYLOAD-SIGNATURE: v1=ABC...' --secret-env WEBHOOK_SECRET

  # The second request of a HAR export
  $ hookctl verify --har capture.har --entry 1 --secret-file secret.txt

  # Many deliveries, one JSON result per line
  $ hookctl verify --batch deliveries.jsonl --secret-env WEBHOOK_SECRET -o json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			inputs := 0
			for _, s := range []string{opts.RequestFile, opts.BodyFile, opts.HARFile, opts.BatchFile} {
				if s != "" {
					inputs++
				}
			}
			if inputs != 1 {
				return usageErrorf("give the delivery with --request-file, --body-file and --header, --har, or --batch")
			}
			if opts.BodyFile == "" && len(opts.Headers) > 0 {
				return usageErrorf("--header goes with --body-file")
			}
			if c.Flags().Changed("entry") && opts.HARFile == "" {
				return usageErrorf("--entry goes with --har")
			}
			if opts.BatchFile != "" && opts.SeenDB != "" {
				return usageErrorf("--seen-db cannot be combined with --batch")
			}
			if s := opts.TargetURIScheme; s != "" && s != "http" && s != "https" {
				return usageErrorf("--target-uri-scheme %q: want http or https", s)
			}
			// A batch may name each entry's registration ("id") instead.
			if opts.BatchFile == "" || opts.ID != "" || opts.SecretFile != "" || opts.SecretEnv != "" || opts.PublicKeyFile != "" {
				if err := checkKeySource(opts); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.BatchFile != "" {
				return runVerifyBatch(c.Context(), opts)
			}
			return runVerify(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.RequestFile, "request-file", "", "raw HTTP request ('-' for stdin)")
	fl.StringVar(&opts.BodyFile, "body-file", "", "delivery body ('-' for stdin)")
	fl.StringArrayVarP(&opts.Headers, "header", "H", nil, "delivery header 'Name: value' (repeatable)")
	fl.StringVar(&opts.HARFile, "har", "", "HAR 1.2 file (browser or proxy export) holding the delivery")
	fl.IntVar(&opts.HAREntry, "entry", 0, "index of the HAR entry to verify (with --har)")
	fl.StringVar(&opts.BatchFile, "batch", "", "JSON lines of deliveries to verify ('-' for stdin)")
	fl.StringVar(&opts.Now, "now", "", "verify as of this time (RFC 3339 or Unix seconds)")
	fl.StringVar(&opts.TargetURIScheme, "target-uri-scheme", "", "scheme of the signed target URI when the request line has none: http or https (default: http for a loopback Host, else https)")
	_ = c.RegisterFlagCompletionFunc("target-uri-scheme", cobra.FixedCompletions([]string{"http", "https"}, cobra.ShellCompDirectiveNoFileComp))
	addKeyFlags(c, opts)
	c.AddCommand(NewCmdVerifyListen(f, nil))
	return c
}

// checkKeySource requires exactly one key source.
func checkKeySource(opts *VerifyOptions) error {
	n := 0
	for _, s := range []string{opts.SecretFile, opts.SecretEnv, opts.PublicKeyFile, opts.ID} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return usageErrorf("give exactly one key source: --id (with -p), --secret-file, --secret-env or --public-key-file")
	}
	return nil
}

// addKeyFlags adds the key, scheme and replay flags verify and verify
// listen share.
func addKeyFlags(c *cobra.Command, opts *VerifyOptions) {
	fl := c.Flags()
	fl.StringVar(&opts.ID, "id", "", "registration whose stored secrets to use (with -p)")
	fl.StringVar(&opts.Scheme, "scheme", "", "signature scheme: "+strings.Join(schemeNames(), ", ")+" (default: detected)")
	fl.StringVar(&opts.SecretFile, "secret-file", "", "file holding the webhook secret")
	fl.StringVar(&opts.SecretEnv, "secret-env", "", "environment variable holding the webhook secret")
	fl.StringVar(&opts.PublicKeyFile, "public-key-file", "", "public key (PEM or JWK) for http-message-signatures")
	opts.Tolerance = 5 * time.Minute
	fl.Var(output.DurationValue{P: &opts.Tolerance}, "tolerance", "accepted clock skew for signed timestamps")
	fl.StringVar(&opts.SeenDB, "seen-db", "", "replay database (0600; processes may share it): a delivery whose signed content was accepted before fails as a replay")
	_ = c.RegisterFlagCompletionFunc("scheme", cobra.FixedCompletions(schemeNames(), cobra.ShellCompDirectiveNoFileComp))
}

func schemeNames() []string {
	var out []string
	for _, s := range signature.Schemes() {
		out = append(out, s.Name())
	}
	return out
}

func runVerify(ctx context.Context, opts *VerifyOptions) error {
	req, err := readDelivery(opts)
	if err != nil {
		return err
	}
	if opts.TargetURIScheme != "" {
		if err := req.SetTargetScheme(opts.TargetURIScheme); err != nil {
			return usageErrorf("--target-uri-scheme: %v", err)
		}
	}
	now := opts.F.Now()
	if opts.Now != "" {
		if now, err = parseTimeFlag(opts.Now); err != nil {
			return usageErrorf("--now: %v", err)
		}
	}
	keys, profileScheme, err := verifyKeys(ctx, opts)
	if err != nil {
		return err
	}
	scheme, err := verify.PickScheme(opts.Scheme, profileScheme, req.Header)
	if err != nil {
		return err
	}
	keys, fetched := newKeyRefresher(opts).Refresh(ctx, scheme, req.Header, keys)
	res := verify.WithStep(scheme.Verify(req, keys, signature.Options{Now: now, Tolerance: opts.Tolerance}), fetched)
	if res.Valid && opts.SeenDB != "" {
		db, err := verify.OpenStore(opts.SeenDB)
		if err != nil {
			return fmt.Errorf("--seen-db: %w", err)
		}
		if res, _, err = db.Check(res, now, opts.Tolerance); err != nil {
			return fmt.Errorf("--seen-db: %w", err)
		}
	}
	printer, err := opts.F.Printer()
	if err != nil {
		return err
	}
	t := &output.Table{Headers: []string{"STEP", "OK", "DETAIL"}}
	for _, s := range res.Steps {
		mark := "ok"
		if !s.OK {
			mark = "FAIL"
		}
		t.AddRow(s.Name, mark, s.Detail)
	}
	if err := printer.Print(res, t); err != nil {
		return err
	}
	if !res.Valid {
		return webhook.Errorf(webhook.KindVerify, "verification failed at step %q (%s)", res.FailedStep, res.Scheme)
	}
	if !printer.Structured() {
		notice(opts.F, "valid %s signature (key: %s)", res.Scheme, res.Key)
	}
	return nil
}

// readDelivery reads the delivery from a raw request file or body + headers.
func readDelivery(opts *VerifyOptions) (*signature.Request, error) {
	open := func(path string) (io.ReadCloser, error) {
		if path == "-" {
			return io.NopCloser(opts.F.IO.In), nil
		}
		fh, err := os.Open(path)
		if err != nil {
			return nil, usageErrorf("%v", err)
		}
		return fh, nil
	}
	if opts.HARFile != "" {
		rc, err := open(opts.HARFile)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		req, err := signature.ParseHAR(rc, opts.HAREntry, maxVerifyBody)
		if err != nil {
			return nil, usageErrorf("--har: %v", err)
		}
		return req, nil
	}
	if opts.RequestFile != "" {
		rc, err := open(opts.RequestFile)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		req, err := signature.ParseRawRequest(rc, maxVerifyBody)
		if err != nil {
			return nil, usageErrorf("--request-file: %v", err)
		}
		return req, nil
	}
	rc, err := open(opts.BodyFile)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	body, err := io.ReadAll(io.LimitReader(rc, maxVerifyBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxVerifyBody {
		return nil, usageErrorf("--body-file: larger than %d bytes", maxVerifyBody)
	}
	h := http.Header{}
	for _, kv := range opts.Headers {
		k, v, ok := strings.Cut(kv, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, usageErrorf("--header %q: want 'Name: value'", kv)
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k)), strings.TrimSpace(v))
	}
	return &signature.Request{Method: http.MethodPost, Header: h, Body: body}, nil
}

// verifyKeys collects the keys to try and the profile's default scheme.
func verifyKeys(ctx context.Context, opts *VerifyOptions) ([]signature.Key, string, error) {
	switch {
	case opts.SecretFile != "":
		b, err := os.ReadFile(opts.SecretFile)
		if err != nil {
			return nil, "", usageErrorf("--secret-file: %v", err)
		}
		return []signature.Key{{Name: "file", Secret: bytes.TrimRight(b, "\r\n")}}, "", nil
	case opts.SecretEnv != "":
		v := opts.F.Getenv(opts.SecretEnv)
		if v == "" {
			return nil, "", usageErrorf("--secret-env: %s is empty or unset", opts.SecretEnv)
		}
		return []signature.Key{{Name: "env", Secret: []byte(v)}}, "", nil
	case opts.PublicKeyFile != "":
		b, err := os.ReadFile(opts.PublicKeyFile)
		if err != nil {
			return nil, "", usageErrorf("--public-key-file: %v", err)
		}
		pub, err := httpsig.ParsePublicKey(b)
		if err != nil {
			return nil, "", usageErrorf("--public-key-file: %v", err)
		}
		return []signature.Key{{Name: "file", Public: pub}}, "", nil
	}
	profile, spec, err := opts.F.Profile()
	if err != nil {
		return nil, "", err
	}
	if spec.VerificationKeys != nil {
		deps, err := opts.F.Deps(profile)
		if err != nil {
			return nil, "", err
		}
		keys, err := spec.VerificationKeys(ctx, deps)
		return keys, spec.Scheme, err
	}
	creds, err := opts.F.Credentials()
	if err != nil {
		return nil, "", err
	}
	ws, err := creds.WebhookSecrets(profile.Name, opts.ID)
	if err != nil {
		return nil, "", err
	}
	var keys []signature.Key
	if ws.Current != nil {
		keys = append(keys, signature.Key{Name: "current", Secret: []byte(ws.Current.Value), ValidUntil: ws.Current.ValidUntil})
	}
	if ws.Previous != nil {
		keys = append(keys, signature.Key{Name: "previous", Secret: []byte(ws.Previous.Value), ValidUntil: ws.Previous.ValidUntil})
	}
	if len(keys) == 0 {
		return nil, "", webhook.Errorf(webhook.KindAuth, "no stored secret for %s in profile %s", opts.ID, profile.Name).
			WithHint("secrets are stored by `hookctl register` and `hookctl rotate-secret`; or pass --secret-file / --secret-env")
	}
	return keys, spec.Scheme, nil
}

// newKeyRefresher is the key refresher for keys from a profile whose
// provider serves verification keys (OffBlocks); nil otherwise.
func newKeyRefresher(opts *VerifyOptions) *verify.KeyRefresher {
	if opts.SecretFile != "" || opts.SecretEnv != "" || opts.PublicKeyFile != "" {
		return nil
	}
	profile, spec, err := opts.F.Profile()
	if err != nil || spec.VerificationKeys == nil || spec.New == nil {
		return nil
	}
	return verify.NewKeyRefresher(spec.Name, func() (verify.KeyFetcher, error) {
		deps, err := opts.F.Deps(profile)
		if err != nil {
			return nil, err
		}
		p, err := spec.New(deps)
		if err != nil {
			return nil, err
		}
		kf, ok := p.(verify.KeyFetcher)
		if !ok {
			return nil, fmt.Errorf("%s cannot fetch a verification key by id", spec.Name)
		}
		return kf, nil
	})
}

// parseTimeFlag accepts RFC 3339 or Unix seconds.
func parseTimeFlag(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("want RFC 3339 (2026-01-02T15:04:05Z) or Unix seconds, got %q", s)
	}
	return t, nil
}

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
	Error string `json:"error,omitempty"`
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
		keys: map[string][]signature.Key{}, schemes: map[string]string{}, refresh: newKeyRefresher(opts)}, nil
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
func (b *batchVerifier) check(line []byte) (signature.Result, error) {
	e, err := decodeBatchLine(line)
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
		req = &signature.Request{Method: http.MethodPost, Header: e.Header, Body: e.Body}
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
	printer, err := opts.F.Printer()
	if err != nil {
		return err
	}
	out := bufio.NewWriter(opts.F.IO.Out) // --jq output bypasses it
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 2*maxVerifyBody)
	n, total, failed := 0, 0, 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		total++
		res, err := bv.check(line)
		bl := batchLine{Line: n, Result: res}
		if err != nil {
			var we *webhook.Error
			if errors.As(err, &we) && (we.Kind == webhook.KindAuth || we.Kind == webhook.KindNotFound) {
				return fmt.Errorf("--batch line %d: %w", n, err)
			}
			bl.Error = err.Error()
			if bl.FailedStep == "" {
				bl.FailedStep = "input"
			}
		}
		if !bl.Valid {
			failed++
		}
		if printer.JQ != "" {
			if err := printer.Print(bl, nil); err != nil {
				return err
			}
			continue
		}
		if printer.Structured() {
			if err := enc.Encode(bl); err != nil {
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
		return webhook.Errorf(webhook.KindVerify, "%d of %d deliveries failed verification", failed, total)
	}
	if !printer.Structured() {
		notice(opts.F, "all %d deliveries valid", total)
	}
	return nil
}
