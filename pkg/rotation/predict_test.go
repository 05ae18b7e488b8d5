package rotation

import (
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// provingFake wants the current secret as proof (PwC's shape): it refuses,
// before any request, a rotation without one.
type provingFake struct{ *fake }

func (p provingFake) CheckRotate(reg *webhook.Registration, req webhook.RotateRequest) error {
	if req.CurrentSecret == "" {
		return webhook.Errorf(webhook.KindAuth, "fake: no current secret for %s", reg.ID)
	}
	return nil
}

// TestDryRunPredictsRefusals: a registration whose current secret nobody
// holds is "would fail" in the dry run, with the error, exit kind and ids
// of the real run, and the real run refuses it before it writes a pending
// secret or a journal entry.
func TestDryRunPredictsRefusals(t *testing.T) {
	f := newFake(3)
	f.client = true
	f.secrets["wh_1"] = "" // the provider does not say it, the store does not hold it
	o, store := setup(t, f)
	o.Provider = provingFake{f}
	o.DryRun = true
	dry := run(t, o)
	o.DryRun = false
	real := run(t, o)

	byStatus := func(rep *Report) map[string]string {
		m := map[string]string{}
		for _, r := range rep.Results {
			m[r.ID] = r.Status + " " + r.Error
		}
		return m
	}
	d, r := byStatus(dry), byStatus(real)
	want := "fake: no current secret for wh_1"
	if d["wh_1"] != StatusWouldFail+" "+want || r["wh_1"] != StatusFailed+" "+want {
		t.Errorf("wh_1: dry %q, real %q", d["wh_1"], r["wh_1"])
	}
	for _, id := range []string{"wh_0", "wh_2"} {
		if d[id] != StatusPlanned+" " || r[id] != StatusOK+" " {
			t.Errorf("%s: dry %q, real %q", id, d[id], r[id])
		}
	}
	de, re := dry.Err(false), real.Err(false)
	if webhook.KindOf(de) != webhook.KindPartial || webhook.KindOf(re) != webhook.KindPartial {
		t.Errorf("kinds: dry %v, real %v", de, re)
	}
	if !strings.Contains(de.Error(), "1 of 3 rotations would fail") || !strings.Contains(re.Error(), "1 of 3 rotations failed") {
		t.Errorf("messages: dry %q, real %q", de, re)
	}
	if f.rotated["wh_1"] != 0 {
		t.Errorf("wh_1 was sent to the provider %d times", f.rotated["wh_1"])
	}
	if ws, _ := store.WebhookSecrets("p", "wh_1"); ws.Pending != nil || ws.Current != nil {
		t.Errorf("a refused rotation left secrets behind: %+v", ws)
	}
	entries, _, err := readJournals(journalDir(o.StateDir, o.Profile))
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if en.Intent.ID == "wh_1" {
			t.Errorf("a refused rotation was journaled: %+v", en.Intent)
		}
	}

	// one named id keeps its own kind, in the dry run as in the real run
	o.Select = Selector{IDs: []string{"wh_1"}}
	o.DryRun = true
	if err := run(t, o).Err(true); webhook.KindOf(err) != webhook.KindAuth {
		t.Errorf("dry run of one id: %v, want an auth error", err)
	}
	o.DryRun = false
	if err := run(t, o).Err(true); webhook.KindOf(err) != webhook.KindAuth {
		t.Errorf("real run of one id: %v, want an auth error", err)
	}
}

// TestOlderThanAge: the age of a secret is the provider's date for it,
// else the registration's last change, else the secret db's, whichever is
// latest; a secret with no date at all is "no rotation on record".
func TestOlderThanAge(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ago := func(days int) *time.Time { t := now.AddDate(0, 0, -days); return &t }
	f := newFake(0)
	o, store := setup(t, f)
	o.Select = Selector{All: true, OlderThan: 21 * 24 * time.Hour}
	o.Now = func() time.Time { return now }
	e, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.UpdateWebhookSecrets("p", "stored", func(w *credentials.WebhookSecrets) error {
		w.Current = &credentials.SecretEntry{Value: "s", StoredAt: *ago(3)}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		reg    webhook.Registration
		rotate bool
		reason string
	}{
		{webhook.Registration{ID: "old", SecretRotatedAt: ago(25)}, true, "rotated 25d ago"},
		{webhook.Registration{ID: "new", SecretRotatedAt: ago(2)}, false, "rotated 2d ago"},
		// the provider's date of the secret wins over the registration's
		{webhook.Registration{ID: "both", SecretRotatedAt: ago(25), UpdatedAt: ago(1)}, true, "rotated 25d ago"},
		{webhook.Registration{ID: "changed", UpdatedAt: ago(5)}, false, "last changed 5d ago"},
		{webhook.Registration{ID: "unchanged", UpdatedAt: ago(40)}, true, "last changed 40d ago"},
		{webhook.Registration{ID: "never"}, true, "no rotation on record"},
		// the secret db's later record
		{webhook.Registration{ID: "stored", SecretRotatedAt: ago(25)}, false, "rotated 3d ago"},
	} {
		ok, reason := e.match(&tt.reg, now)
		if ok != tt.rotate || reason != tt.reason {
			t.Errorf("%s: %v %q, want %v %q", tt.reg.ID, ok, reason, tt.rotate, tt.reason)
		}
	}
}

// TestNotSupportedIsNoFailure: --all over a provider without secrets
// reports each registration once and fails nothing.
func TestNotSupportedIsNoFailure(t *testing.T) {
	rep := NotSupported([]webhook.Registration{{ID: "a"}, {ID: "b"}, {ID: "a"}}, "no secrets", true)
	if len(rep.Results) != 2 || rep.Results[0].Status != StatusNotSupported || rep.Results[1].Reason != "no secrets" || !rep.DryRun {
		t.Fatalf("%+v", rep)
	}
	if err := rep.Err(false); err != nil {
		t.Fatal(err)
	}
}
