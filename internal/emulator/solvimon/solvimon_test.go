package solvimon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/internal/testkit/providertest"
	"github.com/hookctl/hookctl/internal/testkit/spectest"
	"github.com/hookctl/hookctl/pkg/httpclient"
)

var ctx = context.Background()

// env is the emulator on a real HTTP server, mounted like internal/sandbox does
// (under /solvimon/, prefix stripped), every request and answer validated
// against the official document.
type env struct {
	clock *providertest.Clock
	box   *Emulator
	base  string
}

// newEnv checks the traffic strictly (no property the document does not
// define) unless other spectest options are given.
func newEnv(t *testing.T, checks ...spectest.Option) *env {
	t.Helper()
	spec := spectest.SolvimonOpenAPI
	e := &env{clock: providertest.NewClock()}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.base = srv.URL + "/solvimon"
	e.box = New(emulator.Options{BaseURL: e.base, Now: e.clock.Now,
		HTTP: httpclient.New(httpclient.Options{AllowHTTP: true, MaxRetries: -1, Timeout: 5 * time.Second})})
	if len(checks) == 0 {
		checks = []spectest.Option{spectest.WithResponses(), spectest.WithStrict()}
	}
	mux.Handle("/solvimon/", http.StripPrefix("/solvimon", spectest.Middleware(t, spec, checks...)(e.box)))
	return e
}

// What the tests read answers into: the schemas as a client sees them,
// null and absent as nil.
type (
	apiError struct {
		Type         string  `json:"type"`
		Code         string  `json:"code"`
		Message      string  `json:"message"`
		Field        *string `json:"field"`
		ResourceID   *string `json:"resource_id"`
		ResourceType *string `json:"resource_type"`
	}
	wireWebhook struct {
		ObjectType              *string  `json:"object_type"`
		ID                      string   `json:"id"`
		Name                    *string  `json:"name"`
		URL                     *string  `json:"url"`
		Active                  bool     `json:"active"`
		ExcludedActions         []string `json:"excluded_actions"`
		AuthenticationType      string   `json:"authentication_type"`
		SecretKey               *string  `json:"secret_key"`
		PreviousSecretKey       *string  `json:"previous_secret_key"`
		PreviousSigningProtocol *string  `json:"previous_signing_protocol"`
		SecretRolledAt          *string  `json:"secret_rolled_at"`
	}
	wireList struct {
		Data               []wireWebhook `json:"data"`
		Limit              *int          `json:"limit"`
		Page               *int          `json:"page"`
		TotalNumberOfPages *int          `json:"total_number_of_pages"`
		Links              struct {
			First    *string `json:"first"`
			Previous *string `json:"previous"`
			Current  *string `json:"current"`
			Next     *string `json:"next"`
		} `json:"links"`
	}
	wireConnection struct {
		Successful *bool   `json:"successful"`
		Message    *string `json:"message"`
	}
)

func deref[T any](p *T) T {
	var zero T
	if p != nil {
		return *p
	}
	return zero
}

type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

func (a answer) apiError(t *testing.T) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(a.Body, &e); err != nil || e.Code == "" || e.Type == "" || e.Message == "" {
		t.Fatalf("not an ApiError: %d %s", a.Status, a.Body)
	}
	return e
}

func (a answer) webhook(t *testing.T) wireWebhook {
	t.Helper()
	var w wireWebhook
	if err := json.Unmarshal(a.Body, &w); err != nil || w.ID == "" {
		t.Fatalf("not a Webhook: %d %s", a.Status, a.Body)
	}
	return w
}

// call sends a raw request; header values "" are left out, and X-API-KEY
// defaults to the sandbox key unless the test sets an auth header.
func call(t *testing.T, base, method, path string, header map[string]string, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if _, set := header["X-API-KEY"]; !set && header["Authorization"] == "" {
		req.Header.Set("X-API-KEY", SandboxAPIKey)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("X-REQUEST-ID") == "" {
		t.Fatalf("%s %s: answer without X-REQUEST-ID", method, path)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

const createBody = `{"url":"https://h.example/x","name":"n","reference":"r"}`

func TestSandboxAuth(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name   string
		header map[string]string
		status int
		code   string
	}{
		{"api key", nil, 200, ""},
		{"bearer", map[string]string{"Authorization": "Bearer " + SandboxToken}, 200, ""},
		{"missing", map[string]string{"X-API-KEY": ""}, 401, "UNAUTHORISED"},
		{"wrong key", map[string]string{"X-API-KEY": "live-key"}, 401, "UNAUTHORISED"},
		{"wrong bearer", map[string]string{"Authorization": "Bearer nope"}, 401, "UNAUTHORISED"},
		{"basic is not bearer", map[string]string{"Authorization": "Basic " + SandboxToken}, 401, "UNAUTHORISED"},
		{"own platform", map[string]string{"x-platform-id": SandboxPlatformID}, 200, ""},
		{"other platform", map[string]string{"x-platform-id": "plat-2"}, 403, "USER_NOT_ALLOWED"},
	}
	ids := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, e.base, "GET", "/v1/webhooks", tt.header, "")
			if a.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.Status, tt.status, a.Body)
			}
			if tt.code != "" {
				if ae := a.apiError(t); ae.Code != tt.code || ae.Type != "INVALID_REQUEST" {
					t.Fatalf("error %+v", ae)
				}
			}
			id := a.Header.Get("X-REQUEST-ID")
			if ids[id] {
				t.Fatalf("request id %s repeated", id)
			}
			ids[id] = true
		})
	}
}

