package pexa

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
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

// specNode is the node of the official document at keys (a path's
// name is one key), or a fatal error naming where it stopped.
func specNode(t *testing.T, keys ...string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(specYAML, &v); err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		m, ok := v.(map[string]any)
		if !ok || m[k] == nil {
			t.Fatalf("the document has no %s", strings.Join(keys[:i+1], " > "))
		}
		v = m[k]
	}
	return v
}

// namedExamples turns an OpenAPI examples map into JSON, by name.
func namedExamples(t *testing.T, exs any) map[string][]byte {
	t.Helper()
	m, ok := exs.(map[string]any)
	if !ok || len(m) == 0 {
		t.Fatalf("no examples in %v", exs)
	}
	out := map[string][]byte{}
	for name, ex := range m {
		val, ok := ex.(map[string]any)["value"]
		if !ok {
			t.Fatalf("example %s has no value", name)
		}
		b, err := json.Marshal(val)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = b
	}
	return out
}

// specExamples returns the named examples of one response of one operation
// in the official document, as JSON.
func specExamples(t *testing.T, method, path, status string) map[string][]byte {
	t.Helper()
	return namedExamples(t, specNode(t, "paths", path, method, "responses", status, "content", "application/json", "examples"))
}

// requestExamples returns the named request-body examples of an operation.
func requestExamples(t *testing.T, method, path string) map[string][]byte {
	t.Helper()
	return namedExamples(t, specNode(t, "paths", path, method, "requestBody", "content", "application/json", "examples"))
}

