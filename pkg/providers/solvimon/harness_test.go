package solvimon

import (
	"bytes"
	"context"
	_ "embed"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
	solvimonemu "github.com/hookctl/hookctl/internal/emulator/solvimon"
	"github.com/hookctl/hookctl/internal/testkit/providertest"
	"github.com/hookctl/hookctl/internal/testkit/spectest"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
)

// specYAML is Solvimon's official OpenAPI document, the repository's copy
// (internal/testkit/spectest/specs, where its one fix is listed).
var specYAML = spectest.SolvimonOpenAPI

// seenRequest is one request as the server received it.
type seenRequest struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// env is a Solvimon emulator on a real HTTP server, mounted like internal/sandbox
// does (under /solvimon/, prefix stripped), every request validated against
// the official spec, plus a client pointed at it.
type env struct {
	t      *testing.T
	clock  *providertest.Clock
	box    *solvimonemu.Emulator
	srv    *httptest.Server
	base   string
	mu     sync.Mutex
	seen   []seenRequest
	wrap   func(http.Handler) http.Handler // optional, outermost
	sleeps []time.Duration
}

// newEnv starts an emulator whose traffic is checked against the official
// document: strictly (no property the document does not define) unless
// other spectest options are given.
func newEnv(t *testing.T, checks ...spectest.Option) *env {
	t.Helper()
	e := &env{t: t, clock: providertest.NewClock()}
	var handler http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	e.base = e.srv.URL + "/solvimon"
	e.box = solvimonemu.New(emulator.Options{BaseURL: e.base, Now: e.clock.Now,
		HTTP: httpclient.New(httpclient.Options{AllowHTTP: true, MaxRetries: -1, Timeout: 5 * time.Second})})
	if len(checks) == 0 {
		checks = []spectest.Option{spectest.WithResponses(), spectest.WithStrict()}
	}
	validated := spectest.Middleware(t, specYAML, checks...)(e.box)
	mux := http.NewServeMux()
	mux.Handle("/solvimon/", http.StripPrefix("/solvimon", validated))
	handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		e.mu.Lock()
		e.seen = append(e.seen, seenRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
		wrap := e.wrap
		e.mu.Unlock()
		if wrap != nil {
			wrap(mux).ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	return e
}

func (e *env) requests() []seenRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]seenRequest(nil), e.seen...)
}

func (e *env) resetRequests() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seen = nil
}

// clientOpts tweaks the client a test builds.
type clientOpts struct {
	stored   map[string]string // keyring entries by credential name
	env      map[string]string // environment variables
	settings map[string]string
	errOut   *bytes.Buffer
}

// client builds a client with the sandbox API key unless opts say otherwise.
func (e *env) client(opts ...func(*clientOpts)) *Client {
	e.t.Helper()
	o := clientOpts{stored: map[string]string{"api-key": solvimonemu.SandboxAPIKey}, env: map[string]string{}, errOut: &bytes.Buffer{}}
	for _, f := range opts {
		f(&o)
	}
	mem := credentials.NewMemory()
	for k, v := range o.stored {
		mem.Set(credentials.Key("sb", k), v)
	}
	httpc := httpclient.New(httpclient.Options{Sleep: func(_ context.Context, d time.Duration) error {
		e.mu.Lock()
		e.sleeps = append(e.sleeps, d)
		e.mu.Unlock()
		return nil
	}})
	c, err := New(provider.Deps{
		Profile: config.Profile{Name: "sb", Provider: Name, Environment: "test", BaseURL: e.base, Settings: o.settings},
		HTTP:    httpc,
		Creds:   credentials.New(mem, func(k string) string { return o.env[k] }),
		ErrOut:  o.errOut,
		Now:     e.clock.Now,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}
