package rotation

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/hookctl/hookctl/pkg/bulkrun"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// runListed is Run's loop for --all: it rotates each registration as the
// listing reads it, so the run starts on the first page while later ones
// are read (Solvimon's and PEXA's pages come one after another: at 50 ms a
// page, 1,000 registrations waited a second before the first rotation).
// A listing that fails part-way reports what was rotated before it.
func (e *Engine) runListed(ctx context.Context, rep *Report, handled map[string]bool) (*Report, error) {
	l := &listing{e: e, sv: e.newSieve(handled)}
	l.providerTotal.Store(-1)
	// The lister never waits for the rotations: pages are read back to
	// back (a held page would hold every later one) and queue up here.
	listed, feed := unbounded[*slot]()
	go l.list(ctx, listed)
	bulkrun.EachStream(ctx, feed, l.total, e.o.Concurrency, func(s *slot) bool {
		s.r = e.process(ctx, s.it)
		return s.r.Status == StatusFailed
	}, func(s *slot) {
		s.r = interrupted(ctx, s.it)
	}, e.o.Progress)
	return e.reportListed(ctx, rep, l)
}

// slot is one listed registration the run rotates, and its row.
type slot struct {
	it item
	r  Result
}

// listing is the state of an --all run's listing. The lister goroutine
// (list) alone appends to slots and sv and sets err until it closes its
// channel; they are read after the loop has drained it.
type listing struct {
	e     *Engine
	sv    *sieve
	slots []*slot
	err   error
	// The progress's total: the provider's count less the registrations
	// the run leaves out, while the listing reads; then the exact count.
	providerTotal, taken, left atomic.Int64
	ended                      atomic.Bool
}

// total is the progress's total: 0 while it is not known.
func (l *listing) total() int {
	n := int(l.taken.Load())
	switch {
	case l.ended.Load():
		return n
	case l.providerTotal.Load() < 0 || l.e.o.Select.filtered():
		return 0 // a filter's count is known only at the end
	}
	return max(int(l.providerTotal.Load()-l.left.Load()), n+1) // not done until the listing is
}

// list reads every page of the provider's registrations and sends each
// one the run rotates on listed, which it closes at the end.
func (l *listing) list(ctx context.Context, listed chan<- *slot) {
	defer close(listed)
	met := map[string]bool{}
	take := func(regs []webhook.Registration) error {
		for i := range regs {
			r := regs[i] // a copy: the page is the provider's
			again := met[r.ID]
			met[r.ID] = true
			if it, ok := l.sv.take(&r); ok {
				s := &slot{it: it}
				l.slots = append(l.slots, s)
				l.taken.Add(1)
				listed <- s
			} else if !again {
				l.left.Add(1)
			}
		}
		return nil
	}
	onTotal := func(n int) { l.providerTotal.Store(int64(n)) }
	list, err := l.e.o.Provider.List(ctx, webhook.ListOptions{All: true, OnPage: take, OnTotal: onTotal})
	if err == nil {
		err = take(list) // what no page call brought (a one-answer list); seen drops the rest
	}
	l.err = err
	l.ended.Store(true)
}

// reportListed puts the rows of an --all run in rep, once its loop is
// done, and says how a listing that failed part-way left it.
func (e *Engine) reportListed(ctx context.Context, rep *Report, l *listing) (*Report, error) {
	skipped, listErr := l.sv.skipped, l.err
	if listErr != nil && ctx.Err() == nil && len(l.slots) == 0 && len(skipped) == 0 && len(rep.Results) == 0 {
		return nil, fmt.Errorf("list registrations: %w", listErr) // nothing to report but the error
	}
	planned := map[string]bool{}
	for _, s := range l.slots {
		planned[s.it.reg.ID] = true
	}
	e.reportSuperseded(rep, planned)
	rep.Results = append(rep.Results, skipped...)
	for _, s := range l.slots {
		rep.Results = append(rep.Results, s.r)
	}
	rep.Results = oneRowPerID(rep.Results)
	switch {
	case ctx.Err() != nil:
		return rep, ctx.Err()
	case listErr != nil && len(l.slots)+len(skipped) == 0:
		return rep, fmt.Errorf("list registrations: %w", listErr)
	case listErr != nil:
		return rep, fmt.Errorf("list registrations: %w (the %d registrations listed before it are reported above; rerun to rotate the rest)", listErr, len(l.slots)+len(skipped))
	}
	return rep, nil
}

// unbounded returns a channel pair: what is sent on in comes out of out
// in order, and a send never waits for the receiver (the values queue in
// between). Closing in closes out once the queue is drained.
func unbounded[T any]() (in chan<- T, out <-chan T) {
	i, o := make(chan T), make(chan T)
	go func() {
		defer close(o)
		var q []T
		for i != nil || len(q) > 0 {
			var send chan T
			var next T
			if len(q) > 0 {
				send, next = o, q[0]
			}
			select {
			case v, ok := <-i:
				if !ok {
					i = nil
					continue
				}
				q = append(q, v)
			case send <- next:
				var zero T
				q[0] = zero
				q = q[1:]
			}
		}
	}()
	return i, o
}
