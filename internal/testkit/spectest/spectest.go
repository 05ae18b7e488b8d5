// Package spectest checks, in tests, that the traffic a provider emulator
// receives conforms to the provider's official OpenAPI document. It exists so
// the emulators cannot drift from the real APIs unnoticed: every request the
// client under test sends is routed and validated (path, method, parameters,
// headers, body) with kin-openapi, and anything the document does not allow
// fails the test. It is imported only by tests.
package spectest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Option configures Middleware.
type Option func(*config)

type config struct {
	prefix    string
	basePath  *string
	responses bool
	strict    bool
	patches   []func(*openapi3.T)
}

// WithPatch changes the loaded document before it is used: where a
// region or version documented elsewhere differs from the one document
// there is (say why at the call).
func WithPatch(fn func(*openapi3.T)) Option {
	return func(c *config) { c.patches = append(c.patches, fn) }
}

// WithPrefix is a path prefix the handler is mounted under that the document
// does not know about (e.g. "/solvimon" when the emulator is mounted there
// without stripping). Requests must start with it.
func WithPrefix(prefix string) Option {
	return func(c *config) { c.prefix = strings.TrimSuffix(prefix, "/") }
}

// WithBasePath overrides the base path taken from the document's first
// server URL (use "" for documents whose paths are already absolute).
func WithBasePath(p string) Option {
	return func(c *config) { p = strings.TrimSuffix(p, "/"); c.basePath = &p }
}

// WithResponses also validates each response whose status the document
// declares (body schema and content type). Undeclared statuses pass: the
// official documents rarely list every status a real API returns.
func WithResponses() Option {
	return func(c *config) { c.responses = true }
}

// WithStrict refuses properties a document does not define: every object
// schema with properties and no additionalProperties of its own gets
// additionalProperties: false. The published documents never say it, so
// without this an unknown (misspelt, invented) request field passes. Schemas
// that take part in allOf are left open, since each part names only some of
// the properties.
func WithStrict() Option {
	return func(c *config) { c.strict = true }
}

// Validator routes and validates requests against one document.
type Validator struct {
	router    routers.Router
	responses bool
}

// Load parses and validates an OpenAPI 3.x document and prepares a router
// that matches on the path only. The document's servers are replaced by one
// host-less server whose path is prefix + the first server's base path, so
// requests to an emulator on 127.0.0.1 match although the document names the
// provider's real hosts.
func Load(specYAML []byte, opts ...Option) (*Validator, error) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(specYAML)
	if err != nil {
		return nil, fmt.Errorf("spectest: load document: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("spectest: document is not valid OpenAPI: %w", err)
	}
	base := ""
	if c.basePath != nil {
		base = *c.basePath
	} else if len(doc.Servers) > 0 {
		base = serverBasePath(doc.Servers[0])
	}
	for _, fn := range c.patches {
		fn(doc)
	}
	if c.strict {
		closeSchemas(doc)
	}
	// A nil server list makes the router match any host and scheme.
	doc.Servers = nil
	if p := c.prefix + base; p != "" {
		doc.Servers = openapi3.Servers{{URL: p}}
	}
	for _, item := range doc.Paths.Map() {
		item.Servers = nil
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("spectest: build router: %w", err)
	}
	return &Validator{router: router, responses: c.responses}, nil
}

