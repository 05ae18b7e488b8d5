package manifest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// fakeProvider is an in-memory solvimon account; failCreate makes the
// next Register create the webhook and then answer with a 502, as a
// lost response does.
type fakeProvider struct {
	mu         sync.Mutex
	regs       []webhook.Registration
	seq        int
	writes     []string
	failCreate bool
}

func (p *fakeProvider) Name() string { return "solvimon" }
func (p *fakeProvider) List(context.Context, webhook.ListOptions) ([]webhook.Registration, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]webhook.Registration(nil), p.regs...), nil
}
func (p *fakeProvider) Get(_ context.Context, id string) (*webhook.Registration, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.regs {
		if r.ID == id {
			return &r, nil
		}
	}
	return nil, webhook.NotFound("solvimon", id)
}
func (p *fakeProvider) Register(_ context.Context, req webhook.CreateRequest) ([]webhook.Registration, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	r := webhook.Registration{Provider: "solvimon", Profile: "s", ID: fmt.Sprintf("whk_%d", p.seq), Name: req.Name, URL: req.URL, Events: req.Events, Active: true,
		Secret: fmt.Sprintf("secret-%d", p.seq), Extra: map[string]any{"reference": req.Params["reference"]}}
	p.regs = append(p.regs, r)
	p.writes = append(p.writes, "create "+r.ID)
	if p.failCreate {
		p.failCreate = false
		return nil, &webhook.Error{Kind: webhook.KindError, Status: 502, Msg: "bad gateway"}
	}
	return []webhook.Registration{r}, nil
}
func (p *fakeProvider) Update(_ context.Context, id string, req webhook.UpdateRequest) (*webhook.Registration, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.regs {
		if p.regs[i].ID == id {
			if req.URL != nil {
				p.regs[i].URL = *req.URL
			}
			p.writes = append(p.writes, "update "+id)
			return &p.regs[i], nil
		}
	}
	return nil, webhook.NotFound("solvimon", id)
}
func (p *fakeProvider) Delete(_ context.Context, id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.regs {
		if p.regs[i].ID == id {
			p.regs = append(p.regs[:i], p.regs[i+1:]...)
			p.writes = append(p.writes, "delete "+id)
			return nil
		}
	}
	return webhook.NotFound("solvimon", id)
}
func (p *fakeProvider) Events(context.Context) (*webhook.EventCatalogue, error) { return nil, nil }

func entry(ref, url string) Entry {
	return Entry{Provider: "solvimon", Profile: "s", Name: ref, URL: url, Events: []string{"X.CREATED"}, Params: map[string]string{"reference": ref}}
}

func TestApply(t *testing.T) {
	ctx := context.Background()
	store := credentials.New(credentials.NewMemory(), func(string) string { return "" })
	prov := &fakeProvider{}
	state := t.TempDir()
	run := func(entries []Entry, prune bool) *Report {
		t.Helper()
		confirmed := 0
		rep, err := Apply(ctx, []Target{{Profile: "s", Provider: prov, Entries: entries}}, Options{Store: store, StateDir: state, Prune: prune,
			Confirm: func([]Change) error { confirmed++; return nil }})
		if err != nil {
			t.Fatal(err)
		}
		if len(prov.writes) > 0 && confirmed != 1 {
			t.Errorf("confirm asked %d times before writes", confirmed)
		}
		return rep
	}
	rep := run([]Entry{entry("a", "https://a"), entry("b", "https://b")}, false)
	if len(prov.writes) != 2 || rep.Err() != nil {
		t.Fatalf("first apply: writes %v, %v", prov.writes, rep.Results)
	}
	idOf := func(name string) string {
		for _, r := range prov.regs {
			if r.Name == name {
				return r.ID
			}
		}
		return ""
	}
	for _, id := range []string{"whk_1", "whk_2"} {
		if ws, _ := store.WebhookSecrets("s", id); ws.Current == nil {
			t.Errorf("secret of %s not stored", id)
		}
	}
	// again: no write, no confirmation
	prov.writes = nil
	if rep = run([]Entry{entry("a", "https://a"), entry("b", "https://b")}, true); len(prov.writes) != 0 || len(rep.Results) != 0 {
		t.Fatalf("second apply wrote %v: %+v", prov.writes, rep.Results)
	}
	// b dropped, a moved: without --prune b is skipped, with it deleted
	rep = run([]Entry{entry("a", "https://a2")}, false)
	if strings.Join(prov.writes, ",") != "update "+idOf("a") || rep.Results[0].Status != StatusSkipped || rep.Results[0].ID != idOf("b") {
		t.Fatalf("without prune: %v %+v", prov.writes, rep.Results)
	}
	prov.writes = nil
	b := idOf("b")
	run([]Entry{entry("a", "https://a2")}, true)
	if strings.Join(prov.writes, ",") != "delete "+b {
		t.Fatalf("with prune: %v", prov.writes)
	}

	// A create whose answer is lost: the intent stays open, and the next
	// apply finds the registration by its identity, stores its secret
	// and creates nothing again.
	prov.writes, prov.failCreate = nil, true
	rep, _ = Apply(ctx, []Target{{Profile: "s", Provider: prov, Entries: []Entry{entry("a", "https://a2"), entry("c", "https://c")}}}, Options{Store: store, StateDir: state})
	if rep.Err() == nil || !strings.Contains(rep.Results[0].Error, "rerun apply") {
		t.Fatalf("lost create: %+v", rep.Results)
	}
	if ws, _ := store.WebhookSecrets("s", "whk_3"); ws.Current != nil {
		t.Fatal("secret stored though the create's answer was lost")
	}
	prov.writes = nil
	rep = run([]Entry{entry("a", "https://a2"), entry("c", "https://c")}, true)
	if len(prov.writes) != 0 || len(rep.Results) != 1 || !rep.Results[0].Recovered || rep.Results[0].Status != StatusOK || rep.Results[0].ID != "whk_3" {
		t.Fatalf("recovery: writes %v, %+v", prov.writes, rep.Results)
	}
	if ws, _ := store.WebhookSecrets("s", "whk_3"); ws.Current == nil || ws.Current.Value != "secret-3" {
		t.Fatalf("recovered secret: %+v", ws.Current)
	}
	// and the journal is settled: nothing left to recover
	if rep = run([]Entry{entry("a", "https://a2"), entry("c", "https://c")}, true); len(rep.Results) != 0 {
		t.Fatalf("journal not settled: %+v", rep.Results)
	}
}

