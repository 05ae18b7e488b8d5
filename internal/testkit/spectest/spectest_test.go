package spectest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// doc has what the provider documents have that a naive router trips on:
// real hosts in servers, a base path, a path segment with a variable prefix
// (v{version}), a literal path beside a templated one, OpenAPI 3.1 type
// arrays, a required header and a security scheme.
const doc = `openapi: 3.1.0
info: {title: t, version: "1"}
servers:
- url: https://api.example.com/api
security:
- key: []
paths:
  /v{version}/things:
    post:
      operationId: createThing
      parameters:
      - {name: version, in: path, required: true, schema: {type: string}}
      - {name: X-API-KEY, in: header, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string}
                note: {type: [string, "null"]}
      responses:
        '201':
          description: created
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties:
                  id: {type: string}
  /v{version}/things/actions:
    get:
      operationId: actions
      parameters:
      - {name: version, in: path, required: true, schema: {type: string}}
      - {name: limit, in: query, schema: {type: integer}}
      responses:
        '200': {description: ok}
  /v{version}/things/{id}:
    get:
      operationId: getThing
      parameters:
      - {name: version, in: path, required: true, schema: {type: string}}
      - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: ok}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-API-KEY}
`

// fakeTB records failures instead of failing the real test, so a test can
// assert that the middleware does fail a nonconforming request.
type fakeTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
	fatal  bool
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	f.fatal = true
}

func (f *fakeTB) failures() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.errors...)
}

// handler answers like a well-behaved emulator and records what it saw.
func handler(seen *[]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		*seen = append(*seen, r.Method+" "+r.URL.Path+" "+string(body))
		if r.Method == http.MethodPost {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"id":"t1"}`)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

func TestMiddleware(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		wantErr                  string // "" means the request conforms
	}{
		{name: "conforming create", method: "POST", path: "/api/v1/things", body: `{"name":"a","note":null}`,
			header: map[string]string{"X-API-KEY": "k", "Content-Type": "application/json"}},
		{name: "literal path wins over template", method: "GET", path: "/api/v1/things/actions?limit=5"},
		{name: "templated path", method: "GET", path: "/api/v1/things/abc"},
		{name: "body misses a required property", method: "POST", path: "/api/v1/things", body: `{"note":"x"}`,
			header: map[string]string{"X-API-KEY": "k", "Content-Type": "application/json"}, wantErr: "name"},
		{name: "body property of the wrong type", method: "POST", path: "/api/v1/things", body: `{"name":5}`,
			header: map[string]string{"X-API-KEY": "k", "Content-Type": "application/json"}, wantErr: "createThing"},
		{name: "missing required header", method: "POST", path: "/api/v1/things", body: `{"name":"a"}`,
			header: map[string]string{"Content-Type": "application/json"}, wantErr: "X-API-KEY"},
		{name: "query parameter of the wrong type", method: "GET", path: "/api/v1/things/actions?limit=many", wantErr: "limit"},
		{name: "unknown path", method: "GET", path: "/api/v1/widgets", wantErr: "not in the document"},
		{name: "unknown method", method: "DELETE", path: "/api/v1/things/abc", wantErr: "not in the document"},
		{name: "path outside the server base path", method: "GET", path: "/v1/things/abc", wantErr: "not in the document"},
		{name: "body where none is specified", method: "GET", path: "/api/v1/things/abc", body: `{"x":1}`,
			header: map[string]string{"Content-Type": "application/json"}, wantErr: "getThing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ftb := &fakeTB{}
			var seen []string
			srv := httptest.NewServer(Middleware(ftb, []byte(doc))(handler(&seen)))
			defer srv.Close()
			var rd io.Reader
			if tt.body != "" {
				rd = strings.NewReader(tt.body)
			}
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, rd)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := ftb.failures()
			if tt.wantErr == "" && len(got) > 0 {
				t.Fatalf("conforming request reported: %q", got)
			}
			if tt.wantErr != "" && (len(got) != 1 || !strings.Contains(got[0], tt.wantErr)) {
				t.Fatalf("want one failure mentioning %q, got %q", tt.wantErr, got)
			}
			// The request is still served, body intact, so a test sees every problem at once.
			if len(seen) != 1 || !strings.HasSuffix(seen[0], " "+tt.body) {
				t.Fatalf("handler saw %q, want the request with body %q", seen, tt.body)
			}
		})
	}
}

func TestMiddlewarePrefix(t *testing.T) {
	ftb := &fakeTB{}
	var seen []string
	h := Middleware(ftb, []byte(doc), WithPrefix("/pexa/"), WithBasePath(""))(handler(&seen))
	for path, ok := range map[string]bool{"/pexa/v1/things/x": true, "/v1/things/x": false, "/pexa/api/v1/things/x": false} {
		ftb.errors = nil
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
		if got := len(ftb.failures()) == 0; got != ok {
			t.Errorf("GET %s: conforms = %v, want %v (%q)", path, got, ok, ftb.failures())
		}
	}
}

func TestMiddlewareResponses(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		status     int
		wantErr    bool
	}{
		{"conforming", `{"id":"x"}`, 201, false},
		{"missing id", `{"name":"x"}`, 201, true},
		{"undeclared status passes", `{"whatever":1}`, 409, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ftb := &fakeTB{}
			h := Middleware(ftb, []byte(doc), WithResponses())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("X-Request-Id", "r1")
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			req := httptest.NewRequest("POST", "/api/v1/things", strings.NewReader(`{"name":"a"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-API-KEY", "k")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if got := len(ftb.failures()) > 0; got != tt.wantErr {
				t.Fatalf("failure reported = %v, want %v: %q", got, tt.wantErr, ftb.failures())
			}
			// The recorded response reaches the client unchanged.
			if rec.Code != tt.status || rec.Body.String() != tt.body || rec.Header().Get("X-Request-Id") != "r1" {
				t.Fatalf("client got %d %q %v", rec.Code, rec.Body.String(), rec.Header())
			}
		})
	}
}

