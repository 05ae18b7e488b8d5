package httpclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// traceTransport writes a redacted trace of each attempt for --debug. It never
// prints a credential: sensitive headers, JSON fields and form fields are
// replaced before anything reaches the writer.
type traceTransport struct {
	next http.RoundTripper
	w    io.Writer
	mu   sync.Mutex
}

// sensitiveName matches header, JSON and form field names whose values
// are secrets. A session id is one: ServiceStack's login answers it as
// sessionId, and it authenticates as the ss-id cookie (PwC login-mode
// session).
var sensitiveName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(secret|password|passwd|token|api[-_]?key|authorization|cookie|private|credential|session[-_]?id|^key$|signature$)`)
})

const redacted = "[REDACTED]"

// traceBodyLimit keeps the trace readable and bounded.
const traceBodyLimit = 4 << 10

func (t *traceTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var reqBody []byte
	if r.Body != nil && r.Body != http.NoBody && r.GetBody != nil {
		if rc, err := r.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(io.LimitReader(rc, traceBodyLimit))
			rc.Close()
		}
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", r.Method, redactURL(r.URL))
	writeHeaders(&b, "> ", r.Header)
	if len(reqBody) > 0 {
		fmt.Fprintf(&b, "> %s\n", RedactBody(reqBody, r.Header.Get("Content-Type")))
	}
	if err != nil {
		fmt.Fprintf(&b, "! %v (%s)\n", err, time.Since(start).Round(time.Millisecond))
	} else {
		fmt.Fprintf(&b, "< %s (%s)\n", resp.Status, time.Since(start).Round(time.Millisecond))
		writeHeaders(&b, "< ", resp.Header)
		if resp.Body != nil {
			peek, _ := io.ReadAll(io.LimitReader(resp.Body, traceBodyLimit))
			resp.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(peek), resp.Body), resp.Body}
			if len(peek) > 0 {
				fmt.Fprintf(&b, "< %s\n", RedactBody(peek, resp.Header.Get("Content-Type")))
			}
		}
	}
	t.mu.Lock()
	io.WriteString(t.w, b.String())
	t.mu.Unlock()
	return resp, err
}

func redactURL(u *url.URL) string {
	c := *u
	q := c.Query()
	for k := range q {
		if sensitiveName().MatchString(k) {
			q.Set(k, redacted)
		}
	}
	c.RawQuery = q.Encode()
	return c.Redacted()
}

func writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			if sensitiveName().MatchString(k) {
				v = redacted
			}
			fmt.Fprintf(b, "%s%s: %s\n", prefix, k, v)
		}
	}
}

// RedactBody replaces secret-looking fields in a JSON or form body; anything
// else that cannot be parsed is summarised by size, never echoed.
func RedactBody(body []byte, contentType string) string {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		var v any
		if err := json.Unmarshal(trimmed, &v); err == nil {
			out, _ := json.Marshal(redactJSON(v))
			return string(out)
		}
	}
	if strings.HasPrefix(contentType, "application/x-www-form-urlencoded") {
		if q, err := url.ParseQuery(string(trimmed)); err == nil {
			for k := range q {
				if sensitiveName().MatchString(k) {
					q.Set(k, redacted)
				}
			}
			return q.Encode()
		}
	}
	return fmt.Sprintf("[%d bytes, %s]", len(body), orUnknown(contentType))
}

func orUnknown(s string) string {
	if s == "" {
		return "no content type"
	}
	return s
}

func redactJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if _, isObj := val.(map[string]any); !isObj && sensitiveName().MatchString(k) && val != nil {
				t[k] = redacted
				continue
			}
			t[k] = redactJSON(val)
		}
	case []any:
		for i := range t {
			t[i] = redactJSON(t[i])
		}
	}
	return v
}
