package cmd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// maxListenBody bounds one delivery received by `verify listen`; webhook
// payloads are small and a local receiver should not buffer gigabytes.
const maxListenBody = 5 << 20

// VerifyListenOptions are `hookctl verify listen`'s inputs.
type VerifyListenOptions struct {
	Verify    *VerifyOptions // key sources, --scheme, --tolerance, --seen-db
	Addr      string
	ForwardTo string
	Max       int
}

// NewCmdVerifyListen builds `hookctl verify listen`.
func NewCmdVerifyListen(f *Factory, runF func(*VerifyListenOptions) error) *cobra.Command {
	opts := &VerifyListenOptions{Verify: &VerifyOptions{F: f}}
	c := &cobra.Command{
		Use:   "listen --addr 127.0.0.1:PORT [flags]",
		Short: "Run a local receiver that verifies each delivery",
		Long: `Run a local HTTP receiver that verifies every delivery it gets, like a real
webhook endpoint: 2xx for a valid signature, 401 for an invalid one, 400 for
a request without recognisable signature headers, 413 for a body over 5 MiB.

One line per delivery goes to stdout (tab-separated: time, HTTP status,
scheme, valid, key, failed step, delivery id, forward status; JSON lines
with -o json). Verified deliveries are forwarded with their original method,
headers and body to --forward-to, and the receiver answers with the forward
target's status; rejected ones are never forwarded.

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
  $ hookctl verify listen -p billing --id wh_123 --addr 127.0.0.1:8080 --forward-to http://127.0.0.1:3000/hooks

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
	fl.StringVar(&opts.ForwardTo, "forward-to", "", "forward verified deliveries to this URL")
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

// listenLine is one delivery in `verify listen -o json`.
type listenLine struct {
	Time          time.Time `json:"time"`
	Method        string    `json:"method"`
	Path          string    `json:"path"`
	Status        int       `json:"status"`
	ForwardStatus int       `json:"forward_status,omitempty"`
	ForwardError  string    `json:"forward_error,omitempty"`
	signature.Result
}

type listener struct {
	opts      *VerifyListenOptions
	f         *Factory
	keys      []signature.Key
	profScm   string
	json      bool
	printer   *output.Printer
	fwd       *http.Client
	seen      *seenDB
	refresh   *keyRefresher
	mu        sync.Mutex // serialises verification, output, the seen db and key refreshes
	n         int
	rejected  int
	done      chan struct{}
	closeOnce sync.Once
}

func runVerifyListen(ctx context.Context, opts *VerifyListenOptions) error {
	f := opts.Verify.F
	keys, profScheme, err := verifyKeys(ctx, opts.Verify)
	if err != nil {
		return err
	}
	printer, err := f.Printer()
	if err != nil {
		return err
	}
	l := &listener{
		opts: opts, f: f, keys: keys, profScm: profScheme, json: printer.Structured(), printer: printer,
		fwd:     &http.Client{Timeout: 30 * time.Second},
		done:    make(chan struct{}),
		refresh: newKeyRefresher(opts.Verify),
	}
	if opts.Verify.SeenDB != "" {
		if l.seen, err = openSeenDB(opts.Verify.SeenDB); err != nil {
			return err
		}
		defer l.seen.Close()
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}
	srv := &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// Always printed (even with --quiet): scripts wait for this line.
	fmt.Fprintf(f.IO.ErrOut, "listening on http://%s\n", ln.Addr())
	select {
	case <-ctx.Done():
	case <-l.done:
	case err := <-errc:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rejected > 0 {
		return webhook.Errorf(webhook.KindVerify, "%d of %d deliveries rejected", l.rejected, l.n)
	}
	return nil
}

func (l *listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxListenBody))
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.opts.Max > 0 && l.n >= l.opts.Max {
		http.Error(w, "receiver is shutting down", http.StatusServiceUnavailable)
		return
	}
	line := listenLine{Time: l.f.Now().UTC(), Method: r.Method, Path: r.URL.Path}
	switch {
	case err != nil:
		var mbe *http.MaxBytesError
		line.Status = http.StatusBadRequest
		if errors.As(err, &mbe) {
			line.Status = http.StatusRequestEntityTooLarge
		}
		line.Result = signature.Result{Steps: []signature.Step{{Name: signature.StepHeaders, Detail: "reading the body: " + err.Error()}}, FailedStep: signature.StepHeaders}
	default:
		u := *r.URL
		u.Scheme, u.Host = "http", r.Host
		req := &signature.Request{Method: r.Method, URL: &u, Header: r.Header, Body: body}
		line.Status, line.Result = l.check(r.Context(), req)
	}
	if line.Status == http.StatusOK && l.opts.ForwardTo != "" {
		line.ForwardStatus, err = l.forward(r, body)
		if err != nil {
			line.ForwardError = err.Error()
			line.Status = http.StatusBadGateway
		} else {
			line.Status = line.ForwardStatus
		}
	}
	if line.Status >= 200 && line.Status < 300 && l.seen != nil && line.Valid {
		if err := l.seen.Add(replayKey(line.Result, r.Header, body)); err != nil {
			line.Status = http.StatusInternalServerError
			line.ForwardError = "seen db: " + err.Error()
		}
	}
	if !line.Valid {
		l.rejected++
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(line.Status)
	if line.Valid {
		io.WriteString(w, "verified\n")
	} else {
		io.WriteString(w, "rejected: "+line.FailedStep+"\n")
	}
	l.print(line)
	l.n++
	if l.opts.Max > 0 && l.n >= l.opts.Max {
		l.closeOnce.Do(func() { close(l.done) })
	}
}

// check verifies one delivery and maps the outcome to a receiver's status.
func (l *listener) check(ctx context.Context, req *signature.Request) (int, signature.Result) {
	scheme, err := pickScheme(l.opts.Verify.Scheme, l.profScm, req.Header)
	if err != nil {
		return http.StatusBadRequest, signature.Result{
			Steps:      []signature.Step{{Name: signature.StepHeaders, Detail: err.Error()}},
			FailedStep: signature.StepHeaders,
		}
	}
	keys, fetched := l.refresh.refresh(ctx, scheme, req.Header, l.keys)
	res := withStep(scheme.Verify(req, keys, signature.Options{Now: l.f.Now(), Tolerance: l.opts.Verify.Tolerance}), fetched)
	if res.Valid && l.seen != nil {
		res = l.seen.Check(res, req.Header, req.Body)
	}
	switch {
	case res.Valid:
		return http.StatusOK, res
	case res.FailedStep == signature.StepHeaders:
		return http.StatusBadRequest, res
	case res.FailedStep == signature.StepReplay:
		// Not 401: the signature is fine, the delivery was seen before.
		return http.StatusConflict, res
	}
	return http.StatusUnauthorized, res
}

// hopHeaders are not forwarded (RFC 9110 §7.6.1).
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func (l *listener) forward(r *http.Request, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, l.opts.ForwardTo, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = r.Header.Clone()
	for _, h := range hopHeaders {
		req.Header.Del(h)
	}
	resp, err := l.fwd.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (l *listener) print(line listenLine) {
	out := l.f.IO.Out
	if l.printer.JQ != "" {
		_ = l.printer.Print(line, nil)
		return
	}
	if l.json {
		b, _ := json.Marshal(line)
		out.Write(append(b, '\n'))
		return
	}
	fwd := "-"
	if line.ForwardStatus != 0 {
		fwd = strconv.Itoa(line.ForwardStatus)
	} else if line.ForwardError != "" {
		fwd = "error: " + line.ForwardError
	}
	cells := []string{line.Time.Format(time.RFC3339), strconv.Itoa(line.Status), dash(line.Scheme),
		strconv.FormatBool(line.Valid), dash(line.Key), dash(line.FailedStep), dash(line.ID), fwd}
	for i := range cells {
		cells[i] = output.Sanitize(cells[i])
	}
	fmt.Fprintln(out, strings.Join(cells, "\t"))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// signatureHeaders identify a delivery when its scheme carries no id.
var signatureHeaders = []string{"Webhook-Signature", "X-Payload-Signature", "X-Hub-Signature", "X-Hub-Signature-256", "Signature"}

// replayKey is the delivery id, or a SHA-256 of the signature headers and
// body when the scheme has none.
func replayKey(res signature.Result, h http.Header, body []byte) string {
	if res.ID != "" {
		return res.Scheme + ":" + res.ID
	}
	sum := sha256.New()
	for _, k := range signatureHeaders {
		for _, v := range h.Values(k) {
			sum.Write([]byte(k + ": " + v + "\n"))
		}
	}
	sum.Write([]byte("\n"))
	sum.Write(body)
	return "sha256:" + hex.EncodeToString(sum.Sum(nil))
}

// seenDB is an append-only file (0600) of delivery ids already verified,
// one per line, fsynced after each append so a crash loses none.
type seenDB struct {
	path string
	fh   *os.File
	ids  map[string]bool
}

func openSeenDB(path string) (*seenDB, error) {
	fh, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--seen-db: %w", err)
	}
	if st, err := fh.Stat(); err == nil && st.Mode().Perm()&0o077 != 0 {
		fh.Close()
		return nil, usageErrorf("--seen-db %s: permissions %v are too open (want 0600)", path, st.Mode().Perm())
	}
	db := &seenDB{path: path, fh: fh, ids: map[string]bool{}}
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		if id := strings.TrimSpace(sc.Text()); id != "" {
			db.ids[id] = true
		}
	}
	if err := sc.Err(); err != nil {
		fh.Close()
		return nil, fmt.Errorf("--seen-db %s: %w", path, err)
	}
	return db, nil
}

// Check turns a valid result into a failed "replay" one when its delivery
// was already verified.
func (db *seenDB) Check(res signature.Result, h http.Header, body []byte) signature.Result {
	key := replayKey(res, h, body)
	res.Steps = append(res.Steps[:len(res.Steps):len(res.Steps)], signature.Step{})
	last := &res.Steps[len(res.Steps)-1]
	last.Name = signature.StepReplay
	if db.ids[key] {
		last.Detail = "delivery " + key + " was already verified (recorded in " + db.path + ")"
		res.Valid, res.FailedStep = false, signature.StepReplay
		return res
	}
	last.OK, last.Detail = true, "first delivery of "+key
	return res
}

// Add records a verified delivery.
func (db *seenDB) Add(key string) error {
	if db.ids[key] {
		return nil
	}
	if strings.ContainsAny(key, "\r\n") {
		return fmt.Errorf("delivery id %q contains a line break", key)
	}
	if _, err := db.fh.WriteString(key + "\n"); err != nil {
		return err
	}
	if err := db.fh.Sync(); err != nil {
		return err
	}
	db.ids[key] = true
	return nil
}

func (db *seenDB) Close() error { return db.fh.Close() }
