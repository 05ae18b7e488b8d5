package signature

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/signature/httpsig"
)

// checkResultShape is the invariant every Verify result keeps.
func checkResultShape(t *testing.T, r Result) {
	t.Helper()
	if r.Steps == nil {
		t.Fatal("Steps is nil")
	}
	if r.Valid != (r.FailedStep == "" && r.Key != "") {
		t.Fatalf("Valid=%v but FailedStep=%q Key=%q", r.Valid, r.FailedStep, r.Key)
	}
	if !r.Valid && r.FailedStep == "" {
		t.Fatal("invalid result without FailedStep")
	}
}

func FuzzParseRawRequest(f *testing.F) {
	for _, name := range []string{"crlf.http", "lf.http", "curl-v.txt", "chunked-absolute.http"} {
		f.Add(readRawF(f, name))
	}
	f.Add([]byte("POST /x HTTP/1.1\nHost: a\nContent-Length: 3\n\nabcdef"))
	f.Add([]byte("> GET / HTTP/2\n> host: a\n> \n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 1 << 12
		req, err := ParseRawRequest(bytes.NewReader(data), max)
		if err != nil {
			return
		}
		if req.Method == "" || req.URL == nil || req.Header == nil || req.Body == nil {
			t.Fatalf("incomplete request: %+v", req)
		}
		if len(req.Body) > max {
			t.Fatalf("body of %d bytes passed the %d limit", len(req.Body), max)
		}
		// A scheme is assumed exactly when the request line had none and a
		// Host stood in; SetTargetScheme then takes either choice.
		if req.SchemeAssumed != "" {
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" || req.URL.Host == "" {
				t.Fatalf("assumed scheme on %q", req.URL)
			}
			if err := req.SetTargetScheme("https"); err != nil || req.URL.Scheme != "https" {
				t.Fatalf("SetTargetScheme on an assumed scheme: %v", err)
			}
		}
	})
}

func FuzzParseHAR(f *testing.F) {
	f.Add([]byte(`{"log":{"version":"1.2","entries":[{"request":{"method":"POST","url":"https://r.example/h?x=1",`+
		`"headers":[{"name":":authority","value":"r.example"},{"name":"X-Hub-Signature","value":"sha1=00"}],`+
		`"postData":{"mimeType":"application/json","text":"{}"}}}]}}`), 0)
	f.Add([]byte(`{"log":{"entries":[{"request":{"method":"POST","url":"/rel","headers":[],`+
		`"postData":{"text":"aGk=","encoding":"base64"}}}]}}`), 0)
	f.Add([]byte(`{"log":{"entries":[]}}`), 3)
	f.Fuzz(func(t *testing.T, data []byte, entry int) {
		const max = 1 << 12
		req, err := ParseHAR(bytes.NewReader(data), entry, max)
		if err != nil {
			return
		}
		if req.Method == "" || req.Header == nil || req.Body == nil {
			t.Fatalf("incomplete request: %+v", req)
		}
		if len(req.Body) > max {
			t.Fatalf("body of %d bytes passed the %d limit", len(req.Body), max)
		}
	})
}

func readRawF(f *testing.F, name string) []byte {
	b, err := readRawFile(name)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func FuzzStandardWebhooksHeaders(f *testing.F) {
	key := []byte("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	f.Add("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", []byte(`{"test": 2432232314}`))
	f.Add("id", "1614265330000", "v1,00 v1a,xx v2,yy", []byte("{}"))
	f.Add("", "-1", ",,, v1,", []byte(nil))
	now := time.Unix(1614265330, 0)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{}
		h["Webhook-Id"] = []string{id}
		h["Webhook-Timestamp"] = []string{ts}
		h["Webhook-Signature"] = []string{sig}
		res := (StandardWebhooks{}).Verify(&Request{Header: h, Body: body}, []Key{{Name: "current", Secret: key}}, Options{Now: now})
		checkResultShape(t, res)
		if res.Key != "" {
			// A match must really be the MAC of id.ts.body.
			hk, _, _ := standardKey(key)
			want := standardMAC(nil, hk, strings.TrimSpace(id), strings.TrimSpace(ts), body)
			if !containsMAC(sig, want, ",") {
				t.Fatalf("accepted a signature that is not the MAC: %q", sig)
			}
		}
	})
}

