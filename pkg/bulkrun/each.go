package bulkrun

import (
	"context"
	"iter"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// Each is the bulk loop, for any per-item work (rotations, apply's
// writes, delivery resends): do(i) runs for i in [0, n) with at most concurrency
// in flight, and progress (if set) hears after each item how many are
// done and how many failed. An item whose turn comes after ctx ended is
// not run: skipped(i) reports it instead, also when it was already waiting
// for a free slot as ctx ended. do reports whether item i failed.
func Each(ctx context.Context, n, concurrency int, do func(i int) (failed bool), skipped func(i int), progress func(done, total, failed int)) {
	each(ctx, func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}, func() int { return n }, concurrency, do, skipped, progress)
}

// EachStream is Each over items that arrive on in while the loop runs (a
// listing still reading its pages); it returns when in is closed and every
// item is done. progress's total is total(), 0 while it is not known: the
// items received so far are no total, since the loop takes an item only
// when a worker is free.
func EachStream[T any](ctx context.Context, in <-chan T, total func() int, concurrency int, do func(T) (failed bool), skipped func(T), progress func(done, total, failed int)) {
	each(ctx, func(yield func(T) bool) {
		for v := range in {
			if !yield(v) {
				return
			}
		}
	}, total, concurrency, do, skipped, progress)
}

func each[T any](ctx context.Context, items iter.Seq[T], total func() int, concurrency int, do func(T) bool, skipped func(T), progress func(done, total, failed int)) {
	var done, failed atomic.Int64
	g := errgroup.Group{}
	g.SetLimit(max(1, concurrency))
	for v := range items {
		if ctx.Err() != nil {
			skipped(v)
			continue
		}
		g.Go(func() error {
			// g.Go waited for a slot: ctx may have ended meanwhile.
			if ctx.Err() != nil {
				skipped(v)
				return nil
			}
			if do(v) {
				failed.Add(1)
			}
			d := done.Add(1)
			if progress != nil {
				progress(int(d), total(), int(failed.Load()))
			}
			return nil
		})
	}
	_ = g.Wait()
	if d := done.Load(); progress != nil && d > 0 {
		progress(int(d), total(), int(failed.Load())) // the total may have become known after the last item
	}
}
