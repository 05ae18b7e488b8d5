package cmd_test

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/internal/sandbox"
)

// TestCompleteIDsFromCache: `hookctl __complete get ""` (what bash calls on
// TAB) lists the ids the last `list` saw, from the local cache, without a
// network call.
func TestCompleteIDsFromCache(t *testing.T) {
	t.Parallel()
	cli := cmd.NewCLI(t, "HOOKCTL_API_KEY", "sandbox-api-key")
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli.Run(append([]string{"profile", "add", "c1"}, srv.Box("solvimon").ProfileArgs()...)...); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ref := range []string{"a1", "b2"} {
		out, _, err := cli.Run("register", "-p", "c1", "--url", "https://hooks.example.com/"+ref, "--event", "INVOICE.CREATED", "--name", ref, "--reference", ref, "--jq", ".[0].id")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, strings.TrimSpace(out))
	}
	// Before any list there is no cache: nothing to offer.
	out, _, err := cli.Run("__complete", "get", "-p", "c1", "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, ids[0]) {
		t.Fatalf("completion offered ids before any list: %q", out)
	}
	if _, _, err := cli.Run("list", "-p", "c1"); err != nil {
		t.Fatal(err)
	}
	// The sandbox is gone: completion must come from the cache alone.
	srv.Close()
	out, _, err = cli.Run("__complete", "get", "-p", "c1", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if !strings.Contains(out, id+"\n") {
			t.Errorf("completion lacks %s: %q", id, out)
		}
	}
	if !strings.Contains(out, ":4") {
		t.Errorf("completion directive is not NoFileComp (:4): %q", out)
	}
	// The same ids for every command that takes one, as an argument or
	// as --id.
	for _, args := range [][]string{{"verify", "-p", "c1", ""}, {"verify", "-p", "c1", "--id", ""}, {"rotate-secret", "-p", "c1", ""}, {"delete", "-p", "c1", ""}} {
		out, _, err := cli.Run(append([]string{"__complete"}, args...)...)
		if err != nil || !strings.Contains(out, ids[0]+"\n") {
			t.Errorf("__complete %v: %q %v", args, out, err)
		}
	}
}

// TestCompleteEventsAndProfiles: -p completes profile names, and
// rotate-secret --event the provider's event names.
func TestCompleteEventsAndProfiles(t *testing.T) {
	t.Parallel()
	cli := cmd.NewCLI(t, "HOOKCTL_API_KEY", "sandbox-api-key")
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cli.OK(append([]string{"profile", "add", "billing"}, srv.Box("solvimon").ProfileArgs()...)...)
	if out := cli.OK("__complete", "list", "-p", "bil"); !strings.Contains(out, "billing\n") {
		t.Errorf("-p completion: %q", out)
	}
	if out := cli.OK("__complete", "rotate-secret", "-p", "billing", "--event", "INVOICE.C"); !strings.Contains(out, "INVOICE.CREATED") {
		t.Errorf("--event completion: %q", out)
	}
}