func TestSandboxCreateValidation(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		body, code, field string
	}{
		{`{"url":"https://h.example/x","name":"n","reference":null}`, "MISSING_FIELD", "reference"},
		{`{"url":"h.example/x","name":"n","reference":"r"}`, "INVALID_FIELD", "url"},
		{`{"url":"https://h.example/x","name":"n","reference":"r","included_actions":["invoice.created"]}`, "INVALID_FIELD", "included_actions"},
		{`{"url":"https://h.example/x","name":"n","reference":"r","excluded_actions":["NOPE.CREATED"]}`, "INVALID_FIELD", "excluded_actions"},
		{`{"url":"https://h.example/x","name":"n","reference":"r","authentication_type":"PASSWORD","username":"u","password":"has space"}`, "INVALID_FIELD", "password"},
		{`{"url":"https://h.example/x","name":"n","reference":"r","authentication_type":"PASSWORD","password":"pw"}`, "MISSING_FIELD", "username"},
		{`{"url":"https://h.example/x","name":"n","reference":"r","authentication_type":"PASSWORD","username":"jo smith","password":"pw"}`, "INVALID_FIELD", "username"},
		{`{"url":"https://h.example/x","name":"n","reference":"r","authentication_type":"API_KEY","api_header_field":"X-K"}`, "MISSING_FIELD", "api_key"},
		// The api_header_field and api_key patterns hold for the
		// whole value (as published, without $, they match every value).
		{`{"url":"https://h.example/x","name":"n","reference":"r","authentication_type":"API_KEY","api_header_field":"X-K","api_key":"abc-123_XYZ+/="}`, "INVALID_FIELD", "api_key"},
		{`{"url":"https://h.example/x","name":"n","reference":"r","authentication_type":"API_KEY","api_header_field":"X.K","api_key":"abc123"}`, "INVALID_FIELD", "api_header_field"},
		{`{"url":"https://h.example/x","name":"n","reference":"r","signing_protocol":"HmacSHA512"}`, "INVALID_FIELD", "signing_protocol"},
		{`{"url":"https://h.example/x","name":"n","reference":"r","signing_protocol":""}`, "INVALID_FIELD", "signing_protocol"},
	}
	for _, tt := range tests {
		t.Run(tt.field+" "+tt.code, func(t *testing.T) {
			a := call(t, e.base, "POST", "/v1/webhooks", nil, tt.body)
			ae := a.apiError(t)
			if a.Status != 400 || ae.Code != tt.code || deref(ae.Field) != tt.field {
				t.Fatalf("%d %+v, want 400 %s %s", a.Status, ae, tt.code, tt.field)
			}
		})
	}
	// An unknown field is ignored, as JSON APIs commonly do; the strict
	// document check (which refuses it) is for our client's requests.
	lenient := newEnv(t, spectest.WithResponses())
	a := call(t, lenient.base, "POST", "/v1/webhooks", nil, `{"url":"https://h.example/x","name":"n","reference":"r","included_actions":["INVOICE.PAID"],"email":"ops@example.com"}`)
	if a.Status != 201 {
		t.Fatalf("valid create with a finer action and an unknown field: %d %s", a.Status, a.Body)
	}
	w := a.webhook(t)
	if !w.Active || w.AuthenticationType != "NONE" || deref(w.SecretKey) == "" || w.PreviousSecretKey != nil || deref(w.ObjectType) != "WEBHOOK" {
		t.Fatalf("created %s", a.Body)
	}
}

