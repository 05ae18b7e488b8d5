package cmd

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/verify"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Limits of `verify listen`. Webhook payloads are small (kilobytes): one
// body is bounded by maxListenBody and all bodies in flight together by
// listenBudget, so a flood of large bodies adds about 100 MB of RSS
// (garbage included) rather than growing with the flood; a delivery waits
// at most budgetWait for its share before a 503. At most forwardLimit
// forwards run at once.
const (
	maxListenBody = 5 << 20
	listenBudget  = 32 << 20
	budgetWait    = 2 * time.Second
	forwardLimit  = 16
)

// VerifyListenOptions are `hookctl verify listen`'s inputs.
type VerifyListenOptions struct {
	Verify         *VerifyOptions // key sources, --scheme, --tolerance, --seen-db
	Addr           string
	AddrFile       string
	ForwardTo      string
	ForwardTimeout time.Duration
	Max            int
}

// NewCmdVerifyListen builds `hookctl verify listen`.
func NewCmdVerifyListen(f *Factory, runF func(*VerifyListenOptions) error) *cobra.Command {
	opts := &VerifyListenOptions{Verify: &VerifyOptions{F: f}}
	c := &cobra.Command{
		Use:   "listen --addr 127.0.0.1:PORT [flags]",
		Short: "Run a local receiver that verifies each delivery",
		Long: `Run a local HTTP receiver that verifies every delivery it gets, like a real
webhook endpoint: 2xx for a valid signature, 401 for an invalid one, 400 for
a request without recognisable signature headers (answered before its body
is read), 409 for a replay (--seen-db), 413 for a body over 5 MiB, and 503
with Retry-After when 32 MiB of bodies are already in flight.

One line per delivery goes to stdout (tab-separated: time, HTTP status,
scheme, valid, key, failed step, delivery id, forward status; JSON lines
with -o json). Verified deliveries are forwarded with their original method,
headers and body to --forward-to, and the receiver answers with the forward
target's status (502 if it fails, 504 after --forward-timeout); rejected
ones are never forwarded. Deliveries are verified concurrently, and up to
16 are forwarded at once: a slow target holds up no other delivery.

Keys come from the same sources as 'hookctl verify': -p P --id ID, or
--secret-file, --secret-env, --public-key-file; exactly one is required.
With an OffBlocks profile, a new verification key named by a delivery's
keyid is fetched and stored (at most once a minute). OffBlocks signs the
target URI: register the webhook with this receiver's URL rather than
re-aiming deliveries with 'sandbox deliver --to'.
Only loopback addresses are accepted. Port 0 picks a free port; the address
is printed on stderr ("listening on http://127.0.0.1:NNNNN") when ready.

Runs until interrupted, or until --max deliveries were handled. Exit status
0 when every delivery handled was valid, 3 when any was rejected.`,
		Example: `  # Verify deliveries sent by 'hookctl sandbox deliver --to' and pass them on
  $ hookctl verify listen -p billing --id whk_3354cb22cdfe209a3847 --addr 127.0.0.1:8080 --forward-to http://127.0.0.1:3000/hooks

  # Handle one delivery, then exit 0 (valid) or 3 (rejected)
  $ hookctl verify listen --secret-env WEBHOOK_SECRET --addr 127.0.0.1:0 --max 1 -o json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if err := checkLoopback(opts.Addr); err != nil {
				return err
			}
			if opts.Max < 0 {
				return usageErrorf("--max must be 0 (no limit) or more")
			}
			if opts.ForwardTimeout <= 0 {
				return usageErrorf("--forward-timeout must be positive")
			}
			if opts.ForwardTo != "" {
				u, err := url.Parse(opts.ForwardTo)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return usageErrorf("--forward-to %q: want an http or https URL", opts.ForwardTo)
				}
			}
			if err := checkKeySource(opts.Verify); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runVerifyListen(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:8080", "loopback address to listen on (port 0 picks a free one)")
	fl.StringVar(&opts.AddrFile, "addr-file", "", "when listening, write the address (HOST:PORT) to `FILE`: with --addr 127.0.0.1:0, how a script learns the port")
	fl.StringVar(&opts.ForwardTo, "forward-to", "", "forward verified deliveries to this URL")
	opts.ForwardTimeout = 10 * time.Second
	fl.Var(output.DurationValue{P: &opts.ForwardTimeout}, "forward-timeout", "time allowed to forward one delivery, waiting for a free slot included")
	fl.IntVar(&opts.Max, "max", 0, "stop after this many deliveries (0: until interrupted)")
	addKeyFlags(c, opts.Verify)
	return c
}

// checkLoopback refuses anything but a loopback listen address: the
// receiver has no TLS and no authentication of its own.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usageErrorf("--addr %q: want HOST:PORT, e.g. 127.0.0.1:8080", addr)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return usageErrorf("--addr %q: bad port", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return usageErrorf("--addr %q: only loopback addresses (127.0.0.1, ::1, localhost) are allowed", addr)
}

func runVerifyListen(ctx context.Context, opts *VerifyListenOptions) error {
	vo := opts.Verify
	keys, profScheme, err := verifyKeys(ctx, vo)
	if err != nil {
		return err
	}
	printer, err := vo.F.Printer()
	if err != nil {
		return err
	}
	refresh := newKeyRefresher(vo)
	rc := &verify.Receiver{
		Scheme: func(h http.Header) (signature.Scheme, error) { return verify.PickScheme(vo.Scheme, profScheme, h) },
		Verify: func(ctx context.Context, s signature.Scheme, req *signature.Request) signature.Result {
			keys, fetched := refresh.Refresh(ctx, s, req.Header, keys)
			return verify.WithStep(s.Verify(req, keys, signature.Options{Now: vo.F.Now(), Tolerance: vo.Tolerance}), fetched)
		},
		Now: vo.F.Now, Tolerance: vo.Tolerance,
		Budget: verify.NewBudget(listenBudget, budgetWait), MaxBody: maxListenBody,
		Max:    opts.Max,
		Report: func(d verify.Delivery) { printDelivery(vo.F, printer, d) },
	}
	if opts.ForwardTo != "" {
		// Forwarded once (the provider retries), to any target the
		// operator names, plain http included.
		client := vo.F.NewHTTPClient(func(o *httpclient.Options) {
			o.AllowHTTP, o.MaxRetries, o.Timeout, o.Transport = true, -1, opts.ForwardTimeout, verify.ForwardTransport(forwardLimit)
		})
		rc.Forward = verify.NewForwarder(opts.ForwardTo, opts.ForwardTimeout, forwardLimit, client)
	}
	if vo.SeenDB != "" {
		if rc.Replay, err = verify.OpenStore(vo.SeenDB); err != nil {
			return fmt.Errorf("--seen-db: %w", err)
		}
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}
	srv := &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// Always printed (even with --quiet): scripts wait for this line.
	fmt.Fprintf(vo.F.IO.ErrOut, "listening on http://%s\n", ln.Addr())
	if opts.AddrFile != "" {
		if err := writeAddrFile(opts.AddrFile, ln.Addr().String()); err != nil {
			srv.Close()
			return fmt.Errorf("--addr-file: %w", err)
		}
	}
	select {
	case <-ctx.Done():
	case <-rc.Done():
	case err := <-errc:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if n, rejected := rc.Counts(); rejected > 0 {
		return webhook.Errorf(webhook.KindVerify, "%d of %d deliveries rejected", rejected, n)
	}
	return nil
}

// printDelivery writes one delivery line: JSON with -o json (or --jq),
// else tab-separated cells.
func printDelivery(f *Factory, printer *output.Printer, d verify.Delivery) {
	out := f.IO.Out
	if printer.JQ != "" {
		_ = printer.Print(d, nil)
		return
	}
	if printer.Structured() {
		_ = output.WriteJSONLine(out, d)
		return
	}
	fmt.Fprintln(out, d.Text())
}
