package solvimon

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	solvimonemu "github.com/hookctl/hookctl/internal/emulator/solvimon"
	"github.com/hookctl/hookctl/internal/testkit/spectest"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

func TestSpecAndProfile(t *testing.T) {
	s := Spec()
	if s.Name != "solvimon" || !slices.Equal(s.Environments, []string{"test", "live"}) || s.Scheme != "solvimon" || s.SecretOverlap != 24*time.Hour {
		t.Fatalf("spec %+v", s)
	}
	var creds []string
	for _, c := range s.Credentials {
		creds = append(creds, fmt.Sprintf("%s:%v", c.Name, c.Optional))
	}
	if !slices.Equal(creds, []string{"api-key:false", "token:true"}) {
		t.Fatalf("credentials %v", creds)
	}
	var params []string
	for _, p := range s.Params {
		params = append(params, p.Name)
	}
	if !slices.Equal(params, []string{"reference", "auth-type", "username", "api-header-field", "endpoint-secret-file", "include-previous-data", "excluded-actions", "signing-protocol"}) {
		t.Fatalf("params %v", params)
	}
	for _, tt := range []struct {
		p  config.Profile
		ok bool
	}{
		{config.Profile{Environment: "test"}, true},
		{config.Profile{Environment: "live", Settings: map[string]string{"platform-id": "p1"}}, true},
		{config.Profile{Environment: "prod"}, false},
		{config.Profile{Environment: "test", Settings: map[string]string{"platform-id": "p 1"}}, false},
	} {
		if err := s.ValidateProfile(tt.p); (err == nil) != tt.ok {
			t.Errorf("ValidateProfile(%+v) = %v", tt.p, err)
		} else if err != nil && webhook.KindOf(err) != webhook.KindUsage {
			t.Errorf("ValidateProfile error kind %v", webhook.KindOf(err))
		}
	}
	p, err := s.New(provider.Deps{Profile: config.Profile{Name: "x"}})
	if err != nil || p.Name() != "solvimon" || p.(*Client).base != TestBaseURL {
		t.Fatalf("default client %v %v", p, err)
	}
	if _, err := s.New(provider.Deps{Profile: config.Profile{Name: "x", Environment: "staging"}}); webhook.KindOf(err) != webhook.KindUsage {
		t.Fatalf("unknown environment: %v", err)
	}
}