// serverBasePath is the path part of a server URL, variables replaced by
// their defaults ("https://{region}.example.com/api/{v}" -> "/api/1").
func serverBasePath(s *openapi3.Server) string {
	raw := s.URL
	for name, v := range s.Variables {
		raw = strings.ReplaceAll(raw, "{"+name+"}", v.Default)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

// options are the kin-openapi settings every check uses. Authentication is
// the emulator's job (it must answer a wrong key with the provider's own
// 401), so security requirements always pass here.
func options() *openapi3filter.Options {
	return &openapi3filter.Options{
		AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
		MultiError:                        true,
		SkipSettingDefaults:               true,
		RejectWhenRequestBodyNotSpecified: true,
	}
}

// ValidateRequest checks one request. It reads and restores r.Body, so the
// request can still be served afterwards. It returns the matched route
// input for response validation.
func (v *Validator) ValidateRequest(r *http.Request) (*openapi3filter.RequestValidationInput, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	// Validate a copy: the router and the validator may read the body and
	// decode query values, and the handler must see the request untouched.
	c := r.Clone(context.Background())
	c.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := v.router.FindRoute(c)
	if err != nil {
		return nil, fmt.Errorf("%s %s is not in the document: %w", r.Method, r.URL.Path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: c, PathParams: params, Route: route, Options: options()}
	if err := openapi3filter.ValidateRequest(c.Context(), in); err != nil {
		return in, fmt.Errorf("%s %s (%s) does not conform: %w", r.Method, r.URL.Path, route.Operation.OperationID, err)
	}
	return in, nil
}

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		r.Body = http.NoBody
		return nil, nil
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("spectest: read request body: %w", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// ValidateResponse checks a recorded response against the operation the
// request matched.
func (v *Validator) ValidateResponse(in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) error {
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                options(),
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("response %d to %s %s (%s) does not conform: %w", status, in.Request.Method, in.Request.URL.Path, in.Route.Operation.OperationID, err)
	}
	return nil
}

// Middleware wraps an emulator so that every request it receives is
// validated against specYAML; each nonconforming request (including one to
// an unknown path or method) is reported with t.Errorf and still served, so
// one test run shows every problem. A document kin-openapi cannot load ends
// the test with t.Fatalf.
func Middleware(t testing.TB, specYAML []byte, opts ...Option) func(http.Handler) http.Handler {
	t.Helper()
	v, err := Load(specYAML, opts...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return v.Middleware(t)
}

// Middleware is the http middleware of an already loaded Validator.
func (v *Validator) Middleware(t testing.TB) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			in, err := v.ValidateRequest(r)
			if err != nil {
				t.Errorf("spectest: %v", err)
			}
			if !v.responses || in == nil || err != nil {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			res := rec.Result()
			body := rec.Body.Bytes()
			if err := v.ValidateResponse(in, res.StatusCode, res.Header, body); err != nil {
				t.Errorf("spectest: %v", err)
			}
			for k, vs := range res.Header {
				w.Header()[k] = vs
			}
			w.WriteHeader(res.StatusCode)
			w.Write(body)
		})
	}
}

// closeSchemas sets additionalProperties: false on every object schema of
// doc that lists properties, says nothing about additional ones and is not
// part of an allOf (WithStrict).
func closeSchemas(doc *openapi3.T) {
	c := closer{seen: map[*openapi3.Schema]bool{}}
	if doc.Components != nil {
		for _, sc := range doc.Components.Schemas {
			c.walk(sc, false)
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			c.operation(op)
		}
	}
}

// closer walks schemas for closeSchemas, each once.
type closer struct{ seen map[*openapi3.Schema]bool }

// operation walks the schemas of op's parameters, request body and
// responses.
func (c closer) operation(op *openapi3.Operation) {
	for _, p := range op.Parameters {
		if p.Value != nil {
			c.walk(p.Value.Schema, false)
		}
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		for _, mt := range op.RequestBody.Value.Content {
			c.walk(mt.Schema, false)
		}
	}
	if op.Responses != nil {
		for _, r := range op.Responses.Map() {
			if r.Value != nil {
				for _, mt := range r.Value.Content {
					c.walk(mt.Schema, false)
				}
			}
		}
	}
}

// walk closes ref's schema, unless it takes part in an allOf, and walks
// the schemas inside it.
func (c closer) walk(ref *openapi3.SchemaRef, inAllOf bool) {
	if ref == nil || ref.Value == nil || c.seen[ref.Value] {
		return
	}
	sc := ref.Value
	c.seen[sc] = true
	open := inAllOf || len(sc.AllOf) > 0
	if !open && len(sc.Properties) > 0 && sc.AdditionalProperties.Has == nil && sc.AdditionalProperties.Schema == nil {
		no := false
		sc.AdditionalProperties.Has = &no
	}
	for _, p := range sc.Properties {
		c.walk(p, false)
	}
	c.walk(sc.Items, false)
	c.walk(sc.AdditionalProperties.Schema, false)
	for _, x := range sc.AllOf {
		c.walk(x, true)
	}
	for _, list := range []openapi3.SchemaRefs{sc.OneOf, sc.AnyOf} {
		for _, x := range list {
			c.walk(x, inAllOf)
		}
	}
	c.walk(sc.Not, false)
}
