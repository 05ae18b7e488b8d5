package pexa

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// Golden fixtures: the examples PEXA publishes in its own OpenAPI document,
// answered to the client as they stand. Rules that the client and the
// emulator share (both written by us) cannot catch a shared mistake; PEXA's
// examples can (e.g. sharedSecretExpiry is "2025-03-13 04:12:51.574000
// +00:00", not RFC 3339).

// specExamples returns the named examples of one response of one operation
// in the official document, as JSON.
func specExamples(t *testing.T, method, path, status string) map[string][]byte {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(specYAML, &doc); err != nil {
		t.Fatal(err)
	}
	dig := func(v any, keys ...string) any {
		for _, k := range keys {
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("the document has no %s in %v", k, keys)
			}
			v = m[k]
		}
		return v
	}
	exs, ok := dig(doc, "paths", path, method, "responses", status, "content", "application/json", "examples").(map[string]any)
	if !ok || len(exs) == 0 {
		t.Fatalf("no examples for %s %s %s", method, path, status)
	}
	out := map[string][]byte{}
	for name, ex := range exs {
		b, err := json.Marshal(dig(ex, "value"))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = b
	}
	return out
}

// answerAPI makes the env answer every API request (not the token) with
// status and body.
func answerAPI(e *env, status int, body []byte) {
	e.setWrap(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/oauth/token") {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write(body)
		})
	})
}

func TestGoldenRegistrationExamples(t *testing.T) {
	for name, body := range specExamples(t, "get", "/v2/notification-registrations", "200") {
		t.Run(name, func(t *testing.T) {
			var page struct {
				Records []struct {
					RegistrationID     string   `json:"registrationId"`
					WebhookURI         string   `json:"webhookURI"`
					EventTypes         []string `json:"eventTypes"`
					SharedSecret       string   `json:"sharedSecret"`
					SharedSecretExpiry string   `json:"sharedSecretExpiry"`
				} `json:"records"`
			}
			if err := json.Unmarshal(body, &page); err != nil || len(page.Records) == 0 {
				t.Fatalf("example: %v", err)
			}
			want := page.Records[0]
			e := newRawEnv(t)
			answerAPI(e, http.StatusOK, body)
			c, _ := e.client(inRegion(RegionAU))
			got, err := c.Get(context.Background(), want.RegistrationID)
			if err != nil {
				t.Fatalf("Get on PEXA's own example: %v", err)
			}
			// The example's "2025-03-13 04:12:51.574000 +00:00"; registrations carry whole
			// seconds (Registration.Normalize).
			expiry := time.Date(2025, 3, 13, 4, 12, 51, 0, time.UTC)
			if got.ID != want.RegistrationID || got.URL != want.WebhookURI || !slices.Equal(got.Events, want.EventTypes) ||
				got.Secret != want.SharedSecret || got.SecretExpiresAt == nil || !got.SecretExpiresAt.Equal(expiry) {
				t.Fatalf("read %+v (expiry %v) from PEXA's example %s", got, got.SecretExpiresAt, body)
			}
			list, err := c.List(context.Background(), webhook.ListOptions{})
			if err != nil || len(list) != 1 || list[0].ID != want.RegistrationID {
				t.Fatalf("List on PEXA's example: %v %+v", err, list)
			}
		})
	}
}

func TestGoldenErrorExamples(t *testing.T) {
	for name, body := range specExamples(t, "post", "/v1/notification-registrations", "400") {
		t.Run(name, func(t *testing.T) {
			var ex struct {
				Errors []struct{ Code, Message string } `json:"errors"`
			}
			if err := json.Unmarshal(body, &ex); err != nil || len(ex.Errors) == 0 {
				t.Fatalf("example: %v", err)
			}
			e := newRawEnv(t)
			answerAPI(e, http.StatusBadRequest, body)
			c, _ := e.client(inRegion(RegionAU))
			_, err := c.Register(context.Background(), webhook.CreateRequest{URL: "https://hooks.example.com/golden", Events: []string{"SECRET_EXPIRY", "CHECKLIST_CHECKED"}})
			if err == nil {
				t.Fatal("PEXA's 400 example read as success")
			}
			msg := err.Error()
			for _, want := range []string{ex.Errors[0].Code, ex.Errors[0].Message, "HTTP 400"} {
				if !strings.Contains(msg, want) {
					t.Errorf("the error for PEXA's example lacks %q: %s", want, msg)
				}
			}
		})
	}
}

// TestGoldenEmulatorMatchesExamples: what the emulator answers for a
// registration has every field PEXA's own example has, and the expiry in
// the example's layout, so the emulator cannot drift into a shape only our
// client understands.
func TestGoldenEmulatorMatchesExamples(t *testing.T) {
	e := newEnv(t)
	c, _ := e.client(inRegion(RegionAU))
	reg := mustRegister(t, c, receiverURL("/golden"), "SECRET_EXPIRY", "CHECKLIST_CHECKED")
	var page struct {
		Records []map[string]any `json:"records"`
	}
	if err := c.do(context.Background(), opRead, http.MethodGet, regPath("v2", ""), url.Values{"registrationId": {reg.ID}}, nil, &page); err != nil || len(page.Records) != 1 {
		t.Fatalf("emulator read: %v %+v", err, page)
	}
	got := page.Records[0]
	layout := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} \+00:00$`)
	for name, body := range specExamples(t, "get", "/v2/notification-registrations", "200") {
		var ex struct {
			Records []map[string]any `json:"records"`
		}
		if err := json.Unmarshal(body, &ex); err != nil {
			t.Fatal(err)
		}
		for key := range ex.Records[0] {
			switch key {
			case "authConfig": // only registrations with OAuth have it
				continue
			case "integratorId", "integratorType": // optional: integrator (broker) accounts only
				continue
			}
			if _, ok := got[key]; !ok {
				t.Errorf("%s: PEXA's example has %q, the emulator's answer does not: %v", name, key, got)
			}
		}
		if s, _ := ex.Records[0]["sharedSecretExpiry"].(string); !layout.MatchString(s) {
			t.Fatalf("the layout check does not fit PEXA's own example %q", s)
		}
	}
	if s, _ := got["sharedSecretExpiry"].(string); !layout.MatchString(s) {
		t.Errorf("the emulator's sharedSecretExpiry %q is not in PEXA's layout (2025-03-13 04:12:51.574000 +00:00)", s)
	}
}
