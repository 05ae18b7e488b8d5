package rotation

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/providers/pwc"

	"github.com/hookctl/hookctl/pkg/bulkrun"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// fake is an in-memory provider with scripted failures.
type fake struct {
	mu      sync.Mutex
	secrets map[string]string
	rotated map[string]int
	// rateLimit: the next n RotateSecret calls are refused with a 429.
	rateLimit int
	// applyThenFail: the next n calls rotate but answer with an error.
	applyThenFail int
	client        bool
	n             int
	// listTwice: List returns every registration twice (a provider's
	// paging that repeats items).
	listTwice bool
	// readErr, when set, is what Get answers.
	readErr error
	// pageSize > 0: List reads pages of this many (ids in order) and hands
	// each to ListOptions.OnPage; beforePage(n), when set, runs before
	// page n > 1 is "read", and its error ends the listing.
	pageSize   int
	beforePage func(n int) error
	// counts: a paged List says how many registrations it holds
	// (ListOptions.OnTotal) before the first page.
	counts bool
	// onRotate, when set, hears each RotateSecret call (outside f.mu).
	onRotate func(id string)
	// honourCtx: a call made after its context ended fails without
	// rotating, as an HTTP request would.
	honourCtx bool
}

func newFake(n int) *fake {
	f := &fake{secrets: map[string]string{}, rotated: map[string]int{}}
	for i := range n {
		f.secrets["wh_"+strconv.Itoa(i)] = "s0-" + strconv.Itoa(i)
	}
	return f
}

