package signature

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/signature/httpsig"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time {
	t := t0.Add(d)
	return &t
}

type keySet struct {
	current, previous, other Key
}

func hmacKeys(current, previous, other string) keySet {
	return keySet{
		current:  Key{Name: "current", Secret: []byte(current)},
		previous: Key{Name: "previous", Secret: []byte(previous)},
		other:    Key{Name: "file", Secret: []byte(other)},
	}
}

func ecKeys(t *testing.T) keySet {
	t.Helper()
	mk := func(name, id string) Key {
		k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return Key{Name: name, Private: k, Public: k.Public(), KeyID: id}
	}
	return keySet{current: mk("current", "kid-current"), previous: mk("previous", "kid-previous"), other: mk("file", "kid-current")}
}

func publicOnly(k Key) Key {
	k.Private = nil
	return k
}

func baseRequest() *Request {
	u, _ := url.Parse("https://hooks.example.com/webhooks/in?src=test")
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Host", "hooks.example.com")
	return &Request{Method: "POST", URL: u, Header: h, Body: []byte(`{"eventId":"ev-1","type":"customer.updated"}`)}
}

type schemeCase struct {
	name       string
	signAt     time.Time // zero: t0
	sign       func(ks keySet) []Key
	mutate     func(r *Request)
	verify     func(ks keySet) []Key
	now        time.Time // zero: t0 + 30s
	wantValid  bool
	wantFailed string
	wantKey    string
}

// commonCases are the cases every scheme must pass; tsFailed is the step a
// stale/future delivery fails at ("" for schemes without a timestamp).
func commonCases(tsFailed, tamperFailed string) []schemeCase {
	cur := func(ks keySet) []Key { return []Key{ks.current} }
	cases := []schemeCase{
		{name: "valid", sign: cur, verify: cur, wantValid: true, wantKey: "current"},
		{name: "tampered body", sign: cur, verify: cur, mutate: func(r *Request) { r.Body = []byte(`{"eventId":"ev-1","type":"customer.deleted"}`) }, wantFailed: tamperFailed},
		{name: "wrong key", sign: cur, verify: func(ks keySet) []Key { return []Key{ks.other} }, wantFailed: StepSignature},
		{name: "no keys", sign: cur, verify: func(keySet) []Key { return nil }, wantFailed: StepKey},
		{name: "previous key accepted while valid", sign: func(ks keySet) []Key { return []Key{ks.previous} },
			verify: func(ks keySet) []Key {
				p := ks.previous
				p.ValidUntil = at(time.Hour)
				return []Key{ks.current, p}
			}, wantValid: true, wantKey: "previous"},
		{name: "previous key refused after ValidUntil", sign: func(ks keySet) []Key { return []Key{ks.previous} },
			verify: func(ks keySet) []Key {
				p := ks.previous
				p.ValidUntil = at(-time.Minute)
				return []Key{ks.current, p}
			}, wantFailed: StepKey},
		{name: "expired key skipped, current accepted", sign: func(ks keySet) []Key { return []Key{ks.current} },
			verify: func(ks keySet) []Key {
				p := ks.previous
				p.ValidUntil = at(-time.Minute)
				return []Key{p, ks.current}
			}, wantValid: true, wantKey: "current"},
	}
	if tsFailed != "" {
		cases = append(cases,
			schemeCase{name: "stale", signAt: t0.Add(-10 * time.Minute), sign: cur, verify: cur, now: t0, wantFailed: tsFailed, wantKey: "current"},
			schemeCase{name: "future", signAt: t0.Add(10 * time.Minute), sign: cur, verify: cur, now: t0, wantFailed: tsFailed, wantKey: "current"},
			schemeCase{name: "within tolerance", signAt: t0.Add(-4 * time.Minute), sign: cur, verify: cur, now: t0, wantValid: true, wantKey: "current"},
		)
	}
	return cases
}

