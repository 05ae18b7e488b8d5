package cmd

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/pkg/bulkrun"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// TestAccountLock: two profiles on one provider account share a rotation
// lock, so their runs cannot rotate the same registrations at once and
// leave one of them with a secret the provider no longer signs with.
// Another account (other credentials) is not held up.
func TestAccountLock(t *testing.T) {
	t.Parallel()
	cli := NewCLI(t, "HOOKCTL_API_KEY", "sandbox-api-key")
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, p := range []string{"billing", "billing-ci"} {
		cli.OK(append([]string{"profile", "add", p}, srv.Box("solvimon").ProfileArgs()...)...)
	}
	id := strings.TrimSpace(cli.OK("register", "-p", "billing", "--url", "https://hooks.example.com/a", "--event", "INVOICE.CREATED",
		"--name", "a", "--reference", "a-1", "-o", "json", "--jq", ".[0].id"))

	key := func(profile string, env ...string) string {
		c := &CLI{t: t, Dir: cli.Dir, Env: map[string]string{}}
		for k, v := range cli.Env {
			c.Env[k] = v
		}
		for i := 0; i+1 < len(env); i += 2 {
			c.Env[env[i]] = env[i+1]
		}
		ios, _, _, _ := output.Test()
		f := NewFactory(ios, c.Getenv, "test")
		cfg, err := f.Config()
		if err != nil {
			t.Fatal(err)
		}
		p, err := cfg.Resolve(profile)
		if err != nil {
			t.Fatal(err)
		}
		return accountKey(f, p)
	}
	one, two := key("billing"), key("billing-ci")
	if one == "" || one != two {
		t.Fatalf("two profiles on one account: keys %q and %q", one, two)
	}
	if other := key("billing-ci", "HOOKCTL_API_KEY", "another-key"); other == one || other == "" {
		t.Fatalf("other credentials, same key %q", other)
	}
	if strings.Contains(one, "sandbox-api-key") {
		t.Fatal("the key holds the credential")
	}

	ios, _, _, _ := output.Test()
	state, err := NewFactory(ios, cli.Getenv, "test").StateDir()
	if err != nil {
		t.Fatal(err)
	}
	held, err := bulkrun.AcquireAccountLock(state, one)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = cli.Run("rotate-secret", "-p", "billing-ci", id)
	if err == nil || !strings.Contains(err.Error(), "same provider account under another profile") || webhook.KindOf(err) != webhook.KindError {
		t.Fatalf("rotate while the account is held: %v", err)
	}
	held.Release()
	cli.OK("rotate-secret", "-p", "billing-ci", id)
}