// TestApplyTwoProfilesOneAccount: a manifest naming two profiles that
// reach one provider account is refused before anything is locked or
// written, naming both profiles (exit 2), instead of tripping over its own
// account lock and blaming "another" process with its own pid; with
// --prune each profile's part would delete the other's registrations.
func TestApplyTwoProfilesOneAccount(t *testing.T) {
	ctx := context.Background()
	store := credentials.New(credentials.NewMemory(), func(string) string { return "" })
	prov := &fakeProvider{}
	targets := []Target{
		{Profile: "prod", Provider: prov, Account: "acct1", Entries: []Entry{entry("a", "https://a")}},
		{Profile: "other", Provider: &fakeProvider{}, Account: "acct2", Entries: []Entry{entry("c", "https://c")}},
		{Profile: "prod-copy", Provider: prov, Account: "acct1", Entries: []Entry{entry("b", "https://b")}},
	}
	_, err := Apply(ctx, targets, Options{Store: store, StateDir: t.TempDir(), Confirm: func([]Change) error { return nil }})
	if err == nil || webhook.KindOf(err) != webhook.KindUsage || !strings.Contains(err.Error(), `"prod" and "prod-copy"`) || strings.Contains(err.Error(), "another") {
		t.Fatalf("apply over two profiles of one account: %v (kind %v)", err, webhook.KindOf(err))
	}
	if len(prov.writes) != 0 {
		t.Fatalf("writes before the refusal: %v", prov.writes)
	}
}

// TestApplyReadsJournalOfEarlierVersion: the journal a killed apply of an
// earlier version left behind, as it wrote the lines (one record type
// then held rotation's and apply's fields), is finished by the next
// apply: a create whose answer was lost is found by its identity and its
// secret stored, an interrupted update is planned again, and neither is
// sent again.
func TestApplyReadsJournalOfEarlierVersion(t *testing.T) {
	ctx := context.Background()
	store := credentials.New(credentials.NewMemory(), func(string) string { return "" })
	prov := &fakeProvider{}
	lost := createChange(entry("a", "https://a"))
	if _, err := prov.Register(ctx, lost.createRequest()); err != nil { // the create whose answer was lost
		t.Fatal(err)
	}
	prov.writes = nil
	state := t.TempDir()
	dir := filepath.Join(state, "apply-journal", "s")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	run := "20260101T000000.000000000Z-0a1b2c3d"
	lines := []string{
		fmt.Sprintf(`{"entry":"%s/000001","op":"intent","at":"2026-01-01T00:00:00Z","provider":"solvimon","profile":"s","action":"create","identity":%q}`, run, liveIdentity(prov.regs[0])),
		fmt.Sprintf(`{"entry":"%s/000002","op":"intent","at":"2026-01-01T00:00:00Z","id":"whk_9","provider":"solvimon","profile":"s","action":"update","identity":"solvimon/s/b"}`, run),
	}
	if err := os.WriteFile(filepath.Join(dir, run+".jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := Apply(ctx, []Target{{Profile: "s", Provider: prov, Entries: []Entry{entry("a", "https://a")}}}, Options{Store: store, StateDir: state,
		Confirm: func([]Change) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if len(prov.writes) != 0 || len(rep.Results) != 2 {
		t.Fatalf("writes %v, results %+v", prov.writes, rep.Results)
	}
	created, updated := rep.Results[0], rep.Results[1]
	if created.Action != ActionCreate || created.Status != StatusOK || !created.Recovered || created.ID != "whk_1" {
		t.Errorf("the lost create: %+v", created)
	}
	if updated.Action != ActionUpdate || updated.Status != StatusSkipped || !updated.Recovered || updated.ID != "whk_9" || updated.Identity != "solvimon/s/b" {
		t.Errorf("the interrupted update: %+v", updated)
	}
	if ws, _ := store.WebhookSecrets("s", "whk_1"); ws.Current == nil || ws.Current.Value != "secret-1" {
		t.Fatalf("recovered secret: %+v", ws.Current)
	}
	// and the journal is settled: nothing left to recover
	if rep, err = Apply(ctx, []Target{{Profile: "s", Provider: prov, Entries: []Entry{entry("a", "https://a")}}}, Options{Store: store, StateDir: state}); err != nil || len(rep.Results) != 0 {
		t.Fatalf("journal not settled: %+v %v", rep, err)
	}
}
