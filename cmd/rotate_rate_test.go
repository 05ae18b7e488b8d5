package cmd_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/signature"
)

// TestRotate429StormKeepsRate: a 429 storm from the sandbox slows bulk
// rotation down but loses nothing, and the requests hookctl sends never
// exceed --rate.
func TestRotate429StormKeepsRate(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a few seconds of rate-limited traffic")
	}
	t.Parallel()
	cli := cmd.NewCLI(t, "HOOKCTL_API_KEY", "sandbox-api-key")
	dir := cli.Dir
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, _, err := cli.Run(append([]string{"profile", "add", "r1"}, srv.Box("solvimon").ProfileArgs()...)...); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := 0; i < 8; i++ {
		ref := "rate-" + string(rune('a'+i))
		out, _, err := cli.Run("register", "-p", "r1", "--url", "https://hooks.example.com/"+ref, "--event", "INVOICE.CREATED", "--name", ref, "--reference", ref, "--jq", ".[0].id")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, strings.TrimSpace(out))
	}
	fault := `{"provider":"solvimon","method":"PATCH","status":429,"retry_after":1,"count":5}`
	req, _ := http.NewRequest(http.MethodPut, srv.BaseURL+"/_sandbox/faults", strings.NewReader(fault))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	start := time.Now()
	const rate = 10
	out, errOut, err := cli.Run("rotate-secret", "-p", "r1", "--all", "--rate", "10", "--concurrency", "8", "-o", "json")
	if err != nil {
		t.Fatalf("rotate-secret: %v\n%s%s", err, out, errOut)
	}
	if strings.Count(out, `"status": "ok"`) != len(ids) {
		t.Fatalf("not every rotation ok:\n%s", out)
	}
	var times []time.Time
	storms := 0
	for _, r := range srv.Requests() {
		if r.At.Before(start.UTC().Add(-time.Millisecond)) {
			continue
		}
		times = append(times, r.At)
		if r.Status == http.StatusTooManyRequests {
			storms++
		}
	}
	if storms != 5 {
		t.Fatalf("the storm hit %d requests, want 5", storms)
	}
	// Burst 1 at rate 10/s: any one-second window holds at most 10 sends,
	// plus one for the burst and one for response-time jitter in the log.
	for i := range times {
		n := 0
		for _, u := range times[i:] {
			if u.Sub(times[i]) < time.Second {
				n++
			}
		}
		if n > rate+2 {
			t.Fatalf("%d requests within one second from %s: exceeds --rate %d", n, times[i], rate)
		}
	}
	// Nothing lost: every stored current secret verifies a fresh delivery.
	store, err := credentials.OpenIn(credentials.StorageFile, filepath.Join(dir, "state", "hookctl"))
	if err != nil {
		t.Fatal(err)
	}
	scheme, _ := signature.Lookup("solvimon")
	for _, id := range ids {
		ws, err := store.WebhookSecrets("r1", id)
		if err != nil || ws.Current == nil {
			t.Fatalf("%s: no stored secret (%v)", id, err)
		}
		d, err := srv.Deliver(context.Background(), "solvimon", id, "INVOICE.CREATED")
		if err != nil {
			t.Fatal(err)
		}
		hr, _ := http.NewRequest(d.Method, d.URL, bytes.NewReader(d.Body))
		body, _ := io.ReadAll(hr.Body)
		res := scheme.Verify(&signature.Request{Method: d.Method, URL: hr.URL, Header: d.Header, Body: body},
			[]signature.Key{{Name: "current", Secret: []byte(ws.Current.Value)}}, signature.Options{Now: time.Now()})
		if !res.Valid {
			t.Errorf("%s: a fresh delivery does not verify with the stored secret: %+v", id, res.Steps)
		}
	}
}
