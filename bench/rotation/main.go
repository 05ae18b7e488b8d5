// Command rotation benchmarks a bulk rotation as a whole process: 1,000 Solvimon registrations behind an in-process sandbox
// that adds 50 ms to every request, rotated by `hookctl rotate-secret --all
// --concurrency 32 --rate 0`. It prints the wall time beside the floor
// (requests × latency / concurrency) and their ratio, and what storing one
// secret costs. It asserts nothing except that every new secret was stored.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/pkg/credentials"
)

func main() {
	bin := flag.String("bin", "bin", "directory with the hookctl binary")
	n := flag.Int("n", 1000, "registrations")
	conc := flag.Int("concurrency", 32, "rotate-secret --concurrency")
	latency := flag.Duration("latency", 50*time.Millisecond, "sandbox latency per request")
	storage := flag.String("storage", "file", "credential storage: file, or keyring (needs a Secret Service: run under scripts/with-keyring.sh)")
	floorLatency := flag.Duration("floor-latency", 0, "latency the floor is computed with (default: -latency); the 0 ms keyring run is held to the 50 ms floor")
	rounds := flag.Int("rounds", 1, "rotations of every registration in a row (later runs find a fuller store)")
	flag.Parse()
	if *floorLatency == 0 {
		*floorLatency = *latency
	}
	if err := run(filepath.Join(*bin, "hookctl"), *n, *conc, *latency, *floorLatency, *storage, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "bench/rotation:", err)
		os.Exit(1)
	}
}

func run(hookctl string, n, conc int, latency, floorLatency time.Duration, storage string, rounds int) error {
	if storage != credentials.StorageFile && storage != credentials.StorageKeyring {
		return fmt.Errorf("-storage %q: want file or keyring", storage)
	}
	if _, err := os.Stat(hookctl); err != nil {
		return fmt.Errorf("%w (build it first: bench/run.sh does)", err)
	}
	hookctl, _ = filepath.Abs(hookctl)
	tmp, err := os.MkdirTemp("", "hookctl-bench-rotation-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	srv, err := sandbox.Start(sandbox.Options{Latency: latency})
	if err != nil {
		return err
	}
	defer srv.Close()

	t0 := time.Now()
	if err := create(srv.BaseURL+"/solvimon/v1/webhooks", n, 64); err != nil {
		return err
	}
	fmt.Printf("created %d registrations in %v (64 at a time)\n", n, time.Since(t0).Round(time.Millisecond))

	hk := runner(hookctl, isolatedEnv(tmp, storage), tmp)
	if _, err := hk(append([]string{"profile", "add", "bench"}, srv.Box("solvimon").ProfileArgs()...)...); err != nil {
		return err
	}

	fmt.Printf("storage         %s, sandbox latency %v\n", storage, latency)
	var last rotation
	for round := 1; round <= rounds; round++ {
		if last, err = rotateAll(srv, hk, conc); err != nil {
			return err
		}
		if rounds > 1 {
			floor := time.Duration(len(last.reqs)) * floorLatency / time.Duration(conc)
			fmt.Printf("run %d           %v, %.2f× the %v floor (requests × %v / %d), %d rotated ok\n", round,
				last.wall.Round(time.Millisecond), float64(last.wall)/float64(floor), floor.Round(time.Millisecond), floorLatency, conc, last.ok)
		}
	}

	credPath := filepath.Join(tmp, "state", "hookctl", "credentials.json")
	stored, err := checkStored(srv, storage, filepath.Dir(credPath), "bench")
	if err != nil {
		return err
	}
	byKind := last.report(n, stored, floorLatency, conc)
	if stored != n {
		return fmt.Errorf("only %d of %d new secrets are stored", stored, n)
	}
	if storage != credentials.StorageFile {
		return nil // the figure below is about file mode
	}

	// What storing one secret costs at this size: one secret db commit
	// (group commits share them during the run; here they are serial).
	per, err := storeWriteCost(credPath, "bench", 100)
	if err != nil {
		return err
	}
	pages := byKind["GET /v1/webhooks"]
	seqFloor := time.Duration(pages)*latency + time.Duration(len(last.reqs)-pages)*latency/time.Duration(conc)
	fmt.Printf("floor (list pages sequential) %v, ratio %.2f×\n", seqFloor.Round(time.Millisecond), float64(last.wall)/float64(seqFloor))
	fmt.Printf("store write     %v per StoreCurrent into the secret db holding %d registrations' secrets, one at a time;\n"+
		"                network floor per item %v\n",
		per.Round(10*time.Microsecond), n, (2 * latency / time.Duration(conc)).Round(10*time.Microsecond))
	return nil
}

// runner runs hookctl with env in dir, returning its stdout, and its
// stderr in the error.
func runner(hookctl string, env []string, dir string) func(args ...string) ([]byte, error) {
	return func(args ...string) ([]byte, error) {
		c := exec.Command(hookctl, args...)
		c.Env, c.Dir = env, dir
		var errOut bytes.Buffer
		c.Stderr = &errOut
		out, err := c.Output()
		if err != nil {
			return out, fmt.Errorf("hookctl %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
		}
		return out, nil
	}
}

// rotation is one `rotate-secret --all` run: the requests the sandbox
// got, its wall time and the registrations rotated ok.
type rotation struct {
	reqs []sandbox.LoggedRequest
	wall time.Duration
	ok   int
}

func rotateAll(srv *sandbox.Server, hk func(args ...string) ([]byte, error), conc int) (rotation, error) {
	mark := len(srv.Requests())
	start := time.Now()
	out, err := hk("rotate-secret", "--all", "--concurrency", fmt.Sprint(conc), "--rate", "0", "-p", "bench", "-o", "json")
	r := rotation{wall: time.Since(start)}
	if err != nil {
		return r, err
	}
	r.reqs = srv.Requests()[mark:]
	var rows []struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(out, &rows); err != nil {
		return r, fmt.Errorf("rotate-secret output: %w", err)
	}
	for _, row := range rows {
		if row.Status == "ok" {
			r.ok++
		}
	}
	return r, nil
}

// report prints the run's requests by kind, its wall time beside the
// floor, and returns the requests counted by kind.
func (r rotation) report(n, stored int, floorLatency time.Duration, conc int) map[string]int {
	byKind := map[string]int{}
	for _, q := range r.reqs {
		kind := q.Method + " " + shape(q.Path)
		byKind[kind]++
	}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)

	floor := time.Duration(len(r.reqs)) * floorLatency / time.Duration(conc)
	fmt.Printf("registrations   %d (rotated ok %d, secret stored and equal to the provider's %d)\n", n, r.ok, stored)
	fmt.Printf("requests        %d\n", len(r.reqs))
	for _, k := range kinds {
		fmt.Printf("                  %-40s %d\n", k, byKind[k])
	}
	fmt.Printf("wall time       %v\n", r.wall.Round(time.Millisecond))
	fmt.Printf("floor           %v (requests × %v / %d)\n", floor.Round(time.Millisecond), floorLatency, conc)
	fmt.Printf("ratio           %.2f× (aim ≤ 1.25×)\n", float64(r.wall)/float64(floor))
	return byKind
}

// create POSTs n webhooks to the sandbox, par at a time.
func create(url string, n, par int) error {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: par}, Timeout: 30 * time.Second}
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			body := fmt.Sprintf(`{"url":"https://hooks.example.com/bench/%d","name":"bench-%d","reference":"ref-%d"}`, i, i, i)
			req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-API-KEY", "sandbox-api-key")
			resp, err := client.Do(req)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					err = fmt.Errorf("create: %s: %s", resp.Status, b)
				}
			}
			if err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

