package pexa

import (
	"bytes"
	"context"
	_ "embed"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
	pexaemu "github.com/hookctl/hookctl/internal/emulator/pexa"
	"github.com/hookctl/hookctl/internal/testkit/providertest"
	"github.com/hookctl/hookctl/internal/testkit/spectest"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
)

// specYAML is PEXA's official (AU) OpenAPI document and webhooksYAML its
// webhooks guide, the repository's copies (internal/testkit/spectest/specs).
var specYAML, webhooksYAML = spectest.PexaOpenAPI, spectest.PexaGuide

var ctx = context.Background()

// seenRequest is one request as the server received it, with its status.
type seenRequest struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
	Status              int
}

func (r seenRequest) isToken() bool { return strings.HasSuffix(r.Path, "/oauth/token") }

// env is a PEXA emulator on a real HTTP server, mounted as internal/sandbox
// mounts it (under /pexa/, prefix stripped), plus clients pointed at it.
//
// With validation on, every API request and its answer are checked against
// PEXA's OpenAPI document. That document is the AU one (/v1, /v2, /v3
// directly under the host); the UK API differs only by its path prefix
// (/partner/api/notification) for the operations hookctl uses, so UK traffic
// is validated by mapping its path onto the AU document. Known UK-vs-AU
// differences the AU document cannot see: the UK update answer also carries
// sharedSecret/sharedSecretExpiry (allowed: the schemas are open), and the
// UK has no v3 (the client never sends one there). The token endpoint is
// Auth0's, not part of the document, and is not validated.
type env struct {
	t     *testing.T
	clock *providertest.Clock
	box   *pexaemu.Emulator
	srv   *httptest.Server
	base  string // .../pexa
	creds *credentials.Store

	mu          sync.Mutex
	seen        []seenRequest
	tokenScopes []string                        // each token request's scope since start, kept across resetRequests
	wrap        func(http.Handler) http.Handler // optional, outermost (fault injection)
}

func newEnv(t *testing.T) *env { return newEnvWith(t, true) }

// newRawEnv skips spec validation: sandbox tests send malformed requests
// on purpose.
func newRawEnv(t *testing.T) *env { return newEnvWith(t, false) }

func newEnvWith(t *testing.T, validate bool) *env {
	t.Helper()
	e := &env{t: t, clock: providertest.NewClock(), creds: credentials.New(credentials.NewMemory(), func(string) string { return "" })}
	var handler http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	e.base = e.srv.URL + "/pexa"
	e.box = pexaemu.New(emulator.Options{BaseURL: e.base, Now: e.clock.Now})
	var inner http.Handler = e.box
	if validate {
		uk, au, err := loadValidators()
		if err != nil {
			t.Fatal(err)
		}
		ukH, auH := uk.Middleware(t)(e.box), au.Middleware(t)(e.box)
		inner = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case strings.HasSuffix(r.URL.Path, "/oauth/token"):
				e.box.ServeHTTP(w, r)
			case strings.HasPrefix(r.URL.Path, "/uk/"):
				ukH.ServeHTTP(w, r)
			case strings.HasPrefix(r.URL.Path, "/au/"):
				auH.ServeHTTP(w, r)
			default:
				t.Errorf("request to %s outside both regions", r.URL.Path)
				e.box.ServeHTTP(w, r)
			}
		})
	}
	mux := http.NewServeMux()
	mux.Handle("/pexa/", http.StripPrefix("/pexa", inner))
	handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		e.mu.Lock()
		wrap := e.wrap
		e.mu.Unlock()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		if wrap != nil {
			wrap(mux).ServeHTTP(rec, r)
		} else {
			mux.ServeHTTP(rec, r)
		}
		e.mu.Lock()
		e.seen = append(e.seen, seenRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body, Status: rec.status})
		if e.seen[len(e.seen)-1].isToken() {
			q, _ := url.ParseQuery(string(body))
			e.tokenScopes = append(e.tokenScopes, q.Get("scope"))
		}
		e.mu.Unlock()
	})
	return e
}

// loadValidators parses the document once per test binary: loading and
// validating it is the slowest part of setting up an env.
var (
	validatorsOnce     sync.Once
	ukValid, auValid   *spectest.Validator
	validatorsLoadFail error
)

