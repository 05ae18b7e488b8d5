package rotation

import (
	"net/http"

	"golang.org/x/time/rate"
)

// RateLimit wraps a transport so every attempt (retries included) waits for
// the limiter: put it innermost, under the retry layer.
func RateLimit(next http.RoundTripper, l *rate.Limiter) http.RoundTripper {
	if l == nil {
		return next
	}
	return rtFunc(func(r *http.Request) (*http.Response, error) {
		if err := l.Wait(r.Context()); err != nil {
			return nil, err
		}
		return next.RoundTrip(r)
	})
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
