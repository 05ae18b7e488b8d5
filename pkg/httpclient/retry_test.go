package httpclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sleepLog is an injected Sleep that records every wait instead of taking
// it, so backoff and Retry-After are measured exactly and instantly.
type sleepLog struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepLog) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepLog) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// answering serves status (with header, when set) to the first n
// requests and 200 {} afterwards; it counts the requests.
func answering(t *testing.T, n int32, status int, header http.Header) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= n {
			for k, v := range header {
				w.Header()[k] = v
			}
			w.WriteHeader(status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// TestBackoffGrowsExponentially: without Retry-After the n-th wait (from
// 0) is 250ms·2^n with jitter in [0.5, 1.5), for every retried answer and
// for a connection error; after MaxRetries the last answer is returned.
func TestBackoffGrowsExponentially(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			srv, calls := answering(t, 100, status, nil)
			var sl sleepLog
			_, err := DoJSON(ctx, New(Options{Sleep: sl.sleep}), http.MethodGet, srv.URL, nil, nil, nil)
			if err == nil {
				t.Fatal("a persistent failure succeeded")
			}
			if calls.Load() != 5 {
				t.Errorf("%d attempts, want 5 (4 retries)", calls.Load())
			}
			checkBackoff(t, sl.got(), 4)
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		u := srv.URL
		srv.Close()
		var sl sleepLog
		if _, err := DoJSON(ctx, New(Options{Sleep: sl.sleep, MaxRetries: 3}), http.MethodGet, u, nil, nil, nil); err == nil {
			t.Fatal("a closed port answered")
		}
		checkBackoff(t, sl.got(), 3)
	})
}

func checkBackoff(t *testing.T, waits []time.Duration, n int) {
	t.Helper()
	if len(waits) != n {
		t.Fatalf("waited %d times (%v), want %d", len(waits), waits, n)
	}
	for i, d := range waits {
		base := 250 * time.Millisecond << i
		if lo, hi := base/2, base*3/2; d < lo || d >= hi {
			t.Errorf("wait %d is %s, want in [%s, %s): exponential backoff from 250ms with jitter", i, d, lo, hi)
		}
	}
}

// TestRetryAfterHonoured: a Retry-After in seconds or as an HTTP date is
// the wait, on a 429 and on a 503, instead of the backoff.
func TestRetryAfterHonoured(t *testing.T) {
	cases := []struct {
		name   string
		status int
		value  func() string
		lo, hi time.Duration
	}{
		{"429 seconds", http.StatusTooManyRequests, func() string { return "7" }, 7 * time.Second, 7 * time.Second},
		{"503 seconds", http.StatusServiceUnavailable, func() string { return "3" }, 3 * time.Second, 3 * time.Second},
		{"zero is the backoff", http.StatusTooManyRequests, func() string { return "0" }, 125 * time.Millisecond, 375 * time.Millisecond},
		// An HTTP date has whole seconds: 20 s ahead is a wait of 19-20 s
		// (less the few milliseconds before it is read).
		{"429 HTTP date", http.StatusTooManyRequests, func() string { return time.Now().Add(20 * time.Second).UTC().Format(http.TimeFormat) }, 15 * time.Second, 20 * time.Second},
		{"a date in the past is the backoff", http.StatusTooManyRequests, func() string { return time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat) }, 125 * time.Millisecond, 375 * time.Millisecond},
		{"garbage is the backoff", http.StatusTooManyRequests, func() string { return "soon" }, 125 * time.Millisecond, 375 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			value := tc.value()
			srv, calls := answering(t, 1, tc.status, http.Header{"Retry-After": {value}})
			var sl sleepLog
			if _, err := DoJSON(ctx, New(Options{Sleep: sl.sleep}), http.MethodGet, srv.URL, nil, nil, nil); err != nil {
				t.Fatal(err)
			}
			waits := sl.got()
			if calls.Load() != 2 || len(waits) != 1 {
				t.Fatalf("%d attempts and waits %v, want 2 attempts and one wait", calls.Load(), waits)
			}
			if d := waits[0]; d < tc.lo || d > tc.hi {
				t.Errorf("waited %s for Retry-After %q, want %s..%s", d, value, tc.lo, tc.hi)
			}
		})
	}
}

