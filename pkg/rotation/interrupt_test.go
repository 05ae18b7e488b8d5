package rotation

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestInterruptedRunReportsNotStarted: Ctrl-C while the
// first of six rotations runs, one at a time, named ids and --all alike.
// The items never attempted are "not started", not "failed", and leave no
// intent in the journal; a rerun then reports each id once and rotates
// each once more.
func TestInterruptedRunReportsNotStarted(t *testing.T) {
	for _, all := range []bool{false, true} {
		t.Run("all="+strconv.FormatBool(all), func(t *testing.T) {
			f := newFake(6)
			f.honourCtx = true
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var once sync.Once
			f.onRotate = func(string) { once.Do(cancel) } // the first rotation itself completes
			o, store := setup(t, f)
			o.Concurrency = 1
			o.Select = Selector{IDs: []string{"wh_0", "wh_1", "wh_2", "wh_3", "wh_4", "wh_5"}}
			if all {
				o.Select = Selector{All: true}
			}
			e, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := e.Run(ctx)
			if !errors.Is(err, context.Canceled) || rep == nil {
				t.Fatalf("run: report %v, error %v; want the report and the cancellation", rep != nil, err)
			}
			counts := map[string]int{}
			first := map[string]bool{} // rotated by the interrupted run
			for _, r := range rep.Results {
				first[r.ID] = r.Status == StatusOK
				counts[r.Status]++
				if r.Status == StatusNotStarted && f.rotated[r.ID] != 0 {
					t.Errorf("%s reported not started, but the provider rotated it", r.ID)
				}
			}
			if counts[StatusOK] != 1 || counts[StatusNotStarted] != 5 || len(rep.Results) != 6 {
				t.Errorf("statuses %v over %d rows; want 1 ok and 5 not started", counts, len(rep.Results))
			}
			if k := rep.Err(false); k == nil {
				t.Errorf("a report with items not started has no error")
			}
			entries, _, err := readJournals(journalDir(o.StateDir, o.Profile))
			if err != nil {
				t.Fatal(err)
			}
			if open := openEntries(entries); len(open) != 0 {
				t.Errorf("%d open journal entries for items never attempted", len(open))
			}

			f.onRotate = nil
			rep2 := run(t, o)
			seen := map[string]int{}
			for _, r := range rep2.Results {
				seen[r.ID]++
				if seen[r.ID] > 1 {
					t.Errorf("rerun reports %s twice", r.ID)
				}
				if r.Status != StatusOK {
					t.Errorf("rerun: %s %s %s", r.ID, r.Status, r.Error)
				}
			}
			for id, n := range f.rotated {
				if want := map[bool]int{true: 2, false: 1}[first[id]]; n != want {
					t.Errorf("%s rotated %d times, want %d (once a run that reached it)", id, n, want)
				}
			}
			assertKnown(t, f, store)
			assertNoOpen(t, o)
		})
	}
}

// TestRecoveredThenRotatedIsOneRow: an interrupted rotation that had not
// happened is found in the journal and the id is rotated in the same run:
// the report has one row for it, the rotation's, which says what was
// found.
func TestRecoveredThenRotatedIsOneRow(t *testing.T) {
	f := newFake(2)
	o, _ := setup(t, f)
	j, err := createJournal(journalDir(o.StateDir, "p"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	salt := "abc"
	j.Append(Record{Entry: j.NewEntry(), Op: OpIntent, ID: "wh_1", Provider: "fake", Profile: "p", Salt: salt, OldFP: fingerprint(salt, f.secrets["wh_1"])})
	j.Close()
	o.Select = Selector{IDs: []string{"wh_0", "wh_1"}}
	rep := run(t, o)
	var ids []string
	for _, r := range rep.Results {
		ids = append(ids, r.ID)
		if r.ID == "wh_1" && (r.Status != StatusOK || r.Recovered || r.Reason == "") {
			t.Errorf("wh_1: %+v; want the rotation's row, with a reason naming the interrupted one", r)
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"wh_0", "wh_1"}) {
		t.Errorf("rows for %v; want one per id", ids)
	}
	if f.rotated["wh_1"] != 1 {
		t.Errorf("wh_1 rotated %d times", f.rotated["wh_1"])
	}
}
