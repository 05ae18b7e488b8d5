package offblocks

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestQuirks: each quirk changes what the emulator expects, an unknown
// or bad one is refused, and an empty set restores the inferences.
func TestQuirks(t *testing.T) {
	e := newEnv(t)
	c := e.ready()
	set := func(q map[string]string) {
		t.Helper()
		if err := e.box.SetQuirks(q); err != nil {
			t.Fatal(err)
		}
	}

	set(map[string]string{QuirkVerificationKeyPath: "/v1/verification-key"})
	if s, m := c.do(http.MethodGet, "/v1/verification-key", nil); s != http.StatusOK || !strings.Contains(m, `"key"`) {
		t.Errorf("moved key: %d %s", s, m)
	}
	if s, m := c.do(http.MethodGet, verificationKeyPath, nil); s != http.StatusNotFound {
		t.Errorf("moved key, the inferred path: %d %s, want 404", s, m)
	}

	set(map[string]string{QuirkDigestAlgorithm: "sha-256"})
	b, _ := json.Marshal(map[string]any{"callbackUrl": "https://hooks.example.com/q", "types": []string{"card.updated"}})
	if s, m := c.do(http.MethodPut, webhooksPath, b); s != http.StatusBadRequest || !strings.Contains(m, "sha-256") {
		t.Errorf("sha-512 digest where sha-256 is required: %d %s, want 400 naming sha-256", s, m)
	}

	set(map[string]string{QuirkRequiredComponents: "@path"})
	if s, m := c.do(http.MethodGet, webhooksPath, nil); s < 400 || s > 499 || !strings.Contains(m, "@path") {
		t.Errorf("a signature without @path where it is required: %d %s, want a 4xx naming @path", s, m)
	}

	for _, bad := range []map[string]string{{"no-such": "x"}, {QuirkDigestAlgorithm: "md5"}, {QuirkVerificationKeyPath: webhooksPath}} {
		if err := e.box.SetQuirks(bad); err == nil {
			t.Errorf("SetQuirks(%v) accepted", bad)
		}
	}
	set(nil)
	if s, m := c.do(http.MethodGet, verificationKeyPath, nil); s != http.StatusOK {
		t.Errorf("after clearing the quirks, the inferred key path: %d %s", s, m)
	}
	if s, m := c.do(http.MethodPut, webhooksPath, b); s != http.StatusOK {
		t.Errorf("after clearing the quirks, a sha-512 write: %d %s", s, m)
	}
}
