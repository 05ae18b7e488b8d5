package cmd

import (
	"slices"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/providers"
)

// The env variables that override credentials are exactly the login
// credentials the provider specs declare: a new provider's credential
// gets its HOOKCTL_* variable, and none is left over from an old one.
func TestCredentialEnvNamesMatchSpecs(t *testing.T) {
	var want []string
	for _, cs := range loginCredentialsByProvider() {
		for _, c := range cs {
			if !slices.Contains(want, c.Name) {
				want = append(want, c.Name)
			}
		}
	}
	slices.Sort(want)
	if got := credentials.EnvNames(); !slices.Equal(got, want) {
		t.Fatalf("credentials.envNames = %v, the specs' login credentials are %v", got, want)
	}
}

// The help pages list every provider and every credential variable from
// the specs.
func TestHelpTopicsDerivedFromSpecs(t *testing.T) {
	env, creds := credentialEnvHelp(), credentialsByProviderHelp()
	for _, n := range credentials.EnvNames() {
		if !strings.Contains(env, credentials.EnvVar(n)+" ") {
			t.Errorf("help environment lacks %s:\n%s", credentials.EnvVar(n), env)
		}
	}
	for _, name := range providers.Names() {
		if !strings.Contains(creds, "  "+name+" ") || !strings.Contains(env, name+": ") {
			t.Errorf("help pages lack provider %s", name)
		}
	}
	if got := strings.Join(tokenProviders(), ","); got != "pexa,offblocks,pwc" {
		t.Errorf("token providers %q", got)
	}
}
