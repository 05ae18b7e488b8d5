package rotation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/testkit/dbustest"
)

// TestRotateKillAdversarial SIGKILLs rotate-secret at random points while
// it is given duplicate ids, sometimes a broken --exec sink, and sometimes
// loses its journal afterwards (a CI cache that keeps only credentials);
// for Solvimon (provider-chosen secrets) and PwC (client-chosen, pending
// first), over the file store and the real keyring.
//
// After every kill it runs a recovery-only pass (`--redeliver --all`: it
// finishes the journal's open entries and re-delivers stored secrets, and
// never rotates) and then requires, for every registration: the store
// holds the provider's current secret, a fresh delivery verifies with it,
// and the last secret the sink received is that secret. A secret the store
// lacks may only be picked up from the provider ("adopted") after a kill
// that lost the journal; with the journal kept, the journal alone must
// explain and repair everything.
func TestRotateKillAdversarial(t *testing.T) {
	for _, store := range []string{"file", "keyring"} {
		t.Run(store, func(t *testing.T) {
			if store == "keyring" {
				dbustest.Require(t, "dbus-daemon", "gnome-keyring-daemon")
			}
			c := newCLIEnv(t, cliOptions{Latency: 2 * time.Millisecond, Keyring: store == "keyring"})
			for _, prov := range []string{"solvimon", "pwc"} {
				t.Run(prov, func(t *testing.T) { killAdversarial(t, c, prov) })
			}
		})
	}
}

