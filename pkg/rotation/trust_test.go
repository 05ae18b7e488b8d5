package rotation_test

// The "never lose a secret" cases of docs/reliability.md, each reproduced with hookctl as a
// real process against the sandbox.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDuplicateIDsRotateOnce: the same id named several times in one run is
// rotated once, never twice at once (two concurrent rotations of one
// registration left the store with the loser's secret).
func TestDuplicateIDsRotateOnce(t *testing.T) {
	c := newCLIEnv(t, cliOptions{})
	const profile = "dup"
	c.addProfile(t, profile, "solvimon")
	ids := c.registerSolvimon(t, profile, 2)
	args := []string{"rotate-secret", "-p", profile, "--rate", "0", "--concurrency", "8", "-o", "json"}
	for range 8 {
		args = append(args, ids...)
	}
	ctx := context.Background()
	const runs = 20
	bad := 0
	for run := range runs {
		before := c.writes("PATCH", "/secret-key")
		r := c.exec(t, nil, args...)
		rows := rotateRows(t, r.stdout)
		lost, err := lostSecrets(ctx, c.srv, c.store(), "solvimon", profile)
		if err != nil {
			t.Fatal(err)
		}
		patches := c.writes("PATCH", "/secret-key") - before
		if r.code != 0 || len(rows) != len(ids) || patches != len(ids) || len(lost) > 0 {
			bad++
			t.Errorf("run %d: exit %d, %d rows, %d rotations sent for %d ids, lost %v\n%s", run, r.code, len(rows), patches, len(ids), lost, r.stderr)
		}
	}
	t.Logf("%d runs with each of %d ids named 8 times: %d went wrong", runs, len(ids), bad)
}

// pwcSubscription registers one PwC subscription and returns its id.
func pwcSubscription(t *testing.T, c *cliEnv, profile string) string {
	t.Helper()
	ids := registeredIDs(t, c.run(t, "register", "-p", profile, "-o", "json", "--url", "https://hooks.example.com/pwc",
		"--event", "ReportFiled", "--name", "pending-test"))
	if len(ids) != 1 {
		t.Fatalf("registered %v", ids)
	}
	return ids[0]
}

