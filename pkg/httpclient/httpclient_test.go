package httpclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var ctx = context.Background()

func noSleep(context.Context, time.Duration) error { return nil }

func TestPlainHTTPRefusedForNonLoopback(t *testing.T) {
	dialed := false
	c := New(Options{MaxRetries: -1, Sleep: noSleep, Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		dialed = true
		return nil, errors.New("dialed")
	})})
	_, err := c.Get("http://api.example.com/v1/webhooks")
	if err == nil || !strings.Contains(err.Error(), "only https is allowed") || dialed {
		t.Fatalf("err %v, dialed %v", err, dialed)
	}
	// https and loopback http are allowed through.
	for _, u := range []string{"https://api.example.com/", "http://127.0.0.1:1/", "http://localhost:1/"} {
		dialed = false
		c.Get(u)
		if !dialed {
			t.Errorf("%s was refused", u)
		}
	}
}

func TestRedirectStripsCredentialsAcrossHosts(t *testing.T) {
	var got http.Header
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{}`)
	}))
	defer other.Close()
	var sameHost http.Header
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/x", http.StatusTemporaryRedirect)
		case "/here":
			http.Redirect(w, r, "/landed", http.StatusFound)
		default:
			sameHost = r.Header.Clone()
			io.WriteString(w, `{}`)
		}
	}))
	defer first.Close()
	c := New(Options{Sleep: noSleep})
	h := http.Header{}
	for _, k := range credentialHeaders {
		h.Set(k, "secret-"+k)
	}
	if _, err := DoJSON(ctx, c, http.MethodGet, first.URL+"/away", h, nil, &struct{}{}); err != nil {
		t.Fatal(err)
	}
	if got == nil {
		t.Fatal("the redirect was not followed")
	}
	for _, k := range credentialHeaders {
		if v := got.Get(k); v != "" {
			t.Errorf("%s reached another host: %q", k, v)
		}
	}
	if _, err := DoJSON(ctx, c, http.MethodGet, first.URL+"/here", h, nil, &struct{}{}); err != nil {
		t.Fatal(err)
	}
	if sameHost.Get("X-Api-Key") == "" {
		t.Errorf("a same-host redirect lost the credentials: %v", sameHost)
	}
}

func TestBodyLimitRefusesWithoutBuffering(t *testing.T) {
	// An endless body: a client that buffered it whole would never return.
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"pad":"`)
		chunk := []byte(strings.Repeat("x", 4096))
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer endless.Close()
	// An announced size: refused from the headers, the body never read.
	announced := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1073741824")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer announced.Close()
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		for _, u := range []string{endless.URL, announced.URL} {
			c := New(Options{MaxBody: 64 << 10, Timeout: 5 * time.Second, Sleep: noSleep})
			start := time.Now()
			_, err := DoJSON(ctx, c, method, u, nil, nil, &struct{}{})
			if !errors.Is(err, ErrBodyTooLarge) {
				t.Errorf("%s %s: %v, want ErrBodyTooLarge", method, u, err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("%s %s: refused after %s", method, u, d)
			}
		}
	}
}

// resetOnce answers the first request with half a body under the full
// Content-Length and drops the connection, then answers normally.
func resetOnce(t *testing.T, calls *atomic.Int32) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"ok\":tr")
			buf.Flush()
			conn.Close()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
}

func TestResetMidBodyRetriedOnlyWhenSafe(t *testing.T) {
	var calls atomic.Int32
	srv := resetOnce(t, &calls)
	defer srv.Close()
	c := New(Options{Sleep: noSleep})
	var out struct{ OK bool }
	if _, err := DoJSON(ctx, c, http.MethodGet, srv.URL, nil, nil, &out); err != nil || !out.OK || calls.Load() != 2 {
		t.Fatalf("GET: %v %+v after %d calls", err, out, calls.Load())
	}
	calls.Store(0)
	_, err := DoJSON(ctx, c, http.MethodPatch, srv.URL, nil, map[string]any{"a": 1}, &out)
	if err == nil || !strings.Contains(err.Error(), "connection lost while reading the answer") ||
		!strings.Contains(err.Error(), "may have taken effect") || calls.Load() != 1 {
		t.Fatalf("PATCH: %v after %d calls", err, calls.Load())
	}
	calls.Store(0)
	h := http.Header{"Idempotency-Key": {"k1"}}
	if _, err := DoJSON(ctx, c, http.MethodPost, srv.URL, h, map[string]any{"a": 1}, &out); err != nil || calls.Load() != 2 {
		t.Fatalf("keyed POST: %v after %d calls", err, calls.Load())
	}
}

