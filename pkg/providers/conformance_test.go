package providers_test

import (
	"slices"
	"testing"

	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/internal/testkit/conformance"
	"github.com/hookctl/hookctl/pkg/providers"
)

// ---------------------------------------------------------------------
// NOT IN THE REGISTRIES YET. What the conformance suite cannot derive from
// provider.Spec or emulator.Entry, per provider. Each column is a field
// one of them could grow (see conformance.Extra); once it does, its column
// goes, and a new provider needs its registry lines only.
//
//   - PageSize: registrations per page of the client's list (0: the
//     provider answers one list). PEXA's v2 GET allows limit ≤ 20,
//     Solvimon's list defaults to 50.
//   - Capabilities: capabilities nothing in the registry lines implies.
//   - CredentialsQuirk: an emulator quirk under which the login fails for
//     a wire detail the CredentialsProber finds (the OffBlocks client
//     sends a sha-256 Content-Digest; under the quirk the emulator takes
//     sha-512 only).
//   - PwC's Reconciler: the client had Reconcile without declaring
//     `var _ webhook.Reconciler`; the suite found it (now declared).
//
// ---------------------------------------------------------------------
var notInRegistries = map[string]conformance.Extra{
	"pexa": {
		PageSize:     20,
		Capabilities: []string{"RequestChecker", "SampleDeliverer"},
	},
	"solvimon": {
		PageSize: 50,
		Capabilities: []string{"RequestChecker", "Tester", "PenaltyBox", "ConnectionTester", "PreviousSecretRevoker",
			"DeliveryResender", "SampleDeliverer"},
	},
	"offblocks": {
		Capabilities:     []string{"RequestChecker", "KeyRemover", "VerificationKeySource", "CredentialsProber"},
		CredentialsQuirk: map[string]string{"digest-algorithm": "sha-512"},
	},
	"pwc": {
		Capabilities: []string{"EventLister", "RequestChecker", "RotationChecker", "CurrentSecretProver", "Reconciler", "SampleDeliverer"},
	},
}

// TestConformance runs the provider conformance suite for every provider
// against its emulator: each provider in the registry has an emulator in
// the sandbox's, and the other way round.
func TestConformance(t *testing.T) {
	entries := sandbox.Entries()
	var matched []string
	for _, spec := range providers.All() {
		i := slices.IndexFunc(entries, func(e emulator.Entry) bool { return e.Name == spec.Name })
		if i < 0 {
			t.Errorf("provider %s has no emulator in sandbox.Entries()", spec.Name)
			continue
		}
		extra, ok := notInRegistries[spec.Name]
		if !ok {
			t.Errorf("provider %s has no row in notInRegistries", spec.Name)
		}
		matched = append(matched, spec.Name)
		t.Run(spec.Name, func(t *testing.T) {
			t.Parallel()
			conformance.Run(t, conformance.Harness{Spec: spec, Entry: entries[i], Extra: extra})
		})
	}
	for _, e := range entries {
		if !slices.Contains(matched, e.Name) {
			t.Errorf("emulator %s serves no provider in providers.All()", e.Name)
		}
	}
	for name := range notInRegistries {
		if !slices.Contains(matched, name) {
			t.Errorf("notInRegistries has a row for %s, which is no provider", name)
		}
	}
}