func FuzzSolvimonHeaders(f *testing.F) {
	key := []byte("sk_test")
	ts := "2026-03-01T12:00:00Z"
	f.Add(ts, "v1="+strings.ToUpper(hexs(solvimonMAC(nil, key, ts, []byte("{}")))), []byte("{}"))
	f.Add("1772366400", "v1=abc,v0=def, v1=", []byte(""))
	f.Add("2026-03-01 12:00:00", "v1==", []byte("x"))
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		h := http.Header{}
		h["X-Payload-Signature-Timestamp"] = []string{ts}
		h["X-Payload-Signature"] = []string{sig}
		res := (Solvimon{}).Verify(&Request{Header: h, Body: body}, []Key{{Name: "current", Secret: key}}, Options{Now: t0})
		checkResultShape(t, res)
		if res.Key != "" && !containsMAC(sig, solvimonMAC(nil, key, strings.TrimSpace(ts), body), "=") {
			t.Fatalf("accepted a signature that is not the MAC: %q", sig)
		}
	})
}

func FuzzHubSignatureHeaders(f *testing.F) {
	key := []byte("It's a Secret to Everybody")
	f.Add("sha1=", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", []byte("Hello, World!"))
	f.Add("sha1=0123", "", []byte(""))
	f.Add("", "=", []byte("x"))
	f.Fuzz(func(t *testing.T, sig, sig256 string, body []byte) {
		h := http.Header{}
		if sig != "" {
			h["X-Hub-Signature"] = []string{sig}
		}
		if sig256 != "" {
			h["X-Hub-Signature-256"] = []string{sig256}
		}
		res := (HubSignature{}).Verify(&Request{Header: h, Body: body}, []Key{{Name: "current", Secret: key}}, Options{})
		checkResultShape(t, res)
		if res.Valid {
			for _, v := range []string{sig, sig256} {
				if v == "" {
					continue
				}
				if !containsMAC(v, hubMAC(nil, hubSHA256, key, body), "=") && !containsMAC(v, hubMAC(nil, hubSHA1, key, body), "=") {
					t.Fatalf("accepted %q", v)
				}
			}
		}
	})
}

func FuzzHTTPMessageSignaturesHeaders(f *testing.F) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	key := Key{Name: "current", Private: priv, KeyID: "k"}
	seed := baseRequest()
	if err := (HTTPMessageSignatures{}).Sign(seed, []Key{key}, t0); err != nil {
		f.Fatal(err)
	}
	f.Add(seed.Header.Get("Signature-Input"), seed.Header.Get("Signature"), seed.Header.Get("Content-Digest"), seed.Body)
	f.Add(`sig1=("@query-param";name="src" "content-type";sf "host";bs);created=1772366400`, `sig1=:AAAA:`, "", []byte(""))
	f.Add(`a=(), b=("@status")`, `a=:AA==:, b=:AA==:`, "sha-512=:AA==:", []byte("{}"))
	pub := publicOnly(key)
	pub.Public = priv.Public()
	f.Fuzz(func(t *testing.T, in, sig, digest string, body []byte) {
		u, _ := url.Parse("https://hooks.example.com/webhooks/in?src=test")
		h := http.Header{"Content-Type": {"application/json"}, "Host": {"hooks.example.com"}}
		h["Signature-Input"] = []string{in}
		h["Signature"] = []string{sig}
		if digest != "" {
			h["Content-Digest"] = []string{digest}
		}
		req := &Request{Method: "POST", URL: u, Header: h, Body: body}
		res := (HTTPMessageSignatures{}).Verify(req, []Key{pub}, Options{Now: t0})
		checkResultShape(t, res)
		if res.Valid {
			// Cross-check with the library's own strict verifier.
			if _, err := httpsig.VerifyMessage(msgOf(req), httpsig.VerifyOptions{Key: priv.Public(), Now: t0, AllowMissingCreated: true}); err != nil {
				t.Fatalf("scheme accepted what httpsig refuses: %v", err)
			}
		}
	})
}

// containsMAC reports whether any entry of a signature header decodes to
// mac, whatever its prefix.
func containsMAC(header string, mac []byte, sep string) bool {
	for _, f := range strings.FieldsFunc(header, func(r rune) bool { return r == ' ' || r == ',' }) {
		f = strings.TrimSpace(f)
		candidates := []string{f}
		if _, v, ok := strings.Cut(f, sep); ok {
			candidates = append(candidates, strings.TrimSpace(v))
		}
		if _, v, ok := strings.Cut(f, "="); ok {
			candidates = append(candidates, strings.TrimSpace(v))
		}
		for _, c := range candidates {
			if b, _, ok := decodeSig(nil, c, len(mac)); ok && hmac.Equal(b, mac) {
				return true
			}
		}
	}
	return false
}

func msgOf(req *Request) *httpsig.Message {
	m, _ := req.message()
	return m
}