// Requests the official spec itself rejects, sent past the spec check.
func TestSandboxMalformedRequests(t *testing.T) {
	box := New(emulator.Options{})
	srv := httptest.NewServer(box)
	defer srv.Close()
	tests := []struct {
		method, path, ctype, body string
		status                    int
		code, field               string
	}{
		{"POST", "/v1/webhooks", "application/json", `{"url":5,"name":"n","reference":"r"}`, 400, "INVALID_FIELD", "url"},
		{"POST", "/v1/webhooks", "application/json", `{"name":"n","reference":"r"}`, 400, "MISSING_FIELD", "url"},
		{"POST", "/v1/webhooks", "application/json", `{"url":"https://h.example/x","reference":"r"}`, 400, "MISSING_FIELD", "name"},
		{"POST", "/v1/webhooks", "application/json", `{"url":"https://h.example/x","name":"n"}`, 400, "MISSING_FIELD", "reference"},
		{"POST", "/v1/webhooks", "application/json", `{"url":`, 400, "BAD_REQUEST", ""},
		{"POST", "/v1/webhooks", "application/json", `[1]`, 400, "BAD_REQUEST", ""},
		{"POST", "/v1/webhooks", "application/json", ``, 400, "BAD_REQUEST", ""},
		{"POST", "/v1/webhooks", "application/json", `null`, 400, "MISSING_FIELD", "url"},
		// Property names are the schema's, case and all.
		{"POST", "/v1/webhooks", "application/json", `{"URL":"https://h.example/x","name":"n","reference":"r"}`, 400, "MISSING_FIELD", "url"},
		{"POST", "/v1/webhooks", "application/json", `{"url":"https://h.example/x","name":"n","reference":"r","included_actions":"INVOICE.PAID"}`, 400, "INVALID_FIELD", "included_actions"},
		{"POST", "/v1/webhooks", "text/plain", createBody, 415, "UNSUPPORTED_MEDIA_TYPE", ""},
		{"GET", "/v1/webhooks/nope", "", "", 404, "RESOURCE_NOT_FOUND", ""},
		{"GET", "/v2/webhooks", "", "", 400, "UNSUPPORTED_VERSION", "version"},
		{"PUT", "/v1/webhooks/x", "", "", 405, "BAD_REQUEST", ""},
		{"GET", "/v1/customers", "", "", 404, "RESOURCE_NOT_FOUND", ""},
		{"GET", "/v1/webhooks?limit=0", "", "", 400, "INVALID_FIELD", "limit"},
		{"GET", "/v1/webhooks?page=x", "", "", 400, "INVALID_FIELD", "page"},
		{"GET", "/v1/webhooks?order_by=secret_key", "", "", 400, "INVALID_FIELD", "order_by"},
		{"GET", "/v1/webhooks?order_direction=up", "", "", 400, "INVALID_FIELD", "order_direction"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+" "+tt.body, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			req.Header.Set("X-API-KEY", SandboxAPIKey)
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			a := answer{resp.StatusCode, resp.Header, b}
			ae := a.apiError(t)
			if a.Status != tt.status || ae.Code != tt.code || deref(ae.Field) != tt.field {
				t.Fatalf("%d %s, want %d %s %q", a.Status, b, tt.status, tt.code, tt.field)
			}
			if tt.status == 404 && strings.HasPrefix(tt.path, "/v1/webhooks/") && (deref(ae.ResourceID) != "nope" || deref(ae.ResourceType) != "WEBHOOK") {
				t.Fatalf("404 names no resource: %s", b)
			}
		})
	}
}

func TestSandboxIdempotency(t *testing.T) {
	e := newEnv(t)
	key := map[string]string{"Idempotency-Key": "k-1"}
	first := call(t, e.base, "POST", "/v1/webhooks", key, createBody)
	again := call(t, e.base, "POST", "/v1/webhooks", key, createBody)
	if first.Status != 201 || again.Status != 201 || first.webhook(t).ID != again.webhook(t).ID {
		t.Fatalf("replay: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
	}
	if first.Header.Get("Idempotent-Replayed") != "" || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("Idempotent-Replayed: %q then %q", first.Header.Get("Idempotent-Replayed"), again.Header.Get("Idempotent-Replayed"))
	}
	if first.Header.Get("X-REQUEST-ID") == again.Header.Get("X-REQUEST-ID") {
		t.Fatal("a replay reuses the first request's X-REQUEST-ID")
	}
	other := call(t, e.base, "POST", "/v1/webhooks", key, `{"url":"https://h.example/y","name":"n","reference":"r"}`)
	if ae := other.apiError(t); other.Status != 400 || ae.Code != "IDEMPOTENCY_CHECK_FAILED" {
		t.Fatalf("same key, other body: %d %s", other.Status, other.Body)
	}
	// A key is per caller: another credential may use the same one.
	bearer := call(t, e.base, "POST", "/v1/webhooks", map[string]string{"Idempotency-Key": "k-1", "Authorization": "Bearer " + SandboxToken}, createBody)
	if bearer.Status != 201 || bearer.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("other caller, same key: %d %v", bearer.Status, bearer.Header)
	}
	long := call(t, e.base, "POST", "/v1/webhooks", map[string]string{"Idempotency-Key": strings.Repeat("k", 256)}, createBody)
	if ae := long.apiError(t); long.Status != 400 || deref(ae.Field) != "Idempotency-Key" {
		t.Fatalf("256-character key: %d %s", long.Status, long.Body)
	}
	// Kept 48 hours, then forgotten.
	e.clock.Add(49 * time.Hour)
	later := call(t, e.base, "POST", "/v1/webhooks", key, `{"url":"https://h.example/y","name":"n","reference":"r"}`)
	if later.Status != 201 || later.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("key reused after 49 h: %d %s", later.Status, later.Body)
	}

	// A replayed send-test does not deliver twice.
	rcv := providertest.NewReceiver(t)
	id := call(t, e.base, "POST", "/v1/webhooks", nil, fmt.Sprintf(`{"url":%q,"name":"n","reference":"r"}`, rcv.URL)).webhook(t).ID
	for range 2 {
		if a := call(t, e.base, "POST", "/v1/webhooks/"+id+"/send-test", map[string]string{"Idempotency-Key": "t-1"}, ""); a.Status != 200 {
			t.Fatalf("send-test: %d %s", a.Status, a.Body)
		}
	}
	if n := len(rcv.Deliveries()); n != 1 {
		t.Fatalf("%d deliveries for one idempotent send-test", n)
	}
}

