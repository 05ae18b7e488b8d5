// Package sandbox runs every provider's emulator on one loopback HTTP server,
// each under /<provider>/, plus a small admin API under /_sandbox/ that the
// CLI and tests use: build a signed delivery, read the request log, inject
// latency or faults. State lives in memory, or in a file rewritten after each
// change so a killed sandbox loses nothing.
package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/base/fsafe"
	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/pkg/httpclient"
)

// Options configures a sandbox server.
type Options struct {
	Addr      string // default 127.0.0.1:0
	StateFile string // "" keeps state in memory only
	Now       func() time.Time
	// Latency is added to every provider request (benchmarks).
	Latency time.Duration
	// Wrap, when set, wraps each provider's handler (tests: OpenAPI validation).
	Wrap func(provider string, h http.Handler) http.Handler
}

// LoggedRequest is one entry of the request log.
type LoggedRequest struct {
	Provider string    `json:"provider"`
	Method   string    `json:"method"`
	Path     string    `json:"path"`
	Status   int       `json:"status"`
	At       time.Time `json:"at"`
	// Fault is the kind of injected fault that answered, if any.
	Fault string `json:"fault,omitempty"`
}

// Server is a running sandbox.
type Server struct {
	BaseURL string
	opts    Options
	ln      net.Listener
	srv     *http.Server
	boxes   map[string]emulator.Emulator
	names   []string

	mu  sync.Mutex
	log []LoggedRequest
	// inflight counts provider requests not yet logged, and conns the open
	// connections by remote address with what they carried (Quiesce);
	// idle is signalled, under mu, when either changes. Not a WaitGroup:
	// requests start while Quiesce waits.
	inflight int
	conns    map[string]connKind
	idle     *sync.Cond
	// faults is the active fault plan (see faults.go).
	faults *faultPlan
	// quirky are the providers whose emulator has quirks set (quirks.go).
	quirky map[string]bool
	// other is the second host that redirect faults point at.
	other  otherHost
	saveMu sync.Mutex
}

// Start listens and serves until Close.
func Start(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	host, _, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("--addr %q: %w", opts.Addr, err)
	}
	if !httpclient.IsLoopback(host) {
		return nil, fmt.Errorf("--addr %q: the sandbox only listens on loopback (127.0.0.1 or ::1)", opts.Addr)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, ln: ln, boxes: map[string]emulator.Emulator{}, BaseURL: "http://" + ln.Addr().String(), conns: map[string]connKind{}, quirky: map[string]bool{}}
	s.idle = sync.NewCond(&s.mu)
	deliveryHTTP := httpclient.New(httpclient.Options{AllowHTTP: true, MaxRetries: -1, Timeout: 10 * time.Second, UserAgent: "hookctl-sandbox"})
	root := http.NewServeMux()
	for _, e := range Entries() {
		box := e.New(emulator.Options{BaseURL: s.BaseURL + "/" + e.Name, Now: opts.Now, HTTP: deliveryHTTP})
		s.boxes[e.Name] = box
		s.names = append(s.names, e.Name)
		var h http.Handler = box
		if opts.Wrap != nil {
			wrapped, name := opts.Wrap(e.Name, h), e.Name
			// An emulator with quirks set departs from the provider's
			// documents on purpose, so it is served unwrapped (no spec
			// validation) until they are cleared.
			h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if s.hasQuirks(name) {
					box.ServeHTTP(w, r)
					return
				}
				wrapped.ServeHTTP(w, r)
			})
		}
		root.Handle("/"+e.Name+"/", http.StripPrefix("/"+e.Name, s.instrument(e.Name, h)))
	}
	if err := s.loadState(); err != nil {
		ln.Close()
		return nil, err
	}
	mux := http.NewServeMux() // the admin API
	root.Handle("/_sandbox/", s.markAdmin(mux))
	mux.HandleFunc("GET /_sandbox/requests", s.handleRequests)
	mux.HandleFunc("DELETE /_sandbox/requests", func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		s.log = nil
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_sandbox/deliveries", s.handleDelivery)
	mux.HandleFunc("PUT /_sandbox/faults", s.handleFaults)
	mux.HandleFunc("PUT /_sandbox/quirks", s.handleQuirks)
	mux.HandleFunc("PUT /_sandbox/backdate", s.handleBackdate)
	mux.HandleFunc("GET /_sandbox/redirected", s.handleRedirected)
	mux.HandleFunc("GET /_sandbox/health", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	s.srv = &http.Server{Handler: root, ReadHeaderTimeout: 10 * time.Second, ConnState: s.connState}
	go s.srv.Serve(ln)
	return s, nil
}

// Names lists mounted providers.
func (s *Server) Names() []string { return s.names }

// Box returns a provider's emulator.
func (s *Server) Box(name string) emulator.Emulator { return s.boxes[name] }

// ProfileCommands are the `hookctl profile add` lines serve prints, one per
// provider, each prefixed by the provider id.
func (s *Server) ProfileCommands() []string {
	var out []string
	for _, n := range s.names {
		args := append([]string{"hookctl", "profile", "add", "sandbox-" + n}, s.boxes[n].ProfileArgs()...)
		out = append(out, n+" "+strings.Join(args, " "))
	}
	return out
}

// Quiesce waits until every provider request received so far has been
// answered and logged: after a client is killed, its last request may
// still be in a handler, and counting the log before it lands would
// miss it.
//
// It waits until no provider request is in a handler and every connection
// that carried one, or has not yet said what it carries, is closed: a
// killed client's sockets are closed by its kernel, so this also drains a
// request it wrote just before it died. Connections of the admin API (the
// test's own client, kept alive) do not count; a test that sends provider
// requests itself must not keep those connections alive, or Quiesce waits
// for them.
func (s *Server) Quiesce() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.busy() {
		s.idle.Wait()
	}
}

