// Package httpclient is hookctl's one HTTP client, built from small
// RoundTripper layers: plain-HTTP refusal for non-loopback hosts, User-Agent,
// a redacting debug trace, retries with backoff and Retry-After, and a
// response size limit. Provider clients use it and never a bare http.Client.
package httpclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/time/rate"
)

// Options configures New.
type Options struct {
	// Timeout bounds one attempt (connect to end of body). Default 30s.
	Timeout time.Duration
	// UserAgent, e.g. "hookctl/1.2.3".
	UserAgent string
	// Debug receives a redacted trace of every attempt; nil disables it.
	Debug io.Writer
	// MaxRetries after the first attempt. Default 4; negative disables.
	MaxRetries int
	// MaxWait is the longest single Retry-After hookctl will honour; longer
	// waits end the request with a rate-limit error instead. Default 60s.
	MaxWait time.Duration
	// MaxBody is the largest response body accepted. Default 10 MiB.
	MaxBody int64
	// AllowHTTP permits plain http:// to non-loopback hosts (sandbox deliveries only).
	AllowHTTP bool
	// Transport is the innermost round tripper (tests); default a clone of http.DefaultTransport.
	Transport http.RoundTripper
	// Limiter, when set, is waited for before every attempt, retries
	// included (a bulk run's --rate).
	Limiter *rate.Limiter
	// Sleep waits between attempts; tests replace it. Default honours ctx.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (o *Options) defaults() {
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	if o.UserAgent == "" {
		o.UserAgent = "hookctl"
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 4
	}
	if o.MaxWait == 0 {
		o.MaxWait = 60 * time.Second
	}
	if o.MaxBody == 0 {
		o.MaxBody = 10 << 20
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSHandshakeTimeout = 10 * time.Second
		t.ResponseHeaderTimeout = o.Timeout
		t.MaxIdleConnsPerHost = 64
		o.Transport = t
	}
}

// New builds the client. Layers, outermost first: scheme guard, User-Agent,
// retry (with per-attempt timeout and size limit), debug trace, transport.
func New(o Options) *http.Client {
	o.defaults()
	rt := RateLimit(o.Transport, o.Limiter)
	if o.Debug != nil {
		rt = &traceTransport{next: rt, w: o.Debug}
	}
	retry := &retryTransport{next: rt, opts: o}
	rt = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Header.Get("User-Agent") == "" {
			r = r.Clone(r.Context())
			r.Header.Set("User-Agent", o.UserAgent)
		}
		return retry.RoundTrip(r)
	})
	if !o.AllowHTTP {
		inner := rt
		rt = roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.URL.Scheme != "https" && !IsLoopback(r.URL.Hostname()) {
				return nil, fmt.Errorf("refusing plain %s to %s: only https is allowed for non-loopback hosts", r.URL.Scheme, r.URL.Host)
			}
			return inner.RoundTrip(r)
		})
	}
	return &http.Client{Transport: rt, CheckRedirect: checkRedirect}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// IsLoopback reports whether host is localhost or a loopback address.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// credentialHeaders are dropped on any redirect to another host; Go itself
// only drops Authorization and Cookie, not providers' own key headers.
var credentialHeaders = []string{"Authorization", "X-Api-Key", "X-Platform-Id", "Signature", "Signature-Input", "Cookie", "Idempotency-Key"}

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	first := via[0]
	if first.URL.Scheme == "https" && req.URL.Scheme != "https" {
		return fmt.Errorf("refusing redirect from https to %s", req.URL.Scheme)
	}
	if req.URL.Host != first.URL.Host {
		for _, h := range credentialHeaders {
			req.Header.Del(h)
		}
	}
	return nil
}

// Retryable reports whether a request may be sent again: safe methods, or
// writes carrying an Idempotency-Key the provider honours, or writes whose
// context says they are safe to repeat (see SafeToRetry).
func Retryable(r *http.Request) bool {
	if safeMethod(r.Method) {
		return true
	}
	if r.Header.Get("Idempotency-Key") == "" && r.Context().Value(safeKey{}) == nil {
		return false
	}
	return r.Body == nil || r.Body == http.NoBody || r.GetBody != nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

type safeKey struct{}

// SafeToRetry marks the requests sent with ctx as safe to repeat although
// their method is not, e.g. an OAuth2 client-credentials token request,
// which a library builds so no Idempotency-Key can be set on it.
func SafeToRetry(ctx context.Context) context.Context {
	return context.WithValue(ctx, safeKey{}, true)
}

// RateLimitError is returned when the provider keeps answering 429 (or asks
// for a wait longer than MaxWait).
type RateLimitError struct {
	RetryAfter time.Duration
	Attempts   int
}

func (e *RateLimitError) Error() string {
	msg := fmt.Sprintf("rate limited by the provider after %d attempt(s)", e.Attempts)
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf("; it asks to retry after %s", e.RetryAfter.Round(time.Second))
	}
	return msg
}