func TestSandboxListPaging(t *testing.T) {
	e := newEnv(t)
	for _, n := range []string{"c", "a", "e", "b", "d"} {
		call(t, e.base, "POST", "/v1/webhooks", nil, fmt.Sprintf(`{"url":"https://h.example/%s","name":%q,"reference":"r"}`, n, n))
	}
	var l wireList
	a := call(t, e.base, "GET", "/v1/webhooks?limit=2&page=2", nil, "")
	if err := json.Unmarshal(a.Body, &l); err != nil {
		t.Fatal(err)
	}
	link := func(q string) string { return e.base + "/v1/webhooks?" + q }
	if len(l.Data) != 2 || deref(l.Data[0].Name) != "e" || *l.TotalNumberOfPages != 3 || *l.Page != 2 || *l.Limit != 2 {
		t.Fatalf("page 2: %s", a.Body)
	}
	if deref(l.Links.First) != link("limit=2&page=1") || deref(l.Links.Previous) != link("limit=2&page=1") ||
		deref(l.Links.Current) != link("limit=2&page=2") || deref(l.Links.Next) != link("limit=2&page=3") {
		t.Fatalf("links %s", a.Body)
	}
	a = call(t, e.base, "GET", "/v1/webhooks?limit=2&page=3&order_by=name&order_direction=DESC", nil, "")
	l = wireList{}
	json.Unmarshal(a.Body, &l)
	if len(l.Data) != 1 || deref(l.Data[0].Name) != "a" || l.Links.Next != nil || !strings.Contains(deref(l.Links.Current), "order_by=name&order_direction=desc") {
		t.Fatalf("last page by name desc: %s", a.Body)
	}
	a = call(t, e.base, "GET", "/v1/webhooks?page=9", nil, "")
	l = wireList{}
	json.Unmarshal(a.Body, &l)
	if a.Status != 200 || len(l.Data) != 0 || !strings.Contains(string(a.Body), `"data":[]`) {
		t.Fatalf("page past the end: %s", a.Body)
	}
}