// schemaExample assembles an object from the per-property examples of a
// component schema, the only examples PEXA gives for its v1 bodies;
// properties without one are left out.
func schemaExample(t *testing.T, schema string) map[string]any {
	t.Helper()
	props, ok := specNode(t, "components", "schemas", schema, "properties").(map[string]any)
	if !ok {
		t.Fatalf("schema %s has no properties", schema)
	}
	out := map[string]any{}
	for name, p := range props {
		if ex, ok := p.(map[string]any)["example"]; ok {
			out[name] = ex
		}
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

// exampleID is the registrationId of PEXA's v1 examples (and of the UK
// seed): not a UUID, which the client must take as it stands.
const exampleID = "a12sd23sf4f5f6f9"

// sameFields compares a body the client sent with PEXA's example, field
// by field: every field of the example with its value, and nothing else.
func sameFields(t *testing.T, what string, sent []byte, want map[string]any) {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal(sent, &got); err != nil {
		t.Fatalf("%s: the client sent %q: %v", what, sent, err)
	}
	// Through JSON, so the example's YAML values compare as JSON values.
	b, _ := json.Marshal(want)
	want = nil
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || !reflect.DeepEqual(g, w) {
			t.Errorf("%s: field %s is %v, PEXA's example has %v", what, k, g, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: the client sends %s=%v, which PEXA's example lacks", what, k, g)
		}
	}
}

// lastAPIRequest is the env's last request other than the token's.
func lastAPIRequest(t *testing.T, e *env) seenRequest {
	t.Helper()
	reqs := e.apiRequests()
	if len(reqs) == 0 {
		t.Fatal("no API request was sent")
	}
	return reqs[len(reqs)-1]
}

// TestGoldenCreateV1 registers with the inputs of PEXA's v1 create
// examples and answers the example response: the body sent is the
// example request, and the registration read from the example answer
// carries every value of it. The v1 bodies have per-property examples
// only; the request's eventTypes has none, so the events are those of the
// v3 create examples (the DTO's one-event example would break PEXA's own
// SECRET_EXPIRY rule).
func TestGoldenCreateV1(t *testing.T) {
	req := schemaExample(t, "CreateNotificationRegistrationRequest")
	answer := schemaExample(t, "NotificationRegistrationCreateDto")
	if answer["registrationId"] != exampleID || answer["sharedSecretExpiry"] != "2025-03-13 04:12:51.574000 +00:00" {
		t.Fatalf("the document's create example changed: %v", answer)
	}
	events := []string{MandatoryEvent, "CHECKLIST_CHECKED"}
	req["eventTypes"] = events
	body, err := json.Marshal(answer)
	if err != nil {
		t.Fatal(err)
	}
	e := newRawEnv(t)
	answerAPI(e, http.StatusOK, body)
	c, _ := e.client(inRegion(RegionAU))
	regs, err := c.Register(ctx, webhook.CreateRequest{URL: req["webhookURI"].(string), Events: events})
	if err != nil {
		t.Fatalf("Register on PEXA's example answer: %v", err)
	}
	sent := lastAPIRequest(t, e)
	if sent.Method != http.MethodPost || sent.Path != "/pexa/au/v1/notification-registrations" {
		t.Fatalf("create went to %s %s", sent.Method, sent.Path)
	}
	sameFields(t, "v1 create", sent.Body, req)

	if len(regs) != 1 {
		t.Fatalf("%d registrations from one answer", len(regs))
	}
	r := regs[0]
	expiry := time.Date(2025, 3, 13, 4, 12, 51, 0, time.UTC) // whole seconds (Registration.Normalize)
	if r.ID != exampleID || r.URL != answer["webhookURI"] || !slices.Equal(r.Events, []string{"CHECKLIST_CHECKED"}) ||
		r.Secret != answer["sharedSecret"] || r.SecretExpiresAt == nil || !r.SecretExpiresAt.Equal(expiry) {
		t.Fatalf("read %+v (expiry %v) from PEXA's example %s", r, r.SecretExpiresAt, body)
	}
	// The example's expiry is long past on the test clock (2026).
	if r.Status != StatusSecretExpired {
		t.Errorf("status %q for a secret that expired in 2025", r.Status)
	}
	for k, want := range map[string]any{"subscriber_id": answer["subscriberId"], "notification_type": answer["notificationType"],
		"integrator_id": answer["integratorId"], "integrator_type": answer["integratorType"]} {
		if r.Extra[k] != want {
			t.Errorf("extra.%s = %v, PEXA's example has %v", k, r.Extra[k], want)
		}
	}
}

// TestGoldenCreateV3 does the same with each named v3 create example:
// the flags that express its request make exactly that body, and the
// matching example answer reads back with its auth settings.
func TestGoldenCreateV3(t *testing.T) {
	answers := specExamples(t, "post", "/v3/notification-registrations", "200")
	answerFor := map[string]string{ // request example -> response example
		"hmacOnly":               "createRegistrationWithHMAC",
		"hmacOauthPrivateKeyJwt": "createRegistrationWithHMACOAUTH",
		"hmacOauthClientSecret":  "createRegistrationWithHMACOAUTHClientSecret",
	}
	reqs := requestExamples(t, "post", "/v3/notification-registrations")
	if len(reqs) != len(answerFor) {
		t.Fatalf("the document has %d v3 request examples, the test knows %d", len(reqs), len(answerFor))
	}
	for name, raw := range reqs {
		t.Run(name, func(t *testing.T) {
			var ex struct {
				EventTypes []string `json:"eventTypes"`
				Attributes struct {
					WebhookURI         string          `json:"webhookURI"`
					AuthenticationMode string          `json:"authenticationMode"`
					AuthConfig         *wireAuthConfig `json:"authConfig"`
				} `json:"attributes"`
			}
			if err := json.Unmarshal(raw, &ex); err != nil {
				t.Fatal(err)
			}
			params := map[string]string{ParamAuthMode: ex.Attributes.AuthenticationMode}
			if a := ex.Attributes.AuthConfig; a != nil {
				for k, v := range map[string]string{ParamAuthURL: a.AuthURL, ParamAuthClientID: a.ClientID, ParamAuthClientAuthMethod: a.ClientAuthMethod,
					ParamAuthAudience: a.Audience, ParamAuthScope: a.Scope} {
					if v != "" {
						params[k] = v
					}
				}
				if a.ClientSecret != "" {
					params[ParamAuthClientSecretFile] = writeSecretFile(t, a.ClientSecret+"\n")
				}
			}
			answer := answers[answerFor[name]]
			if answer == nil {
				t.Fatalf("no response example %s", answerFor[name])
			}
			e := newRawEnv(t)
			answerAPI(e, http.StatusOK, answer)
			c, _ := e.client(inRegion(RegionAU))
			regs, err := c.Register(ctx, webhook.CreateRequest{URL: ex.Attributes.WebhookURI, Events: ex.EventTypes, Params: params})
			if err != nil {
				t.Fatalf("Register with the flags of PEXA's example: %v", err)
			}
			sent := lastAPIRequest(t, e)
			if sent.Path != "/pexa/au/v3/notification-registrations" {
				t.Fatalf("create went to %s", sent.Path)
			}
			var want map[string]any
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			sameFields(t, "v3 create", sent.Body, want) // attributes and authConfig compare whole

			var wa struct {
				RegistrationID, WebhookURI, SharedSecret, AuthenticationMode string
				EventTypes                                                   []string
				AuthConfig                                                   map[string]any
			}
			if err := json.Unmarshal(answer, &wa); err != nil {
				t.Fatal(err)
			}
			r := regs[0]
			if r.ID != wa.RegistrationID || r.URL != wa.WebhookURI || !slices.Equal(r.Events, wa.EventTypes) || r.Secret != wa.SharedSecret ||
				r.Extra["authentication_mode"] != wa.AuthenticationMode || r.SecretExpiresAt == nil {
				t.Fatalf("read %+v from PEXA's example %s", r, answer)
			}
			ac, _ := r.Extra["auth_config"].(map[string]any)
			if (wa.AuthConfig == nil) != (ac == nil) {
				t.Fatalf("auth_config %v from PEXA's %v", ac, wa.AuthConfig)
			}
			for k, ours := range map[string]string{"authUrl": "auth_url", "clientId": "client_id", "clientAuthMethod": "client_auth_method", "audience": "audience", "scope": "scope"} {
				if v, ok := wa.AuthConfig[k]; ok && ac[ours] != v {
					t.Errorf("auth_config.%s = %v, PEXA's example has %v", ours, ac[ours], v)
				}
			}
		})
	}
}

// TestGoldenRotationAnswer rotates the example registration and answers
// PEXA's NotificationSecretRotationDto example: the POST names the id as
// given and carries no body, and the new secret and its RFC 3339 expiry
// are read from the example.
func TestGoldenRotationAnswer(t *testing.T) {
	answer := schemaExample(t, "NotificationSecretRotationDto")
	body, err := json.Marshal(answer)
	if err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{RegionUK, RegionAU} {
		t.Run(region, func(t *testing.T) {
			e := newRawEnv(t)
			answerAPI(e, http.StatusOK, body)
			c, _ := e.client(inRegion(region))
			rot, err := c.RotateSecret(ctx, exampleID, webhook.RotateRequest{})
			if err != nil {
				t.Fatalf("RotateSecret on PEXA's example answer: %v", err)
			}
			sent := lastAPIRequest(t, e)
			if sent.Method != http.MethodPost || !strings.HasSuffix(sent.Path, "/v1/notification-registrations/"+exampleID+"/secret-rotation") || len(sent.Body) != 0 {
				t.Fatalf("rotation sent %s %s %q", sent.Method, sent.Path, sent.Body)
			}
			expiry := time.Date(2024, 2, 28, 6, 12, 42, 0, time.UTC) // "2024-02-28T06:12:42Z"
			if rot.NewSecret != answer["sharedSecret"] || rot.Registration.ID != exampleID || rot.Registration.Secret != rot.NewSecret ||
				rot.NewSecretExpiresAt == nil || !rot.NewSecretExpiresAt.Equal(expiry) {
				t.Fatalf("rotation %+v (expiry %v) from PEXA's example %s", rot, rot.NewSecretExpiresAt, body)
			}
		})
	}
}
