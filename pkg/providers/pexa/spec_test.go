package pexa

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hookctl/hookctl/internal/emulator"
	pexaemu "github.com/hookctl/hookctl/internal/emulator/pexa"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// formatPexaTime writes t the way PEXA writes sharedSecretExpiry (the
// client only reads it; the fuzz test round-trips through it).
func formatPexaTime(t time.Time) string { return t.UTC().Format(pexaTimeLayout) }

func providerDeps(region string) provider.Deps {
	return provider.Deps{Profile: config.Profile{Name: "p", Provider: Name, Region: region, Settings: map[string]string{FieldClientID: "id"}}}
}

func TestSpecAndProfile(t *testing.T) {
	s := Spec()
	if s.Name != "pexa" || !slices.Equal(s.Regions, []string{"uk", "au"}) || !slices.Equal(s.Environments, []string{"prod", "test"}) ||
		s.Scheme != "standard-webhooks" || s.SecretOverlap != 24*time.Hour || s.New == nil {
		t.Fatalf("spec %+v", s)
	}
	if _, err := signature.Lookup(s.Scheme); err != nil {
		t.Fatalf("scheme %q unknown to pkg/signature: %v", s.Scheme, err)
	}
	var cache, secret bool
	for _, c := range s.Credentials {
		cache = cache || (c.Name == "token" && c.Cache)
		secret = secret || (c.Name == "client-secret" && !c.Cache && c.Prompt != "")
	}
	if !cache || !secret {
		t.Fatalf("credentials %+v", s.Credentials)
	}
	for _, p := range s.Params {
		if strings.Contains(p.Name, "secret") && !strings.HasSuffix(p.Name, "-file") {
			t.Fatalf("param %s would take a secret from argv", p.Name)
		}
	}

	prof := func(region, env, base, tok string, settings map[string]string) config.Profile {
		p := config.Profile{Name: "p", Provider: Name, Region: region, Environment: env, BaseURL: base, TokenURL: tok, Settings: map[string]string{FieldClientID: "cid"}}
		for k, v := range settings {
			p.Settings[k] = v
		}
		return p
	}
	for _, tc := range []struct {
		name          string
		p             config.Profile
		err           string
		api, tokenURL string
	}{
		{"uk prod", prof("uk", "", "", "", nil), "", "https://api.pexa.co.uk/partner/api/notification", "https://login.pexauk.co.uk/oauth/token"},
		{"au prod", prof("au", "prod", "", "", nil), "", "https://api.pexa.com.au", "https://auth.pexa.com.au/oauth/token"},
		{"au test", prof("au", "test", "", "", nil), "", "https://api-tst.pexalabs.com.au", "https://auth-tst.pexalabs.com.au/oauth/token"},
		{"uk test", prof("uk", "test", "", "", nil), "--base-url and --token-url", "", ""},
		{"uk test with hosts", prof("uk", "test", "https://uk-test.example/", "https://login.example/oauth/token", nil), "", "https://uk-test.example/partner/api/notification", "https://login.example/oauth/token"},
		{"au prefix", prof("au", "", "", "", map[string]string{FieldAPIPrefix: "/notification/"}), "", "https://api.pexa.com.au/notification", "https://auth.pexa.com.au/oauth/token"},
		{"uk no prefix", prof("uk", "", "", "", map[string]string{FieldAPIPrefix: "/"}), "", "https://api.pexa.co.uk", "https://login.pexauk.co.uk/oauth/token"},
		{"bad prefix", prof("au", "", "", "", map[string]string{FieldAPIPrefix: "notification"}), "api-prefix", "", ""},
		{"no region", prof("", "", "", "", nil), "region is required", "", ""},
		{"bad region", prof("nz", "", "", "", nil), "unknown region", "", ""},
		{"bad env", prof("au", "staging", "", "", nil), "unknown region/environment", "", ""},
		{"no client id", config.Profile{Name: "p", Provider: Name, Region: "au"}, "client-id is required", "", ""},
	} {
		err := s.ValidateProfile(tc.p)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		ep, err := resolveEndpoints(tc.p)
		if err != nil || ep.api != tc.api || ep.token != tc.tokenURL {
			t.Errorf("%s: %+v %v", tc.name, ep, err)
		}
	}
	// A profile without hosts fails on use, not on construction: `events` works.
	c, err := New(provider.Deps{Profile: prof("uk", "test", "", "", nil)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Events(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.List(ctx, webhook.ListOptions{}); err == nil || !strings.Contains(err.Error(), "--base-url") {
		t.Fatalf("list without hosts: %v", err)
	}

	// What `sandbox` tells `profile add` makes a valid profile in both regions.
	box := pexaemu.New(emulator.Options{BaseURL: "http://127.0.0.1:8787/pexa/"})
	if err := s.ValidateProfile(profileFromArgs(t, "sb-au", pexaemu.RegionProfileArgs("http://127.0.0.1:8787/pexa", RegionAU))); err != nil {
		t.Fatalf("the AU sandbox profile does not validate: %v", err)
	}
	if err := s.ValidateProfile(profileFromArgs(t, "sb", box.ProfileArgs())); err != nil {
		t.Fatalf("the sandbox profile does not validate: %v", err)
	}
}

// TestEventsMatchPublishedCatalogue keeps auEvents equal to PEXA's guide.
func TestEventsMatchPublishedCatalogue(t *testing.T) {
	var doc struct {
		Mandatory []string `yaml:"mandatory_event_types"`
		Count     int      `yaml:"event_count"`
		Events    []struct {
			Event   string `yaml:"event"`
			Trigger string `yaml:"trigger"`
		} `yaml:"events"`
	}
	if err := yaml.Unmarshal(webhooksYAML, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Events) != doc.Count || len(auEvents) != doc.Count || !slices.Equal(doc.Mandatory, []string{MandatoryEvent}) {
		t.Fatalf("%d events in the guide (says %d), %d in code", len(doc.Events), doc.Count, len(auEvents))
	}
	for i, ev := range doc.Events {
		trigger := strings.Join(strings.Fields(ev.Trigger), " ")
		if trigger == "#N/A" {
			trigger = ""
		}
		if auEvents[i].name != ev.Event || auEvents[i].trigger != trigger {
			t.Fatalf("event %d: code has %+v, guide %q %q", i, auEvents[i], ev.Event, trigger)
		}
	}
	cat := Catalogue(RegionAU)
	if cat[0].Name != MandatoryEvent || !cat[0].Mandatory || cat[0].Description == "" {
		t.Fatalf("AU catalogue starts %+v", cat[0])
	}
	uk := Catalogue(RegionUK)
	if len(uk) != 11 || uk[8].Name != "WORKSPACE_CLOSED" {
		t.Fatalf("UK catalogue %+v", uk)
	}
}

func TestParsePexaTime(t *testing.T) {
	want := time.Date(2025, 3, 13, 4, 12, 51, 574000000, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2025-03-13 04:12:51.574000 +00:00", want, true},
		{"2025-03-13 04:12:51.574 +00:00", want, true},
		{"2025-03-13 04:12:51.574000000 +00:00", want, true},
		{"2025-03-13 04:12:51.5740 +0000", want, true},
		{"2025-03-13 14:12:51.574000 +10:00", want, true},
		{"2025-03-13 04:12:51.574+00:00", want, true},
		{"2025-03-13 04:12:51.574Z", want, true},
		{"2025-03-13 04:12:51.574 UTC", want, true},
		{"2025-03-13 04:12:51.574000", want, true},
		{" 2025-03-13T04:12:51.574Z ", want, true},
		{"2025-03-13T04:12:51.574+00:00", want, true},
		{"2024-02-28T06:12:42Z", time.Date(2024, 2, 28, 6, 12, 42, 0, time.UTC), true},
		{"2024-02-28T16:12:42+10:00", time.Date(2024, 2, 28, 6, 12, 42, 0, time.UTC), true},
		{"2025-03-13 04:12:51 +00:00", time.Date(2025, 3, 13, 4, 12, 51, 0, time.UTC), true},
		{"2025-03-13", time.Time{}, false},
		{"13/03/2025 04:12:51", time.Time{}, false},
		{"2025-03-13 04:12:51.574 AEST", time.Time{}, false},
		{"2025-02-30 04:12:51 +00:00", time.Time{}, false},
		{"", time.Time{}, false},
	} {
		got, err := ParsePexaTime(tc.in)
		if (err == nil) != tc.ok || (tc.ok && (!got.Equal(tc.want) || got.Location() != time.UTC)) {
			t.Errorf("ParsePexaTime(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	if got := formatPexaTime(want); got != "2025-03-13 04:12:51.574000 +00:00" {
		t.Fatalf("formatPexaTime %q", got)
	}
}

func FuzzParsePexaTime(f *testing.F) {
	for _, s := range []string{"2025-03-13 04:12:51.574000 +00:00", "2024-02-28T06:12:42Z", "2025-03-13 04:12:51.5 -09:30", "2025-03-13 04:12:51 UTC", "2025-03-13T04:12:51"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParsePexaTime(s)
		if err != nil {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("%q parsed to non-UTC %v", s, got)
		}
		// Whatever was accepted survives PEXA's own format at microseconds.
		back, err := ParsePexaTime(formatPexaTime(got))
		if err != nil || !back.Equal(got.Truncate(time.Microsecond)) {
			t.Fatalf("%q → %v → %q → %v, %v", s, got, formatPexaTime(got), back, err)
		}
	})
}
