package httpclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// Every attempt waits for Options.Limiter, retries included: a limiter
// with one token and no refill lets the first attempt through and stops
// the retry before it is sent.
func TestLimiterHoldsEveryAttempt(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c := New(Options{MaxRetries: 2, Limiter: rate.NewLimiter(0, 1),
		Sleep: func(context.Context, time.Duration) error { return nil }})
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := c.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatal("want the retry refused by the limiter, got a response")
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("server saw %d attempts, want 1 (the limiter holds the retries)", n)
	}
}