func runSchemeCases(t *testing.T, s Scheme, ks keySet, cases []schemeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := baseRequest()
			signAt := tc.signAt
			if signAt.IsZero() {
				signAt = t0
			}
			if err := s.Sign(req, tc.sign(ks), signAt); err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if !s.Detect(req.Header) {
				t.Fatal("Detect does not recognise the scheme's own headers")
			}
			if tc.mutate != nil {
				tc.mutate(req)
			}
			now := tc.now
			if now.IsZero() {
				now = t0.Add(30 * time.Second)
			}
			res := s.Verify(req, tc.verify(ks), Options{Now: now})
			if res.Valid != tc.wantValid || res.FailedStep != tc.wantFailed || res.Key != tc.wantKey {
				t.Fatalf("Valid=%v FailedStep=%q Key=%q, want %v %q %q\nsteps: %s", res.Valid, res.FailedStep, res.Key, tc.wantValid, tc.wantFailed, tc.wantKey, stepsString(res))
			}
			if res.Scheme != s.Name() {
				t.Fatalf("Scheme = %q", res.Scheme)
			}
			if res.Steps == nil {
				t.Fatal("Steps is nil")
			}
		})
	}
}

func stepsString(r Result) string {
	var b strings.Builder
	for _, s := range r.Steps {
		b.WriteString("\n  ")
		b.WriteString(s.Name)
		if s.OK {
			b.WriteString(" ok: ")
		} else {
			b.WriteString(" FAIL: ")
		}
		b.WriteString(s.Detail)
	}
	return b.String()
}

// headerCases: duplicated, malformed and missing headers, each with the
// failing step.
func headerCase(name string, mutate func(r *Request), failed string) schemeCase {
	cur := func(ks keySet) []Key { return []Key{ks.current} }
	return schemeCase{name: name, sign: cur, verify: cur, mutate: mutate, wantFailed: failed}
}

func TestStandardWebhooksCases(t *testing.T) {
	for _, variant := range []struct {
		name string
		ks   keySet
	}{
		{"whsec", hmacKeys("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_c2Vjb25kLXNlY3JldC1mb3ItdGVzdHM=", "whsec_b3RoZXItc2VjcmV0")},
		{"raw PEXA secret", hmacKeys("5b0f6f0e-5a4c-4c8e-9d7a-3f1e2d4c6b8a", "0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6", "not-the-secret")},
	} {
		t.Run(variant.name, func(t *testing.T) {
			cases := commonCases(StepTimestamp, StepSignature)
			cases = append(cases,
				headerCase("duplicated webhook-id", func(r *Request) { r.Header.Add("webhook-id", "msg_other") }, StepHeaders),
				headerCase("duplicated webhook-timestamp", func(r *Request) { r.Header.Add("webhook-timestamp", "1") }, StepHeaders),
				headerCase("missing webhook-id", func(r *Request) { r.Header.Del("webhook-id") }, StepHeaders),
				headerCase("missing webhook-signature", func(r *Request) { r.Header.Del("webhook-signature") }, StepHeaders),
				headerCase("malformed signature", func(r *Request) { r.Header.Set("webhook-signature", "v1;abc v2,zzz") }, StepHeaders),
				headerCase("malformed timestamp", func(r *Request) { r.Header.Set("webhook-timestamp", "yesterday") }, StepTimestamp),
				headerCase("altered id", func(r *Request) { r.Header.Set("webhook-id", "msg_other") }, StepSignature),
				headerCase("altered timestamp", func(r *Request) { r.Header.Set("webhook-timestamp", "1772366401") }, StepSignature),
				schemeCase{name: "rotation: both signatures sent, previous only known", sign: func(ks keySet) []Key { return []Key{ks.current, ks.previous} },
					verify: func(ks keySet) []Key { return []Key{ks.previous} }, wantValid: true, wantKey: "previous"},
				schemeCase{name: "signature split over two header lines", sign: func(ks keySet) []Key { return []Key{ks.other, ks.current} },
					mutate: func(r *Request) {
						parts := strings.Fields(r.Header.Get("webhook-signature"))
						r.Header.Del("webhook-signature")
						r.Header.Add("webhook-signature", parts[0])
						r.Header.Add("webhook-signature", parts[1])
					}, verify: func(ks keySet) []Key { return []Key{ks.current} }, wantValid: true, wantKey: "current"},
			)
			runSchemeCases(t, StandardWebhooks{}, variant.ks, cases)
		})
	}
}