func TestSandboxPatchAndSecrets(t *testing.T) {
	e := newEnv(t)
	w := call(t, e.base, "POST", "/v1/webhooks", nil, `{"url":"https://h.example/x","name":"n","reference":"r","excluded_actions":["INVOICE.CREATED"],"active":false}`).webhook(t)
	if w.Active {
		t.Fatal("active:false ignored on create")
	}
	a := call(t, e.base, "PATCH", "/v1/webhooks/"+w.ID, nil, `{"excluded_actions":null,"active":true}`)
	p := a.webhook(t)
	if len(p.ExcludedActions) != 0 || !p.Active || deref(p.Name) != "n" || deref(p.SecretKey) != deref(w.SecretKey) {
		t.Fatalf("patched %s", a.Body)
	}
	if a := call(t, e.base, "PATCH", "/v1/webhooks/"+w.ID, nil, `{"name":null}`); a.Status != 400 || deref(a.apiError(t).Field) != "name" {
		t.Fatalf("name:null: %d %s", a.Status, a.Body)
	}
	if a := call(t, e.base, "PATCH", "/v1/webhooks/nope", nil, `{"name":"x"}`); a.Status != 404 {
		t.Fatalf("patch of a missing webhook: %d", a.Status)
	}

	// Roll twice inside the overlap: only the latest previous secret is kept.
	r1 := call(t, e.base, "PATCH", "/v1/webhooks/"+w.ID+"/secret-key", nil, `{"active":true,"include_previous_data":false,"authentication_type":"NONE"}`).webhook(t)
	if deref(r1.PreviousSecretKey) != deref(w.SecretKey) || deref(r1.SecretRolledAt) != e.clock.Now().Format(time.RFC3339) || deref(r1.PreviousSigningProtocol) != "HmacSHA256" {
		t.Fatalf("first roll %+v", r1)
	}
	e.clock.Add(time.Hour)
	r2 := call(t, e.base, "PATCH", "/v1/webhooks/"+w.ID+"/secret-key", nil, "").webhook(t)
	if deref(r2.PreviousSecretKey) != deref(r1.SecretKey) || deref(r2.SecretKey) == deref(r1.SecretKey) {
		t.Fatalf("second roll %+v", r2)
	}
	// DELETE secret-key rolls without overlap.
	rm := call(t, e.base, "DELETE", "/v1/webhooks/"+w.ID+"/secret-key", nil, "").webhook(t)
	if deref(rm.SecretKey) == "" || deref(rm.SecretKey) == deref(r2.SecretKey) || rm.PreviousSecretKey != nil {
		t.Fatalf("remove secret %+v", rm)
	}
	del := call(t, e.base, "DELETE", "/v1/webhooks/"+w.ID, nil, "")
	if del.Status != 200 || del.webhook(t).ID != w.ID {
		t.Fatalf("delete: %d %s", del.Status, del.Body)
	}
	if a := call(t, e.base, "GET", "/v1/webhooks/"+w.ID, nil, ""); a.Status != 404 || a.apiError(t).Code != "RESOURCE_NOT_FOUND" {
		t.Fatalf("get after delete: %d %s", a.Status, a.Body)
	}
}

func TestSandboxActionsAndConnection(t *testing.T) {
	e := newEnv(t)
	var acts struct{ Data []actionGroup }
	json.Unmarshal(call(t, e.base, "GET", "/v1/webhooks/actions?limit=10&page=1", nil, "").Body, &acts)
	i := slices.IndexFunc(acts.Data, func(a actionGroup) bool { return a.ObjectType == "INVOICE" })
	if len(acts.Data) != len(catalogue()) || i < 0 || !slices.Contains(acts.Data[i].Actions, "STATUS_TO_FINAL") || !slices.Contains(acts.Data[i].Actions, "DELETE") {
		t.Fatalf("actions %+v", acts)
	}
	// The emulator accepts exactly what it serves: every
	// listed action in one create, and nothing beside them.
	var all []string
	for _, a := range acts.Data {
		for _, act := range a.Actions {
			all = append(all, a.ObjectType+"."+act)
		}
	}
	allBody, _ := json.Marshal(map[string]any{"url": "https://h.example/all", "name": "n", "reference": "r", "included_actions": all})
	if a := call(t, e.base, "POST", "/v1/webhooks", nil, string(allBody)); a.Status != 201 {
		t.Fatalf("create with every listed action: %d %s", a.Status, a.Body)
	}
	for _, unlisted := range []string{"INVOICE.REFUNDED", "CUSTOMER.PAID", "NOPE.CREATED"} {
		if a := call(t, e.base, "POST", "/v1/webhooks", nil, `{"url":"https://h.example/x","name":"n","reference":"r","included_actions":["`+unlisted+`"]}`); a.Status != 400 {
			t.Fatalf("create with unlisted %s: %d %s", unlisted, a.Status, a.Body)
		}
	}

	rcv := providertest.NewReceiver(t)
	body := fmt.Sprintf(`{"url":%q,"name":"n","reference":"r","authentication_type":"PASSWORD","username":"u","password":"p!w"}`, rcv.URL+"/probe")
	var res wireConnection
	json.Unmarshal(call(t, e.base, "POST", "/v1/webhooks/test-connection", nil, body).Body, &res)
	d := rcv.Deliveries()
	if !deref(res.Successful) || len(d) != 1 || d[0].Header.Get("X-PAYLOAD-SIGNATURE") != "" {
		t.Fatalf("test-connection: %+v, %d deliveries", res, len(d))
	}
	if u, p, ok := (&http.Request{Header: d[0].Header}).BasicAuth(); !ok || u != "u" || p != "p!w" {
		t.Fatalf("endpoint basic auth %q %q %v", u, p, ok)
	}
	rcv.SetStatus(http.StatusServiceUnavailable)
	json.Unmarshal(call(t, e.base, "POST", "/v1/webhooks/test-connection", nil, body).Body, &res)
	if deref(res.Successful) || !strings.Contains(deref(res.Message), "HTTP 503") {
		t.Fatalf("failing test-connection: %+v", res)
	}
	if st, _ := e.box.State(); strings.Contains(string(st), "probe") {
		t.Fatal("test-connection stored a webhook")
	}
	if a := call(t, e.base, "POST", "/v1/webhooks/test-connection", nil, `{"url":"ftp://h.example/x","name":"n","reference":"r"}`); a.Status != 400 || deref(a.apiError(t).Field) != "url" {
		t.Fatalf("test-connection with an ftp url: %d %s", a.Status, a.Body)
	}

	// send-test on an inactive webhook conflicts.
	id := call(t, e.base, "POST", "/v1/webhooks", nil, `{"url":"https://h.example/x","name":"n","reference":"r","active":false}`).webhook(t).ID
	if a := call(t, e.base, "POST", "/v1/webhooks/"+id+"/send-test", nil, ""); a.Status != 409 || a.apiError(t).Code != "INVALID_OPERATION" {
		t.Fatalf("send-test inactive: %d %s", a.Status, a.Body)
	}
	if a := call(t, e.base, "POST", "/v1/webhooks/nope/send-test", nil, ""); a.Status != 404 {
		t.Fatalf("send-test missing: %d", a.Status)
	}
}

