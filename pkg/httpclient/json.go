package httpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/hookctl/hookctl/internal/base/text"
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
	req, err := newJSONRequest(ctx, method, url, header, in)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, statusError(method, req, resp)
	}
	return resp, decodeAnswer(method, req, resp, out)
}

// newJSONRequest is the request DoJSON sends: in as its body, header
// set, and JSON as the content type and the answer asked for unless
// header says otherwise.
func newJSONRequest(ctx context.Context, method, url string, header http.Header, in any) (*http.Request, error) {
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
	return req, nil
}

// statusError is the error for a non-2xx answer to req.
func statusError(method string, req *http.Request, resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	// Another host answered after a redirect, without the credentials
	// (checkRedirect drops them): its status says nothing about the
	// profile's credentials, so say what happened instead.
	if final := resp.Request; final != nil && final.URL.Host != req.URL.Host {
		return (&webhook.Error{Kind: KindForStatus(resp.StatusCode), Status: resp.StatusCode,
			Msg: fmt.Sprintf("%s %s was redirected to %s, which answered HTTP %d; credentials never follow a redirect to another host",
				method, req.URL.Redacted(), final.URL.Redacted(), resp.StatusCode)}).
			WithHint("point the profile's base URL at the API host itself (hookctl profile show; hookctl profile add NAME --base-url URL)")
	}
	return &StatusError{Method: method, URL: req.URL.Redacted(), Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// decodeAnswer reads a 2xx answer to req and decodes it into out (unless
// nil).
func decodeAnswer(method string, req *http.Request, resp *http.Response, out any) error {
	// The whole answer is read before decoding (it is bounded by the
	// client's size limit) so a connection lost mid-body, a cut-off JSON
	// document and a page that is not JSON at all each get their own words.
	where := method + " " + req.URL.Redacted()
	note := ""
	if !safeMethod(method) {
		note = "; the request may have taken effect: check before repeating it"
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		if errors.Is(err, ErrBodyTooLarge) {
			return fmt.Errorf("%s: %w; refused after reading the limit%s", where, err, note)
		}
		return fmt.Errorf("%s: connection lost while reading the answer: %w%s", where, err, note)
	}
	// Checked even when the answer is not needed: a 200 page from a captive
	// portal or proxy means the request never reached the provider, and a
	// delete must not report success on it.
	if ct := resp.Header.Get("Content-Type"); len(bytes.TrimSpace(b)) > 0 && ct != "" && !isJSON(ct) {
		return fmt.Errorf("%s: unexpected content type %q (HTTP %d), want JSON: %s", where, ct, resp.StatusCode, snippet(b))
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) && se.Offset >= int64(len(bytes.TrimRight(b, " \t\r\n"))) {
			return fmt.Errorf("%s: truncated JSON answer (%d bytes, ends mid-document)%s", where, len(b), note)
		}
		return fmt.Errorf("%s: malformed JSON answer: %w%s", where, err, note)
	}
	return nil
}

// isJSON accepts application/json, text/json, any +json type, and
// text/plain, which servers (and Go's content sniffing) often put on JSON;
// a text/plain answer that is not JSON still fails to decode.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || mt == "text/json" || mt == "text/plain" || strings.HasSuffix(mt, "+json")
}

// snippet is the start of a body as printable text, for error messages.
func snippet(b []byte) string {
	const max = 80
	s := text.Printable(string(b[:min(len(b), max)]))
	if len(b) > max {
		s += "…"
	}
	return fmt.Sprintf("%q", s)
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
