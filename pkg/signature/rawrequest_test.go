package signature

import (
	"bytes"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readRaw(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "raw", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseRawRequestFiles(t *testing.T) {
	cases := []struct {
		file, method, url, host, body string
		header                        [2]string
	}{
		{"crlf.http", "POST", "https://receiver.example.com/hooks/pexa?x=1", "receiver.example.com", "{\"a\":1,\r\n\"b\":2}", [2]string{"Webhook-Id", "msg_1"}},
		// LF-only head; the body's own CRLF is kept byte for byte.
		{"lf.http", "POST", "https://receiver.example.com/hooks/pexa", "receiver.example.com", "{\"a\":1,\r\n\"b\":2}", [2]string{"Content-Type", "application/json"}},
		{"curl-v.txt", "POST", "https://receiver.example.com/hooks/solvimon", "receiver.example.com", `{"hello": "world"}`, [2]string{"X-Payload-Signature", "v1=ABCDEF"}},
		{"chunked-absolute.http", "POST", "https://receiver.example.com/abs?q=1", "other.example.com", "hello world", [2]string{"Host", "other.example.com"}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			req, err := ParseRawRequest(bytes.NewReader(readRaw(t, tc.file)), 0)
			if err != nil {
				t.Fatal(err)
			}
			if req.Method != tc.method || req.URL.String() != tc.url || string(req.Body) != tc.body {
				t.Fatalf("got %s %s body %q, want %s %s body %q", req.Method, req.URL, req.Body, tc.method, tc.url, tc.body)
			}
			if got := req.Header.Get("Host"); got != tc.host {
				t.Fatalf("Host = %q, want %q", got, tc.host)
			}
			if got := req.Header.Get(tc.header[0]); got != tc.header[1] {
				t.Fatalf("%s = %q, want %q", tc.header[0], got, tc.header[1])
			}
		})
	}
}

func TestParseRawRequestCases(t *testing.T) {
	cases := []struct {
		name, in string
		maxBody  int64
		wantBody string
		wantURL  string
		wantErr  string
	}{
		{name: "CRLF no body", in: "GET /x HTTP/1.1\r\nHost: a.example\r\n\r\n", wantBody: "", wantURL: "https://a.example/x"},
		{name: "LF with trailing newline kept without Content-Length", in: "POST /x HTTP/1.1\nHost: a.example\n\nbody\n", wantBody: "body\n", wantURL: "https://a.example/x"},
		{name: "Content-Length cuts an editor's trailing newline", in: "POST /x HTTP/1.1\nHost: a.example\nContent-Length: 4\n\nbody\n", wantBody: "body", wantURL: "https://a.example/x"},
		{name: "Content-Length longer than body", in: "POST /x HTTP/1.1\nHost: a.example\nContent-Length: 10\n\nbody", wantErr: "Content-Length says 10"},
		{name: "conflicting Content-Length", in: "POST /x HTTP/1.1\nHost: a.example\nContent-Length: 4\nContent-Length: 5\n\nbody", wantErr: "request line or headers"},
		{name: "leading blank lines", in: "\n\r\nPOST /x HTTP/1.1\r\nHost: a.example\r\n\r\n{}", wantBody: "{}", wantURL: "https://a.example/x"},
		{name: "no Host: URL stays relative", in: "POST /x?y=1 HTTP/1.1\n\n{}", wantBody: "{}", wantURL: "/x?y=1"},
		{name: "absolute-form kept", in: "POST http://b.example:8080/x HTTP/1.1\nHost: b.example:8080\n\n{}", wantBody: "{}", wantURL: "http://b.example:8080/x"},
		{name: "head only, no blank line", in: "GET /x HTTP/1.1\nHost: a.example", wantBody: "", wantURL: "https://a.example/x"},
		{name: "oversize body", in: "POST /x HTTP/1.1\nHost: a.example\n\n" + strings.Repeat("x", 101), maxBody: 100, wantErr: "over the 100-byte limit"},
		{name: "oversize input", in: "POST /x HTTP/1.1\nHost: a.example\n\n" + strings.Repeat("x", 2<<20), maxBody: 100, wantErr: "exceeds the 100-byte limit"},
		{name: "body at the limit", in: "POST /x HTTP/1.1\nHost: a.example\n\n" + strings.Repeat("x", 100), maxBody: 100, wantBody: strings.Repeat("x", 100), wantURL: "https://a.example/x"},
		{name: "empty", in: "", wantErr: "empty input"},
		{name: "garbage", in: "hello world\n\n", wantErr: "request line or headers"},
		{name: "bad chunked", in: "POST /x HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\nzz\r\n", wantErr: "chunked body"},
		{name: "curl without body but Content-Length", in: "> POST /x HTTP/1.1\r\n> Host: a.example\r\n> Content-Length: 5\r\n> \r\n} [5 bytes data]\r\n< HTTP/1.1 200 OK\r\n", wantErr: "curl -v does not print the request body"},
		{name: "curl response body ignored", in: "* Trying\n> GET /x HTTP/1.1\n> Host: a.example\n> \n< HTTP/1.1 200 OK\n< \nresponse body\n", wantBody: "", wantURL: "https://a.example/x"},
		{name: "curl only redirects' first request", in: "> POST /x HTTP/1.1\n> Host: a.example\n> Content-Length: 2\n> \n{}\n< HTTP/1.1 301\n> POST /y HTTP/1.1\n> Host: a.example\n> \n", wantBody: "{}", wantURL: "https://a.example/x"},
		{name: "body with '> ' lines is not curl", in: "POST /x HTTP/1.1\nHost: a.example\n\n> quoted\n", wantBody: "> quoted\n", wantURL: "https://a.example/x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := ParseRawRequest(strings.NewReader(tc.in), tc.maxBody)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrRawRequest) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(req.Body) != tc.wantBody {
				t.Fatalf("body = %q, want %q", req.Body, tc.wantBody)
			}
			if req.URL.String() != tc.wantURL {
				t.Fatalf("URL = %q, want %q", req.URL, tc.wantURL)
			}
		})
	}
}