// TestRetryAfterOverMaxWait: a Retry-After longer than MaxWait is not
// waited for: one attempt, no sleep, a RateLimitError naming the wait.
func TestRetryAfterOverMaxWait(t *testing.T) {
	srv, calls := answering(t, 100, http.StatusTooManyRequests, http.Header{"Retry-After": {"120"}})
	var sl sleepLog
	_, err := DoJSON(ctx, New(Options{Sleep: sl.sleep}), http.MethodGet, srv.URL, nil, nil, nil)
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 120*time.Second || rl.Attempts != 1 {
		t.Fatalf("err %v, want a RateLimitError after 1 attempt asking for 2m0s", err)
	}
	if calls.Load() != 1 || len(sl.got()) != 0 {
		t.Errorf("%d attempts, waits %v: a wait over MaxWait must end the request at once", calls.Load(), sl.got())
	}
	// Within a raised MaxWait the same answer is waited out.
	srv2, _ := answering(t, 1, http.StatusTooManyRequests, http.Header{"Retry-After": {"120"}})
	sl = sleepLog{}
	if _, err := DoJSON(ctx, New(Options{Sleep: sl.sleep, MaxWait: 3 * time.Minute}), http.MethodGet, srv2.URL, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if w := sl.got(); len(w) != 1 || w[0] != 120*time.Second {
		t.Errorf("waits %v, want [2m0s]", w)
	}
}

// TestPersistent429IsRateLimitError: five 429s end in a RateLimitError
// with the attempts and the last Retry-After, each wait honoured.
func TestPersistent429IsRateLimitError(t *testing.T) {
	srv, calls := answering(t, 100, http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}})
	var sl sleepLog
	_, err := DoJSON(ctx, New(Options{Sleep: sl.sleep}), http.MethodGet, srv.URL, nil, nil, nil)
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Attempts != 5 || rl.RetryAfter != 2*time.Second {
		t.Fatalf("err %v, want a RateLimitError after 5 attempts", err)
	}
	if calls.Load() != 5 {
		t.Errorf("%d attempts, want 5", calls.Load())
	}
	for i, d := range sl.got() {
		if d != 2*time.Second {
			t.Errorf("wait %d is %s, want Retry-After's 2s", i, d)
		}
	}
	if n := len(sl.got()); n != 4 {
		t.Errorf("%d waits, want 4", n)
	}
}

// TestNoWaitWithoutRetry: a write without an Idempotency-Key is sent once
// and never waits, whatever it is told; a cancelled wait ends the request.
func TestNoWaitWithoutRetry(t *testing.T) {
	srv, calls := answering(t, 100, http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}})
	var sl sleepLog
	_, err := DoJSON(ctx, New(Options{Sleep: sl.sleep}), http.MethodPatch, srv.URL, nil, map[string]any{"a": 1}, nil)
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Attempts != 1 || calls.Load() != 1 || len(sl.got()) != 0 {
		t.Fatalf("PATCH: err %v, %d attempts, waits %v; want one attempt, no wait", err, calls.Load(), sl.got())
	}

	calls.Store(0)
	cctx, cancel := context.WithCancel(ctx)
	stop := func(c context.Context, d time.Duration) error { cancel(); return c.Err() }
	_, err = DoJSON(cctx, New(Options{Sleep: stop}), http.MethodGet, srv.URL, nil, nil, nil)
	if !errors.Is(err, context.Canceled) || calls.Load() != 1 {
		t.Fatalf("cancelled during the wait: err %v after %d attempts, want context.Canceled after 1", err, calls.Load())
	}
}

// TestSleepCtx: the default Sleep waits at least d and returns early, with
// the context's error, when the context ends.
func TestSleepCtx(t *testing.T) {
	start := time.Now()
	if err := sleepCtx(ctx, 20*time.Millisecond); err != nil || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("sleepCtx returned %v after %s, want nil after at least 20ms", err, time.Since(start))
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := sleepCtx(cctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("sleepCtx on a cancelled context: %v", err)
	}
}
