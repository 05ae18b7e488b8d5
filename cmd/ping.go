package cmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// PingOptions are `hookctl ping`'s inputs.
type PingOptions struct {
	F      *Factory
	ID     string
	Event  string
	To     string
	DryRun bool
	Out    string
}

// pingAnswerBytes is how much of the receiver's answer ping shows.
const pingAnswerBytes = 200

// NewCmdPing builds `hookctl ping`.
func NewCmdPing(f *Factory, runF func(*PingOptions) error) *cobra.Command {
	opts := &PingOptions{F: f}
	c := &cobra.Command{
		Use:   "ping <id> [--event E] [--to URL | --dry-run --out FILE]",
		Short: "Send a signed sample delivery to a registration's receiver",
		Long: `Build a sample delivery of the registration's event in the provider's envelope,
sign it as the provider does (same headers, encoding and timestamp format, the
scheme 'verify' checks) with the secret hookctl holds, and POST it to the
registration's URL, or to --to. Reports the receiver's status, the latency and
the first bytes of its answer; a status other than 2xx exits 1. With --dry-run
--out FILE ('-' for stdout) the raw HTTP request is written instead of sent.

Providers that sign with their own private key (OffBlocks) cannot be imitated:
'hookctl sandbox deliver' sends a delivery signed by the sandbox instead.`,
		Example: `  # Solvimon: prove the receiver verifies INVOICE.CREATED deliveries
  $ hookctl ping whk_8f3a2c1d9e7b6a5f4c3d -p billing --event INVOICE.CREATED

  # PEXA: a local receiver instead of the registered URL
  $ hookctl ping 3f2a6c1e-8b4d-4e7a-9c2b-5d1f0e8a7b63 -p pexa-uk --event WORKSPACE_CLOSED --to http://127.0.0.1:8080/hook

  # PwC: write the signed request for 'hookctl verify --request-file'
  $ hookctl ping 5f0c8e2a-41d7-4b9e-9c3a-7d2e1f6b8a90 -p reports --dry-run --out ping.http`,
		Args:              exactArgs(1, "one registration id"),
		ValidArgsFunction: completeIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.ID = args[0]
			if opts.DryRun != (opts.Out != "") {
				return usageErrorf("--dry-run and --out go together: --dry-run --out FILE writes the request instead of sending it")
			}
			if opts.To != "" && opts.Out != "" {
				return usageErrorf("--to and --out cannot be combined")
			}
			if runF != nil {
				return runF(opts)
			}
			return runPing(c.Context(), opts)
		},
	}
	c.Flags().StringVarP(&opts.Event, "event", "e", "", "event type of the sample (default: the registration's first)")
	c.Flags().StringVar(&opts.To, "to", "", "send to `URL` instead of the registration's")
	c.Flags().BoolVar(&opts.DryRun, "dry-run", false, "write the request (--out) instead of sending it")
	c.Flags().StringVar(&opts.Out, "out", "", "with --dry-run, write the raw HTTP request to `FILE` ('-' for stdout)")
	return c
}

type pingResult struct {
	ID        string `json:"id"`
	Event     string `json:"event"`
	URL       string `json:"url"`
	Status    int    `json:"status"`
	LatencyMS int64  `json:"latency_ms"`
	Response  string `json:"response"`
}

func runPing(ctx context.Context, opts *PingOptions) error {
	f := opts.F
	prov, _, err := f.Provider()
	if err != nil {
		return err
	}
	sd, ok := prov.(webhook.SampleDeliverer)
	if !ok {
		e := webhook.Unsupported(prov.Name(), "ping")
		if _, own := prov.(webhook.VerificationKeySource); own {
			e.Msg += ": " + prov.Name() + " signs deliveries with its own private key, which hookctl cannot sign with"
			e = e.WithHint("against the sandbox, `hookctl sandbox deliver %s --event EVENT [--to URL]` sends a delivery the sandbox signed", opts.ID)
		}
		return e
	}
	reg, err := prov.Get(ctx, opts.ID)
	if err != nil {
		if opts.To == "" || opts.Event == "" {
			return err
		}
		reg = &webhook.Registration{ID: opts.ID} // --to and --event need nothing else
	}
	event := opts.Event
	if event == "" && len(reg.Events) > 0 {
		event = reg.Events[0]
	}
	if event == "" {
		return usageErrorf("%s lists no event: name one with --event", opts.ID)
	}
	if len(reg.Events) > 0 && !slices.Contains(reg.Events, event) {
		warn(f, "%s is not subscribed to %s; the provider would not deliver it", opts.ID, event)
	}
	target := reg.URL
	if opts.To != "" {
		target = opts.To
	}
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return usageErrorf("cannot send to %q: want an http or https URL", target)
	}
	now := f.Now()
	body, header, err := sd.SampleDelivery(reg, event, now)
	if err != nil {
		return err
	}
	keys, schemeName, err := verifyKeys(ctx, &VerifyOptions{F: f, ID: opts.ID})
	if err != nil {
		return err
	}
	scheme, err := signature.Lookup(schemeName)
	if err != nil {
		return err
	}
	sreq := &signature.Request{Method: http.MethodPost, URL: u, Header: header, Body: body}
	if err := scheme.Sign(sreq, keys, now); err != nil {
		return webhook.Errorf(webhook.KindAuth, "sign the sample for %s: %v", opts.ID, err)
	}
	if opts.DryRun {
		d := &sandbox.Delivery{Method: sreq.Method, URL: u.String(), Header: sreq.Header, Body: body}
		return writeRawRequest(f, d, opts.Out, "the signed sample for "+opts.ID)
	}
	return sendPing(ctx, f, pingResult{ID: opts.ID, Event: event, URL: u.String()}, sreq)
}

// sendPing POSTs once, as a provider's first attempt would, and reports.
func sendPing(ctx context.Context, f *Factory, res pingResult, sreq *signature.Request) error {
	client := f.NewHTTPClient(func(o *httpclient.Options) { o.AllowHTTP, o.MaxRetries = true, -1 })
	req, err := http.NewRequestWithContext(ctx, sreq.Method, res.URL, bytes.NewReader(sreq.Body))
	if err != nil {
		return usageErrorf("ping %q: %v", res.URL, err)
	}
	req.Header = sreq.Header
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("ping %s: %w", res.URL, err)
	}
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, pingAnswerBytes))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	res.LatencyMS = time.Since(start).Milliseconds()
	res.Status = resp.StatusCode
	res.Response = output.Sanitize(string(answer))
	printer, err := f.Printer()
	if err != nil {
		return err
	}
	t := &output.Table{Headers: []string{"ID", "EVENT", "URL", "STATUS", "LATENCY", "RESPONSE"}}
	t.AddRow(res.ID, res.Event, res.URL, fmt.Sprint(res.Status), fmt.Sprintf("%dms", res.LatencyMS), firstLine(res.Response))
	if err := printer.Print(res, t); err != nil {
		return err
	}
	if res.Status < 200 || res.Status > 299 {
		return fmt.Errorf("the receiver answered HTTP %d", res.Status)
	}
	return nil
}
