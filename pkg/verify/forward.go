package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/sync/semaphore"
)

// Forwarder passes verified deliveries on to a target, unchanged but for
// hop-by-hop headers: at most limit at once, each within its own timeout,
// which covers the wait for a free slot too. A slow or hung target costs
// each delivery at most the timeout and holds up no verification.
type Forwarder struct {
	url     string
	timeout time.Duration
	slots   *semaphore.Weighted
	client  *http.Client
}

// NewForwarder forwards to url with client, limit deliveries at once, each
// given timeout. The client should keep limit idle connections to the
// target (ForwardTransport) and not retry: the sender retries.
func NewForwarder(url string, timeout time.Duration, limit int, client *http.Client) *Forwarder {
	return &Forwarder{url: url, timeout: timeout, slots: semaphore.NewWeighted(int64(limit)), client: client}
}

// ForwardTransport is the transport a forwarder's client should use: one
// idle connection per concurrent delivery.
func ForwardTransport(limit int) http.RoundTripper {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = limit
	return tr
}

// errForwardTimeout: the target did not answer within the timeout.
var errForwardTimeout = errors.New("forward timed out")

// hopHeaders are not forwarded (RFC 9110 §7.6.1).
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// Forward sends r's method and headers with body to the target and returns
// its status; an error wrapping errForwardTimeout when the timeout ran out.
func (f *Forwarder) Forward(ctx context.Context, r *http.Request, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	status, err := f.send(ctx, r, body)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return 0, fmt.Errorf("%w: no answer within %s", errForwardTimeout, f.timeout)
	}
	return status, err
}

func (f *Forwarder) send(ctx context.Context, r *http.Request, body []byte) (int, error) {
	if err := f.slots.Acquire(ctx, 1); err != nil {
		return 0, err
	}
	defer f.slots.Release(1)
	req, err := http.NewRequestWithContext(ctx, r.Method, f.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = r.Header.Clone()
	for _, h := range hopHeaders {
		req.Header.Del(h)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, nil
}
