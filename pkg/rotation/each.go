package rotation

import (
	"context"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// Each is the engine's bulk loop, for any per-item work (rotations,
// delivery resends): do(i) runs for i in [0, n) with at most concurrency
// in flight, and progress (if set) hears after each item how many are
// done and how many failed. An item whose turn comes after ctx ended is
// not run: skipped(i) reports it instead. do reports whether item i failed.
func Each(ctx context.Context, n, concurrency int, do func(i int) (failed bool), skipped func(i int), progress func(done, total, failed int)) {
	var done, failed atomic.Int64
	g := errgroup.Group{}
	g.SetLimit(max(1, concurrency))
	for i := range n {
		if ctx.Err() != nil {
			skipped(i)
			continue
		}
		g.Go(func() error {
			if do(i) {
				failed.Add(1)
			}
			d := done.Add(1)
			if progress != nil {
				progress(int(d), n, int(failed.Load()))
			}
			return nil
		})
	}
	_ = g.Wait()
}