// TestRawRequestRoundTrip: a delivery signed by the sandbox and saved as a
// raw file (the `sandbox deliver --out` path) verifies after parsing, in
// every scheme, with CRLF and with LF line endings.
func TestRawRequestRoundTrip(t *testing.T) {
	ks := ecKeys(t)
	for _, s := range Schemes() {
		for _, eol := range []string{"\r\n", "\n"} {
			req := baseRequest()
			req.Body = []byte("{\"eventId\":\"ev-9\",\r\n\"x\":1}\n")
			keys := []Key{{Name: "current", Secret: []byte("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")}}
			if s.Name() == "http-message-signatures" {
				keys = []Key{ks.current}
			}
			if err := s.Sign(req, keys, t0); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			b.WriteString("POST " + req.URL.RequestURI() + " HTTP/1.1" + eol)
			for k, vs := range req.Header {
				for _, v := range vs {
					b.WriteString(k + ": " + v + eol)
				}
			}
			b.WriteString(eol)
			b.Write(req.Body)
			parsed, err := ParseRawRequest(strings.NewReader(b.String()), 0)
			if err != nil {
				t.Fatal(err)
			}
			res := s.Verify(parsed, []Key{publicOnly(keys[0])}, Options{Now: t0})
			if !res.Valid {
				t.Errorf("%s %q: %s", s.Name(), eol, stepsString(res))
			}
		}
	}
}

func readRawFile(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", "raw", name))
}