func loadValidators() (uk, au *spectest.Validator, err error) {
	validatorsOnce.Do(func() {
		ukValid, validatorsLoadFail = spectest.Load(specYAML, spectest.WithPrefix("/uk"+UKAPIPrefix), spectest.WithBasePath(""), spectest.WithPatch(spectest.PexaUKRegistrationDto), spectest.WithResponses(), spectest.WithStrict())
		if validatorsLoadFail == nil {
			auValid, validatorsLoadFail = spectest.Load(specYAML, spectest.WithPrefix("/au"), spectest.WithBasePath(""), spectest.WithResponses(), spectest.WithStrict())
		}
	})
	return ukValid, auValid, validatorsLoadFail
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (e *env) setWrap(w func(http.Handler) http.Handler) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.wrap = w
}

func (e *env) requests() []seenRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]seenRequest(nil), e.seen...)
}

func (e *env) apiRequests() []seenRequest {
	var out []seenRequest
	for _, r := range e.requests() {
		if !r.isToken() {
			out = append(out, r)
		}
	}
	return out
}

func (e *env) tokenRequests() int {
	n := 0
	for _, r := range e.requests() {
		if r.isToken() {
			n++
		}
	}
	return n
}

// allTokenScopes is the scope parameter of each token request since the
// start, in order.
func (e *env) allTokenScopes() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.tokenScopes)
}

func (e *env) resetRequests() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seen = nil
}

// clientOpts tweaks the client a test builds.
type clientOpts struct {
	region   string
	secret   string            // stored in the keyring as client-secret ("" none)
	env      map[string]string // environment variables
	settings map[string]string // profile settings on top of RegionProfileArgs'
	creds    *credentials.Store
	errOut   *bytes.Buffer
	// transport, when set, is the HTTP client's innermost round tripper.
	transport http.RoundTripper
}

func inRegion(r string) func(*clientOpts) { return func(o *clientOpts) { o.region = r } }

// profileFromArgs reads the emulator's RegionProfileArgs back into a profile, so the
// tests use exactly what `hookctl profile add` would be given.
func profileFromArgs(t *testing.T, name string, args []string) config.Profile {
	t.Helper()
	p := config.Profile{Name: name, Settings: map[string]string{}}
	if len(args)%2 != 0 {
		t.Fatalf("odd profile args %q", args)
	}
	for i := 0; i < len(args); i += 2 {
		v := args[i+1]
		switch args[i] {
		case "--provider":
			p.Provider = v
		case "--region":
			p.Region = v
		case "--environment":
			p.Environment = v
		case "--base-url":
			p.BaseURL = v
		case "--token-url":
			p.TokenURL = v
		default:
			p.Settings[strings.TrimPrefix(args[i], "--")] = v
		}
	}
	return p
}

// client builds a client for the sandbox (UK unless told otherwise) whose
// keyring holds the sandbox secret. Clients of one env share its
// credential store, as two hookctl processes share the keyring.
func (e *env) client(opts ...func(*clientOpts)) (*Client, *bytes.Buffer) {
	e.t.Helper()
	o := clientOpts{region: RegionUK, secret: pexaemu.SandboxClientSecret, env: map[string]string{}, creds: e.creds, errOut: &bytes.Buffer{}}
	for _, f := range opts {
		f(&o)
	}
	p := profileFromArgs(e.t, "sb-"+o.region, pexaemu.RegionProfileArgs(e.base, o.region))
	for k, v := range o.settings {
		p.Settings[k] = v
	}
	store := o.creds
	if o.env != nil && len(o.env) > 0 {
		store = credentials.New(backendOf(o.creds), func(k string) string { return o.env[k] })
	}
	if o.secret != "" {
		if err := store.Set(p.Name, CredClientSecret, o.secret); err != nil {
			e.t.Fatal(err)
		}
	}
	httpc := httpclient.New(httpclient.Options{Sleep: func(context.Context, time.Duration) error { return nil }, Transport: o.transport})
	c, err := New(provider.Deps{Profile: p, HTTP: httpc, Creds: store, ErrOut: o.errOut, Now: e.clock.Now})
	if err != nil {
		e.t.Fatal(err)
	}
	return c, o.errOut
}

func backendOf(s *credentials.Store) credentials.Backend { return s.Backend() }

// receiverURL is an https endpoint name for registrations; deliveries are
// built, not sent, so it needs no server.
func receiverURL(path string) string { return "https://hooks.example.com" + path }
