package cmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/signature/httpsig"
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
	Tolerance     time.Duration
	Now           string
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
dumps work) or a body plus headers. The scheme is detected from the headers
unless --scheme is given. Keys come from the profile's stored secrets
(-p P --id ID: current, and previous while the provider still signs with
it), or from --secret-file, --secret-env or --public-key-file; never from a
command-line argument.

Exit status 0 when valid, 3 when the signature, timestamp or digest fails.`,
		Example: `  # A delivery captured as a raw HTTP request, keys from the profile
  $ hookctl verify -p billing --id wh_123 --request-file delivery.http

  # Body and headers, secret from the environment
  $ hookctl verify --body-file body.json --header 'X-PAYLOAD-SIGNATURE-TIMESTAMP: 2026-01-02T03:04:05Z' \
      --header 'X-PAYLOAD-SIGNATURE: v1=ABC...' --secret-env WEBHOOK_SECRET`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if (opts.RequestFile == "") == (opts.BodyFile == "") {
				return usageErrorf("give the delivery with --request-file, or with --body-file and --header")
			}
			if opts.RequestFile != "" && len(opts.Headers) > 0 {
				return usageErrorf("--header goes with --body-file, not --request-file")
			}
			n := 0
			for _, s := range []string{opts.SecretFile, opts.SecretEnv, opts.PublicKeyFile, opts.ID} {
				if s != "" {
					n++
				}
			}
			if n != 1 {
				return usageErrorf("give exactly one key source: --id (with -p), --secret-file, --secret-env or --public-key-file")
			}
			if runF != nil {
				return runF(opts)
			}
			return runVerify(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.ID, "id", "", "registration whose stored secrets to use (with -p)")
	fl.StringVar(&opts.Scheme, "scheme", "", "signature scheme: "+strings.Join(schemeNames(), ", ")+" (default: detected)")
	fl.StringVar(&opts.SecretFile, "secret-file", "", "file holding the webhook secret")
	fl.StringVar(&opts.SecretEnv, "secret-env", "", "environment variable holding the webhook secret")
	fl.StringVar(&opts.PublicKeyFile, "public-key-file", "", "public key (PEM or JWK) for http-message-signatures")
	fl.StringVar(&opts.RequestFile, "request-file", "", "raw HTTP request ('-' for stdin)")
	fl.StringVar(&opts.BodyFile, "body-file", "", "delivery body ('-' for stdin)")
	fl.StringArrayVarP(&opts.Headers, "header", "H", nil, "delivery header 'Name: value' (repeatable)")
	fl.DurationVar(&opts.Tolerance, "tolerance", 5*time.Minute, "accepted clock skew for signed timestamps")
	fl.StringVar(&opts.Now, "now", "", "verify as of this time (RFC 3339 or Unix seconds)")
	_ = c.RegisterFlagCompletionFunc("scheme", cobra.FixedCompletions(schemeNames(), cobra.ShellCompDirectiveNoFileComp))
	return c
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
	scheme, err := pickScheme(opts.Scheme, profileScheme, req.Header)
	if err != nil {
		return err
	}
	res := scheme.Verify(req, keys, signature.Options{Now: now, Tolerance: opts.Tolerance})
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

func pickScheme(name, profileScheme string, h http.Header) (signature.Scheme, error) {
	if name != "" {
		s, err := signature.Lookup(name)
		if err != nil {
			return nil, &webhook.Error{Kind: webhook.KindUsage, Err: err}
		}
		return s, nil
	}
	s, err := signature.Detect(h)
	if err == nil {
		return s, nil
	}
	if profileScheme != "" {
		return signature.Lookup(profileScheme)
	}
	return nil, &webhook.Error{Kind: webhook.KindVerify, Err: err, Hint: "pass --scheme to choose one"}
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