func (s *Server) busy() bool {
	if s.inflight > 0 {
		return true
	}
	for _, k := range s.conns {
		if k != connAdmin {
			return true
		}
	}
	return false
}

// connKind is what a connection has carried so far.
type connKind int

const (
	connNew      connKind = iota // accepted, no request read yet
	connProvider                 // carried a provider request
	connAdmin                    // carried only admin requests
)

func (s *Server) connState(c net.Conn, state http.ConnState) {
	addr := c.RemoteAddr().String()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch state {
	case http.StateNew:
		s.conns[addr] = connNew
	case http.StateClosed, http.StateHijacked:
		delete(s.conns, addr)
		s.idle.Broadcast()
	}
}

// markAdmin records that a connection carries admin requests.
func (s *Server) markAdmin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		if s.conns[r.RemoteAddr] == connNew {
			s.conns[r.RemoteAddr] = connAdmin
		}
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// Close stops the server and saves state.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	s.closeOtherHost()
	if serr := s.saveState(); serr != nil && err == nil {
		err = serr
	}
	return err
}

// Requests returns a copy of the request log.
func (s *Server) Requests() []LoggedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]LoggedRequest(nil), s.log...)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	fault  string
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// instrument adds latency, faults, the request log and state saving.
func (s *Server) instrument(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.inflight++
		s.conns[r.RemoteAddr] = connProvider
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.inflight--
			s.idle.Broadcast()
			s.mu.Unlock()
		}()
		if s.opts.Latency > 0 {
			select {
			case <-time.After(s.opts.Latency):
			case <-r.Context().Done():
				return
			}
		}
		rec := &statusRecorder{ResponseWriter: w}
		if !s.injectFault(name, rec, r, h) {
			h.ServeHTTP(rec, r)
		}
		s.mu.Lock()
		s.log = append(s.log, LoggedRequest{Provider: name, Method: r.Method, Path: r.URL.Path, Status: rec.status, At: s.opts.Now().UTC(), Fault: rec.fault})
		s.mu.Unlock()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := s.saveState(); err != nil {
				fmt.Fprintf(os.Stderr, "sandbox: saving state: %v\n", err)
			}
		}
	})
}