// opensslHMAC computes HMAC-SHA256 with the openssl binary: an
// implementation that shares nothing with this package or Go's crypto.
func opensslHMAC(t *testing.T, key, msg string) string {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	cmd := exec.Command(bin, "dgst", "-sha256", "-hmac", key)
	cmd.Stdin = strings.NewReader(msg)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	_, hexSum, ok := strings.Cut(strings.TrimSpace(string(out)), "= ")
	if !ok || len(hexSum) != 64 {
		t.Fatalf("openssl output %q", out)
	}
	return hexSum
}

func TestDeliverySignature(t *testing.T) {
	e := newEnv(t)
	reg := call(t, e.base, "POST", "/v1/webhooks", nil, `{"url":"https://receiver.example/hooks","name":"n","reference":"r",
		"authentication_type":"API_KEY","api_header_field":"X-Receiver-Key","api_key":"abc123"}`).webhook(t)

	check := func(t *testing.T, secrets ...string) {
		t.Helper()
		req, err := e.box.Delivery(ctx, reg.ID, "INVOICE.CREATED")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(req.Body)
		ts := req.Header.Get("X-PAYLOAD-SIGNATURE-TIMESTAMP")
		if req.Method != "POST" || req.URL.String() != deref(reg.URL) || ts != e.clock.Now().Format(time.RFC3339) {
			t.Fatalf("delivery %s %s at %q", req.Method, req.URL, ts)
		}
		if req.Header.Get("X-Receiver-Key") != "abc123" || req.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("delivery headers %v", req.Header)
		}
		parts := strings.Split(req.Header.Get("X-PAYLOAD-SIGNATURE"), ",")
		if len(parts) != len(secrets) {
			t.Fatalf("%d signatures, want %d: %q", len(parts), len(secrets), parts)
		}
		for i, s := range secrets {
			want := opensslHMAC(t, s, ts+"."+string(body))
			if !strings.EqualFold(parts[i], "v1="+want) {
				t.Fatalf("signature %d %q, openssl says v1=%s", i, parts[i], want)
			}
		}
		var env delivery
		if err := json.Unmarshal(body, &env); err != nil || env.Type != "INVOICE.CREATED" || env.Environment != "TEST" || env.OriginalRequestID == "" {
			t.Fatalf("envelope %s", body)
		}
		if at, err := time.Parse(time.RFC3339, env.CreatedAt); err != nil || !at.Equal(e.clock.Now()) || !strings.Contains(string(env.Data), `"object_type":"INVOICE"`) {
			t.Fatalf("envelope %s", body)
		}
	}
	t.Run("one secret", func(t *testing.T) { check(t, deref(reg.SecretKey)) })
	// The body the Solvimon client sends: the fields the rendered reference
	// marks required [docs/providers/solvimon.md §2.4].
	rot := call(t, e.base, "PATCH", "/v1/webhooks/"+reg.ID+"/secret-key", nil, `{"active":true,"include_previous_data":false,"authentication_type":"API_KEY"}`).webhook(t)
	e.clock.Add(23 * time.Hour)
	t.Run("overlap: current then previous", func(t *testing.T) { check(t, deref(rot.SecretKey), deref(reg.SecretKey)) })
	e.clock.Add(time.Hour)
	t.Run("after 24 h: current only", func(t *testing.T) { check(t, deref(rot.SecretKey)) })

	if _, err := e.box.Delivery(ctx, "nope", "INVOICE.CREATED"); err == nil {
		t.Fatal("delivery for an unknown id")
	}
	if _, err := e.box.Delivery(ctx, reg.ID, "invoice created"); err == nil {
		t.Fatal("delivery of a malformed event")
	}
	// WEBHOOK events carry the webhook, never its secrets.
	req, _ := e.box.Delivery(ctx, reg.ID, "WEBHOOK.UPDATED")
	body, _ := io.ReadAll(req.Body)
	if !strings.Contains(string(body), reg.ID) || strings.Contains(string(body), deref(rot.SecretKey)) || strings.Contains(string(body), "abc123") {
		t.Fatalf("WEBHOOK delivery %s", body)
	}
}