// TestTargetScheme: a request line without scheme is read as http for a
// loopback Host and https otherwise; SetTargetScheme overrides only an
// assumed scheme, and verification of a signature over @target-uri says
// which scheme it assumed.
func TestTargetScheme(t *testing.T) {
	for _, tc := range []struct {
		in, wantURL string
		assumed     bool
	}{
		{"POST /ob?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", "http://127.0.0.1:8080/ob?x=1", true},
		{"POST /ob HTTP/1.1\r\nHost: 127.8.9.10\r\n\r\n", "http://127.8.9.10/ob", true},
		{"POST /ob HTTP/1.1\r\nHost: [::1]:9000\r\n\r\n", "http://[::1]:9000/ob", true},
		{"POST /ob HTTP/1.1\r\nHost: LocalHost:3000\r\n\r\n", "http://LocalHost:3000/ob", true},
		{"POST /ob HTTP/1.1\r\nHost: hooks.example.com\r\n\r\n", "https://hooks.example.com/ob", true},
		{"POST /ob HTTP/1.1\r\nHost: 127.0.0.1.example.com\r\n\r\n", "https://127.0.0.1.example.com/ob", true},
		{"POST http://127.0.0.1:8080/ob HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", "http://127.0.0.1:8080/ob", false},
		{"POST https://127.0.0.1:8443/ob HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n\r\n", "https://127.0.0.1:8443/ob", false},
	} {
		req, err := ParseRawRequest(strings.NewReader(tc.in), 0)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if req.URL.String() != tc.wantURL || (req.SchemeAssumed != "") != tc.assumed {
			t.Errorf("%q: URL %s, SchemeAssumed %q; want %s, assumed %v", tc.in, req.URL, req.SchemeAssumed, tc.wantURL, tc.assumed)
		}
	}

	abs, _ := ParseRawRequest(strings.NewReader("POST https://hooks.example.com/ob HTTP/1.1\r\nHost: hooks.example.com\r\n\r\n"), 0)
	if err := abs.SetTargetScheme("http"); err == nil || !strings.Contains(err.Error(), "not assumed") {
		t.Errorf("overriding an absolute-form scheme: %v", err)
	}
	if err := abs.SetTargetScheme("https"); err != nil {
		t.Errorf("the scheme it already has: %v", err)
	}
	if err := abs.SetTargetScheme("ftp"); err == nil {
		t.Error("ftp accepted")
	}

	// Signed for http://127.0.0.1:8080/ob, saved in origin form.
	ks := ecKeys(t)
	signed := baseRequest()
	signed.URL, _ = url.Parse("http://127.0.0.1:8080/ob")
	signed.Header.Set("Host", "127.0.0.1:8080")
	if err := (HTTPMessageSignatures{}).Sign(signed, []Key{ks.current}, t0); err != nil {
		t.Fatal(err)
	}
	raw := func() *Request {
		var b strings.Builder
		b.WriteString("POST /ob HTTP/1.1\r\n")
		signed.Header.Write(&b)
		b.WriteString("\r\n" + string(signed.Body))
		req, err := ParseRawRequest(strings.NewReader(b.String()), 0)
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	keys := []Key{publicOnly(ks.current)}
	res := (HTTPMessageSignatures{}).Verify(raw(), keys, Options{Now: t0})
	if !res.Valid || !strings.Contains(stepsString(res), "target ok: target URI http://127.0.0.1:8080/ob (scheme http assumed") {
		t.Errorf("loopback origin-form: %s", stepsString(res))
	}
	https := raw()
	if err := https.SetTargetScheme("https"); err != nil {
		t.Fatal(err)
	}
	res = (HTTPMessageSignatures{}).Verify(https, keys, Options{Now: t0})
	if res.Valid || res.FailedStep != StepSignature || !strings.Contains(stepsString(res), "https://127.0.0.1:8080/ob (scheme https as given)") {
		t.Errorf("forced https: %s", stepsString(res))
	}
	// A URL without scheme and host (built by hand, not parsed): the Host
	// header and the same inference stand in.
	bare := &Request{Method: "POST", URL: &url.URL{Path: "/ob"}, Header: signed.Header, Body: signed.Body}
	if res := (HTTPMessageSignatures{}).Verify(bare, keys, Options{Now: t0}); !res.Valid || !strings.Contains(stepsString(res), "scheme http assumed") {
		t.Errorf("relative URL, loopback Host: %s", stepsString(res))
	}
	// An absolute URL is not assumed: no target step.
	if res := (HTTPMessageSignatures{}).Verify(signed, keys, Options{Now: t0}); !res.Valid || strings.Contains(stepsString(res), "target ") {
		t.Errorf("absolute URL: %s", stepsString(res))
	}
}