func killAdversarial(t *testing.T, c *cliEnv, prov string) {
	// Unique per run: keyring profiles outlive the test's temp dirs.
	profile := fmt.Sprintf("kill-%s-%d", prov, time.Now().UnixNano())
	c.addProfile(t, profile, prov)
	const n = 6
	var ids []string
	if prov == "solvimon" {
		ids = c.registerSolvimon(t, profile, n)
	} else {
		args := []string{"register", "-p", profile, "-o", "json", "--url", "https://hooks.example.com/kill", "--name", "kill-test"}
		for i := range n {
			args = append(args, "--event", fmt.Sprintf("KillTestEvent%c", 'A'+i))
		}
		ids = registeredIDs(t, c.run(t, args...))
	}
	if len(ids) != n {
		t.Fatalf("registered %d, want %d", len(ids), n)
	}
	sink := filepath.Join(c.dir, profile+".jsonl")
	rotateArgs := func(rng *rand.Rand, broken bool) []string {
		args := []string{"rotate-secret", "-p", profile, "--rate", "0", "--concurrency", "4", "-o", "json"}
		if rng.Intn(2) == 0 {
			args = append(args, "--all")
		} else {
			// Every id twice, shuffled.
			dup := append(append([]string{}, ids...), ids...)
			rng.Shuffle(len(dup), func(i, j int) { dup[i], dup[j] = dup[j], dup[i] })
			args = append(args, dup...)
		}
		if broken {
			return append(args, "--exec", "exit 3")
		}
		return append(args, "--secret-out", sink)
	}
	ctx := context.Background()
	typical := time.Duration(1<<63 - 1)
	rng := rand.New(rand.NewSource(int64(len(prov))))
	for range 2 {
		t0 := time.Now()
		c.run(t, rotateArgs(rng, false)...)
		typical = min(typical, time.Since(t0))
	}

	kills := 15
	if testing.Short() {
		kills = 5
	}
	var landed, finished, brokenRuns, lostJournal, recovered, adopted, lost, undelivered int
	window := typical
	for k := 0; landed < kills; k++ {
		if k >= 10*kills {
			t.Fatalf("only %d of %d kills landed in %d attempts", landed, kills, k)
		}
		broken := rng.Intn(4) == 0
		cmd := c.command(ctx, nil, rotateArgs(rng, broken)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		if k%2 == 0 {
			// Anywhere in the run, start-up included.
			time.Sleep(time.Duration(rng.Int63n(int64(window))))
		} else {
			// Among the rotations: once the sandbox has seen the run's
			// first rotation request (a server-side signal, not a guess
			// at how long start-up takes on this machine), a little later.
			c.waitRotations(prov, c.rotations(prov)+1, exited)
			time.Sleep(time.Duration(rng.Int63n(int64(20 * time.Millisecond))))
		}
		cmd.Process.Kill()
		<-exited
		c.srv.Quiesce()
		if killed(cmd) {
			landed++
		} else {
			finished++
			window = max(window*3/4, 5*time.Millisecond)
		}
		if broken {
			brokenRuns++
		}
		dropJournal := rng.Intn(3) == 0
		if dropJournal {
			lostJournal++
			if err := os.RemoveAll(filepath.Join(c.stateDir(), "journal")); err != nil {
				t.Fatal(err)
			}
		}

		// Recovery only: no rotation may happen here.
		before := c.rotations(prov)
		r := c.exec(t, nil, "rotate-secret", "-p", profile, "--redeliver", "--all", "--secret-out", sink, "-o", "json")
		if r.code != 0 {
			t.Fatalf("kill %d: the recovery pass exited %d\n%s\n%s", k, r.code, r.stdout, r.stderr)
		}
		if got := c.rotations(prov); got != before {
			t.Fatalf("kill %d: the recovery pass sent %d rotations", k, got-before)
		}
		for _, row := range rotateRows(t, r.stdout) {
			if row.Recovered {
				recovered++
			}
		}
		if a := strings.Count(r.stderr, "did not hold as current"); a > 0 {
			adopted += a
			if !dropJournal {
				t.Errorf("kill %d: %d secrets had to be taken from the provider although the journal was kept:\n%s", k, a, r.stderr)
			}
		}
		missing, err := lostSecrets(ctx, c.srv, c.store(), prov, profile)
		if err != nil {
			t.Fatal(err)
		}
		if len(missing) > 0 {
			lost += len(missing)
			t.Errorf("kill %d: %d secrets lost:\n%s", k, len(missing), strings.Join(missing, "\n"))
		}
		undelivered += c.checkSink(t, prov, sink)
	}
	// And the profile goes on working: one full rotation, then all checks.
	c.run(t, rotateArgs(rng, false)...)
	if missing, err := lostSecrets(ctx, c.srv, c.store(), prov, profile); err != nil || len(missing) > 0 {
		t.Errorf("after the last rotation: err %v, lost %v", err, missing)
	}
	undelivered += c.checkSink(t, prov, sink)
	if recovered == 0 {
		t.Errorf("no kill left an open journal entry to recover: the kills never landed mid-rotation")
	}
	t.Logf("%s, %s store: %d SIGKILLs landed (%d runs finished first), %d runs with a failing --exec, %d journals dropped; "+
		"recovery passes finished %d journal entries and adopted %d provider secrets (only after dropped journals); "+
		"secrets lost %d, sink not up to date %d",
		prov, map[bool]string{true: "keyring", false: "file"}[c.keyring], landed, finished, brokenRuns, lostJournal,
		recovered, adopted, lost, undelivered)
}

// waitRotations waits until the sandbox has logged n rotation requests for
// prov, or the process has exited (it may finish or fail first).
func (c *cliEnv) waitRotations(prov string, n int, exited <-chan struct{}) {
	for c.rotations(prov) < n {
		select {
		case <-exited:
			return
		case <-time.After(time.Millisecond):
		}
	}
}

// rotations counts the rotation requests the sandbox received for prov.
func (c *cliEnv) rotations(prov string) int {
	if prov == "pwc" {
		return c.writes("POST", "/update")
	}
	return c.writes("PATCH", "/secret-key")
}

// checkSink reports registrations whose latest secret in the --secret-out
// file is not the provider's current one.
func (c *cliEnv) checkSink(t *testing.T, prov, path string) int {
	t.Helper()
	want, err := providerSecrets(c.srv, prov)
	if err != nil {
		t.Fatal(err)
	}
	last := sinkSecrets(t, path)
	bad := 0
	for id, s := range want {
		if last[id] != s {
			bad++
			t.Errorf("%s: the sink's latest secret is not the provider's current one", id)
		}
	}
	return bad
}

// sinkSecrets reads a --secret-out file: the last secret per id.
func sinkSecrets(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var d struct{ ID, Secret string }
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("--secret-out line %q: %v", line, err)
		}
		last[d.ID] = d.Secret
	}
	return last
}