// Known answer, computed with openssl once and pinned, so a change to the
// signing code cannot pass by agreeing with itself.
func TestSignKnownAnswer(t *testing.T) {
	got := signatureHeader([]string{"secret-1", "secret-0"}, "2026-03-01T12:00:00Z", []byte(`{"type":"INVOICE.CREATED"}`))
	want := "v1=" + strings.ToUpper(opensslHMAC(t, "secret-1", `2026-03-01T12:00:00Z.{"type":"INVOICE.CREATED"}`)) +
		",v1=" + strings.ToUpper(opensslHMAC(t, "secret-0", `2026-03-01T12:00:00Z.{"type":"INVOICE.CREATED"}`))
	if got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

func TestStateRoundTrip(t *testing.T) {
	e := newEnv(t)
	rcv := providertest.NewReceiver(t)
	reg := call(t, e.base, "POST", "/v1/webhooks", nil, fmt.Sprintf(`{"url":%q,"name":"kept","reference":"r","included_actions":["INVOICE.PAID"]}`, rcv.URL)).webhook(t)
	if a := call(t, e.base, "PATCH", "/v1/webhooks/"+reg.ID+"/secret-key", nil, ""); a.Status != 200 {
		t.Fatalf("roll: %d %s", a.Status, a.Body)
	}
	rcv.SetStatus(500)
	call(t, e.base, "POST", "/v1/webhooks/"+reg.ID+"/send-test", nil, "")
	call(t, e.base, "POST", "/v1/webhooks", nil, `{"url":"https://h.example/2","name":"second","reference":"r"}`)

	st, err := e.box.State()
	if err != nil {
		t.Fatal(err)
	}
	fresh := New(emulator.Options{Now: e.clock.Now})
	if err := fresh.LoadState(st); err != nil {
		t.Fatal(err)
	}
	st2, _ := fresh.State()
	if !bytes.Equal(st, st2) {
		t.Fatalf("state changed in a round trip:\n%s\n%s", st, st2)
	}
	now := e.clock.Now()
	if got, want := out(fresh.hooks[reg.ID], now), out(e.box.hooks[reg.ID], now); !equalJSON(t, got, want) {
		t.Fatalf("loaded webhook differs")
	}
	if fresh.hooks[reg.ID].Penalty == nil || fresh.hooks[reg.ID].PreviousSecretKey != deref(reg.SecretKey) {
		t.Fatal("penalty box or previous secret lost")
	}
	// New webhooks continue the sequence, so list order is stable.
	srv := httptest.NewServer(fresh)
	defer srv.Close()
	call(t, srv.URL, "POST", "/v1/webhooks", nil, createBody)
	if fresh.seq != 3 {
		t.Fatalf("seq %d after load and one create", fresh.seq)
	}

	for _, bad := range []string{`{`, `{"webhooks":[{"id":"a","secret_key":"s"},{"id":"a","secret_key":"s"}]}`, `{"webhooks":[{"id":"a"}]}`} {
		if err := fresh.LoadState(json.RawMessage(bad)); err == nil {
			t.Errorf("LoadState(%s) accepted", bad)
		}
	}
	if fresh.seq != 3 {
		t.Fatal("a rejected state replaced the data")
	}
}

func equalJSON(t *testing.T, a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// Run with -race: handlers, State and Delivery share the emulator's data.
func TestSandboxConcurrent(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := call(t, e.base, "POST", "/v1/webhooks", nil, fmt.Sprintf(`{"url":"https://h.example/%d","name":"n%d","reference":"r"}`, i, i)).webhook(t)
			call(t, e.base, "PATCH", "/v1/webhooks/"+w.ID+"/secret-key", nil, "")
			e.box.State()
			e.box.Delivery(ctx, w.ID, "INVOICE.CREATED")
			call(t, e.base, "GET", "/v1/webhooks", nil, "")
		}()
	}
	wg.Wait()
	var l wireList
	json.Unmarshal(call(t, e.base, "GET", "/v1/webhooks?limit=100", nil, "").Body, &l)
	if len(l.Data) != 16 {
		t.Fatalf("%d webhooks after 16 concurrent creates", len(l.Data))
	}
}

