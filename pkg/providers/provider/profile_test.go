package provider

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/webhook"
)

func TestSpecNewProfile(t *testing.T) {
	spec := Spec{
		Name: "acme", Regions: []string{"uk", "au"}, Environments: []string{"test", "live"},
		Fields: []Field{
			{Name: "client-id", Required: true, Validate: func(s string) error {
				if strings.Contains(s, " ") {
					return errors.New("no spaces")
				}
				return nil
			}},
			{Name: "scopes", Normalize: func(s string) string { return strings.ReplaceAll(s, ",", " ") }},
			StrictEventsField(),
		},
		ValidateProfile: func(p config.Profile) error {
			if p.Region == "au" && p.Environment == "test" {
				return errors.New("au has no test environment")
			}
			return nil
		},
	}
	p, err := spec.NewProfile(ProfileInput{Name: "a", Region: "uk", BaseURL: "http://127.0.0.1:1//",
		Settings: map[string]string{"client-id": "id1", "scopes": "a,b", "strict-events": "false"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"client-id": "id1", "scopes": "a b", "strict-events": "false"}
	if p.Name != "a" || p.Provider != "acme" || p.Region != "uk" || p.Environment != "test" || p.BaseURL != "http://127.0.0.1:1" || !maps.Equal(p.Settings, want) {
		t.Errorf("profile %+v; want acme/uk/test at http://127.0.0.1:1 with %v", p, want)
	}
	for _, tc := range []struct {
		in   ProfileInput
		want string
	}{
		{ProfileInput{Settings: map[string]string{"client-id": "x"}}, "--region is required for acme (uk, au)"},
		{ProfileInput{Region: "us", Settings: map[string]string{"client-id": "x"}}, `unknown region "us" for acme (uk, au)`},
		{ProfileInput{Region: "uk", Environment: "prod", Settings: map[string]string{"client-id": "x"}}, `unknown environment "prod" for acme (test, live)`},
		{ProfileInput{Region: "uk", Settings: map[string]string{"client-id": ""}}, "--client-id is required for acme"},
		{ProfileInput{Region: "uk", Settings: map[string]string{"client-id": "a b"}}, "--client-id: no spaces"},
		{ProfileInput{Region: "uk", Settings: map[string]string{"client-id": "x", "key-id": "k"}}, "--key-id is not used by acme"},
		{ProfileInput{Region: "au", Settings: map[string]string{"client-id": "x"}}, "au has no test environment"},
	} {
		_, err := spec.NewProfile(tc.in)
		if err == nil || err.Error() != tc.want || webhook.KindOf(err) != webhook.KindUsage {
			t.Errorf("%+v: %v; want the usage error %q", tc.in, err, tc.want)
		}
	}
	noRegions := Spec{Name: "flat"}
	if _, err := noRegions.NewProfile(ProfileInput{Region: "uk"}); err == nil || err.Error() != "--region is not used by flat" {
		t.Errorf("a region for a provider without regions: %v", err)
	}
}
