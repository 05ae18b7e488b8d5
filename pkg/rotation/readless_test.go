package rotation_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var pexaSeq int

// pexaRegistration registers one PEXA UK webhook and returns its id.
func pexaRegistration(t *testing.T, c *cliEnv, profile string) string {
	t.Helper()
	pexaSeq++
	ids := registeredIDs(t, c.run(t, "register", "-p", profile, "-o", "json", "--url", fmt.Sprintf("https://hooks.example.com/pexa/%d", pexaSeq),
		"--event", "SECRET_EXPIRY", "--event", "WORKSPACE_CLOSED"))
	if len(ids) != 1 {
		t.Fatalf("registered %v", ids)
	}
	return ids[0]
}

// TestPexaRotateAndUpdateWithoutTheRead: PEXA UK's v2 read path is
// inferred; with it answering 404, rotating a named id and an update that
// gives both URL and events still send the documented v1 POST and PUT, and
// an update that needs the read names the endpoint, the scope and what to
// give instead.
func TestPexaRotateAndUpdateWithoutTheRead(t *testing.T) {
	c := newCLIEnv(t, cliOptions{})
	const profile = "pexa-noread"
	c.addProfile(t, profile, "pexa")
	id := pexaRegistration(t, c, profile)
	setFault(t, c, map[string]any{"provider": "pexa", "method": "GET", "path": "/uk/partner/api/notification/v2", "status": 404, "count": 1000})

	r := c.exec(t, nil, "rotate-secret", "-p", profile, id, "-o", "json")
	if r.code != 0 {
		t.Fatalf("rotate with the read failing: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "could not read the registration first") {
		t.Errorf("the failed read is not reported:\n%s", r.stderr)
	}
	if n := c.writes("POST", "/secret-rotation"); n != 1 {
		t.Errorf("%d rotation POSTs, want 1", n)
	}
	if lost, err := lostSecrets(context.Background(), c.srv, c.store(), "pexa", profile); err != nil || len(lost) > 0 {
		t.Fatalf("after a rotation without the read: err %v, lost %v", err, lost)
	}

	r = c.exec(t, nil, "update", "-p", profile, id, "--url", "https://hooks.example.com/moved", "--event", "SECRET_EXPIRY", "--event", "WORKSPACE_CLOSED")
	if r.code != 0 {
		t.Fatalf("update --url --event with the read failing: exit %d\n%s", r.code, r.stderr)
	}
	if n := c.writes("PUT", "/notification-registrations/"+id); n != 1 {
		t.Errorf("%d PUTs, want 1", n)
	}

	r = c.exec(t, nil, "update", "-p", profile, id, "--add-event", "WORKSPACE_SETTLED")
	if r.code == 0 {
		t.Fatalf("update --add-event succeeded without the read")
	}
	for _, want := range []string{"GET /v2/notification-registrations", "scope", "--url and --event"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the failed read's error lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestUnreadableInterruptedRotationIsSuperseded: an interrupted PEXA
// rotation cannot be reconciled while the read fails; rotating the id
// again resolves it (the provider returns the new secret), and the
// journal entry is closed rather than blocking the id for ever.
func TestUnreadableInterruptedRotationIsSuperseded(t *testing.T) {
	c := newCLIEnv(t, cliOptions{})
	const profile = "pexa-supersede"
	c.addProfile(t, profile, "pexa")
	id := pexaRegistration(t, c, profile)
	c.run(t, "rotate-secret", "-p", profile, id) // creates the journal dir
	dir := filepath.Join(c.stateDir(), "journal", profile)
	at := time.Now().UTC().Format(time.RFC3339Nano)
	line := fmt.Sprintf(`{"entry":"crashed/1","op":"intent","at":%q,"id":%q,"provider":"pexa","profile":%q,"salt":"x","old_fp":"unknown"}`+"\n", at, id, profile)
	if err := os.WriteFile(filepath.Join(dir, "20000101T000000.000000000Z-crashed.jsonl"), []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	setFault(t, c, map[string]any{"provider": "pexa", "method": "GET", "path": "/uk/partner/api/notification/v2", "status": 404, "count": 1000})

	// Not selected: the entry stays open and the run says so.
	other := pexaRegistration(t, c, profile)
	r := c.exec(t, nil, "rotate-secret", "-p", profile, other, "-o", "json")
	if r.code == 0 || !strings.Contains(r.stdout, "rotate "+id+" again") {
		t.Errorf("an unreconciled entry of another id: exit %d\n%s", r.code, r.stdout)
	}
	// Selected: rotated again, and the entry is closed.
	r = c.exec(t, nil, "rotate-secret", "-p", profile, id, "-o", "json")
	if r.code != 0 {
		t.Fatalf("rotating the unreconciled id: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	setFault(t, c, map[string]any{"count": 0})
	for _, row := range rotateRows(t, c.exec(t, nil, "rotate-secret", "-p", profile, other, "-o", "json").stdout) {
		if row.Recovered {
			t.Errorf("the superseded entry is still open: %+v", row)
		}
	}
	if lost, err := lostSecrets(context.Background(), c.srv, c.store(), "pexa", profile); err != nil || len(lost) > 0 {
		t.Fatalf("err %v, lost %v", err, lost)
	}
}
