package verify

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/signature"
)

// slowBatchLine decodes a batch line with encoding/json only: the
// reference fastDecodeBatch must agree with.
func slowBatchLine(line []byte) (batchInput, error) {
	var e batchEntry
	if err := json.Unmarshal(line, &e); err != nil {
		return batchInput{}, err
	}
	in := batchInput{Request: e.Request, Body: []byte(e.Body), ID: e.ID}
	if e.Headers != nil {
		in.Header = e.Headers.header()
	}
	return in, nil
}

func sameBatchInput(a, b batchInput) bool {
	return a.Request == b.Request && bytes.Equal(a.Body, b.Body) && a.ID == b.ID &&
		(a.Header == nil) == (b.Header == nil) && reflect.DeepEqual(a.Header, b.Header)
}

// TestDecodeBatchLine: the one-pass decoder takes the common shapes and
// hands everything else to encoding/json; either way the entry is what
// encoding/json alone would produce.
func TestDecodeBatchLine(t *testing.T) {
	tests := []struct {
		name, line string
		fast       bool // decoded without encoding/json
		wantErr    bool
	}{
		{"headers and body", `{"headers": {"X-Hub-Signature-256": "sha256=ab", "x-a": ["1", "2"]}, "body": "{\"a\":1}"}`, true, false},
		{"raw request", `{"request": "POST /h HTTP/1.1\r\nHost: a\r\n\r\n{}", "id": "wh_1"}`, true, false},
		{"empty object", `{}`, true, false},
		{"empty headers, empty array", `{"headers": {}, "body": ""}`, true, false},
		{"empty value array", `{"headers": {"X-A": []}}`, true, false},
		{"all escapes", `{"body": "\"\\\/\b\f\n\r\t\u0000\u00e9\u20AC\ud83d\ude00"}`, true, false},
		{"escape at the very end", `{"body": "abc\\"}`, true, false},
		{"raw UTF-8", `{"body": "héllo €"}`, true, false},
		{"white space everywhere", " {\t\"id\" :\n\"x\" , \"body\":\"b\"\r} ", true, false},
		{"header names trimmed and canonicalised", `{"headers": {" content-type ": "a"}}`, true, false},
		{"escaped key", `{"bo\u0064y": "x"}`, true, false},

		{"case-insensitive key", `{"Body": "x"}`, false, false},
		{"unknown key", `{"body": "x", "extra": [1, {"a": null}]}`, false, false},
		{"duplicate key", `{"body": "x", "body": "y"}`, false, false},
		{"null headers", `{"headers": null, "body": "x"}`, false, false},
		{"null value", `{"body": null}`, false, false},
		{"header names alike once canonical", `{"headers": {"x-a": "1", "X-A": "2"}}`, false, false},
		{"lone high surrogate", `{"body": "\ud83d"}`, false, false},
		{"lone low surrogate", `{"body": "\ude00x"}`, false, false},
		{"high surrogate then non-surrogate", `{"body": "\ud83d\u0041"}`, false, false},
		{"invalid UTF-8", "{\"body\": \"\xff\xfe\"}", false, false},
		{"invalid UTF-8 before an escape", "{\"body\": \"\xc3\\n\"}", false, false},

		{"number", `{"body": 1}`, false, true},
		{"header value number", `{"headers": {"X-A": 1}}`, false, true},
		{"control character", "{\"body\": \"a\tb\"}", false, true},
		{"bad escape", `{"body": "\x"}`, false, true},
		{"short unicode escape", `{"body": "\u12"}`, false, true},
		{"unterminated string", `{"body": "abc`, false, true},
		{"backslash at the end of input", `{"body": "abc\`, false, true},
		{"trailing data", `{"body": "x"} {}`, false, true},
		{"missing comma", `{"body": "x" "id": "y"}`, false, true},
		{"array", `["body"]`, false, true},
		{"not JSON", `POST / HTTP/1.1`, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var fast batchInput
			if got := fastDecodeBatch([]byte(tc.line), &fast); got != tc.fast {
				t.Errorf("fast path taken = %v, want %v", got, tc.fast)
			}
			got, err := decodeBatchLine([]byte(tc.line))
			want, wantErr := slowBatchLine([]byte(tc.line))
			if (err != nil) != tc.wantErr || (wantErr != nil) != tc.wantErr {
				t.Fatalf("err = %v, encoding/json: %v; want error %v", err, wantErr, tc.wantErr)
			}
			if !sameBatchInput(got, want) {
				t.Errorf("decoded %+v\nencoding/json: %+v", got, want)
			}
			if tc.fast && !sameBatchInput(fast, want) {
				t.Errorf("fast %+v\nencoding/json: %+v", fast, want)
			}
		})
	}
	// Decoding every line, twice over, into one scratch: nothing of one
	// line shows in the next.
	s := newBatchScratch()
	for range 2 {
		for _, tc := range tests {
			got, err := decodeBatchLineTo([]byte(tc.line), &s)
			want, _ := slowBatchLine([]byte(tc.line))
			if (err != nil) != tc.wantErr || !sameBatchInput(got, want) {
				t.Errorf("%s, reusing the scratch: %+v, %v\nencoding/json: %+v", tc.name, got, err, want)
			}
		}
	}
}

// FuzzDecodeBatchLine: whenever the one-pass decoder accepts a line,
// encoding/json accepts it too and decodes the same entry.
func FuzzDecodeBatchLine(f *testing.F) {
	for _, s := range []string{
		`{"headers": {"X-Hub-Signature-256": "sha256=ab", "x-a": ["1", "2"]}, "body": "{\"a\":1}"}`,
		`{"request": "POST /h HTTP/1.1\r\nHost: a\r\n\r\n{}", "id": "wh_1"}`,
		`{"body": "\"\\\/\b\f\n\r\t\u0000\u00e9\ud83d\ude00"}`, `{"body": "\ud83d"}`, "{\"body\": \"\xc3\\n\"}",
		`{"headers": {}}`, `{"headers": {"a": []}}`, `{"Body": "x"}`,
	} {
		f.Add([]byte(s))
	}
	before := []byte(`{"headers": {"X-A": ["1", "2"], "x-b": "3", "X-C": []}, "body": "{\"a\":1}", "id": "x"}`)
	f.Fuzz(func(t *testing.T, line []byte) {
		var fast batchInput
		if !fastDecodeBatch(line, &fast) {
			return
		}
		want, err := slowBatchLine(line)
		if err != nil {
			t.Fatalf("fast path accepted what encoding/json rejects (%v): %q", err, line)
		}
		if !sameBatchInput(fast, want) {
			t.Fatalf("%q:\nfast %+v\nencoding/json %+v", line, fast, want)
		}
		// The same after another line, into the same scratch.
		s := newBatchScratch()
		if _, err := decodeBatchLineTo(before, &s); err != nil {
			t.Fatal(err)
		}
		if got, err := decodeBatchLineTo(line, &s); err != nil || !sameBatchInput(got, want) {
			t.Fatalf("%q after another line:\nfast %+v, %v\nencoding/json %+v", line, got, err, want)
		}
	})
}

// BenchmarkDecodeBatchLine compares the one-pass decoder with
// encoding/json on the line BenchmarkVerifyBatchHMAC1KiB checks.
func BenchmarkDecodeBatchLine(b *testing.B) {
	body := `{"data":"` + strings.Repeat("x", 1024-11) + `"}`
	req := delivery(b, signature.HubSignature{}, []signature.Key{current}, body, time.Now())
	line := []byte(headersLine(b, req, ""))
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var in batchInput
			if !fastDecodeBatch(line, &in) {
				b.Fatal("fast path refused the line")
			}
		}
	})
	b.Run("fast-reused", func(b *testing.B) { // as a batch decodes: into the previous line's buffers
		b.ReportAllocs()
		s := newBatchScratch()
		for b.Loop() {
			var in batchInput
			if !fastDecodeBatchTo(line, &in, &s) {
				b.Fatal("fast path refused the line")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := slowBatchLine(line); err != nil {
				b.Fatal(err)
			}
		}
	})
}
