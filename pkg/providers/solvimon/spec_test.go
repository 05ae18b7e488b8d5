package solvimon

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	solvimonemu "github.com/hookctl/hookctl/internal/emulator/solvimon"
	"github.com/hookctl/hookctl/internal/spectest"
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