func TestSafeToRetry(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	c := New(Options{Sleep: noSleep})
	if _, err := DoJSON(ctx, c, http.MethodPost, srv.URL, nil, []byte(`a=b`), nil); err == nil || calls.Load() != 1 {
		t.Fatalf("plain POST: %v after %d calls, want one 503", err, calls.Load())
	}
	calls.Store(0)
	if _, err := DoJSON(SafeToRetry(ctx), c, http.MethodPost, srv.URL, nil, []byte(`a=b`), nil); err != nil || calls.Load() != 3 {
		t.Fatalf("SafeToRetry POST: %v after %d calls", err, calls.Load())
	}
}

func TestTimeoutMessage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := New(Options{Timeout: 50 * time.Millisecond, Sleep: noSleep, MaxRetries: 1})
	_, err := DoJSON(ctx, c, http.MethodGet, srv.URL, nil, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "no answer within 50ms (raise --timeout?) after 2 attempts") || strings.Contains(err.Error(), "may have taken effect") {
		t.Fatalf("GET: %v", err)
	}
	_, err = DoJSON(ctx, c, http.MethodDelete, srv.URL, nil, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "no answer within 50ms") || !strings.Contains(err.Error(), "may have taken effect") {
		t.Fatalf("DELETE: %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the timeout is not reachable with errors.Is: %v", err)
	}
}

func TestDoJSONAnswerShapes(t *testing.T) {
	cases := []struct {
		name, ctype, body string
		nilOut            bool
		want              string // "" means success
	}{
		{"json", "application/json", `{"a":1}`, false, ""},
		{"problem+json", "application/problem+json", `{"a":1}`, false, ""},
		{"json as text/plain", "text/plain; charset=utf-8", `{"a":1}`, false, ""},
		{"html", "text/html; charset=utf-8", `<html>portal</html>`, false, `unexpected content type "text/html; charset=utf-8" (HTTP 200), want JSON: "<html>portal</html>"`},
		{"html, answer not needed", "text/html", `<html>portal</html>`, true, `unexpected content type`},
		{"truncated", "application/json", `{"a":[1,2`, false, "truncated JSON answer (9 bytes, ends mid-document)"},
		{"empty", "application/json", ``, false, "truncated JSON answer (0 bytes"},
		{"malformed", "application/json", `{"a":,}`, false, "malformed JSON answer: invalid character ','"},
		{"no content type", "", `{"a":1}`, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				} else {
					w.Header()["Content-Type"] = nil // no sniffing
				}
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			var out map[string]any
			var o any = &out
			if tc.nilOut {
				o = nil
			}
			_, err := DoJSON(ctx, New(Options{Sleep: noSleep}), http.MethodGet, srv.URL, nil, nil, o)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("err %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

// TestTraceRedactsSessionIDs: a login's session id is a credential
// (ServiceStack's sessionId is the ss-id cookie value), so --debug hides
// it in bodies and headers, and keeps the fields around it.
func TestTraceRedactsSessionIDs(t *testing.T) {
	got := RedactBody([]byte(`{"sessionId":"s3ss10n","userName":"sandbox","bearerToken":"t0k"}`), "application/json")
	if strings.Contains(got, "s3ss10n") || strings.Contains(got, "t0k") || !strings.Contains(got, `"userName":"sandbox"`) {
		t.Fatalf("redacted body %s", got)
	}
	var b strings.Builder
	writeHeaders(&b, "< ", http.Header{"Set-Cookie": {"ss-id=s3ss10n; Path=/"}, "X-Session-Id": {"s3ss10n"}, "Content-Type": {"application/json"}})
	if strings.Contains(b.String(), "s3ss10n") || !strings.Contains(b.String(), "Content-Type: application/json") {
		t.Fatalf("redacted headers:\n%s", b.String())
	}
}
