package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/verify"
	"github.com/hookctl/hookctl/pkg/webhook"
)

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
	HAREntrySet   bool // --entry given; else the first entry with signature headers
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
		Use:               "verify [<id>] [flags]",
		Short:             "Verify the signature of a captured webhook delivery",
		Long:              verifyLong,
		Example:           verifyExample,
		Args:              verifyArgs,
		ValidArgsFunction: completeIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.HAREntrySet = c.Flags().Changed("entry")
			if err := opts.checkFlags(args); err != nil {
				return err
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
	fl.IntVar(&opts.HAREntry, "entry", 0, "index of the HAR entry to verify (with --har; default: the first entry carrying signature headers)")
	fl.StringVar(&opts.BatchFile, "batch", "", "JSON lines of deliveries to verify ('-' for stdin)")
	fl.StringVar(&opts.Now, "now", "", "verify as of this time (RFC 3339 or Unix seconds)")
	fl.StringVar(&opts.TargetURIScheme, "target-uri-scheme", "", "scheme of the signed target URI when the request line has none: http or https (default: http for a loopback Host, else https)")
	_ = c.RegisterFlagCompletionFunc("target-uri-scheme", cobra.FixedCompletions([]string{"http", "https"}, cobra.ShellCompDirectiveNoFileComp))
	addKeyFlags(c, opts)
	c.AddCommand(NewCmdVerifyListen(f, nil))
	return c
}

const verifyLong = `Verify a captured delivery offline and explain each step: headers found,
timestamp skew, digest, each signature tried and with which key.

The delivery is a raw HTTP request (--request-file, '-' for stdin; curl -v
dumps work), a body plus headers, or one entry of a HAR 1.2 file (--har,
--entry N; browser and proxy exports). --batch verifies JSON lines, each
{"request": "POST /hook HTTP/1.1\r\n..."} (a raw HTTP request) or
{"headers": {...}, "body": "..."}, with
an optional "id" naming the registration (with -p), and prints one result
per line. With --seen-db FILE, a delivery whose signed content was
accepted before fails as a replay; running listeners may share the file.
For a live receiver, see 'hookctl verify listen'.

The scheme is detected from the headers
unless --scheme is given. A request line without scheme and host
("POST /hook HTTP/1.1") is taken as http when its Host is a loopback
address (a local receiver) and https otherwise; --target-uri-scheme says
which, for signatures that cover the target URI (OffBlocks).

Keys come from the profile's stored secrets (-p P ID: current, and
previous while the provider still signs with it; --id ID says the same),
or from --secret-file, --secret-env or --public-key-file; never from a
command-line argument. OffBlocks has a verification key instead: when a
delivery names a keyid the profile has not stored, it is fetched once,
stored, and the steps say so.

Exit status 0 when valid (with --batch: every entry), 3 when the signature,
timestamp or digest fails or a delivery is a replay.`

const verifyExample = `  # A delivery captured as a raw HTTP request, keys from the profile
  $ hookctl verify -p billing whk_3354cb22cdfe209a3847 --request-file delivery.http

  # Body and headers, secret from the environment
  $ hookctl verify --body-file body.json --header 'X-PAYLOAD-SIGNATURE-TIMESTAMP: 2026-01-02T03:04:05Z' \
      --header 'X-PAYLOAD-SIGNATURE: v1=ABC...' --secret-env WEBHOOK_SECRET

  # The second request of a HAR export
  $ hookctl verify --har capture.har --entry 1 --secret-file secret.txt

  # Many deliveries, one JSON result per line
  $ hookctl verify --batch deliveries.jsonl --secret-env WEBHOOK_SECRET -o json`

// checkFlags takes the registration id argument, if any, and refuses
// flags that do not go together.
func (opts *VerifyOptions) checkFlags(args []string) error {
	if len(args) == 1 {
		if opts.ID != "" && opts.ID != args[0] {
			return usageErrorf("the registration id is given twice (%s and --id %s): give it once", args[0], opts.ID)
		}
		opts.ID = args[0]
	}
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
	if opts.HAREntrySet && opts.HARFile == "" {
		return usageErrorf("--entry goes with --har")
	}
	if opts.BatchFile != "" && opts.SeenDB != "" {
		return usageErrorf("--seen-db cannot be combined with --batch")
	}
	if s := opts.TargetURIScheme; s != "" && s != "http" && s != "https" {
		return usageErrorf("--target-uri-scheme %q: want http or https", s)
	}
	// A batch may name each entry's registration ("id") instead.
	if opts.BatchFile == "" || opts.ID != "" || opts.keyFlag() {
		return checkKeySource(opts)
	}
	return nil
}

// keyFlag reports whether a key flag (rather than a registration) gives
// the key.
func (opts *VerifyOptions) keyFlag() bool {
	return opts.SecretFile != "" || opts.SecretEnv != "" || opts.PublicKeyFile != ""
}

// verifyArgs takes at most one registration id, like every command that
// names a registration.
func verifyArgs(c *cobra.Command, args []string) error {
	if len(args) > 1 {
		return usageErrorf("expected at most one registration id, got %d arguments", len(args))
	}
	return nil
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
		return usageErrorf("give exactly one key source: a registration id (with -p), --secret-file, --secret-env or --public-key-file")
	}
	return nil
}

// addKeyFlags adds the key, scheme and replay flags verify and verify
// listen share.
func addKeyFlags(c *cobra.Command, opts *VerifyOptions) {
	fl := c.Flags()
	fl.StringVar(&opts.ID, "id", "", "registration whose stored secrets to use (with -p; verify also takes it as its argument)")
	_ = c.RegisterFlagCompletionFunc("id", completeIDs(opts.F))
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
	t := &output.Table{Headers: []string{"STEP", "OK", "DETAIL"}, Wrap: []string{"DETAIL"}}
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
		err := webhook.Errorf(webhook.KindVerify, "verification failed at step %q (%s)", res.FailedStep, res.Scheme)
		if hint := verify.BodyHint(req, res); hint != "" {
			err = err.WithHint("%s", hint)
		}
		return err
	}
	if !printer.Structured() {
		notice(opts.F, "valid %s signature (key: %s)", res.Scheme, res.Key)
	}
	return nil
}