// ErrBodyTooLarge is returned while reading a response over MaxBody.
var ErrBodyTooLarge = errors.New("response body exceeds the size limit")

type retryTransport struct {
	next http.RoundTripper
	opts Options
}

func (t *retryTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	retryable := Retryable(r)
	for attempt := 0; ; attempt++ {
		req := r
		if attempt > 0 && r.GetBody != nil {
			body, err := r.GetBody()
			if err != nil {
				return nil, err
			}
			req = r.Clone(r.Context())
			req.Body = body
		}
		ctx, cancel := context.WithTimeout(r.Context(), t.opts.Timeout)
		resp, err := t.next.RoundTrip(req.WithContext(ctx))
		if err == nil && resp.ContentLength > t.opts.MaxBody {
			resp.Body.Close()
			cancel()
			return nil, fmt.Errorf("%w (%d bytes announced, limit %d); refused without reading it", ErrBodyTooLarge, resp.ContentLength, t.opts.MaxBody)
		}
		if err == nil && retryable {
			// A repeatable request's answer is read here, within the
			// attempt, so a connection lost mid-body is retried like one
			// lost before the headers.
			resp, err = t.readBody(resp)
			if errors.Is(err, ErrBodyTooLarge) {
				cancel()
				return nil, fmt.Errorf("%w (limit %d bytes); refused after reading that much", err, t.opts.MaxBody)
			}
		}
		wait, again := t.shouldRetry(r, resp, err, attempt, retryable)
		if !again {
			if err != nil {
				cancel()
				if r.Context().Err() != nil {
					return nil, err
				}
				msg := err.Error()
				if errors.Is(err, context.DeadlineExceeded) {
					msg = fmt.Sprintf("no answer within %s (raise --timeout?)", t.opts.Timeout)
				}
				if attempt > 0 {
					msg += fmt.Sprintf(" after %d attempts", attempt+1)
				}
				if !retryable && maySent(err) {
					msg += "; the request may have taken effect: check before repeating it"
				}
				return nil, &attemptError{msg: msg, err: err}
			}
			if resp.StatusCode == http.StatusTooManyRequests {
				resp.Body.Close()
				cancel()
				return nil, &RateLimitError{RetryAfter: retryAfter(resp), Attempts: attempt + 1}
			}
			if retryable {
				cancel() // the body is already in memory
				return resp, nil
			}
			resp.Body = &limitedBody{rc: resp.Body, left: t.opts.MaxBody, cancel: cancel}
			return resp, nil
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		cancel()
		if err := t.opts.Sleep(r.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// readBody reads resp's body into memory, at most MaxBody bytes. On a read
// error the response is closed and only the error returned.
func (t *retryTransport) readBody(resp *http.Response) (*http.Response, error) {
	lb := &limitedBody{rc: resp.Body, left: t.opts.MaxBody, cancel: func() {}}
	b, err := io.ReadAll(lb)
	resp.Body.Close()
	if err != nil {
		if !errors.Is(err, ErrBodyTooLarge) {
			err = fmt.Errorf("connection lost while reading the answer: %w", err)
		}
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	return resp, nil
}

// attemptError is the last attempt's error told in hookctl's words; the
// http.Client wraps it with the method and URL.
type attemptError struct {
	msg string
	err error
}

func (e *attemptError) Error() string { return e.msg }
func (e *attemptError) Unwrap() error { return e.err }

// maySent reports whether a failed request may have reached the server:
// anything but a refused or failed connection attempt.
func maySent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false
	}
	return !errors.Is(err, syscall.ECONNREFUSED)
}

// shouldRetry decides on another attempt and how long to wait first.
func (t *retryTransport) shouldRetry(r *http.Request, resp *http.Response, err error, attempt int, retryable bool) (time.Duration, bool) {
	if !retryable || r.Context().Err() != nil {
		return 0, false
	}
	backoff := time.Duration(float64(250*time.Millisecond) * float64(int(1)<<attempt) * (0.5 + rand.Float64()))
	if err != nil {
		return backoff, attempt < t.opts.MaxRetries
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
	default:
		return 0, false
	}
	if ra := retryAfter(resp); ra > 0 {
		if ra > t.opts.MaxWait {
			return ra, false
		}
		backoff = ra
	}
	return backoff, attempt < t.opts.MaxRetries
}

// retryAfter parses Retry-After as seconds or an HTTP date.
func retryAfter(resp *http.Response) time.Duration {
	if resp == nil {
		return 0
	}
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

type limitedBody struct {
	rc     io.ReadCloser
	left   int64
	cancel context.CancelFunc
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Probe for one more byte: exactly MaxBody bytes is fine.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, ErrBodyTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
