// Package providertest holds what the provider packages' emulator tests
// share: a settable clock and a webhook receiver that records deliveries.
package providertest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Clock is a settable time source shared by an emulator and its clients.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts at 2026-03-01 12:00 UTC.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Delivery is one request a Receiver got.
type Delivery struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// Receiver is a webhook endpoint that records deliveries and answers with
// a settable status (200 at first).
type Receiver struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	got    []Delivery
}

// NewReceiver serves until the test ends.
func NewReceiver(t testing.TB) *Receiver {
	rc := &Receiver{status: http.StatusOK}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.got = append(rc.got, Delivery{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
		w.WriteHeader(rc.status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// SetStatus sets the status of later answers.
func (rc *Receiver) SetStatus(s int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.status = s
}

// Deliveries returns what was received so far.
func (rc *Receiver) Deliveries() []Delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Delivery(nil), rc.got...)
}
