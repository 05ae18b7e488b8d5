package offblocks

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Quirks SetQuirks takes: each makes the emulator behave as an account
// whose undocumented details differ from hookctl's inferences (the Wire
// fields of the same meaning).
const (
	// QuirkVerificationKeyPath serves the verification key at another
	// path; the default one then answers 404.
	QuirkVerificationKeyPath = "verification-key-path"
	// QuirkRequiredComponents are components (comma-separated) every
	// request signature must cover besides the emulator's own minimum.
	QuirkRequiredComponents = "required-components"
	// QuirkDigestAlgorithm is the only Content-Digest algorithm accepted.
	QuirkDigestAlgorithm = "digest-algorithm"
)

var quirkNames = []string{QuirkVerificationKeyPath, QuirkRequiredComponents, QuirkDigestAlgorithm}

// SetQuirks implements emulator.Quirker. An empty map restores the wire
// details the emulator was built with by New (its inferences).
func (s *Sandbox) SetQuirks(q map[string]string) error {
	w := Wire{}.withDefaults()
	for _, k := range slices.Sorted(maps.Keys(q)) {
		v := q[k]
		switch k {
		case QuirkVerificationKeyPath:
			if !strings.HasPrefix(v, "/v1/") || slices.Contains([]string{tokenPath, signingPath, webhooksPath}, v) {
				return fmt.Errorf("offblocks quirk %s: %q must be a free path under /v1/", k, v)
			}
			w.VerificationKeyPath = v
		case QuirkRequiredComponents:
			for _, c := range strings.Split(v, ",") {
				if c = strings.TrimSpace(strings.ToLower(c)); c != "" {
					w.RequiredComponents = append(w.RequiredComponents, c)
				}
			}
		case QuirkDigestAlgorithm:
			if v != "sha-256" && v != "sha-512" {
				return fmt.Errorf("offblocks quirk %s: %q is not sha-256 or sha-512", k, v)
			}
			w.DigestAlgorithm = v
		default:
			return fmt.Errorf("offblocks has no quirk %q (it has %v)", k, quirkNames)
		}
	}
	s.quirkMu.Lock()
	defer s.quirkMu.Unlock()
	s.wire = w
	s.mux = s.routes()
	return nil
}
