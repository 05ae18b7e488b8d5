package httpclient

import (
	"net/http"

	"golang.org/x/time/rate"
)

// RateLimit wraps a transport so every attempt (retries included) waits for
// the limiter: put it innermost, under the retry layer (New does so for
// Options.Limiter).
func RateLimit(next http.RoundTripper, l *rate.Limiter) http.RoundTripper {
	if l == nil {
		return next
	}
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if err := l.Wait(r.Context()); err != nil {
			return nil, err
		}
		return next.RoundTrip(r)
	})
}