// Entry is what internal/sandbox registers: the id, the fixed credentials of
// `sandbox --help`, the demo, and profile arguments pointing at the emulator.
func TestEntry(t *testing.T) {
	en := Entry()
	if en.Name != "solvimon" || en.Help != "API key sandbox-api-key (or Bearer token sandbox-token)" || en.Demo == nil || en.Demo.Env["HOOKCTL_API_KEY"] != SandboxAPIKey {
		t.Fatalf("entry %+v", en)
	}
	box := en.New(emulator.Options{BaseURL: "http://127.0.0.1:8787/solvimon"})
	if got := strings.Join(box.ProfileArgs(), " "); got != "--provider solvimon --environment test --base-url http://127.0.0.1:8787/solvimon" {
		t.Fatalf("profile args %q", got)
	}
	if !serves(en.Demo.Event) || !slices.Contains(en.Demo.Register, en.Demo.Event) {
		t.Fatalf("the demo delivers %s, which the emulator does not serve", en.Demo.Event)
	}
}

// The emulator serves every action of Solvimon's webhook guide,
// resource × action.
func TestServesPublishedCatalogue(t *testing.T) {
	raw := spectest.SolvimonGuide
	var doc struct {
		Actions   []string `yaml:"actions"`
		Resources []string `yaml:"resources"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Resources) == 0 || len(doc.Actions) == 0 {
		t.Fatal("no catalogue in the captured guide")
	}
	for _, r := range doc.Resources {
		for _, a := range doc.Actions {
			if !serves(r + "." + a) {
				t.Errorf("the sandbox does not serve %s.%s", r, a)
			}
		}
	}
}

// TestSandboxUsernameColonAndSigningProtocol: the documented
// username pattern admits ':' (its "&-_" is a range), so a PASSWORD
// webhook with one is created, and its delivery carries the pair as HTTP
// Basic, where the receiver splits at the first ':'. signing_protocol is
// stored, returned, kept as previous_signing_protocol on a roll, and
// read as the documented HmacSHA256 when left out or cleared.
func TestSandboxUsernameColonAndSigningProtocol(t *testing.T) {
	e := newEnv(t)
	a := call(t, e.base, "POST", "/v1/webhooks", nil, `{"url":"https://receiver.example/hooks","name":"n","reference":"r",
		"authentication_type":"PASSWORD","username":"svc:billing","password":"pw"}`)
	if a.Status != 201 {
		t.Fatalf("username with ':': %d %s", a.Status, a.Body)
	}
	w := a.webhook(t)
	var got struct {
		Username        *string `json:"username"`
		SigningProtocol *string `json:"signing_protocol"`
	}
	if err := json.Unmarshal(a.Body, &got); err != nil || deref(got.Username) != "svc:billing" || deref(got.SigningProtocol) != "HmacSHA256" {
		t.Fatalf("created %s", a.Body)
	}
	req, err := e.box.Delivery(ctx, w.ID, "INVOICE.CREATED")
	if err != nil {
		t.Fatal(err)
	}
	// What a receiver reads: RFC 7617 splits at the first ':'.
	if user, pass, ok := req.BasicAuth(); !ok || user != "svc" || pass != "billing:pw" {
		t.Fatalf("receiver reads user %q password %q (%v)", user, pass, ok)
	}

	protocol := func(a answer) (cur, prev string) {
		t.Helper()
		var p struct {
			SigningProtocol         *string `json:"signing_protocol"`
			PreviousSigningProtocol *string `json:"previous_signing_protocol"`
		}
		if a.Status != 200 || json.Unmarshal(a.Body, &p) != nil {
			t.Fatalf("%d %s", a.Status, a.Body)
		}
		return deref(p.SigningProtocol), deref(p.PreviousSigningProtocol)
	}
	explicit := call(t, e.base, "POST", "/v1/webhooks", nil, `{"url":"https://h.example/x","name":"n","reference":"r2","signing_protocol":"HmacSHA256"}`).webhook(t)
	if cur, prev := protocol(call(t, e.base, "GET", "/v1/webhooks/"+explicit.ID, nil, "")); cur != "HmacSHA256" || prev != "" {
		t.Fatalf("stored %q, previous %q before a roll", cur, prev)
	}
	if cur, prev := protocol(call(t, e.base, "PATCH", "/v1/webhooks/"+explicit.ID+"/secret-key", nil, "")); cur != "HmacSHA256" || prev != "HmacSHA256" {
		t.Fatalf("after a roll: %q, previous %q", cur, prev)
	}
	if a := call(t, e.base, "PATCH", "/v1/webhooks/"+explicit.ID, nil, `{"signing_protocol":"SHA1"}`); a.Status != 400 || deref(a.apiError(t).Field) != "signing_protocol" {
		t.Fatalf("patch to SHA1: %d %s", a.Status, a.Body)
	}
	if cur, _ := protocol(call(t, e.base, "PATCH", "/v1/webhooks/"+explicit.ID, nil, `{"signing_protocol":null}`)); cur != "HmacSHA256" {
		t.Fatalf("cleared: %q", cur)
	}
}
