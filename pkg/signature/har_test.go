package signature

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func harDoc(t *testing.T, entries ...any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"log": map[string]any{"version": "1.2", "creator": map[string]string{"name": "test", "version": "1"}, "entries": entries}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseHAR(t *testing.T) {
	key := []Key{{Name: "current", Secret: []byte("c2VjcmV0c2VjcmV0")}}
	signed := &Request{Method: "POST", Header: http.Header{}, Body: []byte(`{"event":"ReportFiled"}`)}
	if err := (HubSignature{}).Sign(signed, key, t0); err != nil {
		t.Fatal(err)
	}
	headers := []map[string]string{
		{"name": ":authority", "value": "receiver.example.com"},
		{"name": "x-hub-signature", "value": signed.Header.Get("X-Hub-Signature")},
	}
	plain := map[string]any{"request": map[string]any{"method": "post", "url": "https://receiver.example.com/hook?x=1",
		"headers": headers, "postData": map[string]any{"mimeType": "application/json", "text": string(signed.Body)}}}
	b64 := map[string]any{"request": map[string]any{"method": "POST", "url": "https://receiver.example.com/hook",
		"headers": headers, "postData": map[string]any{"mimeType": "application/json", "encoding": "base64",
			"text": base64.StdEncoding.EncodeToString(signed.Body)}}}
	noBody := map[string]any{"request": map[string]any{"method": "GET", "url": "https://example.com/", "headers": []any{}}}
	doc := harDoc(t, noBody, plain, b64)

	tests := []struct {
		name    string
		doc     string
		entry   int
		max     int64
		wantErr string
		valid   bool
	}{
		{"plain postData", doc, 1, 1 << 20, "", true},
		{"base64 postData", doc, 2, 1 << 20, "", true},
		{"no body", doc, 0, 1 << 20, "", false},
		{"out of range", doc, 3, 1 << 20, "entry 3 out of range: the log has 3 entries", false},
		{"negative", doc, -2, 1 << 20, "out of range", false},
		{"too large", doc, 1, 4, "larger than 4 bytes", false},
		{"not json", "GET / HTTP/1.1", 0, 1 << 20, "not a HAR file", false},
		{"no log", `{"entries": []}`, 0, 1 << 20, `no "log" object`, false},
		{"no request", harDoc(t, map[string]any{}), 0, 1 << 20, "has no request", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := ParseHAR(strings.NewReader(tc.doc), tc.entry, tc.max)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := req.Header[":authority"]; ok {
				t.Error("pseudo-header kept")
			}
			if tc.entry == 0 {
				if req.Method != "GET" || len(req.Body) != 0 || req.URL.Host != "example.com" {
					t.Errorf("got %+v", req)
				}
				return
			}
			if req.Method != "POST" || req.URL.Path != "/hook" || req.Header.Get("Content-Type") != "application/json" {
				t.Errorf("method %q path %q content-type %q", req.Method, req.URL.Path, req.Header.Get("Content-Type"))
			}
			if res := (HubSignature{}).Verify(req, key, Options{Now: t0}); res.Valid != tc.valid {
				t.Errorf("valid = %v, want %v: %+v", res.Valid, tc.valid, res)
			}
		})
	}
}
