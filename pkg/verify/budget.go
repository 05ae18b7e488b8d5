package verify

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// Budget bounds the request body bytes a receiver holds at once, across
// all deliveries in flight: each reserves its Content-Length (or the
// per-delivery maximum when it sends none) before a byte is read and
// returns it when its answer is sent, forward included.
type Budget struct {
	size  int64
	wait  time.Duration
	sem   *semaphore.Weighted
	inUse atomic.Int64
	peak  atomic.Int64
}

// NewBudget is a budget of size bytes; a delivery waits at most wait (0:
// not at all) for its share before it is turned away (503 with Retry-After): a sender
// that gets no answer within seconds gives up anyway (PEXA waits 5 s,
// Solvimon 10 s), and its retry is cheaper than a queue of held
// connections.
func NewBudget(size int64, wait time.Duration) *Budget {
	return &Budget{size: size, wait: wait, sem: semaphore.NewWeighted(size)}
}

// Size is the budget in bytes.
func (b *Budget) Size() int64 { return b.size }

// Peak is the most body bytes reserved at once so far.
func (b *Budget) Peak() int64 { return b.peak.Load() }

func (b *Budget) acquire(ctx context.Context, n int64) bool {
	if !b.sem.TryAcquire(n) {
		if b.wait <= 0 {
			return false
		}
		ctx, cancel := context.WithTimeout(ctx, b.wait)
		defer cancel()
		if b.sem.Acquire(ctx, n) != nil {
			return false
		}
	}
	use := b.inUse.Add(n)
	for p := b.peak.Load(); use > p && !b.peak.CompareAndSwap(p, use); p = b.peak.Load() {
	}
	return true
}

func (b *Budget) release(n int64) {
	b.inUse.Add(-n)
	b.sem.Release(n)
}

// errBudget: the budget stayed spent for its whole wait.
var errBudget = errors.New("body budget spent")

// readBody reads r's body within b: a declared Content-Length over max is
// refused before reading, and the bytes are reserved before they are read.
// done returns them to the budget; call it when the body is no longer
// needed. The status goes with an error.
func (b *Budget) readBody(w http.ResponseWriter, r *http.Request, max int64) (body []byte, done func(), status int, err error) {
	n := r.ContentLength
	switch {
	case n > max:
		return nil, nil, http.StatusRequestEntityTooLarge, errors.New("Content-Length " + strconv.FormatInt(n, 10) + " is over the " + strconv.FormatInt(max, 10) + "-byte limit")
	case n == 0:
		return nil, func() {}, 0, nil
	case n < 0:
		n = max // unknown length: reserve the most it may be
	}
	if !b.acquire(r.Context(), n) {
		return nil, nil, http.StatusServiceUnavailable, errBudget
	}
	done = func() { b.release(n) }
	if r.ContentLength > 0 {
		body = make([]byte, n)
		_, err = io.ReadFull(r.Body, body)
	} else {
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	}
	if err != nil {
		done()
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, nil, http.StatusRequestEntityTooLarge, err
		}
		return nil, nil, http.StatusBadRequest, err
	}
	return body, done, 0, nil
}
