package bulkrun

import (
	"context"
	"os"
	"strings"
	"testing"
)

// The --exec command gets the secret on stdin and the registration in
// HOOKCTL_ID, but none of hookctl's own login credentials from the env:
// neither the unscoped ones nor any profile's own.
func TestExecSinkEnvironment(t *testing.T) {
	dir := t.TempDir()
	s := NewExecSink(`cat > "$OUT/secret"; env > "$OUT/env"`, nil)
	s.Environ = func() []string {
		return []string{"OUT=" + dir, "HOOKCTL_API_KEY=login-key", "HOOKCTL_RSA_KEY=pem", "HOOKCTL_PROFILE=stale", "HOOKCTL_STORAGE=file",
			"HOOKCTL_BILLING_LIVE_API_KEY=scoped-key", "HOOKCTL_P_SIGNING_KEY=scoped-pem", "HOOKCTL_NAMES_UK_1_CLIENT_SECRET=scoped-secret", "PATH=" + os.Getenv("PATH")}
	}
	if err := s.Deliver(context.Background(), Delivery{ID: "whk_1", Provider: "solvimon", Profile: "p", Secret: "new-secret"}); err != nil {
		t.Fatal(err)
	}
	secret, _ := os.ReadFile(dir + "/secret")
	env, _ := os.ReadFile(dir + "/env")
	if string(secret) != "new-secret" {
		t.Errorf("stdin: %q", secret)
	}
	for _, want := range []string{"HOOKCTL_ID=whk_1\n", "HOOKCTL_PROFILE=p\n", "HOOKCTL_STORAGE=file\n"} {
		if !strings.Contains(string(env), want) {
			t.Errorf("env lacks %q:\n%s", want, env)
		}
	}
	for _, leak := range []string{"login-key", "HOOKCTL_RSA_KEY", "new-secret", "stale", "scoped-key", "scoped-pem", "scoped-secret", "_API_KEY"} {
		if strings.Contains(string(env), leak) {
			t.Errorf("env holds %q:\n%s", leak, env)
		}
	}
}