// setFault installs a sandbox fault plan.
func setFault(t *testing.T, c *cliEnv, plan map[string]any) {
	t.Helper()
	b, _ := json.Marshal(plan)
	req, _ := newRequest("PUT", c.srv.BaseURL+"/_sandbox/faults", b)
	resp, err := httpDo(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp != 200 && resp != 204 {
		t.Fatalf("setting fault plan: status %d", resp)
	}
}

// TestPwCPendingSecretSurvivesLostJournal: a PwC rotation is killed after
// PwC accepted the new secret P1; the rerun has a fresh state dir (a CI
// cache that keeps only credentials). It must try the stored pending P1
// first and adopt it, not replace it with a new P2 that PwC then refuses.
func TestPwCPendingSecretSurvivesLostJournal(t *testing.T) {
	c := newCLIEnv(t, cliOptions{})
	const profile = "pending"
	c.addProfile(t, profile, "pwc")
	id := pwcSubscription(t, c, profile)
	before, err := providerSecrets(c.srv, "pwc")
	if err != nil {
		t.Fatal(err)
	}
	setFault(t, c, map[string]any{"provider": "pwc", "method": "POST", "path": "/sync/webhooks/subscriptions/" + id + "/update",
		"kind": "slow", "delay_ms": 60000, "count": 1})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := c.command(ctx, nil, "rotate-secret", "-p", profile, id)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Server-side signal: PwC holds the new secret, the answer is held back.
	for {
		now, err := providerSecrets(c.srv, "pwc")
		if err != nil {
			t.Fatal(err)
		}
		if now[id] != before[id] {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the update never reached the sandbox")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if err := os.RemoveAll(c.stateDir() + "/journal"); err != nil {
		t.Fatal(err)
	}
	setFault(t, c, map[string]any{"count": 0})
	r := c.exec(t, nil, "rotate-secret", "-p", profile, id, "-o", "json")
	lost, err := lostSecrets(context.Background(), c.srv, c.store(), "pwc", profile)
	if err != nil {
		t.Fatal(err)
	}
	if r.code != 0 || len(lost) > 0 {
		t.Fatalf("rerun with the journal gone: exit %d, lost %v\nstdout %s\nstderr %s", r.code, lost, r.stdout, r.stderr)
	}
	// And hookctl can go on: one more rotation works.
	c.run(t, "rotate-secret", "-p", profile, id)
	if lost, err := lostSecrets(context.Background(), c.srv, c.store(), "pwc", profile); err != nil || len(lost) > 0 {
		t.Fatalf("the next rotation: err %v, lost %v", err, lost)
	}
}

// TestUnusableStoreChangesNothing: with no keyring (no D-Bus session) and no
// HOOKCTL_STORAGE, register and rotate-secret fail before the provider is
// changed: no webhook is created that hookctl cannot keep the secret of.
func TestUnusableStoreChangesNothing(t *testing.T) {
	c := newCLIEnv(t, cliOptions{Keyring: true})
	noBus := []string{"DBUS_SESSION_BUS_ADDRESS="}
	const profile = "nostore"
	c.addProfile(t, profile, "solvimon")
	r := c.exec(t, noBus, "register", "-p", profile, "--url", "https://hooks.example.com/x", "--event", "INVOICE.CREATED",
		"--name", "nostore", "--reference", "nostore")
	// The store's problem, not the credentials' (exit 4): 1.
	if r.code != 1 {
		t.Errorf("register without a usable store: exit %d, want 1\n%s", r.code, r.stderr)
	}
	if n := c.writes("POST", "/v1/webhooks"); n != 0 {
		t.Errorf("register sent %d creates although the secret could not be kept", n)
	}
	if !strings.Contains(r.stderr, "HOOKCTL_STORAGE=file") || strings.Contains(r.stderr, "cannot read") {
		t.Errorf("the error should say the secret cannot be stored and how to fix it:\n%s", r.stderr)
	}
}

// TestBrokenSinkRotatesNothing: a sink that cannot work stops the run
// before the first rotation, in --dry-run too (exit 2, nothing changed).
func TestBrokenSinkRotatesNothing(t *testing.T) {
	c := newCLIEnv(t, cliOptions{})
	const profile = "sink"
	c.addProfile(t, profile, "solvimon")
	ids := c.registerSolvimon(t, profile, 3)
	cases := [][]string{
		{"--secret-out", filepath.Join(c.dir, "no", "such", "dir", "x")},
		{"--exec", "no-such-command-hookctl-test --flag"},
		{"--exec", "echo 'unterminated"},
	}
	for _, sink := range cases {
		for _, dry := range []bool{false, true} {
			args := append([]string{"rotate-secret", "-p", profile, "--all"}, sink...)
			if dry {
				args = append(args, "--dry-run")
			}
			r := c.exec(t, nil, args...)
			if r.code != 2 {
				t.Errorf("%v: exit %d, want 2\n%s", args, r.code, r.stderr)
			}
			if n := c.writes("PATCH", "/secret-key"); n != 0 {
				t.Fatalf("%v: %d rotations sent with a broken sink", args, n)
			}
		}
	}
	_ = ids
}

// TestFailingExecStopsAndRerunDelivers: --exec 'exit 3' fails at the first
// delivery: the run stops starting rotations, and reruns re-deliver without
// rotating again (with the same broken sink: nothing; with a working one:
// the stored secret). --redeliver sends the stored secret without rotating.
func TestFailingExecStopsAndRerunDelivers(t *testing.T) {
	c := newCLIEnv(t, cliOptions{})
	const profile = "exec"
	c.addProfile(t, profile, "solvimon")
	ids := c.registerSolvimon(t, profile, 4)
	rotate := []string{"rotate-secret", "-p", profile, "--all", "--concurrency", "1", "-o", "json"}
	r := c.exec(t, nil, append(rotate, "--exec", "exit 3")...)
	if r.code != 6 && r.code != 1 {
		t.Errorf("failing --exec: exit %d, want a failure\n%s", r.code, r.stderr)
	}
	first := c.writes("PATCH", "/secret-key")
	if first != 1 {
		t.Errorf("after the first failed delivery %d rotations were sent, want 1 (stop starting new ones)", first)
	}
	for range 2 {
		r = c.exec(t, nil, append(rotate, "--exec", "exit 3")...)
		if r.code == 0 {
			t.Errorf("rerun with the same broken sink exited 0\n%s", r.stdout)
		}
		if n := c.writes("PATCH", "/secret-key"); n != first {
			t.Fatalf("a rerun with the broken sink rotated again: %d rotations, want %d", n, first)
		}
	}
	out := filepath.Join(c.dir, "delivered")
	r = c.exec(t, nil, "rotate-secret", "-p", profile, ids[0], ids[1], "-o", "json", "--exec", "cat >> "+out+"; echo >> "+out)
	rows := rotateRows(t, r.stdout)
	if n := c.writes("PATCH", "/secret-key"); n != first+1 {
		// The undelivered one is re-delivered, not rotated; the other named one is rotated.
		t.Errorf("rerun with a working sink: %d rotations, want %d", n, first+1)
	}
	recovered := 0
	for _, row := range rows {
		if row.Recovered {
			recovered++
			if row.Status != "ok" {
				t.Errorf("recovered row %+v", row)
			}
		}
	}
	if r.code != 0 || recovered != 1 {
		t.Errorf("rerun with a working sink: exit %d, %d recovered rows, want 0 and 1\n%s\n%s", r.code, recovered, r.stdout, r.stderr)
	}
	got, _ := os.ReadFile(out)
	if lines := strings.Count(string(got), "\n"); lines != 2 {
		t.Errorf("the working sink got %d secrets, want 2", lines)
	}
	if lost, err := lostSecrets(context.Background(), c.srv, c.store(), "solvimon", profile); err != nil || len(lost) > 0 {
		t.Fatalf("err %v, lost %v", err, lost)
	}

	// Re-deliver without rotating.
	file := filepath.Join(c.dir, "redelivered.jsonl")
	before := c.writes("PATCH", "/secret-key")
	c.run(t, "rotate-secret", "-p", profile, "--redeliver", "--all", "--secret-out", file)
	if n := c.writes("PATCH", "/secret-key"); n != before {
		t.Errorf("--redeliver rotated %d secrets", n-before)
	}
	want, _ := providerSecrets(c.srv, "solvimon")
	got2 := sinkSecrets(t, file)
	if len(got2) != len(want) {
		t.Errorf("--redeliver wrote %d secrets, want %d", len(got2), len(want))
	}
	for id, s := range want {
		if got2[id] != s {
			t.Errorf("--redeliver: %s got another secret than the provider's", id)
		}
	}
}

// TestJournalNeverRunsItsSinks: an intent written into the journal (a
// poisoned CI cache) with an exec sink must not make a later run execute
// it; recovery uses only the sinks on the command line.
func TestJournalNeverRunsItsSinks(t *testing.T) {
	c := newCLIEnv(t, cliOptions{})
	const profile = "poison"
	c.addProfile(t, profile, "solvimon")
	ids := c.registerSolvimon(t, profile, 1)
	c.run(t, "rotate-secret", "-p", profile, ids[0]) // creates the journal dir
	stolen := filepath.Join(c.dir, "stolen.txt")
	dir := filepath.Join(c.stateDir(), "journal", profile)
	at := time.Now().UTC().Format(time.RFC3339Nano)
	// An old fingerprint that matches nothing makes the rerun take the
	// provider's secret for the intent's outcome and deliver it.
	lines := fmt.Sprintf(`{"entry":"evil/1","op":"intent","at":%q,"id":%q,"provider":"solvimon","profile":%q,"salt":"x","old_fp":"bogus","sinks":["exec:cat > %s"]}`+"\n",
		at, ids[0], profile, stolen)
	if err := os.WriteFile(filepath.Join(dir, "20000101T000000.000000000Z-evil.jsonl"), []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	c.exec(t, nil, "rotate-secret", "-p", profile, ids[0])
	if _, err := os.Stat(stolen); err == nil {
		b, _ := os.ReadFile(stolen)
		t.Fatalf("a command from the journal ran and got %d bytes on stdin", len(b))
	}
}

// TestUnsafeStateDirRefused: a journal directory or file another user owns
// or can write is refused with a clear error, before anything is sent.
func TestUnsafeStateDirRefused(t *testing.T) {
	c := newCLIEnv(t, cliOptions{})
	const profile = "unsafe"
	c.addProfile(t, profile, "solvimon")
	ids := c.registerSolvimon(t, profile, 1)
	c.run(t, "rotate-secret", "-p", profile, ids[0])
	dir := filepath.Join(c.stateDir(), "journal", profile)
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	before := c.writes("PATCH", "/secret-key")
	r := c.exec(t, nil, "rotate-secret", "-p", profile, ids[0])
	if r.code == 0 || !strings.Contains(r.stderr, "writable by group or others") {
		t.Errorf("world-writable journal dir: exit %d\n%s", r.code, r.stderr)
	}
	if n := c.writes("PATCH", "/secret-key"); n != before {
		t.Errorf("rotated with an unsafe journal dir")
	}
	os.Chmod(dir, 0o700)
	if os.Geteuid() == 0 {
		f := filepath.Join(dir, "20000101T000000.000000000Z-other.jsonl")
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(f, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		r := c.exec(t, nil, "rotate-secret", "-p", profile, ids[0])
		if r.code == 0 || !strings.Contains(r.stderr, "not by you") {
			t.Errorf("journal file of another user: exit %d\n%s", r.code, r.stderr)
		}
		os.Remove(f)
	}
	c.run(t, "rotate-secret", "-p", profile, ids[0])
}

// TestStateFilesDoNotFollowSymlinks: a symlink planted at the lock file or
// at --secret-out is refused; its target is neither truncated, appended to,
// nor chmodded.
func TestStateFilesDoNotFollowSymlinks(t *testing.T) {
	c := newCLIEnv(t, cliOptions{})
	const profile = "links"
	c.addProfile(t, profile, "solvimon")
	ids := c.registerSolvimon(t, profile, 1)
	target := filepath.Join(c.dir, "precious")
	if err := os.WriteFile(target, []byte("do not touch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		t.Helper()
		b, _ := os.ReadFile(target)
		fi, _ := os.Stat(target)
		if string(b) != "do not touch\n" || fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: the link's target changed: %q %v", what, b, fi.Mode())
		}
	}
	if err := os.MkdirAll(filepath.Join(c.stateDir(), "journal"), 0o700); err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(c.stateDir(), "journal", profile+".lock")
	if err := os.Symlink(target, lock); err != nil {
		t.Fatal(err)
	}
	r := c.exec(t, nil, "rotate-secret", "-p", profile, ids[0])
	check("lock symlink")
	if r.code == 0 || !strings.Contains(r.stderr, "symbolic link") {
		t.Errorf("lock symlink: exit %d\n%s", r.code, r.stderr)
	}
	os.Remove(lock)
	out := filepath.Join(c.dir, "secret-out")
	if err := os.Symlink(target, out); err != nil {
		t.Fatal(err)
	}
	r = c.exec(t, nil, "rotate-secret", "-p", profile, ids[0], "--secret-out", out)
	check("--secret-out symlink")
	if r.code != 2 || !strings.Contains(r.stderr, "symbolic link") {
		t.Errorf("--secret-out symlink: exit %d\n%s", r.code, r.stderr)
	}
	if n := c.writes("PATCH", "/secret-key"); n != 0 {
		t.Errorf("rotated %d times despite the refused sink", n)
	}
}

// TestUnusableSecretDBChangesNothing: when the secret db cannot be opened
// for writing (here: a directory where the file goes), register and
// rotate-secret fail before the provider is changed.
func TestUnusableSecretDBChangesNothing(t *testing.T) {
	c := newCLIEnv(t, cliOptions{})
	const profile = "nodb"
	c.addProfile(t, profile, "solvimon")
	ids := c.registerSolvimon(t, profile, 1)
	db := filepath.Join(c.stateDir(), "secrets.db")
	if err := os.Rename(db, db+".aside"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(db, 0o700); err != nil {
		t.Fatal(err)
	}
	creates := c.writes("POST", "/v1/webhooks")
	r := c.exec(t, nil, "register", "-p", profile, "--url", "https://hooks.example.com/nodb", "--event", "INVOICE.CREATED",
		"--name", "nodb", "--reference", "nodb")
	if r.code == 0 || c.writes("POST", "/v1/webhooks") != creates {
		t.Errorf("register with an unusable secret db: exit %d, %d creates sent\n%s", r.code, c.writes("POST", "/v1/webhooks")-creates, r.stderr)
	}
	r = c.exec(t, nil, "rotate-secret", "-p", profile, ids[0])
	if r.code == 0 || c.writes("PATCH", "/secret-key") != 0 {
		t.Errorf("rotate-secret with an unusable secret db: exit %d, %d rotations sent\n%s", r.code, c.writes("PATCH", "/secret-key"), r.stderr)
	}
}
