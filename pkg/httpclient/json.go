package httpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// StatusError is a non-2xx answer. Provider packages translate it into a
// typed webhook.Error using their own error shape in Body.
type StatusError struct {
	Method, URL string
	Status      int
	Header      http.Header
	Body        []byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d", e.Method, e.URL, e.Status)
}

// maxErrorBody bounds how much of an error answer is kept.
const maxErrorBody = 64 << 10

// DoJSON sends in (JSON-encoded unless nil or already []byte) and decodes a
// 2xx answer into out (unless nil). A non-2xx answer is a *StatusError; a
// 429 that persisted through retries is a *RateLimitError from the client.
func DoJSON(ctx context.Context, c *http.Client, method, url string, header http.Header, in, out any) (*http.Response, error) {
	var body []byte
	switch v := in.(type) {
	case nil:
	case []byte:
		body = v
	default:
		var err error
		if body, err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return resp, &StatusError{Method: method, URL: req.URL.Redacted(), Status: resp.StatusCode, Header: resp.Header, Body: b}
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, err := io.Copy(io.Discard, resp.Body)
		return resp, err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		if errors.Is(err, ErrBodyTooLarge) {
			return resp, fmt.Errorf("%s %s: %w", method, req.URL.Redacted(), err)
		}
		return resp, fmt.Errorf("%s %s: malformed JSON answer: %w", method, req.URL.Redacted(), err)
	}
	return resp, nil
}

// KindForStatus maps an HTTP status to the error kind (and so exit code)
// hookctl reports when the provider's own error shape says nothing better.
func KindForStatus(status int) webhook.Kind {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return webhook.KindAuth
	case status == http.StatusNotFound:
		return webhook.KindNotFound
	case status == http.StatusTooManyRequests:
		return webhook.KindRateLimited
	default:
		return webhook.KindError
	}
}

// Classify turns transport-level errors into typed ones: persistent rate
// limiting becomes exit 7; anything else is returned as it is.
func Classify(err error) error {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return &webhook.Error{Kind: webhook.KindRateLimited, Err: err, RetryAfter: rl.RetryAfter}
	}
	return err
}
