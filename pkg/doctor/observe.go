package doctor

import (
	"crypto/tls"
	"net/http"
	"sync"
	"time"
)

// Exchange is one HTTP round trip the checks made, as the clock and TLS
// checks need it.
type Exchange struct {
	Scheme, Host string
	// Date is the answer's Date header (zero when absent or unreadable).
	Date time.Time
	// At is when the answer arrived, on our clock.
	At  time.Time
	TLS *tls.ConnectionState
	// Err is the transport error when no answer came.
	Err error
}

// Observer is an http.RoundTripper that records every exchange of the
// checks, so the clock and TLS checks judge the provider's real answers
// without requests of their own.
type Observer struct {
	next http.RoundTripper
	now  func() time.Time

	mu   sync.Mutex
	seen []Exchange
}

// Observe wraps c's transport in an Observer and returns the wrapped
// client (a copy; c is not changed).
func Observe(c *http.Client, now func() time.Time) (*http.Client, *Observer) {
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	if now == nil {
		now = time.Now
	}
	o := &Observer{next: next, now: now}
	cc := *c
	cc.Transport = o
	return &cc, o
}

// RoundTrip records the exchange and passes it through unchanged.
func (o *Observer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := o.next.RoundTrip(r)
	x := Exchange{Scheme: r.URL.Scheme, Host: r.URL.Host, At: o.now(), Err: err}
	if resp != nil {
		if d, perr := http.ParseTime(resp.Header.Get("Date")); perr == nil {
			x.Date = d
		}
		x.TLS = resp.TLS
	}
	o.mu.Lock()
	o.seen = append(o.seen, x)
	o.mu.Unlock()
	return resp, err
}

// Exchanges returns what was recorded so far.
func (o *Observer) Exchanges() []Exchange {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Exchange(nil), o.seen...)
}
