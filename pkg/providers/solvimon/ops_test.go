package solvimon

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/testkit/providertest"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// The operations beyond the CRUD: test-connection before create and
// the early removal of the previous secret.

func TestTestConnection(t *testing.T) {
	e := newEnv(t)
	rcv := providertest.NewReceiver(t)
	c := e.client()
	req := webhook.CreateRequest{URL: rcv.URL + "/probe", Name: "probe", Events: []string{"INVOICE.CREATED"}, Params: map[string]string{ParamReference: "probe-1"}}

	msg, err := c.TestConnection(ctx, req)
	if err != nil || msg == "" {
		t.Fatalf("test-connection to a working endpoint: %q %v", msg, err)
	}
	if d := rcv.Deliveries(); len(d) != 1 || d[0].Path != "/probe" {
		t.Fatalf("deliveries %+v", d)
	}
	var sent []string
	for _, r := range e.requests() {
		sent = append(sent, r.Method+" "+r.Path)
	}
	if strings.Join(sent, ",") != "POST /solvimon/v1/webhooks/test-connection" {
		t.Fatalf("requests %v", sent)
	}
	if all, _ := c.List(ctx, webhook.ListOptions{All: true}); len(all) != 0 {
		t.Fatalf("test-connection created %+v", all)
	}

	rcv.SetStatus(http.StatusServiceUnavailable)
	msg, err = c.TestConnection(ctx, req)
	if err == nil || webhook.KindOf(err) != webhook.KindError || !strings.Contains(err.Error(), "HTTP 503") || !strings.Contains(msg, "HTTP 503") {
		t.Fatalf("test-connection to a failing endpoint: %q %v", msg, err)
	}

	// The body is a WebhookCreateRequest: checked like create, before sending.
	e.resetRequests()
	bad := req
	bad.Params = nil
	if _, err := c.TestConnection(ctx, bad); webhook.KindOf(err) != webhook.KindUsage || !strings.Contains(err.Error(), "reference") {
		t.Fatalf("test-connection without a reference: %v", err)
	}
	if n := len(e.requests()); n != 0 {
		t.Fatalf("%d requests sent for an invalid body", n)
	}
}

func TestRevokePreviousSecret(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	reg := register(t, c, "https://hooks.example.com/x", "rev")
	if _, err := c.RotateSecret(ctx, reg.ID, webhook.RotateRequest{}); err != nil {
		t.Fatal(err)
	}
	e.resetRequests()
	after, err := c.RevokePreviousSecret(ctx, reg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.requests(); len(r) != 1 || r[0].Method != http.MethodDelete || r[0].Path != "/solvimon/v1/webhooks/"+reg.ID+"/secret-key" {
		t.Fatalf("requests %+v", r)
	}
	// The emulator reads the operation as a roll without overlap: the
	// answer says which secret signs now, and that none other does.
	if after.Secret == "" || after.PreviousSecret != "" {
		t.Fatalf("after removal: secret %q, previous %q", after.Secret, after.PreviousSecret)
	}
	got, _ := c.Get(ctx, reg.ID)
	if got.Secret != after.Secret || got.PreviousSecret != "" {
		t.Fatalf("get after removal: %+v", got)
	}

	// Read the other way (only the previous secret is dropped), the answer
	// keeps the rolled secret as current; the client reports it as is.
	e.wrap = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodDelete {
				next.ServeHTTP(w, r)
				return
			}
			get := httptest.NewRequest(http.MethodGet, strings.TrimSuffix(r.URL.Path, "/secret-key"), nil)
			get.Header = r.Header.Clone()
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, get)
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Errorf("GET answer: %v", err)
			}
			body["previous_secret_key"], body["previous_signing_protocol"] = nil, nil
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(body)
		})
	}
	if _, err := c.RotateSecret(ctx, reg.ID, webhook.RotateRequest{}); err != nil {
		t.Fatal(err)
	}
	cur, _ := c.Get(ctx, reg.ID)
	after, err = c.RevokePreviousSecret(ctx, reg.ID)
	if err != nil || after.Secret != cur.Secret || after.PreviousSecret != "" {
		t.Fatalf("only the previous removed: %+v %v (current %s)", after, err, cur.Secret)
	}

	if _, err := c.RevokePreviousSecret(ctx, "a/b"); webhook.KindOf(err) != webhook.KindUsage {
		t.Fatalf("bad id: %v", err)
	}
}
