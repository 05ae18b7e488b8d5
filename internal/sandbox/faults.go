package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault kinds of a plan (PUT /_sandbox/faults). Each one imitates a way a
// real API, proxy or network misbehaves; docs/reliability.md lists what
// hookctl does about each.
const (
	// FaultStatus answers Status (with Retry-After when RetryAfter >= 0)
	// without running the provider's handler: the request was refused.
	FaultStatus = "status"
	// FaultSlow runs the handler, then holds its answer for DelayMS: the
	// work is done but the client may have given up waiting.
	FaultSlow = "slow"
	// FaultReset runs the handler, sends its status, headers and half its
	// body, then closes the connection with a TCP reset.
	FaultReset = "reset"
	// FaultTruncatedJSON runs the handler and sends the first half of its
	// body, with a Content-Length that matches: the HTTP framing is fine,
	// the JSON is cut off.
	FaultTruncatedJSON = "truncated-json"
	// FaultMalformedJSON runs the handler and replaces its body with
	// invalid JSON of the same status and content type.
	FaultMalformedJSON = "malformed-json"
	// FaultOversized answers 200 with a JSON body of Size bytes (default
	// 11 MiB, over hookctl's 10 MiB limit), streamed chunked, or with its
	// Content-Length when AnnounceLength is set. The handler does not run.
	FaultOversized = "oversized"
	// FaultWrongContentType answers 200 text/html (a captive portal or a
	// proxy's page) without running the handler.
	FaultWrongContentType = "wrong-content-type"
	// FaultRedirect answers Status (default 307) with a Location on
	// another host: a second loopback listener (another port, which
	// hookctl's redirect check treats as another host) that records the
	// headers it receives and answers 401. With SameHost the Location is
	// the same URL on the sandbox itself. The handler does not run.
	FaultRedirect = "redirect"
)