// The built-in catalogue is the guide's, resource × action, and the
// emulator serves every action of it.
func TestEventsMatchPublishedCatalogue(t *testing.T) {
	raw := spectest.SolvimonGuide
	var doc struct {
		Generated string   `yaml:"generated"`
		Actions   []string `yaml:"actions"`
		Resources []string `yaml:"resources"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range doc.Resources {
		for _, a := range doc.Actions {
			want = append(want, r+"."+a)
			if !slices.Contains(solvimonemu.Actions(), r+"."+a) {
				t.Errorf("the sandbox does not serve %s.%s", r, a)
			}
		}
	}
	cat := builtInCatalogue()
	for _, e := range cat.Events {
		if e.Description == "" || e.Mandatory {
			t.Errorf("event %+v", e)
		}
	}
	if !slices.Equal(cat.Names(), want) {
		t.Fatalf("catalogue differs from the captured guide:\n got %v\nwant %v", cat.Names(), want)
	}
	if !strings.Contains(cat.About, "captured "+doc.Generated) {
		t.Fatalf("catalogue date %q, the capture's %s", cat.About, doc.Generated)
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2026, 3, 1, 12, 30, 45, 0, time.UTC)
	for in, w := range map[string]time.Time{
		"2026-03-01T12:30:45Z":          want,
		"2026-03-01T12:30:45.123Z":      want.Add(123 * time.Millisecond),
		"2026-03-01T13:30:45+01:00":     want,
		"2026-03-01T13:30:45.5+0100":    want.Add(500 * time.Millisecond),
		"2026-03-01T12:30:45":           want,
		"2026-03-01T12:30:45.000000001": want.Add(1),
		" 2026-03-01T12:30:45Z ":        want,
		"2026-03-01":                    time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
	} {
		got, err := parseTime(in)
		if err != nil || !got.Equal(w) || got.Location() != time.UTC {
			t.Errorf("parseTime(%q) = %v, %v; want %v UTC", in, got, err, w)
		}
	}
	for _, bad := range []string{"", "yesterday", "2026-13-01T00:00:00Z", "1700000000"} {
		if _, err := parseTime(bad); err == nil {
			t.Errorf("parseTime(%q) accepted", bad)
		}
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-03-01T12:30:45Z", "2026-03-01T12:30:45.123+01:00", "2026-03-01T12:30:45", "2026-03-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseTime(s)
		if err != nil {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("%q parsed into %v", s, got.Location())
		}
		// Seconds-precision RFC 3339 UTC, as Solvimon documents its
		// timestamps, reads back unchanged.
		again, err := parseTime(got.Format(time.RFC3339))
		if err != nil || !again.Equal(got.Truncate(time.Second)) {
			t.Fatalf("%q: round trip %v -> %v, %v", s, got, again, err)
		}
	})
}

// createExample is the request of the example on Solvimon's "Create a
// web hook" page (testdata/README.md says where it comes from).
//
//go:embed testdata/create-example.json
var createExample []byte

// TestPublishedCreateExample: the create request hookctl sends for the
// published example's inputs is the example, field by field, and the
// example read as the Webhook it describes decodes into the registration
// it means. The example sends both credential pairs and no
// authentication_type, so it is played once per pair.
//
// Fields the example has and hookctl does not send, each for a reason:
// email is not in the OpenAPI schema (its purpose is undocumented;
// docs/providers/solvimon.md 2.4); previous_signing_protocol and secret_rolled_at
// describe a webhook whose secret was rolled, not an input of a new one;
// and hookctl sends only the credential pair its --auth-type uses.
// hookctl adds authentication_type, which the schema has and the
// example leaves out.
func TestPublishedCreateExample(t *testing.T) {
	var example map[string]any
	if err := json.Unmarshal(createExample, &example); err != nil {
		t.Fatal(err)
	}
	str := func(k string) string { return example[k].(string) }
	for _, tc := range []struct {
		authType, secret string
		params           map[string]string
		notSent          []string
	}{
		{AuthAPIKey, str("api_key"), map[string]string{ParamAPIHeaderField: str("api_header_field")},
			[]string{"email", "password", "previous_signing_protocol", "secret_rolled_at", "username"}},
		{AuthPassword, str("password"), map[string]string{ParamUsername: str("username")},
			[]string{"api_header_field", "api_key", "email", "previous_signing_protocol", "secret_rolled_at"}},
	} {
		t.Run(tc.authType, func(t *testing.T) {
			e := newEnv(t)
			c := e.client()
			params := map[string]string{
				ParamReference:           str("reference"),
				ParamAuthType:            tc.authType,
				ParamEndpointSecretFile:  writeFile(t, tc.secret+"\n"),
				ParamIncludePreviousData: "true",
				ParamExcludedActions:     "INVOICE.PAID",
				ParamSigningProtocol:     str("signing_protocol"),
			}
			maps.Copy(params, tc.params)
			regs, err := c.Register(ctx, webhook.CreateRequest{URL: str("url"), Name: str("name"), Events: []string{"INVOICE.STATUS_TO_FINAL"}, Params: params})
			if err != nil {
				t.Fatal(err)
			}
			reqs := e.requests()
			if len(reqs) != 1 || reqs[0].Method != http.MethodPost {
				t.Fatalf("requests %+v", reqs)
			}
			var sent map[string]any
			if err := json.Unmarshal(reqs[0].Body, &sent); err != nil {
				t.Fatal(err)
			}
			for k, v := range sent {
				if k == "authentication_type" {
					if v != tc.authType {
						t.Errorf("authentication_type %v, want %s", v, tc.authType)
					}
					continue
				}
				if want, ok := example[k]; !ok || !reflect.DeepEqual(v, want) {
					t.Errorf("%s: sent %#v, the example has %#v", k, v, want)
				}
			}
			var missing []string
			for k := range example {
				if _, ok := sent[k]; !ok {
					missing = append(missing, k)
				}
			}
			slices.Sort(missing)
			if !slices.Equal(missing, tc.notSent) {
				t.Errorf("left out %v, want %v", missing, tc.notSent)
			}
			r := regs[0]
			if r.Name != "Invoice finalised" || r.URL != "https://webhook.site" || !slices.Equal(r.Events, []string{"INVOICE.STATUS_TO_FINAL"}) || !r.Active ||
				r.Extra["reference"] != "invoice_finalised" || r.Extra["authentication_type"] != tc.authType || r.Extra["signing_protocol"] != "HmacSHA256" ||
				r.Extra["include_previous_data"] != true || !slices.Equal(r.Extra["excluded_actions"].([]string), []string{"INVOICE.PAID"}) {
				t.Errorf("registered %+v", r)
			}
		})
	}

	// Solvimon publishes no response example (the OpenAPI document has
	// none; the page's is a type placeholder, "string" in every field), so
	// the example is read as the Webhook it describes.
	var w wireWebhook
	if err := json.Unmarshal(createExample, &w); err != nil {
		t.Fatal(err)
	}
	w.ID = "whk_example"
	r := (&Client{profile: config.Profile{Name: "p"}}).registration(&w)
	rolled := time.Date(2024, 4, 12, 15, 22, 37, 0, time.UTC)
	if r.ID != "whk_example" || r.Name != "Invoice finalised" || r.URL != "https://webhook.site" || !slices.Equal(r.Events, []string{"INVOICE.STATUS_TO_FINAL"}) ||
		r.SecretRotatedAt == nil || !r.SecretRotatedAt.Equal(rolled) ||
		r.Extra["signing_protocol"] != "HmacSHA256" || r.Extra["previous_signing_protocol"] != "HmacSHA256" ||
		r.Extra["username"] != "banking_as_a_service@solvimon.com" || r.Extra["api_header_field"] != "X-API-KEY" || r.Extra["include_previous_data"] != true {
		t.Errorf("the example decodes into %+v", r)
	}
	for k, v := range r.Extra {
		if s, _ := v.(string); s == "super_secure" || s == str("api_key") || k == "email" {
			t.Errorf("extra %s = %v: an endpoint secret or an unknown field", k, v)
		}
	}
	if got := manifestParams(r)[ParamSigningProtocol]; got != "HmacSHA256" {
		t.Errorf("manifest reads signing-protocol %q", got)
	}
}