func TestStandardWebhooksEncodings(t *testing.T) {
	// The same MAC as base64 and as hex, with a millisecond timestamp.
	key := Key{Name: "current", Secret: []byte("raw-secret")}
	req := baseRequest()
	req.Header.Set("webhook-id", "msg_1")
	ts := "1772366400000"
	req.Header.Set("webhook-timestamp", ts)
	mac := standardMAC(nil, key.Secret, "msg_1", ts, req.Body)
	for _, enc := range []string{"v1," + b64(mac), "v1," + strings.ToUpper(hexs(mac)), "v1a,ignored v1," + hexs(mac)} {
		req.Header.Set("webhook-signature", enc)
		res := (StandardWebhooks{}).Verify(req, []Key{key}, Options{Now: t0})
		if !res.Valid {
			t.Errorf("%s: %+v", enc, res)
		}
	}
}

func TestSolvimonCases(t *testing.T) {
	ks := hmacKeys("sk_live_current_0123456789", "sk_live_previous_9876543210", "sk_live_other")
	cases := commonCases(StepTimestamp, StepSignature)
	cases = append(cases,
		headerCase("duplicated timestamp header", func(r *Request) { r.Header.Add("X-Payload-Signature-Timestamp", "2026-03-01T12:00:00Z") }, StepHeaders),
		headerCase("missing timestamp header", func(r *Request) { r.Header.Del("X-Payload-Signature-Timestamp") }, StepHeaders),
		headerCase("missing signature header", func(r *Request) { r.Header.Del("X-Payload-Signature") }, StepHeaders),
		headerCase("malformed signature", func(r *Request) { r.Header.Set("X-Payload-Signature", "v1:ABCDEF") }, StepHeaders),
		headerCase("malformed timestamp", func(r *Request) { r.Header.Set("X-Payload-Signature-Timestamp", "1st of March") }, StepTimestamp),
		headerCase("timestamp reformatted", func(r *Request) { r.Header.Set("X-Payload-Signature-Timestamp", "2026-03-01T12:00:00+00:00") }, StepSignature),
		schemeCase{name: "lower-case hex", sign: func(ks keySet) []Key { return []Key{ks.current} }, verify: func(ks keySet) []Key { return []Key{ks.current} },
			mutate: func(r *Request) {
				r.Header.Set("X-Payload-Signature", strings.ToLower(r.Header.Get("X-Payload-Signature")))
			}, wantValid: true, wantKey: "current"},
		schemeCase{name: "rotation: two pairs, previous only known", sign: func(ks keySet) []Key { return []Key{ks.current, ks.previous} },
			verify: func(ks keySet) []Key { return []Key{ks.previous} }, wantValid: true, wantKey: "previous"},
		schemeCase{name: "other versions ignored", sign: func(ks keySet) []Key { return []Key{ks.current} }, verify: func(ks keySet) []Key { return []Key{ks.current} },
			mutate: func(r *Request) { r.Header.Set("X-Payload-Signature", "v0=00, "+r.Header.Get("X-Payload-Signature")) }, wantValid: true, wantKey: "current"},
	)
	runSchemeCases(t, Solvimon{}, ks, cases)
}