func (f *fake) Name() string { return "fake" }
func (f *fake) List(_ context.Context, opts webhook.ListOptions) ([]webhook.Registration, error) {
	f.mu.Lock()
	var out []webhook.Registration
	for id, s := range f.secrets {
		out = append(out, webhook.Registration{ID: id, URL: "https://x/" + id, Secret: s})
		if f.listTwice {
			out = append(out, webhook.Registration{ID: id, URL: "https://x/" + id, Secret: s})
		}
	}
	f.mu.Unlock()
	if f.pageSize == 0 {
		return out, nil
	}
	slices.SortFunc(out, func(a, b webhook.Registration) int { return strings.Compare(a.ID, b.ID) })
	if f.counts && opts.OnTotal != nil {
		opts.OnTotal(len(out))
	}
	for n, start := 1, 0; start < len(out); n, start = n+1, start+f.pageSize {
		if n > 1 && f.beforePage != nil {
			if err := f.beforePage(n); err != nil {
				return out[:start], fmt.Errorf("list page %d: %w", n, err)
			}
		}
		if opts.OnPage != nil {
			if err := opts.OnPage(out[start:min(start+f.pageSize, len(out))]); err != nil {
				return out[:start], err
			}
		}
	}
	return out, nil
}
func (f *fake) Get(_ context.Context, id string) (*webhook.Registration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readErr != nil {
		return nil, f.readErr
	}
	s, ok := f.secrets[id]
	if !ok {
		return nil, webhook.NotFound("fake", id)
	}
	return &webhook.Registration{ID: id, Secret: s}, nil
}
func (f *fake) Register(context.Context, webhook.CreateRequest) ([]webhook.Registration, error) {
	return nil, nil
}
func (f *fake) Update(context.Context, string, webhook.UpdateRequest) (*webhook.Registration, error) {
	return nil, nil
}
func (f *fake) Delete(context.Context, string) error { return nil }
func (f *fake) Events(context.Context) (*webhook.EventCatalogue, error) {
	return &webhook.EventCatalogue{}, nil
}
func (f *fake) RotationPolicy() webhook.RotationPolicy {
	if f.client {
		return webhook.RotationPolicy{ClientChoosesSecret: true, MaxConcurrency: 4}
	}
	return webhook.RotationPolicy{Overlap: time.Hour, MaxConcurrency: 4}
}
func (f *fake) RotateSecret(ctx context.Context, id string, req webhook.RotateRequest) (*webhook.Rotation, error) {
	if f.honourCtx && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if f.onRotate != nil {
		f.onRotate(id)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	old, ok := f.secrets[id]
	if !ok {
		return nil, webhook.NotFound("fake", id)
	}
	if f.rateLimit > 0 {
		f.rateLimit--
		return nil, &webhook.Error{Kind: webhook.KindRateLimited, Msg: "429", RetryAfter: time.Second}
	}
	f.n++
	s := fmt.Sprintf("s%d-%s", f.n, id)
	if f.client {
		s = req.NewSecret
	}
	f.secrets[id] = s
	f.rotated[id]++
	if f.applyThenFail > 0 {
		f.applyThenFail--
		return nil, errors.New("connection reset")
	}
	until := time.Now().Add(time.Hour)
	return &webhook.Rotation{NewSecret: s, PreviousSecret: old, PreviousValidUntil: &until}, nil
}

func setup(t *testing.T, f *fake) (Options, *credentials.Store) {
	t.Helper()
	store := credentials.New(credentials.NewMemory(), func(string) string { return "" })
	return Options{Provider: f, Profile: "p", Store: store, StateDir: t.TempDir(), Select: Selector{All: true},
		Sleep: func(context.Context, time.Duration) error { return nil }}, store
}

func run(t *testing.T, o Options) *Report {
	t.Helper()
	e, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// assertKnown checks every provider secret is the store's current.
func assertKnown(t *testing.T, f *fake, store *credentials.Store) {
	t.Helper()
	for id, s := range f.secrets {
		ws, err := store.WebhookSecrets("p", id)
		if err != nil || ws.Current == nil || ws.Current.Value != s {
			t.Errorf("%s: provider has %q, store has %+v (%v)", id, s, ws.Current, err)
		}
	}
}

func assertNoOpen(t *testing.T, o Options) {
	t.Helper()
	entries, _, err := readJournals(journalDir(o.StateDir, o.Profile))
	if err != nil {
		t.Fatal(err)
	}
	if open := openEntries(entries); len(open) != 0 {
		t.Errorf("%d open journal entries", len(open))
	}
}

func TestBulkRotation(t *testing.T) {
	f := newFake(20)
	o, store := setup(t, f)
	rep := run(t, o)
	if err := rep.Err(false); err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 20 {
		t.Fatalf("%d results", len(rep.Results))
	}
	for _, r := range rep.Results {
		if r.Status != StatusOK || r.OldSecretValidUntil == nil || r.OldSecretRevoked {
			t.Errorf("%+v", r)
		}
	}
	assertKnown(t, f, store)
	assertNoOpen(t, o)
	ws, _ := store.WebhookSecrets("p", "wh_3")
	if ws.Previous == nil || ws.Previous.Value != "s0-3" {
		t.Errorf("previous = %+v", ws.Previous)
	}
	// The journal holds no secret.
	files, _ := os.ReadDir(journalDir(o.StateDir, "p"))
	for _, fi := range files {
		b, _ := os.ReadFile(journalDir(o.StateDir, "p") + "/" + fi.Name())
		if strings.Contains(string(b), f.secrets["wh_3"]) || strings.Contains(string(b), "s0-3") {
			t.Errorf("journal %s contains a secret", fi.Name())
		}
		if st, _ := os.Stat(journalDir(o.StateDir, "p") + "/" + fi.Name()); st.Mode().Perm() != 0o600 {
			t.Errorf("journal mode %v", st.Mode())
		}
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	f := newFake(5)
	o, _ := setup(t, f)
	o.DryRun = true
	rep := run(t, o)
	if f.n != 0 {
		t.Fatalf("dry run rotated %d", f.n)
	}
	for _, r := range rep.Results {
		if r.Status != StatusPlanned || !strings.Contains(r.Plan, "valid for 1h") {
			t.Errorf("%+v", r)
		}
	}
}

func TestRateLimitStormRetriesAndLosesNothing(t *testing.T) {
	f := newFake(10)
	f.rateLimit = 15
	o, store := setup(t, f)
	var waits []time.Duration
	var mu sync.Mutex
	o.Sleep = func(_ context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return nil
	}
	o.MaxAttempts = 100
	rep := run(t, o)
	if err := rep.Err(false); err != nil {
		t.Fatal(err)
	}
	if len(waits) != 15 || waits[0] != time.Second {
		t.Errorf("waits %v, want 15 × Retry-After 1s", waits)
	}
	for id, n := range f.rotated {
		if n != 1 {
			t.Errorf("%s rotated %d times", id, n)
		}
	}
	assertKnown(t, f, store)
}

func TestExitKinds(t *testing.T) {
	f := newFake(3)
	f.rateLimit = 1000
	o, _ := setup(t, f)
	rep := run(t, o)
	if k := webhook.KindOf(rep.Err(false)); k != webhook.KindRateLimited {
		t.Errorf("only 429s: kind %v, want rate_limited", k)
	}
	f2 := newFake(3)
	f2.rateLimit = 1000
	o2, _ := setup(t, f2)
	o2.Select = Selector{IDs: []string{"wh_0", "wh_missing"}}
	rep = run(t, o2)
	if k := webhook.KindOf(rep.Err(false)); k != webhook.KindPartial {
		t.Errorf("mixed: kind %v, want partial", k)
	}
	o3, _ := setup(t, newFake(1))
	o3.Select = Selector{IDs: []string{"wh_missing"}}
	if k := webhook.KindOf(run(t, o3).Err(true)); k != webhook.KindNotFound {
		t.Errorf("single missing id: kind %v, want not_found", k)
	}
}

func TestAmbiguousFailureIsReadBackNotRetried(t *testing.T) {
	f := newFake(4)
	f.applyThenFail = 4
	o, store := setup(t, f)
	o.Concurrency = 1
	rep := run(t, o)
	if err := rep.Err(false); err != nil {
		t.Fatal(err)
	}
	for id, n := range f.rotated {
		if n != 1 {
			t.Errorf("%s rotated %d times", id, n)
		}
	}
	assertKnown(t, f, store)
}

// TestRecoverAfterCrash writes what a run killed after the provider call
// leaves behind (an open intent), then reruns.
func TestRecoverAfterCrash(t *testing.T) {
	f := newFake(2)
	o, store := setup(t, f)
	dir := journalDir(o.StateDir, "p")
	j, err := createJournal(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	salt := "abc"
	for _, id := range []string{"wh_0", "wh_1"} {
		if err := store.StoreCurrent("p", id, f.secrets[id], time.Hour, time.Now()); err != nil {
			t.Fatal(err)
		}
		j.Append(Record{Entry: j.NewEntry(), Op: OpIntent, ID: id, Provider: "fake", Profile: "p", Salt: salt, OldFP: fingerprint(salt, f.secrets[id])})
	}
	j.Close()
	f.RotateSecret(context.Background(), "wh_0", webhook.RotateRequest{}) // the call happened for wh_0 only
	o.Select = Selector{IDs: []string{"wh_1"}}
	rep := run(t, o)
	got := map[string]Result{}
	for _, r := range rep.Results {
		got[r.ID] = r
	}
	// wh_0 finished from the journal; wh_1's interrupted rotation had not
	// happened, and this run's rotation of it is its one row.
	if len(rep.Results) != 2 || got["wh_0"].Status != StatusOK || !got["wh_0"].Recovered ||
		got["wh_1"].Status != StatusOK || got["wh_1"].Recovered || !strings.Contains(got["wh_1"].Reason, "had not happened") {
		t.Fatalf("results %+v", rep.Results)
	}
	if f.rotated["wh_0"] != 1 || f.rotated["wh_1"] != 1 {
		t.Errorf("rotations %v", f.rotated)
	}
	assertKnown(t, f, store)
	assertNoOpen(t, o)
}

func TestClientChosenSecretIsPendingFirst(t *testing.T) {
	f := newFake(1)
	f.client = true
	f.applyThenFail = 1
	o, store := setup(t, f)
	var seen string
	o.NewSecret = func() (string, error) { seen = "client-chosen"; return seen, nil }
	rep := run(t, o)
	if err := rep.Err(false); err != nil {
		t.Fatal(err)
	}
	ws, _ := store.WebhookSecrets("p", "wh_0")
	if ws.Current == nil || ws.Current.Value != "client-chosen" || ws.Pending != nil {
		t.Errorf("store %+v", ws)
	}
	if ws.Previous != nil {
		t.Errorf("no overlap: previous must be dropped, got %+v", ws.Previous)
	}
}

func TestSinkFailureKeepsSecretAndRerunDelivers(t *testing.T) {
	f := newFake(2)
	o, store := setup(t, f)
	out := t.TempDir() + "/out.jsonl"
	o.Sinks = []Sink{bulkrun.NewExecSink("exit 1", nil)}
	rep := run(t, o)
	if k := webhook.KindOf(rep.Err(false)); k != webhook.KindPartial {
		t.Fatalf("kind %v", k)
	}
	assertKnown(t, f, store)
	o.Sinks = []Sink{bulkrun.NewFileSink(out)}
	o.Select = Selector{IDs: []string{}}
	rep = run(t, o)
	if err := rep.Err(false); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	for id, s := range f.secrets {
		if !strings.Contains(string(b), `"id":"`+id+`","secret":"`+s+`"`) {
			t.Errorf("%s not re-delivered: %s", id, b)
		}
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	assertNoOpen(t, o)
}

// The PwC client is the engine's Reconciler: a signature drift would
// silently drop crash recovery for client-chosen secrets.
var _ webhook.Reconciler = (*pwc.Client)(nil)

// TestListedTwiceRotatesOnce: a provider list that returns an item twice
// must not make --all rotate it twice at once.
func TestListedTwiceRotatesOnce(t *testing.T) {
	const runs = 30
	bad := 0
	for i := range runs {
		f := newFake(6)
		f.listTwice = true
		f.pageSize = i % 3 // 0: one answer; 1, 2: a copy on the next page, or on the same one
		o, store := setup(t, f)
		o.Concurrency = 12
		rep := run(t, o)
		wrong := len(rep.Results) != 6
		for id, n := range f.rotated {
			if n != 1 {
				wrong = true
				t.Errorf("run %d: %s rotated %d times", i, id, n)
			}
			ws, err := store.WebhookSecrets("p", id)
			if err != nil || ws.Current == nil || ws.Current.Value != f.secrets[id] {
				wrong = true
				t.Errorf("run %d: %s: the store does not hold the provider's secret", i, id)
			}
		}
		if wrong {
			bad++
		}
	}
	t.Logf("%d runs over a list that repeats every item: %d went wrong", runs, bad)
}

// A named id whose read is forbidden (403: that read is not permitted) is
// rotated with the write endpoint alone; one whose read found the
// credentials refused (401) is not tried.
func TestForbiddenReadStillRotates(t *testing.T) {
	for _, tc := range []struct {
		status  int
		rotated int
		status2 string
	}{{403, 1, StatusOK}, {401, 0, StatusFailed}} {
		f := newFake(1)
		f.readErr = &webhook.Error{Kind: webhook.KindAuth, Msg: "read refused", Status: tc.status}
		o, _ := setup(t, f)
		o.Select = Selector{IDs: []string{"wh_0"}}
		rep := run(t, o)
		if f.n != tc.rotated || len(rep.Results) != 1 || rep.Results[0].Status != tc.status2 {
			t.Errorf("read %d: %d rotations, results %+v", tc.status, f.n, rep.Results)
		}
	}
}