// faultPlan makes the sandbox misbehave on purpose: the next Count provider
// requests matching Provider, Method and Path (a prefix of the path under
// the provider, e.g. /v1/webhooks) when set get the fault of Kind. The
// original form {"status":429,"retry_after":1,"count":N} is a status plan.
type faultPlan struct {
	Provider   string `json:"provider,omitempty"`
	Method     string `json:"method,omitempty"`
	Path       string `json:"path,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Status     int    `json:"status"`
	RetryAfter int    `json:"retry_after"`
	Count      int    `json:"count"`
	// DelayMS is how long a slow answer is held.
	DelayMS int `json:"delay_ms,omitempty"`
	// Size is the body length of an oversized answer.
	Size int64 `json:"size,omitempty"`
	// AnnounceLength sends an oversized answer's Content-Length.
	AnnounceLength bool `json:"announce_length,omitempty"`
	// SameHost redirects to the sandbox itself instead of the other host.
	SameHost bool `json:"same_host,omitempty"`
}

func (p *faultPlan) validate() error {
	switch p.Kind {
	case "":
		p.Kind = FaultStatus
	case FaultStatus, FaultSlow, FaultReset, FaultTruncatedJSON, FaultMalformedJSON, FaultOversized, FaultWrongContentType, FaultRedirect:
	default:
		return fmt.Errorf("unknown fault kind %q", p.Kind)
	}
	switch p.Kind {
	case FaultStatus:
		if p.Count > 0 && (p.Status < 100 || p.Status > 999) {
			return fmt.Errorf("a status fault needs a status, got %d", p.Status)
		}
	case FaultSlow:
		if p.DelayMS <= 0 {
			return fmt.Errorf("a slow fault needs delay_ms > 0")
		}
	case FaultOversized:
		if p.Size <= 0 {
			p.Size = 11 << 20
		}
	case FaultRedirect:
		if p.Status == 0 {
			p.Status = http.StatusTemporaryRedirect
		}
		if p.Status < 300 || p.Status > 399 {
			return fmt.Errorf("a redirect fault needs a 3xx status, got %d", p.Status)
		}
	}
	return nil
}

func (s *Server) handleFaults(w http.ResponseWriter, r *http.Request) {
	var p faultPlan
	p.RetryAfter = -1
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&p); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := p.validate(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if p.Kind == FaultRedirect && !p.SameHost {
		if err := s.startOtherHost(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	s.mu.Lock()
	if p.Count > 0 {
		s.faults = &p
	} else {
		s.faults = nil
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// injectFault answers r with the planned fault; true when it did. h is the
// provider's handler, run first by the kinds that spoil a real answer.
func (s *Server) injectFault(name string, w *statusRecorder, r *http.Request, h http.Handler) bool {
	s.mu.Lock()
	p := s.faults
	hit := p != nil && p.Count > 0 && (p.Provider == "" || p.Provider == name) &&
		(p.Method == "" || p.Method == r.Method) && strings.HasPrefix(r.URL.Path, p.Path)
	var plan faultPlan
	if hit {
		p.Count--
		plan = *p
	}
	s.mu.Unlock()
	if !hit {
		return false
	}
	w.fault = plan.Kind
	switch plan.Kind {
	case FaultSlow:
		ans := record(h, r)
		select {
		case <-time.After(time.Duration(plan.DelayMS) * time.Millisecond):
			ans.send(w, ans.body)
		case <-r.Context().Done():
			w.status = ans.status // the client left; log what it would have got
		}
	case FaultReset:
		ans := record(h, r)
		w.status = ans.status
		reset(w, ans)
	case FaultTruncatedJSON:
		ans := record(h, r)
		ans.send(w, ans.body[:len(ans.body)/2])
	case FaultMalformedJSON:
		ans := record(h, r)
		ans.send(w, []byte(`{"id": "wh_fault", "url": , "events": [}`))
	case FaultOversized:
		w.Header().Set("Content-Type", "application/json")
		if plan.AnnounceLength {
			w.Header().Set("Content-Length", strconv.FormatInt(plan.Size, 10))
		}
		w.WriteHeader(http.StatusOK)
		writePadded(w, plan.Size)
	case FaultWrongContentType:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "<!doctype html><html><body><h1>Sign in to the guest network</h1></body></html>\n")
	case FaultRedirect:
		base := s.BaseURL + "/" + name
		if !plan.SameHost {
			base = s.otherHostURL() + "/" + name
		}
		loc := base + r.URL.Path
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", loc)
		w.WriteHeader(plan.Status)
	default:
		if plan.RetryAfter >= 0 {
			w.Header().Set("Retry-After", strconv.Itoa(plan.RetryAfter))
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(plan.Status)
		io.WriteString(w, `{"message":"injected fault"}`)
	}
	return true
}

// answer is a provider handler's response, held back to be spoiled.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func record(h http.Handler, r *http.Request) *answer {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	res := rec.Result()
	return &answer{status: res.StatusCode, header: rec.Header().Clone(), body: rec.Body.Bytes()}
}

// send writes the answer's status and headers with body in place of its own.
func (a *answer) send(w http.ResponseWriter, body []byte) {
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(a.status)
	w.Write(body)
}

// reset sends the answer's head and half its body under the full
// Content-Length, then aborts the connection (RST where the OS allows).
func reset(w http.ResponseWriter, a *answer) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	var head bytes.Buffer
	fmt.Fprintf(&head, "HTTP/1.1 %d %s\r\n", a.status, http.StatusText(a.status))
	a.header.Set("Content-Length", strconv.Itoa(len(a.body)))
	a.header.Write(&head)
	head.WriteString("\r\n")
	head.Write(a.body[:len(a.body)/2])
	buf.Write(head.Bytes())
	buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
}

// writePadded streams a valid JSON object of exactly size bytes (at least
// 12) without holding it in memory.
func writePadded(w io.Writer, size int64) {
	const open, closing = `{"pad":"`, `"}`
	io.WriteString(w, open)
	pad := size - int64(len(open)+len(closing))
	chunk := bytes.Repeat([]byte{'x'}, 256<<10)
	for pad > 0 {
		n := min(pad, int64(len(chunk)))
		if _, err := w.Write(chunk[:n]); err != nil {
			return // the client refused the rest, as it should
		}
		pad -= n
	}
	io.WriteString(w, closing)
}

// RedirectedRequest is what the other host of a redirect fault received.
type RedirectedRequest struct {
	Method string      `json:"method"`
	Path   string      `json:"path"`
	Header http.Header `json:"header"`
}

// otherHost is the second loopback listener redirect faults point at.
type otherHost struct {
	once sync.Once
	err  error
	url  string
	srv  *http.Server
	mu   sync.Mutex
	reqs []RedirectedRequest
}

func (s *Server) startOtherHost() error {
	o := &s.other
	o.once.Do(func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			o.err = err
			return
		}
		o.url = "http://" + ln.Addr().String()
		o.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			o.mu.Lock()
			o.reqs = append(o.reqs, RedirectedRequest{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()})
			o.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"message":"this host does not know you"}`)
		})}
		go o.srv.Serve(ln)
	})
	return o.err
}

func (s *Server) otherHostURL() string {
	if s.startOtherHost() != nil {
		return "http://127.0.0.1:1" // nothing listens there: a connection error
	}
	return s.other.url
}

// Redirected returns what the other host of redirect faults received.
func (s *Server) Redirected() []RedirectedRequest {
	s.other.mu.Lock()
	defer s.other.mu.Unlock()
	return append([]RedirectedRequest(nil), s.other.reqs...)
}

func (s *Server) handleRedirected(w http.ResponseWriter, _ *http.Request) {
	reqs := s.Redirected()
	if reqs == nil {
		reqs = []RedirectedRequest{}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(reqs)
}

func (s *Server) closeOtherHost() {
	if s.other.srv != nil {
		s.other.srv.Close()
	}
}
