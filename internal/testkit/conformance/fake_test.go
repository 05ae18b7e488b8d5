package conformance_test

// A fifth provider that exists for tests only: its client
// (internal/testkit/fakeprovider) and its emulator
// (internal/testkit/fakeemulator), each written on its own as a real pair
// would be. Its registry lines, fakeprovider.Spec and fakeemulator.Entry,
// are all a provider needs to run the suite.

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/testkit/conformance"
	"github.com/hookctl/hookctl/internal/testkit/fakeemulator"
	"github.com/hookctl/hookctl/internal/testkit/fakeprovider"
)

// TestFakeConforms: a provider made of its registry lines and its two
// packages passes the suite.
func TestFakeConforms(t *testing.T) {
	conformance.Run(t, conformance.Harness{Spec: fakeprovider.Spec(), Entry: fakeemulator.Entry()})
}

// TestSuiteCatchesBrokenFakes: the suite fails the fake broken in each
// way, saying why; so its checks are not ones that always pass.
func TestSuiteCatchesBrokenFakes(t *testing.T) {
	if os.Getenv(fakeprovider.BreakEnv) != "" {
		t.Skip("inside a broken run")
	}
	for how, want := range map[string]string{
		"first-page-only":       "List: 2 registrations",
		"no-paging":             "OnPage saw 1 pages, want 3",
		"ignores-limit":         "List Limit 1: 5 registrations",
		"no-usage-check":        "requests reached the provider before the refusal",
		"auth-as-error":         "List with a wrong HOOKCTL_API_KEY: error of kind error, want not_authenticated",
		"not-found-as-error":    "Get after Delete: error of kind error, want not_found",
		"delete-noop":           "Get after Delete: no error, want not_found",
		"stale-secret":          "does not verify with what the client handed out",
		"update-drops-events":   "want them kept",
		"registration-provider": `provider "other", want "fake"`,
		"registration-profile":  `profile "", want the client's profile "conformance"`,
		"eager-credentials":     "fake: New: ",
		"overlap-mismatch":      "RotationPolicy overlap 1h0m0s, the spec declares 0s",
		"undeclared-capability": "the client is a webhook.Tester, but neither the registry nor Spec.Capabilities declares it",
		"missing-capability":    "SecretRotator is declared by Demo.Rotate",
		"extra-env":             "Demo.Env sets HOOKCTL_PASSWORD, which is no login credential of fake",
	} {
		t.Run(how, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestFakeConforms$", "-test.count=1")
			cmd.Env = append(os.Environ(), fakeprovider.BreakEnv+"="+how)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed the fake broken by %s:\n%s", how, out)
			}
			if !strings.Contains(string(out), want) {
				t.Errorf("the fake broken by %s failed, but not with %q:\n%s", how, want, out)
			}
		})
	}
}