func TestLoadRejectsBrokenDocument(t *testing.T) {
	ftb := &fakeTB{}
	func() {
		defer func() { recover() }() // the fake's Fatalf does not stop the goroutine
		Middleware(ftb, []byte("openapi: 3.1.0\npaths:\n  /x:\n    get:\n      responses: {}\n"))
	}()
	if !ftb.fatal {
		t.Fatal("a document without info loaded without a fatal error")
	}
}

// TestStrictRefusesUndefinedProperties: the published documents never say
// additionalProperties: false, so an invented or misspelt field passes a
// plain check; WithStrict refuses it in requests and responses.
func TestStrictRefusesUndefinedProperties(t *testing.T) {
	post := func(v *Validator, body string) error {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/things", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-API-KEY", "k")
		_, err := v.ValidateRequest(r)
		return err
	}
	plain, err := Load([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	strict, err := Load([]byte(doc), WithStrict())
	if err != nil {
		t.Fatal(err)
	}
	const extra = `{"name":"n","nmae":"typo"}`
	if err := post(plain, extra); err != nil {
		t.Fatalf("without WithStrict an extra field passes (as the documents allow): %v", err)
	}
	if err := post(strict, extra); err == nil || !strings.Contains(err.Error(), "nmae") {
		t.Fatalf("WithStrict let an undefined field through: %v", err)
	}
	if err := post(strict, `{"name":"n","note":null}`); err != nil {
		t.Fatalf("WithStrict refused a defined field: %v", err)
	}
	r := httptest.NewRequest(http.MethodPost, "/api/v1/things", strings.NewReader(`{"name":"n"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-API-KEY", "k")
	in, err := strict.ValidateRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if err := strict.ValidateResponse(in, 201, h, []byte(`{"id":"1","secret":"s"}`)); err == nil {
		t.Fatal("WithStrict let an undefined response field through")
	}
	if err := strict.ValidateResponse(in, 201, h, []byte(`{"id":"1"}`)); err != nil {
		t.Fatalf("a conforming response: %v", err)
	}
}
