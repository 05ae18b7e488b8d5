package pwc

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
	pwcemu "github.com/hookctl/hookctl/internal/emulator/pwc"
	"github.com/hookctl/hookctl/internal/testkit/providertest"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

var ctx = context.Background()

// fixedKeyPEM is a throwaway test key (testdata/README.md); using it keeps
// tests from generating RSA keys on a shared CPU.
//
//go:embed testdata/fixed-rsa-2048.pem
var fixedKeyPEM string

// fixedKeyXML is its public half in .NET form, made with openssl.
//
//go:embed testdata/fixed-rsa-2048.xml
var fixedKeyXML string

// seenRequest is one request as the server received it.
type seenRequest struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// env is the emulator on a real HTTP server, mounted as internal/sandbox does
// (under /pwc/, prefix stripped), with a request log and an optional
// middleware, plus clients pointed at it.
type env struct {
	t     *testing.T
	clock *providertest.Clock
	box   *pwcemu.Emulator
	srv   *httptest.Server
	base  string
	mu    sync.Mutex
	seen  []seenRequest
	wrap  func(http.Handler) http.Handler
	store *credentials.Store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: providertest.NewClock()}
	var handler http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	e.base = e.srv.URL + "/pwc"
	e.box = pwcemu.New(emulator.Options{BaseURL: e.base, Now: e.clock.Now,
		HTTP: httpclient.New(httpclient.Options{AllowHTTP: true, MaxRetries: -1, Timeout: 5 * time.Second})})
	mux := http.NewServeMux()
	mux.Handle("/pwc/", http.StripPrefix("/pwc", e.box))
	handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		e.mu.Lock()
		e.seen = append(e.seen, seenRequest{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, "/pwc"), Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
		wrap := e.wrap
		e.mu.Unlock()
		if wrap != nil {
			wrap(mux).ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	e.store = credentials.New(credentials.NewMemory(), func(string) string { return "" })
	for k, v := range map[string]string{CredUsername: pwcemu.SandboxUsername, CredPassword: pwcemu.SandboxPassword, CredRSAKey: fixedKeyPEM} {
		if err := e.store.Set("sb", k, v); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *env) requests() []seenRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]seenRequest(nil), e.seen...)
}

// apiRequests are the requests other than logins.
func (e *env) apiRequests() []seenRequest {
	var out []seenRequest
	for _, r := range e.requests() {
		if !strings.HasPrefix(r.Path, "/auth") && r.Path != "/access-token" {
			out = append(out, r)
		}
	}
	return out
}

func (e *env) count(method, path string) int {
	n := 0
	for _, r := range e.requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

func (e *env) resetRequests() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seen = nil
}

func (e *env) setWrap(w func(http.Handler) http.Handler) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.wrap = w
}

// client builds a client on the env's store (sandbox login and the fixed
// key) with the sandbox account.
func (e *env) client(opts ...func(*provider.Deps)) *Client {
	e.t.Helper()
	d := provider.Deps{
		Profile: config.Profile{Name: "sb", Provider: Name, Environment: "staging", BaseURL: e.base,
			Settings: map[string]string{FieldTaxNumber: pwcemu.SandboxTaxNumber, FieldAccountID: pwcemu.SandboxAccountID}},
		HTTP:   httpclient.New(httpclient.Options{Sleep: func(context.Context, time.Duration) error { return nil }}),
		Creds:  e.store,
		ErrOut: &bytes.Buffer{},
		Now:    e.clock.Now,
	}
	for _, o := range opts {
		o(&d)
	}
	c, err := New(d)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// current is the stored current secret of id ("" when none).
func (e *env) current(id string) string {
	e.t.Helper()
	ws, err := e.store.WebhookSecrets("sb", id)
	if err != nil {
		e.t.Fatal(err)
	}
	if ws.Current == nil {
		return ""
	}
	return ws.Current.Value
}

func kindOf(t *testing.T, err error, want webhook.Kind) *webhook.Error {
	t.Helper()
	var we *webhook.Error
	if !errors.As(err, &we) || we.Kind != want {
		t.Fatalf("error %v: want kind %v", err, want)
	}
	return we
}

func register(t *testing.T, c *Client, url string, events ...string) []webhook.Registration {
	t.Helper()
	regs, err := c.Register(ctx, webhook.CreateRequest{URL: url, Events: events, Name: "test hooks"})
	if err != nil {
		t.Fatalf("register %v: %v", events, err)
	}
	if len(regs) != len(events) {
		t.Fatalf("register %v: %d registrations", events, len(regs))
	}
	return regs
}

// bearer logs in to the emulator directly, as a second, independent client.
func (e *env) bearer() string {
	e.t.Helper()
	var ar authResponse
	if _, err := httpclient.DoJSON(ctx, http.DefaultClient, http.MethodPost, e.base+"/auth/credentials", nil,
		map[string]string{"username": pwcemu.SandboxUsername, "password": pwcemu.SandboxPassword}, &ar); err != nil {
		e.t.Fatal(err)
	}
	return ar.BearerToken
}

// raw sends one request to the emulator with a bearer token ("" for none)
// and returns the status and the body.
func (e *env) raw(method, path, token string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// responseStatusOf decodes an error answer.
func responseStatusOf(t *testing.T, b []byte) *responseStatus {
	t.Helper()
	var eb errorBody
	if err := json.Unmarshal(b, &eb); err != nil || eb.ResponseStatus == nil {
		t.Fatalf("not a responseStatus answer: %s (%v)", b, err)
	}
	return eb.ResponseStatus
}

func configProfile(environment string) config.Profile {
	return config.Profile{Name: "sb", Provider: Name, Environment: environment}
}

// writeStatus answers a ServiceStack error (the client's own reading of the
// shape), for middlewares that fake a server fault.
func writeStatus(w http.ResponseWriter, status int, code, msg string, errs []responseError) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorBody{ResponseStatus: &responseStatus{ErrorCode: code, Message: msg, Errors: errs}})
}
