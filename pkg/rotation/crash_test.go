package rotation_test

import (
	"context"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/credentials"
)

// TestRotateCrashLosesNoSecret SIGKILLs `hookctl rotate-secret --all` at
// random points and after every kill runs a recovery-only pass (--redeliver:
// it finishes the journal's open entries and never rotates). The journal
// alone must then account for every interrupted rotation: each
// registration's stored secret is the one the provider signs with, and
// none had to be taken from the provider. Rerunning the rotation instead
// would hide a broken journal, since it rotates whatever was not
// recovered.
func TestRotateCrashLosesNoSecret(t *testing.T) {
	if testing.Short() {
		// Still exercises the whole path, with fewer kills.
		t.Log("-short: 2 seeds x 5 kills instead of 2 x 10")
	}
	start := time.Now()
	c := newCLIEnv(t, cliOptions{Latency: 3 * time.Millisecond})
	srv := c.srv
	const profile = "crash"
	c.addProfile(t, profile, "solvimon")

	const n = 30
	c.registerSolvimon(t, profile, n)
	ctx := context.Background()
	rotate := []string{"rotate-secret", "--all", "--concurrency", "8", "--rate", "0", "-p", profile, "-o", "json"}
	sink := filepath.Join(c.dir, "sink.jsonl")

	// Uncrashed runs set the range of kill delays: the fastest of three.
	typical := time.Duration(1<<63 - 1)
	for range 3 {
		t0 := time.Now()
		c.run(t, rotate...)
		typical = min(typical, time.Since(t0))
	}
	if lost, err := lostSecrets(ctx, srv, c.store(), "solvimon", profile); err != nil || len(lost) > 0 {
		t.Fatalf("after an uncrashed run: err %v, lost %v", err, lost)
	}

	// Self-test: the check must catch a stored secret that differs from the
	// provider's. Corrupt a copy of the store, never the real one.
	bad := t.TempDir()
	for _, name := range []string{"credentials.json", "secrets.db"} {
		raw, err := os.ReadFile(filepath.Join(c.stateDir(), name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bad, name), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := providerSecrets(srv, "solvimon")
	if err != nil {
		t.Fatal(err)
	}
	var victim string
	for id := range ids {
		victim = id
		break
	}
	badStore, err := credentials.OpenIn(credentials.StorageFile, bad)
	if err != nil {
		t.Fatal(err)
	}
	if err := badStore.StoreCurrent(profile, victim, "0000corrupted0000", 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	if lost, err := lostSecrets(ctx, srv, badStore, "solvimon", profile); err != nil || len(lost) != 1 || !strings.HasPrefix(lost[0], victim) {
		t.Fatalf("self-test: a corrupted stored secret went undetected: err %v, lost %v", err, lost)
	}

	seeds, perSeed := []int64{1, 2}, 10
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
			cmd := c.command(ctx, nil, rotate...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(delay)
			cmd.Process.Signal(syscall.SIGKILL)
			err := cmd.Wait()
			if killed(cmd) {
				kills++
				landed++
			} else if err == nil {
				exitedFirst++ // finished before the kill landed
				window = max(window*3/4, 5*time.Millisecond)
			} else {
				t.Fatalf("seed %d kill %d: the run to be killed failed on its own: %v", seed, k, err)
			}
			// Recovery only: the journal must explain and repair every
			// interrupted rotation, with no new rotation and no secret
			// taken from the provider by adoption.
			srv.Quiesce()
			sent := c.writes("PATCH", "/secret-key")
			r := c.exec(t, nil, "rotate-secret", "-p", profile, "--redeliver", "--all", "--secret-out", sink, "-o", "json")
			if r.code != 0 {
				t.Fatalf("seed %d kill %d: the recovery pass exited %d\n%s\n%s", seed, k, r.code, r.stdout, r.stderr)
			}
			if now := c.writes("PATCH", "/secret-key"); now != sent {
				t.Fatalf("seed %d kill %d: the recovery pass rotated %d secrets", seed, k, now-sent)
			}
			if strings.Contains(r.stderr, "did not hold as current") {
				t.Errorf("seed %d kill %d: the journal did not account for a rotation; its secret was taken from the provider:\n%s", seed, k, r.stderr)
			}
			hit := false
			for _, row := range rotateRows(t, r.stdout) {
				if row.Recovered {
					recovered++
					hit = true
				}
				// skipped: the kill came before the provider call.
				if row.Status != "ok" && !(row.Recovered && row.Status == "skipped") {
					t.Errorf("seed %d kill %d: %s: %s on the recovery pass: %s", seed, k, row.ID, row.Status, row.Error)
				}
			}
			if hit {
				midRun++
			}
			lost, err := lostSecrets(ctx, srv, c.store(), "solvimon", profile)
			if err != nil {
				t.Fatalf("seed %d kill %d: %v", seed, k, err)
			}
			if len(lost) > 0 {
				lostTotal += len(lost)
				t.Errorf("seed %d kill %d (after %v): %d secrets lost:\n%s", seed, k, delay, len(lost), strings.Join(lost, "\n"))
			}
		}
	}
	if midRun == 0 || recovered == 0 {
		t.Errorf("no kill left an open journal entry (%d, %d): the kills never landed mid-rotation", midRun, recovered)
	}
	t.Logf("registrations %d, seeds %v, SIGKILLs that landed %d (plus %d runs that finished before their kill), "+
		"kills that left open journal entries %d, entries recovered from the journal %d, "+
		"fastest uncrashed run %v, total %v, secrets lost %d",
		n, seeds, kills, exitedFirst, midRun, recovered, typical.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), lostTotal)
}
