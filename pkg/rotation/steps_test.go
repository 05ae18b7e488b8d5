package rotation

import (
	"context"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// The steps of one rotation (request, journalIntent, attempt), each on
// its own: an engine with a journal open, as Run leaves it.

func engineWithJournal(t *testing.T, o Options) *Engine {
	t.Helper()
	e, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if e.journal, err = createJournal(journalDir(o.StateDir, o.Profile), time.Now()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.journal.Close() })
	return e
}

func TestRequest(t *testing.T) {
	f := newFake(1)
	f.client = true
	o, store := setup(t, f)
	o.NewSecret = func() (string, error) { return "chosen", nil }
	e := engineWithJournal(t, o)
	if err := store.StoreCurrent("p", "wh_0", "current", 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	ws, _ := store.WebhookSecrets("p", "wh_0")
	req, retried, err := e.request("wh_0", ws)
	if err != nil || retried || req.NewSecret != "chosen" || req.CurrentSecret != "current" {
		t.Fatalf("a new secret: %+v retried %v, %v", req, retried, err)
	}
	if ws, _ = store.WebhookSecrets("p", "wh_0"); ws.Pending == nil || ws.Pending.Value != "chosen" {
		t.Fatalf("the chosen secret is not pending before the call: %+v", ws.Pending)
	}
	// An earlier run's pending secret is sent again, never replaced.
	o.NewSecret = func() (string, error) { t.Fatal("a new secret replaced the pending one"); return "", nil }
	e = engineWithJournal(t, o)
	req, retried, err = e.request("wh_0", ws)
	if err != nil || !retried || req.NewSecret != "chosen" {
		t.Fatalf("the pending secret: %+v retried %v, %v", req, retried, err)
	}
	// A provider that chooses the secret gets an empty request.
	f.client = false
	e = engineWithJournal(t, o)
	if req, retried, err = e.request("wh_0", ws); err != nil || retried || req != (webhook.RotateRequest{}) {
		t.Fatalf("the provider chooses: %+v retried %v, %v", req, retried, err)
	}
}

func TestJournalIntent(t *testing.T) {
	f := newFake(1)
	o, store := setup(t, f)
	o.Sinks = []Sink{fakeSink("file:/out")}
	e := engineWithJournal(t, o)
	if err := store.StoreCurrent("p", "wh_0", "stored", 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	ws, _ := store.WebhookSecrets("p", "wh_0")
	// The registration as read (no secret): the stored one is the old one.
	intent, err := e.journalIntent(item{reg: &webhook.Registration{ID: "wh_0"}}, ws, webhook.RotateRequest{NewSecret: "new"})
	if err != nil {
		t.Fatal(err)
	}
	if intent.OldFP != fingerprint(intent.Salt, "stored") || !intent.Pending || len(intent.Sinks) != 1 || intent.Sinks[0] != "file:/out" {
		t.Errorf("intent %+v", intent)
	}
	entries, _, err := readJournals(journalDir(o.StateDir, "p"))
	if err != nil || len(openEntries(entries)) != 1 || openEntries(entries)[0].Intent.OldFP != intent.OldFP {
		t.Fatalf("the intent is not on disk: %+v (%v)", entries, err)
	}
}

func TestAttempt(t *testing.T) {
	for _, c := range []struct {
		name                  string
		id                    string
		rateLimit, maxAttempt int
		applyThenFail         int
		status                string
		kind                  webhook.Kind
		rotated, slept        int
	}{
		{name: "429s then done", id: "wh_0", rateLimit: 2, maxAttempt: 5, status: StatusOK, rotated: 1, slept: 2},
		{name: "429s past MaxAttempts", id: "wh_0", rateLimit: 5, maxAttempt: 2, status: StatusFailed, kind: webhook.KindRateLimited, slept: 1},
		{name: "definite refusal", id: "wh_gone", maxAttempt: 5, status: StatusFailed, kind: webhook.KindNotFound},
		{name: "answer lost, read back", id: "wh_0", applyThenFail: 1, maxAttempt: 5, status: StatusOK, rotated: 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(1)
			f.rateLimit, f.applyThenFail = c.rateLimit, c.applyThenFail
			o, store := setup(t, f)
			o.MaxAttempts = c.maxAttempt
			slept := 0
			o.Sleep = func(context.Context, time.Duration) error { slept++; return nil }
			e := engineWithJournal(t, o)
			ws, _ := store.WebhookSecrets("p", c.id)
			intent, err := e.journalIntent(item{reg: &webhook.Registration{ID: c.id, Secret: f.secrets[c.id]}}, ws, webhook.RotateRequest{})
			if err != nil {
				t.Fatal(err)
			}
			res := e.attempt(context.Background(), intent, webhook.RotateRequest{})
			if res.Status != c.status || (c.kind != 0 && webhook.KindOf(res.Err) != c.kind) || f.rotated[c.id] != c.rotated || slept != c.slept {
				t.Fatalf("%+v (kind %v), rotated %d, slept %d", res, webhook.KindOf(res.Err), f.rotated[c.id], slept)
			}
			// Either way the entry is settled: done, or closed as not rotated.
			entries, _, err := readJournals(journalDir(o.StateDir, "p"))
			if err != nil || len(openEntries(entries)) != 0 {
				t.Fatalf("%d entries left open (%v)", len(openEntries(entries)), err)
			}
			if c.status == StatusOK {
				assertKnown(t, f, store)
			}
		})
	}
}

// fakeSink names a sink and receives nothing.
type fakeSink string

func (s fakeSink) Spec() string                            { return string(s) }
func (s fakeSink) Check(context.Context) error             { return nil }
func (s fakeSink) Deliver(context.Context, Delivery) error { return nil }
