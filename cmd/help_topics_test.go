package cmd

import (
	"slices"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/spf13/cobra"
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
	// help credentials names the providers whose spec caches a token.
	var tokens []string
	for _, spec := range providers.All() {
		if slices.ContainsFunc(spec.Credentials, func(c provider.Credential) bool { return c.Cache && c.Name == "token" }) {
			tokens = append(tokens, spec.Name)
		}
	}
	i := slices.IndexFunc(helpTopics, func(h helpTopic) bool { return h.name == "credentials" })
	if want := "Access tokens (" + strings.Join(tokens, ", ") + ")"; len(tokens) == 0 || i < 0 || !strings.Contains(newHelpTopic(helpTopics[i]).Long, want) {
		t.Errorf("help credentials does not say %q", want)
	}
}

// Every command's help (and so its man page and reference page) has an
// EXAMPLES section, and no example uses an id no
// provider issues (wh_123).
func TestEveryCommandHasExamples(t *testing.T) {
	io, _, _, _ := output.Test()
	root := NewCmdRoot(NewFactory(io, func(string) string { return "" }, "test"))
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" || c.Parent() != nil && c.Parent().Name() == "completion" || (c.Runnable() == false && !c.HasSubCommands()) {
			return
		}
		n++
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s has no Example", c.CommandPath())
		}
		if strings.Contains(c.Example, "wh_123") {
			t.Errorf("%s: example id wh_123 is no provider's format", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if n < 40 {
		t.Fatalf("walked only %d commands", n)
	}
}