func TestSolvimonTimestampForms(t *testing.T) {
	key := Key{Name: "current", Secret: []byte("k")}
	for _, ts := range []string{"2026-03-01T12:00:00Z", "2026-03-01T12:00:00.123456Z", "2026-03-01T13:00:00+01:00", "2026-03-01T12:00:00", "1772366400", "1772366400000"} {
		req := baseRequest()
		req.Header.Set("X-Payload-Signature-Timestamp", ts)
		req.Header.Set("X-Payload-Signature", "v1="+b64(solvimonMAC(nil, key.Secret, ts, req.Body)))
		res := (Solvimon{}).Verify(req, []Key{key}, Options{Now: t0.Add(time.Second)})
		if !res.Valid {
			t.Errorf("%s: %s", ts, stepsString(res))
		}
	}
}

func TestHubSignatureCases(t *testing.T) {
	ks := hmacKeys("c2VjcmV0LWN1cnJlbnQ=", "c2VjcmV0LXByZXZpb3Vz", "b3RoZXI=")
	cases := commonCases("", StepSignature)
	cases = append(cases,
		headerCase("duplicated X-Hub-Signature", func(r *Request) { r.Header.Add("X-Hub-Signature", "sha1=00") }, StepHeaders),
		headerCase("missing X-Hub-Signature", func(r *Request) { r.Header.Del("X-Hub-Signature") }, StepHeaders),
		headerCase("malformed X-Hub-Signature", func(r *Request) { r.Header.Set("X-Hub-Signature", "sha1=not-hex!") }, StepHeaders),
		headerCase("wrong X-Hub-Signature-256 alongside", func(r *Request) {
			r.Header.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("ab", 32))
		}, StepSignature),
	)
	runSchemeCases(t, HubSignature{}, ks, cases)
}

func TestHubSignatureForms(t *testing.T) {
	secret := []byte("It's a Secret to Everybody")
	body := []byte("Hello, World!")
	mac256 := hubMAC(nil, hubSHA256, secret, body)
	mac1 := hubMAC(nil, hubSHA1, secret, body)
	cases := []struct {
		headers map[string]string
		algo    string
	}{
		{map[string]string{"X-Hub-Signature": "sha1=" + hexs(mac256)}, "HMAC-SHA256"},
		{map[string]string{"X-Hub-Signature": "sha256=" + hexs(mac256)}, "HMAC-SHA256"},
		{map[string]string{"X-Hub-Signature": hexs(mac256)}, "HMAC-SHA256"},
		{map[string]string{"X-Hub-Signature": b64(mac256)}, "HMAC-SHA256"},
		{map[string]string{"X-Hub-Signature": "sha1=" + hexs(mac1)}, "HMAC-SHA1"},
		{map[string]string{"X-Hub-Signature": "sha1=" + hexs(mac1), "X-Hub-Signature-256": "sha256=" + hexs(mac256)}, "HMAC-SHA1"},
	}
	for _, tc := range cases {
		req := &Request{Method: "POST", Header: http.Header{}, Body: body}
		for k, v := range tc.headers {
			req.Header.Set(k, v)
		}
		req.Header.Set("X-Webhook-Delivery", "0123456789abcdef0123456789abcdef")
		res := (HubSignature{}).Verify(req, []Key{{Name: "current", Secret: secret}}, Options{})
		if !res.Valid {
			t.Errorf("%v: %s", tc.headers, stepsString(res))
			continue
		}
		if !strings.Contains(stepsString(res), tc.algo) {
			t.Errorf("%v: steps do not name %s: %s", tc.headers, tc.algo, stepsString(res))
		}
		if res.ID != "0123456789abcdef0123456789abcdef" {
			t.Errorf("ID = %q", res.ID)
		}
		last := res.Steps[len(res.Steps)-1]
		if last.Name != StepReplay || !strings.Contains(last.Detail, "not covered") {
			t.Errorf("no replay step: %s", stepsString(res))
		}
	}
}

