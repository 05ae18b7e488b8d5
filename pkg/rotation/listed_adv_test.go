package rotation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/hookctl/hookctl/pkg/credentials"
)

// TestAllCancelledWhileListing: Ctrl-C while --all is still reading pages,
// with rotations of the first pages in flight, over the secret db (group
// commits). The run ends with the cancellation; no id is reported twice;
// each registration the provider rotated is either stored (its result ok)
// or left open in the journal, and a rerun then leaves every provider
// secret in the store and nothing open.
func TestAllCancelledWhileListing(t *testing.T) {
	for _, cancelAt := range []int{2, 3, 5} {
		t.Run(fmt.Sprintf("page%d", cancelAt), func(t *testing.T) {
			f := newFake(40)
			f.pageSize = 5
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var once sync.Once
			started := make(chan struct{})
			f.onRotate = func(string) { once.Do(func() { close(started) }) }
			f.beforePage = func(n int) error {
				if n == cancelAt {
					<-started
					cancel()
					return ctx.Err()
				}
				return nil
			}
			o, _ := setup(t, f)
			store, err := credentials.OpenIn(credentials.StorageFile, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			o.Store = store
			o.Concurrency = 16
			e, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := e.Run(ctx)
			if !errors.Is(err, context.Canceled) || rep == nil {
				t.Fatalf("run: report %v, error %v; want the report and the cancellation", rep != nil, err)
			}
			seen := map[string]bool{}
			for _, r := range rep.Results {
				if seen[r.ID] {
					t.Errorf("%s reported twice", r.ID)
				}
				seen[r.ID] = true
				ws, err := store.WebhookSecrets("p", r.ID)
				if err != nil {
					t.Fatal(err)
				}
				stored := ws.Current != nil && ws.Current.Value == f.secrets[r.ID]
				if r.Status == StatusOK && !stored {
					t.Errorf("%s reported ok, but the store does not hold the provider's secret", r.ID)
				}
			}
			if len(rep.Results) > (cancelAt-1)*f.pageSize {
				t.Errorf("%d results for %d listed", len(rep.Results), (cancelAt-1)*f.pageSize)
			}
			if rep.Err(false) == nil && len(rep.Results) < (cancelAt-1)*f.pageSize {
				t.Errorf("the report of a cancelled run counts no failure")
			}
			// Rerun: recovery of anything open, then the rest.
			f.beforePage, f.onRotate = nil, nil
			o.Select = Selector{All: true}
			rep2 := run(t, o)
			if err := rep2.Err(false); err != nil {
				for _, r := range rep2.Results {
					t.Logf("%s %s %s", r.ID, r.Status, r.Error)
				}
				t.Fatalf("rerun: %v", err)
			}
			assertKnown(t, f, store)
			assertNoOpen(t, o)
		})
	}
}
