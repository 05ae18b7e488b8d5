package rotation_test

import (
	"context"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRotateCrashWhileListingPages: like TestRotateCrashLosesNoSecret, over
// more registrations than one page of Solvimon's list (3 pages of 50), so
// SIGKILLs land while the rotations of the first page run and later pages
// are still being read. After each kill a recovery-only pass must account
// for every interrupted rotation from the journal alone.
func TestRotateCrashWhileListingPages(t *testing.T) {
	if testing.Short() {
		t.Skip("registers 120 registrations")
	}
	c := newCLIEnv(t, cliOptions{Latency: 3 * time.Millisecond})
	const profile = "paged"
	c.addProfile(t, profile, "solvimon")
	c.registerSolvimon(t, profile, 120)
	ctx := context.Background()
	rotate := []string{"rotate-secret", "--all", "--concurrency", "8", "--rate", "0", "-p", profile, "-o", "json"}
	sink := filepath.Join(c.dir, "sink.jsonl")
	c.run(t, rotate...)
	rng := rand.New(rand.NewSource(7))
	landed, recovered := 0, 0
	for k := 0; landed < 4; k++ {
		if k >= 40 {
			t.Fatalf("only %d kills landed in %d attempts", landed, k)
		}
		cmd := c.command(ctx, nil, rotate...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		c.waitRotations("solvimon", c.rotations("solvimon")+1+rng.Intn(60), exited)
		cmd.Process.Kill()
		<-exited
		c.srv.Quiesce()
		if killed(cmd) {
			landed++
		}
		sent := c.rotations("solvimon")
		r := c.exec(t, nil, "rotate-secret", "-p", profile, "--redeliver", "--all", "--secret-out", sink, "-o", "json")
		if r.code != 0 {
			t.Fatalf("kill %d: the recovery pass exited %d\n%s\n%s", k, r.code, r.stdout, r.stderr)
		}
		if now := c.rotations("solvimon"); now != sent {
			t.Fatalf("kill %d: the recovery pass rotated %d secrets", k, now-sent)
		}
		if strings.Contains(r.stderr, "did not hold as current") {
			t.Errorf("kill %d: the journal did not account for a rotation:\n%s", k, r.stderr)
		}
		seen := map[string]bool{}
		for _, row := range rotateRows(t, r.stdout) {
			if row.Recovered {
				recovered++
				if seen[row.ID] {
					t.Errorf("kill %d: %s recovered twice", k, row.ID)
				}
				seen[row.ID] = true
			}
			if row.Status != "ok" && !(row.Recovered && row.Status == "skipped") {
				t.Errorf("kill %d: %s: %s on the recovery pass: %s", k, row.ID, row.Status, row.Error)
			}
		}
		lost, err := lostSecrets(ctx, c.srv, c.store(), "solvimon", profile)
		if err != nil {
			t.Fatal(err)
		}
		if len(lost) > 0 {
			t.Errorf("kill %d: %d secrets lost:\n%s", k, len(lost), strings.Join(lost, "\n"))
		}
	}
	if recovered == 0 {
		t.Error("no kill left an open journal entry")
	}
	t.Logf("%d kills landed, %d entries recovered", landed, recovered)
}
