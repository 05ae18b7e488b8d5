package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// sandboxCredentials lists every emulator's fixed credentials for help.
func sandboxCredentials() string {
	var b strings.Builder
	b.WriteString("Fixed sandbox credentials (a wrong one gets the provider's real 401):")
	for _, e := range sandbox.Entries() {
		for i, line := range strings.Split(e.Help, "\n") {
			name := ""
			if i == 0 {
				name = e.Name
			}
			fmt.Fprintf(&b, "\n  %-10s %s", name, line)
		}
	}
	return b.String()
}

// sandboxAdminHelp is the admin API of a running sandbox, for help.
const sandboxAdminHelp = `Besides each provider's API under /<provider>/, a running sandbox answers
an admin API under /_sandbox/ for tests and scripts (docs/guides/sandbox.md):
  PUT    /_sandbox/faults      make the next matching requests fail on purpose, e.g.
                               {"provider":"solvimon","method":"GET","path":"/v1/webhooks",
                               "status":503,"retry_after":1,"count":2}; kinds: status
                               (the default), slow, reset, truncated-json, malformed-json,
                               oversized, wrong-content-type, redirect; {"count":0} ends it
  PUT    /_sandbox/quirks      make one emulator behave as an account whose undocumented
                               wire details differ from hookctl's defaults
  GET    /_sandbox/requests    the request log, as JSON: provider, method, path, status,
                               time and the fault that answered, if any
  DELETE /_sandbox/requests    empty the request log
  POST   /_sandbox/deliveries  a signed delivery, as 'sandbox deliver' asks for one
  GET    /_sandbox/health      "ok" while the sandbox serves`

// NewCmdSandbox builds `hookctl sandbox`.
func NewCmdSandbox(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use: "sandbox <command>",
		Example: `  $ hookctl sandbox demo
  $ hookctl sandbox serve --addr 127.0.0.1:8787
  $ hookctl sandbox deliver whk_3354cb22cdfe209a3847 -p sandbox-solvimon --event INVOICE.CREATED`,
		Short: "Run local emulators of every provider's API",
		Long: `Local emulators of every provider's API over real HTTP, for trying hookctl,
for scripts and for tests.

` + sandboxCredentials() + "\n\n" + sandboxAdminHelp,
	}
	c.AddCommand(NewCmdSandboxServe(f, nil), NewCmdSandboxDeliver(f, nil), NewCmdSandboxDemo(f, nil))
	return c
}

// SandboxServeOptions are `hookctl sandbox serve`'s inputs.
type SandboxServeOptions struct {
	F      *Factory
	Server sandbox.Options
	// AddrFile gets the address listened on, once listening.
	AddrFile string
}

// NewCmdSandboxServe builds `hookctl sandbox serve`.
func NewCmdSandboxServe(f *Factory, runF func(*SandboxServeOptions) error) *cobra.Command {
	opts := &SandboxServeOptions{F: f}
	c := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Serve the emulators until interrupted",
		Long: `Serve every provider's emulator under http://ADDR/<provider>/. When ready it
prints one line per provider on stdout: the provider id, then the
'hookctl profile add' command that points a profile at it.

` + sandboxCredentials() + "\n\n" + sandboxAdminHelp,
		Example: `  $ hookctl sandbox serve --addr 127.0.0.1:8787 --state sandbox.json`,
		Args:    exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runSandboxServe(c.Context(), opts)
		},
	}
	c.Flags().StringVar(&opts.Server.Addr, "addr", "127.0.0.1:8787", "loopback address to listen on (port 0 picks a free one)")
	c.Flags().StringVar(&opts.AddrFile, "addr-file", "", "when listening, write the address (HOST:PORT) to `FILE`: with --addr 127.0.0.1:0, how a script learns the port")
	c.Flags().StringVar(&opts.Server.StateFile, "state", "", "keep state in this file (default: memory only)")
	c.Flags().Var(output.DurationValue{P: &opts.Server.Latency}, "latency", "add this latency to every API request")
	return c
}

func runSandboxServe(ctx context.Context, opts *SandboxServeOptions) error {
	f := opts.F
	srv, err := sandbox.Start(opts.Server)
	if err != nil {
		return usageErrorf("sandbox: %v", err)
	}
	for _, line := range srv.ProfileCommands() {
		fmt.Fprintln(f.IO.Out, line)
	}
	if fl, ok := f.IO.Out.(interface{ Sync() error }); ok {
		fl.Sync()
	}
	if opts.AddrFile != "" {
		if err := writeAddrFile(opts.AddrFile, strings.TrimPrefix(srv.BaseURL, "http://")); err != nil {
			srv.Close()
			return fmt.Errorf("--addr-file: %w", err)
		}
	}
	notice(f, "sandbox listening on %s (Ctrl-C to stop)", srv.BaseURL)
	<-ctx.Done()
	return srv.Close()
}

// DeliverOptions are `hookctl sandbox deliver`'s inputs.
type DeliverOptions struct {
	F                  *Factory
	ID, Event, To, Out string
}