func (s *Server) handleRequests(w http.ResponseWriter, r *http.Request) {
	reqs := s.Requests()
	if reqs == nil {
		reqs = []LoggedRequest{}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(reqs)
}

// DeliveryRequest asks the sandbox for a signed delivery. With Send, an
// emulator whose provider keeps a delivery log (emulator.Sender) sends it
// itself, to To or the registration's URL, and logs the attempt; the
// answer's Sent says how it went. Other emulators only build it.
type DeliveryRequest struct {
	Provider string `json:"provider"`
	ID       string `json:"id"`
	Event    string `json:"event"`
	Send     bool   `json:"send,omitempty"`
	To       string `json:"to,omitempty"`
}

// Delivery is a signed delivery as data, so a separate process can send it
// or write it out as a raw HTTP request.
type Delivery struct {
	Method string      `json:"method"`
	URL    string      `json:"url"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
	// Sent is the outcome when the sandbox sent the delivery itself.
	Sent *emulator.Sent `json:"sent,omitempty"`
}

// Deliver builds a signed delivery from a provider's emulator.
func (s *Server) Deliver(ctx context.Context, prov, id, event string) (*Delivery, error) {
	box, ok := s.boxes[prov]
	if !ok {
		return nil, fmt.Errorf("no sandbox for provider %q", prov)
	}
	req, err := box.Delivery(ctx, id, event)
	if err != nil {
		return nil, err
	}
	var body []byte
	if req.Body != nil {
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
	}
	return &Delivery{Method: req.Method, URL: req.URL.String(), Header: req.Header, Body: body}, nil
}

func (s *Server) handleDelivery(w http.ResponseWriter, r *http.Request) {
	var dr DeliveryRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&dr); err != nil {
		http.Error(w, "bad delivery request: "+err.Error(), http.StatusBadRequest)
		return
	}
	if sender, ok := s.boxes[dr.Provider].(emulator.Sender); ok && dr.Send {
		sent, err := sender.Send(r.Context(), dr.ID, dr.Event, dr.To)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		if err := s.saveState(); err != nil {
			fmt.Fprintf(os.Stderr, "sandbox: saving state: %v\n", err)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(Delivery{Method: http.MethodPost, URL: sent.URL, Sent: &sent})
		return
	}
	d, err := s.Deliver(r.Context(), dr.Provider, dr.ID, dr.Event)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(d)
}

// Raw renders a delivery as a raw HTTP/1.1 request (what `verify
// --request-file` reads).
func (d *Delivery) Raw() ([]byte, error) {
	req, err := http.NewRequest(d.Method, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", d.Method, req.URL.RequestURI(), req.URL.Host)
	keys := make([]string, 0, len(d.Header))
	for k := range d.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.EqualFold(k, "Host") || strings.EqualFold(k, "Content-Length") {
			continue
		}
		for _, v := range d.Header[k] {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(d.Body))
	b.Write(d.Body)
	return b.Bytes(), nil
}

// persisted is the state file: each provider's own state.
type persisted map[string]json.RawMessage

func (s *Server) loadState() error {
	if s.opts.StateFile == "" {
		return nil
	}
	b, err := os.ReadFile(s.opts.StateFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var st persisted
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("sandbox state %s: %w", s.opts.StateFile, err)
	}
	for name, raw := range st {
		if box, ok := s.boxes[name]; ok {
			if err := box.LoadState(raw); err != nil {
				return fmt.Errorf("sandbox state %s (%s): %w", s.opts.StateFile, name, err)
			}
		}
	}
	return nil
}

func (s *Server) saveState() error {
	if s.opts.StateFile == "" {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	st := persisted{}
	for name, box := range s.boxes {
		raw, err := box.State()
		if err != nil {
			return err
		}
		st[name] = raw
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return fsafe.WriteFile(s.opts.StateFile, b, 0o600)
}
