package rotation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/sandbox"
	"github.com/hookctl/hookctl/pkg/signature"
)

// crashEnv is an isolated hookctl environment: its own HOME, XDG dirs and
// file credential store, pointed at an in-test sandbox.
type crashEnv struct {
	bin     string
	dir     string
	env     []string
	profile string
	srv     *sandbox.Server
}

func (c *crashEnv) credFile() string {
	return filepath.Join(c.dir, "state", "hookctl", "credentials.json")
}

func (c *crashEnv) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = c.env
	cmd.Dir = c.dir
	return cmd
}

// run runs hookctl to completion and returns stdout.
func (c *crashEnv) run(t *testing.T, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := c.command(ctx, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("hookctl %s: %v\nstderr:\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.Bytes()
}

// providerSecrets reads every Solvimon webhook's current secret_key from the
// sandbox's state.
func providerSecrets(srv *sandbox.Server) (map[string]string, error) {
	raw, err := srv.Box("solvimon").State()
	if err != nil {
		return nil, err
	}
	var st struct {
		Webhooks []struct {
			ID        string `json:"id"`
			SecretKey string `json:"secret_key"`
		} `json:"webhooks"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, w := range st.Webhooks {
		out[w.ID] = w.SecretKey
	}
	return out, nil
}

// checkSecrets compares, for every registration the provider has, the
// stored current secret with the provider's secret_key, and verifies a
// freshly signed delivery with the stored current key alone. It returns one
// line per registration whose secret is lost.
func checkSecrets(ctx context.Context, srv *sandbox.Server, credPath, profile string) ([]string, error) {
	want, err := providerSecrets(srv)
	if err != nil {
		return nil, err
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("the sandbox has no registrations")
	}
	scheme, err := signature.Lookup("solvimon")
	if err != nil {
		return nil, err
	}
	store := credentials.New(credentials.NewFile(credPath), func(string) string { return "" })
	var lost []string
	for id, secret := range want {
		ws, err := store.WebhookSecrets(profile, id)
		if err != nil {
			lost = append(lost, fmt.Sprintf("%s: reading stored secrets: %v", id, err))
			continue
		}
		if ws.Current == nil {
			lost = append(lost, id+": no current secret stored")
			continue
		}
		if ws.Current.Value != secret {
			lost = append(lost, id+": stored current secret differs from the provider's secret_key")
			continue
		}
		d, err := srv.Deliver(ctx, "solvimon", id, "INVOICE.CREATED")
		if err != nil {
			return nil, fmt.Errorf("deliver %s: %w", id, err)
		}
		u, err := url.Parse(d.URL)
		if err != nil {
			return nil, err
		}
		keys := []signature.Key{{Name: "current", Secret: []byte(ws.Current.Value)}}
		res := scheme.Verify(&signature.Request{Method: d.Method, URL: u, Header: d.Header, Body: d.Body}, keys, signature.Options{Now: time.Now()})
		if !res.Valid {
			lost = append(lost, fmt.Sprintf("%s: a fresh delivery does not verify with the stored secret (failed step %q)", id, res.FailedStep))
		}
	}
	return lost, nil
}

// TestRotateCrashLosesNoSecret SIGKILLs `hookctl rotate-secret --all` at
// random points, reruns it to completion after every kill, and checks that
// every registration's stored secret is the one the provider signs with
// (issue 6, "done when" 2).
func TestRotateCrashLosesNoSecret(t *testing.T) {
	if testing.Short() {
		// Still exercises the whole path, with fewer kills.
		t.Log("-short: 2 seeds x 5 kills instead of 5 x 20")
	}
	start := time.Now()
	dir := t.TempDir()
	bin := filepath.Join(dir, "hookctl")
	build := exec.Command("go", "build", "-o", bin, "github.com/hookctl/hookctl")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building hookctl: %v\n%s", err, out)
	}
	t.Logf("built hookctl in %v", time.Since(start).Round(time.Millisecond))

	srv, err := sandbox.Start(sandbox.Options{Latency: 3 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "HOOKCTL_") || strings.HasPrefix(k, "XDG_") || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+dir,
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_STATE_HOME="+filepath.Join(dir, "state"),
		"XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
		"HOOKCTL_CONFIG="+filepath.Join(dir, "config", "hookctl", "config.yaml"),
		"HOOKCTL_STORAGE=file",
		"HOOKCTL_API_KEY=sandbox-api-key",
		"NO_COLOR=1")
	c := &crashEnv{bin: bin, dir: dir, env: env, profile: "crash", srv: srv}
	c.run(t, append([]string{"profile", "add", c.profile}, srv.Box("solvimon").ProfileArgs()...)...)

	const n = 30
	for i := range n {
		c.run(t, "register", "-p", c.profile, "-o", "json", "--url", fmt.Sprintf("https://hooks.example.com/crash/%d", i),
			"--event", "INVOICE.CREATED", "--name", fmt.Sprintf("crash-%d", i), "--reference", fmt.Sprintf("ref-%d", i))
	}
	ctx := context.Background()
	rotate := []string{"rotate-secret", "--all", "--concurrency", "8", "--rate", "0", "-p", c.profile, "-o", "json"}

	// Uncrashed runs set the range of kill delays: the fastest of three.
	typical := time.Duration(1<<63 - 1)
	for range 3 {
		t0 := time.Now()
		c.run(t, rotate...)
		typical = min(typical, time.Since(t0))
	}
	if lost, err := checkSecrets(ctx, srv, c.credFile(), c.profile); err != nil || len(lost) > 0 {
		t.Fatalf("after an uncrashed run: err %v, lost %v", err, lost)
	}

	// Self-test: the check must catch a stored secret that differs from the
	// provider's. Corrupt a copy of the store, never the real one.
	raw, err := os.ReadFile(c.credFile())
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "credentials.json")
	if err := os.WriteFile(bad, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	ids, err := providerSecrets(srv)
	if err != nil {
		t.Fatal(err)
	}
	var victim string
	for id := range ids {
		victim = id
		break
	}
	badStore := credentials.New(credentials.NewFile(bad), func(string) string { return "" })
	if err := badStore.StoreCurrent(c.profile, victim, "0000corrupted0000", 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	if lost, err := checkSecrets(ctx, srv, bad, c.profile); err != nil || len(lost) != 1 || !strings.HasPrefix(lost[0], victim) {
		t.Fatalf("self-test: a corrupted stored secret went undetected: err %v, lost %v", err, lost)
	}

	seeds, perSeed := []int64{1, 2, 3, 4, 5}, 20
	if testing.Short() {
		seeds, perSeed = seeds[:2], 5
	}
	kills, exitedFirst, recovered, midRun, lostTotal := 0, 0, 0, 0, 0
	for _, seed := range seeds {
		rng := rand.New(rand.NewSource(seed))
		// Runs that finish before their kill lands do not count: keep going
		// until perSeed kills have hit a live process, narrowing the delay
		// window after each miss so a slower or faster machine still gets
		// its kills (the window shrinks towards start-up, so this ends).
		window := typical
		for k, landed := 0, 0; landed < perSeed; k++ {
			if k >= 10*perSeed {
				t.Fatalf("seed %d: only %d of %d kills landed in %d attempts", seed, landed, perSeed, k)
			}
			delay := time.Duration(rng.Int63n(int64(window)))
			cmd := c.command(ctx, rotate...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(delay)
			cmd.Process.Signal(syscall.SIGKILL)
			err := cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				kills++
				landed++
			} else if err == nil {
				exitedFirst++ // finished before the kill landed
				window = max(window*3/4, 5*time.Millisecond)
			} else {
				t.Fatalf("seed %d kill %d: the run to be killed failed on its own: %v", seed, k, err)
			}
			out := c.run(t, rotate...)
			var rows []struct {
				ID        string `json:"id"`
				Status    string `json:"status"`
				Recovered bool   `json:"recovered"`
				Error     string `json:"error"`
			}
			if err := json.Unmarshal(out, &rows); err != nil {
				t.Fatalf("seed %d kill %d: rerun output: %v\n%s", seed, k, err, out)
			}
			hit := false
			for _, r := range rows {
				if r.Recovered {
					recovered++
					hit = true
				}
				if r.Status == "failed" {
					t.Errorf("seed %d kill %d: %s failed on the rerun: %s", seed, k, r.ID, r.Error)
				}
			}
			if hit {
				midRun++
			}
			lost, err := checkSecrets(ctx, srv, c.credFile(), c.profile)
			if err != nil {
				t.Fatalf("seed %d kill %d: %v", seed, k, err)
			}
			if len(lost) > 0 {
				lostTotal += len(lost)
				t.Errorf("seed %d kill %d (after %v): %d secrets lost:\n%s", seed, k, delay, len(lost), strings.Join(lost, "\n"))
			}
		}
	}
	t.Logf("registrations %d, seeds %v, SIGKILLs that landed %d (plus %d runs that finished before their kill), "+
		"kills that left open journal entries %d, entries recovered from the journal %d, "+
		"fastest uncrashed run %v, total %v, secrets lost %d",
		n, seeds, kills, exitedFirst, midRun, recovered, typical.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), lostTotal)
}