func TestHTTPMessageSignaturesCases(t *testing.T) {
	ks := ecKeys(t)
	cur := func(ks keySet) []Key { return []Key{publicOnly(ks.current)} }
	cases := commonCases(StepTimestamp, StepDigest)
	for i := range cases {
		if cases[i].name == "tampered body" {
			// The signature itself still holds: only the digest fails.
			cases[i].wantKey = "current"
		}
	}
	// Verification keys carry only the public half, as fetched from the API.
	for i := range cases {
		v := cases[i].verify
		cases[i].verify = func(ks keySet) []Key {
			keys := v(ks)
			for j := range keys {
				keys[j] = publicOnly(keys[j])
			}
			return keys
		}
	}
	cases = append(cases,
		headerCase("duplicated Signature-Input with an unmatched label", func(r *Request) { r.Header.Add("Signature-Input", `sig9=("@method");created=1`) }, StepHeaders),
		headerCase("missing Signature", func(r *Request) { r.Header.Del("Signature") }, StepHeaders),
		headerCase("malformed Signature-Input", func(r *Request) { r.Header.Set("Signature-Input", `sig1=("@method"`) }, StepHeaders),
		headerCase("malformed Signature", func(r *Request) { r.Header.Set("Signature", `sig1=abc`) }, StepHeaders),
		headerCase("duplicated Content-Digest", func(r *Request) { r.Header.Add("Content-Digest", "sha-256=:AAAA:") }, StepDigest),
		headerCase("Content-Digest and body both replaced", func(r *Request) {
			r.Body = []byte(`{"eventId":"ev-2"}`)
			r.Header.Set("Content-Digest", "sha-256=:"+b64(sha256Sum(r.Body))+":")
		}, StepSignature),
		headerCase("covered header removed", func(r *Request) { r.Header.Del("Content-Type") }, StepSignature),
		headerCase("target changed", func(r *Request) { r.URL.Path = "/other" }, StepSignature),
		schemeCase{name: "keyid selects the key", sign: func(ks keySet) []Key { return []Key{ks.current} },
			verify: func(ks keySet) []Key { return []Key{publicOnly(ks.previous), publicOnly(ks.current)} }, wantValid: true, wantKey: "current"},
		schemeCase{name: "two signatures during rotation, previous only known", sign: func(ks keySet) []Key { return []Key{ks.current, ks.previous} },
			verify: func(ks keySet) []Key { return []Key{publicOnly(ks.previous)} }, wantValid: true, wantKey: "previous"},
		schemeCase{name: "key without keyid still tried", sign: func(ks keySet) []Key { return []Key{ks.current} },
			verify: func(ks keySet) []Key { k := publicOnly(ks.current); k.KeyID = ""; return []Key{k} }, wantValid: true, wantKey: "current"},
		schemeCase{name: "digest not covered", sign: func(ks keySet) []Key { return []Key{ks.current} }, verify: cur, mutate: func(r *Request) {
			resignWithout(t, r, ks.current, "content-digest")
		}, wantFailed: StepDigest, wantKey: "current"},
	)
	runSchemeCases(t, HTTPMessageSignatures{}, ks, cases)
}

func TestHTTPMessageSignaturesDetails(t *testing.T) {
	ks := ecKeys(t)
	req := baseRequest()
	if err := (HTTPMessageSignatures{}).Sign(req, []Key{ks.current}, t0); err != nil {
		t.Fatal(err)
	}
	in := req.Header.Get("Signature-Input")
	want := `sig1=("@method" "@target-uri" "content-digest" "content-type");created=1772366400;keyid="kid-current";alg="ecdsa-p384-sha384"`
	if in != want {
		t.Fatalf("Signature-Input = %s\nwant %s", in, want)
	}
	res := (HTTPMessageSignatures{}).Verify(req, []Key{publicOnly(ks.current)}, Options{Now: t0})
	if !res.Valid || res.ID != "ev-1" {
		t.Fatalf("%+v", res)
	}
	// A raw file without scheme/host: the Host header and https stand in.
	raw := &Request{Method: req.Method, URL: &url.URL{Path: req.URL.Path, RawQuery: req.URL.RawQuery}, Header: req.Header, Body: req.Body}
	if res := (HTTPMessageSignatures{}).Verify(raw, []Key{publicOnly(ks.current)}, Options{Now: t0}); !res.Valid {
		t.Fatalf("relative URL + Host: %s", stepsString(res))
	}
	// HMAC keys work too.
	hreq := baseRequest()
	hk := Key{Name: "current", Secret: []byte("shared"), KeyID: "s"}
	if err := (HTTPMessageSignatures{}).Sign(hreq, []Key{hk}, t0); err != nil {
		t.Fatal(err)
	}
	if res := (HTTPMessageSignatures{}).Verify(hreq, []Key{hk}, Options{Now: t0}); !res.Valid {
		t.Fatalf("hmac: %s", stepsString(res))
	}
}