// NewCmdSandboxDeliver builds `hookctl sandbox deliver`.
func NewCmdSandboxDeliver(f *Factory, runF func(*DeliverOptions) error) *cobra.Command {
	opts := &DeliverOptions{F: f}
	c := &cobra.Command{
		Use:   "deliver <id> --event <event> [--to <url> | --out <file>]",
		Short: "Send a correctly signed delivery from the sandbox",
		Long: `Ask the running sandbox behind the profile for a correctly signed delivery of
an event, and send it to the registration's URL, to --to, or write it as a
raw HTTP request to --out (for 'hookctl verify --request-file'). Where the
provider keeps a delivery log (Solvimon, PwC) the sandbox sends the delivery
itself and logs the attempt, failed or not, for 'hookctl deliveries list'.`,
		Example: `  $ hookctl sandbox deliver whk_3354cb22cdfe209a3847 --event INVOICE.CREATED --out delivery.http
  $ hookctl verify whk_3354cb22cdfe209a3847 --request-file delivery.http`,
		Args: exactArgs(1, "one registration id"),
		RunE: func(c *cobra.Command, args []string) error {
			opts.ID = args[0]
			if opts.Event == "" {
				return usageErrorf("--event is required")
			}
			if opts.To != "" && opts.Out != "" {
				return usageErrorf("--to and --out cannot be combined")
			}
			if runF != nil {
				return runF(opts)
			}
			return runSandboxDeliver(c.Context(), opts)
		},
	}
	c.Flags().StringVarP(&opts.Event, "event", "e", "", "event type to deliver")
	c.Flags().StringVar(&opts.To, "to", "", "send to this URL instead of the registration's")
	c.Flags().StringVar(&opts.Out, "out", "", "write the raw HTTP request to this file ('-' for stdout) instead of sending it")
	return c
}

// sandboxRoot finds the sandbox's root URL from a profile's base URL.
func sandboxRoot(baseURL, prov string) (string, error) {
	if i := strings.Index(baseURL+"/", "/"+prov+"/"); i > 0 {
		return baseURL[:i], nil
	}
	return "", usageErrorf("the profile's base URL %q is not a hookctl sandbox (expected .../%s)", baseURL, prov)
}

func runSandboxDeliver(ctx context.Context, opts *DeliverOptions) error {
	f := opts.F
	profile, spec, err := f.Profile()
	if err != nil {
		return err
	}
	root, err := sandboxRoot(profile.BaseURL, spec.Name)
	if err != nil {
		return err
	}
	hc, err := f.HTTPClient()
	if err != nil {
		return err
	}
	var d sandbox.Delivery
	// Without --out the sandbox sends the delivery itself where its
	// provider keeps a delivery log, so the attempt is logged there.
	dr := sandbox.DeliveryRequest{Provider: spec.Name, ID: opts.ID, Event: opts.Event, Send: opts.Out == "", To: opts.To}
	if _, err := httpclient.DoJSON(ctx, hc, http.MethodPost, root+"/_sandbox/deliveries", nil, dr, &d); err != nil {
		var se *httpclient.StatusError
		if errors.As(err, &se) && se.Status == http.StatusNotFound {
			return webhook.Errorf(webhook.KindNotFound, "sandbox: %s", strings.TrimSpace(string(se.Body)))
		}
		return fmt.Errorf("sandbox deliver: %w", err)
	}
	if d.Sent != nil {
		return printSandboxDelivery(f, opts, d.Sent.URL, d.Sent.Status, d.Sent.Error)
	}
	if opts.To != "" {
		d.URL = opts.To
	}
	if opts.Out != "" {
		return writeRawRequest(f, &d, opts.Out, fmt.Sprintf("the %s delivery for %s", opts.Event, opts.ID))
	}
	// A delivery goes once, as the provider would try it, to any receiver.
	sender := f.NewHTTPClient(func(o *httpclient.Options) { o.AllowHTTP, o.MaxRetries = true, -1 })
	req, err := http.NewRequestWithContext(ctx, d.Method, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return usageErrorf("delivery URL %q: %v", d.URL, err)
	}
	req.Header = d.Header
	resp, err := sender.Do(req)
	if err != nil {
		return fmt.Errorf("deliver to %s: %w", d.URL, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return printSandboxDelivery(f, opts, d.URL, resp.StatusCode, "")
}

// printSandboxDelivery reports a delivery's outcome; failing is an error.
func printSandboxDelivery(f *Factory, opts *DeliverOptions, url string, status int, failure string) error {
	if status == 0 {
		return fmt.Errorf("deliver to %s: %s", url, failure)
	}
	printer, err := f.Printer()
	if err != nil {
		return err
	}
	res := deliveryResult{ID: opts.ID, Event: opts.Event, URL: url, Status: status}
	t := &output.Table{Headers: []string{"ID", "EVENT", "URL", "STATUS"}}
	t.AddRow(opts.ID, opts.Event, url, fmt.Sprint(status))
	if err := printer.Print(res, t); err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return fmt.Errorf("the receiver answered HTTP %d", status)
	}
	return nil
}

type deliveryResult struct {
	ID     string `json:"id"`
	Event  string `json:"event"`
	URL    string `json:"url"`
	Status int    `json:"status"`
}
