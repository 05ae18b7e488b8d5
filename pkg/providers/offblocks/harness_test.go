package offblocks

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
	offblocksemu "github.com/hookctl/hookctl/internal/emulator/offblocks"
	"github.com/hookctl/hookctl/internal/testkit/providertest"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
)

// seenRequest is one request as the server received it.
type seenRequest struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// env is an OffBlocks emulator on a real HTTP server, mounted as
// internal/sandbox does (under /offblocks/, prefix stripped), plus what a client
// needs: an in-memory keyring and the sandbox credentials as env variables.
type env struct {
	t      *testing.T
	clock  *providertest.Clock
	box    *offblocksemu.Sandbox
	srv    *httptest.Server
	base   string
	vars   map[string]string
	store  *credentials.Store
	errOut bytes.Buffer

	mu   sync.Mutex
	seen []seenRequest
	wrap func(http.Handler) http.Handler // optional, inside the request log
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: providertest.NewClock(), vars: map[string]string{
		"HOOKCTL_API_KEY":    offblocksemu.SandboxAPIKey,
		"HOOKCTL_API_SECRET": offblocksemu.SandboxAPISecret,
	}}
	var handler http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	e.base = e.srv.URL + "/offblocks"
	e.box = offblocksemu.New(emulator.Options{BaseURL: e.base, Now: e.clock.Now})
	// The emulator is looked up per request so a test can swap in a
	// restarted one.
	inner := http.StripPrefix("/offblocks", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		box := e.box
		e.mu.Unlock()
		box.ServeHTTP(w, r)
	}))
	mux := http.NewServeMux()
	mux.Handle("/offblocks/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		e.mu.Lock()
		e.seen = append(e.seen, seenRequest{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, "/offblocks"), Header: r.Header.Clone(), Body: body})
		wrap := e.wrap
		e.mu.Unlock()
		if wrap != nil {
			wrap(inner).ServeHTTP(w, r)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	handler = mux
	e.store = credentials.New(credentials.NewMemory(), func(k string) string {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.vars[k]
	})
	return e
}

func (e *env) setEnv(k, v string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.vars[k] = v
}

func (e *env) profile() config.Profile {
	return config.Profile{Name: "sbx", Provider: Name, Environment: EnvSandbox, BaseURL: e.base}
}

// client builds a client against the emulator. Retries do not sleep.
func (e *env) client() *Client {
	return e.clientWith(e.profile(), e.clock.Now)
}

func (e *env) clientWith(p config.Profile, now func() time.Time) *Client {
	e.t.Helper()
	hc := httpclient.New(httpclient.Options{Timeout: 5 * time.Second, Sleep: func(context.Context, time.Duration) error { return nil }})
	c, err := New(provider.Deps{Profile: p, HTTP: hc, Creds: e.store, ErrOut: &e.errOut, Now: now})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// ready gives the profile an uploaded signing key.
func (e *env) ready(c *Client) string {
	e.t.Helper()
	ctx := context.Background()
	if _, err := c.GenerateKey(ctx, false); err != nil {
		e.t.Fatalf("GenerateKey: %v", err)
	}
	info, err := c.UploadKey(ctx)
	if err != nil {
		e.t.Fatalf("UploadKey: %v", err)
	}
	return info.KeyID
}

// requests returns what the server saw, optionally only method+path matches.
func (e *env) requests(method, path string) []seenRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []seenRequest
	for _, r := range e.seen {
		if (method == "" || r.Method == method) && (path == "" || r.Path == path) {
			out = append(out, r)
		}
	}
	return out
}

func (e *env) resetSeen() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seen = nil
}

// raw sends a hand-made request to the emulator without hookctl's client
// (no retries, no signing) and returns the status and the error message.
func (e *env) raw(method, path string, h http.Header, body []byte) (int, string, http.Header) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.base+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m struct {
		Message string `json:"message"`
	}
	json.Unmarshal(b, &m)
	if m.Message == "" {
		m.Message = string(b)
	}
	return resp.StatusCode, m.Message, resp.Header
}

// signed returns headers the client would send for a request, signature
// included, so tests can replay or tamper with them.
func (e *env) signed(c *Client, method, path, idem string, body []byte) http.Header {
	e.t.Helper()
	s, err := c.requestSigner()
	if err != nil {
		e.t.Fatal(err)
	}
	tok, _, err := c.token(context.Background(), "")
	if err != nil {
		e.t.Fatal(err)
	}
	h, err := c.signedHeader(s, method, e.base+path, "Bearer "+tok, idem, body)
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// writeMessage answers an error the way the emulator does ({"message"}),
// for tests that stand in for OffBlocks.
func writeMessage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}