// resignWithout re-signs r covering the standard components minus one.
func resignWithout(t *testing.T, r *Request, k Key, drop string) {
	t.Helper()
	saved := signComponents
	defer func() { signComponents = saved }()
	var ids []string
	for _, id := range saved {
		if id != drop {
			ids = append(ids, id)
		}
	}
	signComponents = ids
	r.Header.Del("Signature-Input")
	r.Header.Del("Signature")
	if err := (HTTPMessageSignatures{}).Sign(r, []Key{k}, t0); err != nil {
		t.Fatal(err)
	}
}

func TestLookupAndDetect(t *testing.T) {
	names := []string{"standard-webhooks", "solvimon", "hub-signature", "http-message-signatures"}
	for i, s := range Schemes() {
		if s.Name() != names[i] {
			t.Fatalf("Schemes()[%d] = %s, want %s", i, s.Name(), names[i])
		}
		got, err := Lookup(names[i])
		if err != nil || got.Name() != names[i] {
			t.Fatalf("Lookup(%s) = %v, %v", names[i], got, err)
		}
	}
	_, err := Lookup("pexa")
	if !errors.Is(err, ErrUnknownScheme) || !strings.Contains(err.Error(), "standard-webhooks, solvimon, hub-signature, http-message-signatures") {
		t.Fatalf("Lookup(pexa) err = %v", err)
	}
	detect := map[string]string{
		"Webhook-Signature":   "standard-webhooks",
		"X-Payload-Signature": "solvimon",
		"X-Hub-Signature":     "hub-signature",
		"X-Hub-Signature-256": "hub-signature",
		"Signature-Input":     "http-message-signatures",
	}
	for h, want := range detect {
		s, err := Detect(http.Header{h: {"x"}})
		if err != nil || s.Name() != want {
			t.Errorf("Detect(%s) = %v, %v; want %s", h, s, err, want)
		}
	}
	if _, err := Detect(http.Header{"Content-Type": {"x"}}); !errors.Is(err, ErrNoScheme) || !strings.Contains(err.Error(), "webhook-signature") {
		t.Errorf("Detect(none) err = %v", err)
	}
	if _, err := Detect(http.Header{}); err == nil || err.Error() != "no delivery signature headers found: looked for webhook-signature (standard-webhooks), "+
		"X-PAYLOAD-SIGNATURE (solvimon), X-Hub-Signature or X-Hub-Signature-256 (hub-signature), Signature-Input (http-message-signatures)" {
		t.Errorf("Detect(none) err = %v", err)
	}
	_, err = Detect(http.Header{"X-Hub-Signature": {"x"}, "Webhook-Signature": {"x"}})
	if !errors.Is(err, ErrAmbiguousScheme) || !strings.Contains(err.Error(), "standard-webhooks, hub-signature") {
		t.Errorf("Detect(two) err = %v", err)
	}
}

