package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	for _, ok := range []string{"a", "billing", "uk.prod", "pexa-uk_2", "0", strings.Repeat("a", 63)} {
		if err := ValidName(ok); err != nil {
			t.Errorf("ValidName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", ".hidden", "-x", "_x", "a/b", `a\b`, "two words", "Prod", "ü", "a\nb", strings.Repeat("a", 64)} {
		err := ValidName(bad)
		if err == nil || !strings.Contains(err.Error(), NameRule) {
			t.Errorf("ValidName(%q) = %v, want the rule", bad, err)
		}
	}
	if err := ValidName("Prod"); err == nil || !strings.Contains(err.Error(), `"prod"`) {
		t.Errorf("ValidName(Prod) does not suggest prod: %v", err)
	}
}

// TestSaveLoadKeepsNames: a name with dots survives a save and a load
// (viper's default key delimiter is the dot).
func TestSaveLoadKeepsNames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	c := &Config{Path: path, CurrentProfile: "uk.prod", Profiles: map[string]Profile{
		"uk.prod": {Provider: "pexa", Region: "uk", Settings: map[string]string{"client-id": "abc"}},
		"a.b.c":   {Provider: "solvimon"},
	}}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if names := strings.Join(got.Names(), ","); names != "a.b.c,uk.prod" {
		t.Fatalf("names after load: %s", names)
	}
	p, err := got.Resolve("")
	if err != nil || p.Name != "uk.prod" || p.Setting("client-id") != "abc" || p.Region != "uk" {
		t.Fatalf("current profile after load: %+v %v", p, err)
	}
}
