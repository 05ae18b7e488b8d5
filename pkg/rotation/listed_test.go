package rotation

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// TestAllStartsBeforeTheListingEnds: with --all, the rotations of the
// first page run while later pages are still being read. The fake's second
// page waits for a rotation to have started; a run that lists everything
// first never starts one, and the page gives up.
func TestAllStartsBeforeTheListingEnds(t *testing.T) {
	f := newFake(10)
	f.pageSize = 4
	started := make(chan struct{})
	var once sync.Once
	f.onRotate = func(string) { once.Do(func() { close(started) }) }
	f.beforePage = func(n int) error {
		select {
		case <-started:
			return nil
		case <-time.After(10 * time.Second):
			return errors.New("no rotation started while the listing was reading pages")
		}
	}
	o, store := setup(t, f)
	rep := run(t, o)
	if err := rep.Err(false); err != nil || len(rep.Results) != 10 {
		t.Fatalf("%d results, %v", len(rep.Results), err)
	}
	assertKnown(t, f, store)
	assertNoOpen(t, o)
}

// TestListingFailsPartWay: the registrations listed before a page failed
// are rotated and reported, the run ends with the listing's error (so the
// exit code says it), and nothing is left open.
func TestListingFailsPartWay(t *testing.T) {
	f := newFake(10)
	f.pageSize = 4
	f.beforePage = func(n int) error {
		if n == 3 {
			return errors.New("502 Bad Gateway")
		}
		return nil
	}
	o, store := setup(t, f)
	e, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "list registrations: list page 3: 502 Bad Gateway") || !strings.Contains(err.Error(), "rerun") {
		t.Fatalf("run error = %v, want the listing's error", err)
	}
	if rep == nil || len(rep.Results) != 8 {
		t.Fatalf("report %+v: want the 8 registrations of pages 1 and 2", rep)
	}
	for _, r := range rep.Results {
		if r.Status != StatusOK {
			t.Errorf("%s: %s %s", r.ID, r.Status, r.Error)
		}
		ws, err := store.WebhookSecrets("p", r.ID)
		if err != nil || ws.Current == nil || ws.Current.Value != f.secrets[r.ID] {
			t.Errorf("%s: the store does not hold the provider's secret (%+v, %v)", r.ID, ws.Current, err)
		}
	}
	if len(f.rotated) != 8 {
		t.Errorf("%d registrations rotated, want the 8 listed", len(f.rotated))
	}
	assertNoOpen(t, o)

	// A listing that fails on its first page rotates nothing and reports
	// nothing but the error, as before.
	f2 := newFake(3)
	f2.pageSize = 1
	o2, _ := setup(t, f2)
	o2.Provider = failingList{f2}
	e2, err := New(o2)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := e2.Run(context.Background()); rep != nil || err == nil || !strings.Contains(err.Error(), "list registrations: 401") {
		t.Fatalf("first page refused: report %+v, error %v", rep, err)
	}
}

type failingList struct{ *fake }

func (failingList) List(context.Context, webhook.ListOptions) ([]webhook.Registration, error) {
	return nil, errors.New("401 Unauthorized")
}

// TestListingRefusedStillReportsRecoveries: an interrupted rotation is
// recovered before the listing starts; when the listing then fails on its
// first page, the run still reports the recovery beside the error, instead
// of the error alone (the recovery happened and changed the store).
func TestListingRefusedStillReportsRecoveries(t *testing.T) {
	f := newFake(1)
	o, store := setup(t, f)
	j, err := createJournal(journalDir(o.StateDir, "p"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	salt := "abc"
	if err := store.StoreCurrent("p", "wh_0", f.secrets["wh_0"], time.Hour, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := j.Append(Record{Entry: j.NewEntry(), Op: OpIntent, ID: "wh_0", Provider: "fake", Profile: "p", Salt: salt, OldFP: fingerprint(salt, f.secrets["wh_0"])}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	f.RotateSecret(context.Background(), "wh_0", webhook.RotateRequest{}) // the interrupted call landed
	o.Provider = failingList{f}
	e, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "list registrations: 401") {
		t.Fatalf("run error = %v, want the listing's", err)
	}
	if rep == nil || len(rep.Results) != 1 || !rep.Results[0].Recovered || rep.Results[0].Status != StatusOK {
		t.Fatalf("report %+v: want wh_0's recovery", rep)
	}
	assertKnown(t, f, store)
}

// TestAllProgressTotal: while --all lists, progress's
// total is the provider's count where it gives one (and no filter narrows
// the run), else 0, "not known"; never the registrations received so far.
// Once the listing has ended it is exact, and the last call says so.
func TestAllProgressTotal(t *testing.T) {
	for _, c := range []struct {
		name     string
		counts   bool
		filter   bool
		whileLst int // the total progress must give while the listing reads
	}{
		{"provider counts", true, false, 10},
		{"provider does not count", false, false, 0},
		{"filtered", true, true, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(10)
			f.pageSize, f.counts = 4, c.counts
			type call struct{ done, total int }
			var mu sync.Mutex
			var calls []call
			heard := make(chan struct{}, 100)
			f.beforePage = func(n int) error {
				select {
				case <-heard: // a rotation of an earlier page is done
					return nil
				case <-time.After(10 * time.Second):
					return errors.New("no progress while the listing was reading pages")
				}
			}
			o, _ := setup(t, f)
			o.Concurrency = 1
			if c.filter {
				o.Select.URLMatch = regexp.MustCompile("x")
			}
			o.Progress = func(done, total, failed int) {
				mu.Lock()
				calls = append(calls, call{done, total})
				mu.Unlock()
				heard <- struct{}{}
			}
			rep := run(t, o)
			if err := rep.Err(false); err != nil || len(rep.Results) != 10 {
				t.Fatalf("%d results, %v", len(rep.Results), err)
			}
			mu.Lock()
			defer mu.Unlock()
			if last := calls[len(calls)-1]; last != (call{10, 10}) {
				t.Errorf("last progress %+v, want 10 of 10", last)
			}
			// Pages 2 and 3 each wait for a progress call: the first two
			// come while the listing reads.
			for _, cl := range calls[:2] {
				if cl.total != c.whileLst {
					t.Errorf("while listing: progress %+v, want a total of %d", cl, c.whileLst)
				}
			}
		})
	}
}