func isolatedEnv(dir, storage string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "HOOKCTL_") || strings.HasPrefix(k, "XDG_") || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+dir,
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_STATE_HOME="+filepath.Join(dir, "state"),
		"XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
		"HOOKCTL_CONFIG="+filepath.Join(dir, "config", "hookctl", "config.yaml"),
		"HOOKCTL_STORAGE="+storage,
		"HOOKCTL_API_KEY=sandbox-api-key",
		"NO_COLOR=1")
}

// checkStored counts registrations whose stored current secret equals the
// provider's secret_key.
func checkStored(srv *sandbox.Server, storage, stateDir, profile string) (int, error) {
	raw, err := srv.Box("solvimon").State()
	if err != nil {
		return 0, err
	}
	var st struct {
		Webhooks []struct {
			ID        string `json:"id"`
			SecretKey string `json:"secret_key"`
		} `json:"webhooks"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return 0, err
	}
	store, err := credentials.OpenIn(storage, stateDir)
	if err != nil {
		return 0, err
	}
	ok := 0
	for _, w := range st.Webhooks {
		ws, err := store.WebhookSecrets(profile, w.ID)
		if err != nil {
			return ok, err
		}
		if ws.Current != nil && ws.Current.Value == w.SecretKey {
			ok++
		}
	}
	return ok, nil
}

// storeWriteCost times k Store.StoreCurrent calls on a copy of the
// credentials file and secret db the run left.
func storeWriteCost(credPath, profile string, k int) (time.Duration, error) {
	dir, err := os.MkdirTemp(filepath.Dir(credPath), "bench-copy-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	for _, f := range []struct{ from, to string }{
		{credPath, filepath.Join(dir, "credentials.json")},
		{credentials.SecretDBPath(filepath.Dir(credPath)), credentials.SecretDBPath(dir)},
	} {
		b, err := os.ReadFile(f.from)
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(f.to, b, 0o600); err != nil {
			return 0, err
		}
	}
	store, err := credentials.OpenIn(credentials.StorageFile, dir)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	for i := range k {
		if err := store.StoreCurrent(profile, fmt.Sprintf("whk_bench_%d", i%10), fmt.Sprintf("secret-%d", i), 24*time.Hour, time.Now()); err != nil {
			return 0, err
		}
	}
	return time.Since(start) / time.Duration(k), nil
}

// shape replaces ids in a sandbox path so requests group by endpoint.
func shape(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, "whk_") {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}