// TestDetectOnePass: Detect's and each scheme's Detect's single pass over
// the headers give what a headerValues lookup per header gives, whatever
// the spelling of the names and with empty header lines.
func TestDetectOnePass(t *testing.T) {
	for i, s := range Schemes() {
		if schemes[i].scheme.Name() != s.Name() {
			t.Fatalf("schemes[%d] is %s, Schemes()[%d] is %s", i, schemes[i].scheme.Name(), i, s.Name())
		}
		for _, h := range schemes[i].headers {
			if h != http.CanonicalHeaderKey(h) {
				t.Errorf("%s: header %q is not canonical", s.Name(), h)
			}
		}
	}
	// One spelling per name in a map: with two, which one a
	// case-insensitive lookup meets first is the map's iteration order.
	names := slices.Clone(detectNames)
	names = append(names, "Content-Type")
	rng := mrand.New(mrand.NewPCG(3, 4))
	for range 5000 {
		h := http.Header{}
		for _, n := range names {
			switch rng.IntN(5) {
			case 0:
				continue
			case 1:
				n = strings.ToLower(n)
			case 2:
				n = strings.ToUpper(n)
			case 3:
				// Runes that fold to ASCII: the long s and the Kelvin sign.
				n = strings.NewReplacer("s", "ſ", "S", "ſ", "k", "\u212a", "K", "\u212a").Replace(n)
			}
			h[n] = [][]string{nil, {}, {"x"}, {"x"}}[rng.IntN(4)]
		}
		var want []string // by headerValues, one lookup per header
		for i, s := range Schemes() {
			has := false
			for _, name := range schemes[i].headers {
				has = has || len(headerValues(h, name)) > 0
			}
			if s.Detect(h) != has {
				t.Fatalf("%s.Detect(%v) = %v", s.Name(), h, !has)
			}
			if has {
				want = append(want, s.Name())
			}
		}
		s, err := Detect(h)
		var got []string
		switch {
		case err == nil:
			got = []string{s.Name()}
		case errors.Is(err, ErrAmbiguousScheme):
			got = strings.Split(strings.TrimSuffix(strings.SplitN(err.Error(), ": ", 2)[1], "; name the scheme explicitly"), ", ")
		case !errors.Is(err, ErrNoScheme):
			t.Fatalf("Detect(%v): %v", h, err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("Detect(%v) = %q; the schemes' Detect say %q", h, got, want)
		}
	}
}

func TestResultJSON(t *testing.T) {
	res := (Solvimon{}).Verify(&Request{Header: http.Header{}}, nil, Options{})
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"valid":false`) || !strings.Contains(string(b), `"failed_step":"headers"`) || !strings.Contains(string(b), `"steps":[{`) {
		t.Fatalf("JSON = %s", b)
	}
	r := newResult("x")
	empty, _ := json.Marshal(r.finish())
	if !strings.Contains(string(empty), `"steps":[]`) {
		t.Fatalf("empty steps must marshal as []: %s", empty)
	}
}

func TestSignWithoutUsableKeys(t *testing.T) {
	expired := Key{Name: "previous", Secret: []byte("s"), ValidUntil: at(-time.Hour)}
	for _, s := range Schemes() {
		if err := s.Sign(baseRequest(), []Key{expired}, t0); !errors.Is(err, ErrNoSigningKey) {
			t.Errorf("%s: err = %v, want ErrNoSigningKey", s.Name(), err)
		}
		if err := s.Sign(baseRequest(), nil, t0); !errors.Is(err, ErrNoSigningKey) {
			t.Errorf("%s: no keys: err = %v", s.Name(), err)
		}
	}
}

func b64(b []byte) string  { return base64.StdEncoding.EncodeToString(b) }
func hexs(b []byte) string { return hex.EncodeToString(b) }
func sha256Sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// TestSigned: a valid result carries exactly the bytes its MAC or
// signature covers and the signed time; an invalid one carries none, and
// neither appears in the JSON output.
func TestSigned(t *testing.T) {
	hk := hmacKeys("current-secret", "previous-secret", "other")
	ec := ecKeys(t)
	tests := []struct {
		s         Scheme
		keys      []Key
		wantParts func(r *Request) []string
		wantAt    time.Time
	}{
		{StandardWebhooks{}, []Key{hk.current}, func(r *Request) []string {
			return []string{r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), string(r.Body)}
		}, t0},
		{Solvimon{}, []Key{hk.current, hk.previous}, func(r *Request) []string {
			return []string{r.Header.Get("X-Payload-Signature-Timestamp"), string(r.Body)}
		}, t0},
		{HubSignature{}, []Key{hk.current}, func(r *Request) []string { return []string{string(r.Body)} }, time.Time{}},
		{HTTPMessageSignatures{}, []Key{ec.current}, func(r *Request) []string {
			sigs, err := httpsig.ParseSignatures(r.Header)
			if err != nil {
				t.Fatal(err)
			}
			m, _ := r.message()
			base, err := sigs[0].Base(m)
			if err != nil {
				t.Fatal(err)
			}
			return []string{string(base)}
		}, t0},
	}
	for _, tc := range tests {
		t.Run(tc.s.Name(), func(t *testing.T) {
			r := baseRequest()
			if err := tc.s.Sign(r, tc.keys, t0); err != nil {
				t.Fatal(err)
			}
			res := tc.s.Verify(r, tc.keys, Options{Now: t0.Add(time.Second)})
			if !res.Valid || len(res.Signed) != 1 {
				t.Fatalf("valid %v, %d Signed: %s", res.Valid, len(res.Signed), stepsString(res))
			}
			var got []string
			for _, p := range res.Signed[0].Parts {
				got = append(got, string(p))
			}
			if want := tc.wantParts(r); !slices.Equal(got, want) {
				t.Errorf("parts %q, want %q", got, want)
			}
			if !res.Signed[0].At.Equal(tc.wantAt) {
				t.Errorf("At %v, want %v", res.Signed[0].At, tc.wantAt)
			}
			if b, _ := json.Marshal(res); strings.Contains(string(b), `"Signed"`) || strings.Contains(string(b), `"Parts"`) {
				t.Errorf("Signed leaks into JSON: %s", b)
			}
			if res := tc.s.Verify(r, []Key{hk.other}, Options{Now: t0.Add(time.Second)}); res.Valid || res.Signed != nil {
				t.Errorf("wrong key: valid %v, Signed %v", res.Valid, res.Signed)
			}
		})
	}
}

// TestHeaderNamesCanonical: every header name this package looks up with
// headerValues, singleHeader or hasHeader is written in canonical form,
// which headerValues relies on to skip canonicalising it.
func TestHeaderNamesCanonical(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{}
	var calls []*ast.CallExpr
	for _, p := range pkgs {
		for _, f := range p.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.ValueSpec:
					for i, name := range n.Names {
						if i < len(n.Values) {
							if lit, ok := n.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
								consts[name.Name], _ = strconv.Unquote(lit.Value)
							}
						}
					}
				case *ast.CallExpr:
					if id, ok := n.Fun.(*ast.Ident); ok && (id.Name == "headerValues" || id.Name == "singleHeader" || id.Name == "hasHeader") {
						calls = append(calls, n)
					}
				}
				return true
			})
		}
	}
	checked := 0
	for _, c := range calls {
		for _, arg := range c.Args[1:] {
			var name string
			switch a := arg.(type) {
			case *ast.BasicLit:
				name, _ = strconv.Unquote(a.Value)
			case *ast.Ident:
				v, ok := consts[a.Name]
				if !ok {
					continue // a variable: a parameter passing a name on
				}
				name = v
			default:
				continue
			}
			checked++
			if name != http.CanonicalHeaderKey(name) {
				t.Errorf("%s: header name %q is not canonical (%q)", fset.Position(arg.Pos()), name, http.CanonicalHeaderKey(name))
			}
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d header names; is the test still finding the calls?", checked)
	}
}
