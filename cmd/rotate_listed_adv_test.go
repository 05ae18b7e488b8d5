package cmd_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/pkg/credentials"
)

// TestRotateAllPagedStoresEverySecret: `rotate-secret --all` over more
// registrations than one page of PEXA's list (20, newest update first: a
// rotation moves its registration to the front while later pages are
// still being read), in process so -race sees the listing and the
// rotations share the client. Every registration is rotated exactly once
// and the store holds the secret PEXA signs with.
func TestRotateAllPagedStoresEverySecret(t *testing.T) {
	if testing.Short() {
		t.Skip("registers 45 registrations")
	}
	cli := cmd.NewCLI(t, "HOOKCTL_CLIENT_SECRET", "sandbox-secret")
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, _, err := cli.Run(append([]string{"profile", "add", "px"}, srv.Box("pexa").ProfileArgs()...)...); err != nil {
		t.Fatal(err)
	}
	const n = 45
	for i := range n {
		if _, errOut, err := cli.Run("register", "-p", "px", "--url", fmt.Sprintf("https://hooks.example.com/p%02d", i), "--event", "SECRET_EXPIRY", "--event", "WORKSPACE_CLOSED", "-o", "json"); err != nil {
			t.Fatalf("register %d: %v\n%s", i, err, errOut)
		}
	}
	for round := range 2 {
		out, errOut, err := cli.Run("rotate-secret", "-p", "px", "--all", "--rate", "0", "--concurrency", "8", "-o", "json")
		if err != nil {
			t.Fatalf("round %d: %v\n%s\n%s", round, err, out, errOut)
		}
		var rows []struct{ ID, Status string }
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, r := range rows {
			seen[r.ID]++
			if r.Status != "ok" {
				t.Errorf("round %d: %s %s", round, r.ID, r.Status)
			}
		}
		if len(seen) != n || len(rows) != n {
			t.Fatalf("round %d: %d rows for %d ids, want %d once each", round, len(rows), len(seen), n)
		}
		raw, err := srv.Box("pexa").State()
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Registrations []struct {
				ID           string `json:"id"`
				SharedSecret string `json:"shared_secret"`
			} `json:"registrations"`
		}
		if err := json.Unmarshal(raw, &st); err != nil {
			t.Fatal(err)
		}
		store, err := credentials.OpenIn(credentials.StorageFile, filepath.Join(cli.Dir, "state", "hookctl"))
		if err != nil {
			t.Fatal(err)
		}
		bad := 0
		for _, r := range st.Registrations {
			ws, err := store.WebhookSecrets("px", r.ID)
			if err != nil || ws.Current == nil || ws.Current.Value != r.SharedSecret {
				bad++
			}
			if seen[r.ID] != 1 {
				t.Errorf("round %d: %s reported %d times", round, r.ID, seen[r.ID])
			}
		}
		if bad > 0 || len(st.Registrations) != n {
			t.Fatalf("round %d: %d of %d stored secrets are not PEXA's\n%s", round, bad, len(st.Registrations), strings.TrimSpace(errOut))
		}
	}
}
