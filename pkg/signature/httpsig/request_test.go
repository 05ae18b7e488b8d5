package httpsig_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/signature/httpsig"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func p384(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func offblocksRequest(t *testing.T, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPut, "https://api.offblocks.xyz/v1/webhooks", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer tok")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Idempotency-Key", "6f1c2e8a-3f1b-4c61-9a0f-1c9b7c1d2e3f")
	return r
}

// TestSignRequestOffBlocksShape checks what the OffBlocks client will send:
// ECDSA P-384, keyid, alg, created, and the default covered components.
func TestSignRequestOffBlocksShape(t *testing.T) {
	key := p384(t)
	body := `{"callbackUrl":"https://example.com/hook"}`
	r := offblocksRequest(t, body)
	if err := httpsig.SignRequest(r, []byte(body), httpsig.SignOptions{Key: key, KeyID: "kid-1", Created: t0}); err != nil {
		t.Fatal(err)
	}
	wantInput := `sig1=("@method" "@target-uri" "authorization" "content-digest" "content-type" "idempotency-key");created=1772366400;keyid="kid-1";alg="ecdsa-p384-sha384"`
	if got := r.Header.Get("Signature-Input"); got != wantInput {
		t.Fatalf("Signature-Input = %s\nwant %s", got, wantInput)
	}
	if got, want := r.Header.Get("Content-Digest"), httpsig.ContentDigest([]byte(body), "sha-256"); got != want {
		t.Fatalf("Content-Digest = %s, want %s", got, want)
	}
	sigs, err := httpsig.ParseSignatures(r.Header)
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs[0].Value) != 96 {
		t.Fatalf("P-384 signature is %d bytes, want 96 (r||s)", len(sigs[0].Value))
	}
	v, err := httpsig.VerifyRequest(r, []byte(body), httpsig.VerifyOptions{Key: key.Public(), KeyID: "kid-1", Now: t0.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if v.Algorithm != httpsig.AlgECDSAP384SHA384 || v.KeyID != "kid-1" || v.Label != "sig1" || !v.Created.Equal(t0) {
		t.Fatalf("Verified = %+v", v)
	}
}

// TestSignRequestDefaultsSkipAbsentHeaders: a GET without a body covers no
// content-digest or content-type rather than failing.
func TestSignRequestDefaultsSkipAbsentHeaders(t *testing.T) {
	key := p384(t)
	r, _ := http.NewRequest(http.MethodGet, "https://api.offblocks.xyz/v1/webhooks", nil)
	r.Header.Set("Authorization", "Bearer tok")
	if err := httpsig.SignRequest(r, nil, httpsig.SignOptions{Key: key, KeyID: "k", Created: t0}); err != nil {
		t.Fatal(err)
	}
	if got := r.Header.Get("Signature-Input"); !strings.HasPrefix(got, `sig1=("@method" "@target-uri" "authorization");`) {
		t.Fatalf("Signature-Input = %s", got)
	}
	if r.Header.Get("Content-Digest") != "" {
		t.Fatal("Content-Digest added to a request without body")
	}
	// An explicit list is taken literally: a missing header is an error.
	r2, _ := http.NewRequest(http.MethodGet, "https://api.offblocks.xyz/v1/webhooks", nil)
	err := httpsig.SignRequest(r2, nil, httpsig.SignOptions{Key: key, Components: []string{"@method", "authorization"}})
	if !errors.Is(err, httpsig.ErrMissingComponent) {
		t.Fatalf("err = %v, want ErrMissingComponent", err)
	}
}

func TestSignRequestRefusesWrongContentDigest(t *testing.T) {
	r := offblocksRequest(t, "{}")
	r.Header.Set("Content-Digest", httpsig.ContentDigest([]byte("other"), "sha-256"))
	err := httpsig.SignRequest(r, []byte("{}"), httpsig.SignOptions{Key: p384(t)})
	if !errors.Is(err, httpsig.ErrDigestMismatch) {
		t.Fatalf("err = %v, want ErrDigestMismatch", err)
	}
}

// TestSignRequestResignReplacesLabel: a retried request is re-signed, so
// the old sig1 must be replaced, while other labels stay.
func TestSignRequestResignReplacesLabel(t *testing.T) {
	key := p384(t)
	r := offblocksRequest(t, "{}")
	r.Header.Set("Signature-Input", `proxy=("@method");created=1`)
	r.Header.Set("Signature", `proxy=:AAAA:`)
	for i := range 2 {
		if err := httpsig.SignRequest(r, []byte("{}"), httpsig.SignOptions{Key: key, Created: t0.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	sigs, err := httpsig.ParseSignatures(r.Header)
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) != 2 || sigs[0].Label != "proxy" || sigs[1].Label != "sig1" || !sigs[1].Params.Created.Equal(t0.Add(time.Second)) {
		t.Fatalf("signatures after re-signing: %+v", sigs)
	}
}

// TestVerifyRequestFailures covers the errors the sandbox reports.
func TestVerifyRequestFailures(t *testing.T) {
	key := p384(t)
	other := p384(t)
	body := `{"a":1}`
	sign := func(t *testing.T, opts httpsig.SignOptions) *http.Request {
		r := offblocksRequest(t, body)
		if opts.Key == nil {
			opts.Key = key
		}
		if opts.Created.IsZero() {
			opts.Created = t0
		}
		if err := httpsig.SignRequest(r, []byte(body), opts); err != nil {
			t.Fatal(err)
		}
		return r
	}
	cases := []struct {
		name      string
		req       func(t *testing.T) *http.Request
		body      string
		opts      httpsig.VerifyOptions
		want      error
		component string
	}{
		{"valid", func(t *testing.T) *http.Request { return sign(t, httpsig.SignOptions{KeyID: "k"}) }, body, httpsig.VerifyOptions{}, nil, ""},
		{"wrong key", func(t *testing.T) *http.Request { return sign(t, httpsig.SignOptions{}) }, body, httpsig.VerifyOptions{Key: other.Public()}, httpsig.ErrSignatureMismatch, ""},
		{"tampered body", func(t *testing.T) *http.Request { return sign(t, httpsig.SignOptions{}) }, `{"a":2}`, httpsig.VerifyOptions{}, httpsig.ErrDigestMismatch, ""},
		{"tampered header", func(t *testing.T) *http.Request {
			r := sign(t, httpsig.SignOptions{})
			r.Header.Set("Authorization", "Bearer other")
			return r
		}, body, httpsig.VerifyOptions{}, httpsig.ErrSignatureMismatch, ""},
		{"tampered method", func(t *testing.T) *http.Request {
			r := sign(t, httpsig.SignOptions{})
			r.Method = http.MethodDelete
			return r
		}, body, httpsig.VerifyOptions{}, httpsig.ErrSignatureMismatch, ""},
		{"covered header removed", func(t *testing.T) *http.Request {
			r := sign(t, httpsig.SignOptions{})
			r.Header.Del("Idempotency-Key")
			return r
		}, body, httpsig.VerifyOptions{}, httpsig.ErrMissingComponent, `"idempotency-key"`},
		{"required not covered", func(t *testing.T) *http.Request {
			return sign(t, httpsig.SignOptions{Components: []string{"@method", "content-digest"}})
		}, body, httpsig.VerifyOptions{Required: []string{"@method", "authorization"}}, httpsig.ErrNotCovered, `"authorization"`},
		{"body not covered", func(t *testing.T) *http.Request {
			return sign(t, httpsig.SignOptions{Components: []string{"@method"}})
		}, body, httpsig.VerifyOptions{}, httpsig.ErrMissingComponent, `"content-digest"`},
		{"body not covered allowed", func(t *testing.T) *http.Request {
			return sign(t, httpsig.SignOptions{Components: []string{"@method"}})
		}, body, httpsig.VerifyOptions{AllowUnsignedBody: true}, nil, ""},
		{"created in future", func(t *testing.T) *http.Request {
			return sign(t, httpsig.SignOptions{Created: t0.Add(6 * time.Minute)})
		}, body, httpsig.VerifyOptions{}, httpsig.ErrCreatedInFuture, ""},
		{"created in future within tolerance", func(t *testing.T) *http.Request {
			return sign(t, httpsig.SignOptions{Created: t0.Add(4 * time.Minute)})
		}, body, httpsig.VerifyOptions{}, nil, ""},
		{"expired", func(t *testing.T) *http.Request {
			return sign(t, httpsig.SignOptions{Created: t0.Add(-time.Hour), Expires: t0.Add(-10 * time.Minute)})
		}, body, httpsig.VerifyOptions{}, httpsig.ErrExpired, ""},
		{"stale", func(t *testing.T) *http.Request {
			return sign(t, httpsig.SignOptions{Created: t0.Add(-10 * time.Minute)})
		}, body, httpsig.VerifyOptions{MaxAge: 5 * time.Minute}, httpsig.ErrStale, ""},
		{"old but no max age", func(t *testing.T) *http.Request {
			return sign(t, httpsig.SignOptions{Created: t0.Add(-10 * time.Minute)})
		}, body, httpsig.VerifyOptions{}, nil, ""},
		{"keyid filter", func(t *testing.T) *http.Request { return sign(t, httpsig.SignOptions{KeyID: "a"}) }, body, httpsig.VerifyOptions{KeyID: "b"}, httpsig.ErrNoSignature, ""},
		{"label filter", func(t *testing.T) *http.Request { return sign(t, httpsig.SignOptions{}) }, body, httpsig.VerifyOptions{Label: "nope"}, httpsig.ErrNoSignature, ""},
		{"algorithm pinned", func(t *testing.T) *http.Request { return sign(t, httpsig.SignOptions{}) }, body, httpsig.VerifyOptions{Algorithm: httpsig.AlgEd25519}, httpsig.ErrKeyMismatch, ""},
		{"hmac key for ecdsa signature", func(t *testing.T) *http.Request { return sign(t, httpsig.SignOptions{}) }, body, httpsig.VerifyOptions{Key: []byte("secret")}, httpsig.ErrKeyMismatch, ""},
		{"unsigned", func(t *testing.T) *http.Request { return offblocksRequest(t, body) }, "", httpsig.VerifyOptions{}, httpsig.ErrNoSignature, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			if opts.Key == nil {
				opts.Key = key.Public()
			}
			opts.Now = t0
			_, err := httpsig.VerifyRequest(tc.req(t), []byte(tc.body), opts)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.component != "" {
				var ce *httpsig.ComponentError
				if !errors.As(err, &ce) || ce.Component != tc.component {
					t.Fatalf("err = %v, want component %s", err, tc.component)
				}
			}
		})
	}
}

// TestSignVerifyEveryAlgorithm round-trips SignRequest/VerifyRequest for
// every algorithm, including an explicit rsa-v1_5-sha256.
func TestSignVerifyEveryAlgorithm(t *testing.T) {
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey := loadPrivate(t, "test-key-rsa.pem")
	cases := []struct {
		alg       string
		sign, ver any
	}{
		{httpsig.AlgECDSAP384SHA384, nil, nil},
		{httpsig.AlgECDSAP256SHA256, p256, p256.Public()},
		{httpsig.AlgEd25519, edPriv, edPriv.Public()},
		{httpsig.AlgRSAPSSSHA512, rsaKey, rsaKey.Public()},
		{httpsig.AlgRSAV15SHA256, rsaKey, rsaKey.Public()},
		{httpsig.AlgHMACSHA256, []byte("shared secret"), []byte("shared secret")},
	}
	for _, tc := range cases {
		t.Run(tc.alg, func(t *testing.T) {
			if tc.sign == nil {
				k := p384(t)
				tc.sign, tc.ver = k, k.Public()
			}
			body := []byte(`{"eventId":"e1"}`)
			r := offblocksRequest(t, string(body))
			opts := httpsig.SignOptions{Key: tc.sign, Created: t0, KeyID: "k"}
			if tc.alg == httpsig.AlgRSAV15SHA256 {
				opts.Algorithm = tc.alg
			}
			if err := httpsig.SignRequest(r, body, opts); err != nil {
				t.Fatal(err)
			}
			v, err := httpsig.VerifyRequest(r, body, httpsig.VerifyOptions{Key: tc.ver, Now: t0})
			if err != nil {
				t.Fatal(err)
			}
			if v.Algorithm != tc.alg {
				t.Fatalf("alg = %s, want %s", v.Algorithm, tc.alg)
			}
			r.Header.Set("Content-Type", "text/plain")
			if _, err := httpsig.VerifyRequest(r, body, httpsig.VerifyOptions{Key: tc.ver, Now: t0}); !errors.Is(err, httpsig.ErrSignatureMismatch) {
				t.Fatalf("changed content-type: err = %v, want ErrSignatureMismatch", err)
			}
		})
	}
}

// TestOverRealHTTP signs with a client request and verifies in an
// httptest server, the way the OffBlocks client and the sandbox meet: the
// server rebuilds @target-uri from Host and the plain-HTTP scheme.
func TestOverRealHTTP(t *testing.T) {
	key := p384(t)
	var got error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, got = httpsig.VerifyRequest(r, body, httpsig.VerifyOptions{
			Key: key.Public(), Required: []string{"@method", "@target-uri", "authorization", "idempotency-key"},
		})
	}))
	defer srv.Close()
	body := []byte(`{"callbackUrl":"https://example.com/hook"}`)
	r, _ := http.NewRequest(http.MethodPut, srv.URL+"/offblocks/v1/webhooks?x=1", bytes.NewReader(body))
	r.Header.Set("Authorization", "Bearer t")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Idempotency-Key", "k")
	if err := httpsig.SignRequest(r, body, httpsig.SignOptions{Key: key, KeyID: "kid"}); err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got != nil {
		t.Fatalf("server-side verification: %v", got)
	}
}

func TestSignRejectsBadInput(t *testing.T) {
	m := &httpsig.Message{Method: "GET", URL: mustURL(t, "https://e.com/"), Header: http.Header{}}
	cs, _ := httpsig.Components("@method")
	if _, _, err := httpsig.Sign(m, "Bad Label", cs, httpsig.Params{}, []byte("k")); !errors.Is(err, httpsig.ErrMalformed) {
		t.Errorf("bad label: err = %v", err)
	}
	if _, _, err := httpsig.Sign(m, "s", cs, httpsig.Params{Alg: "rsa-sha1"}, []byte("k")); !errors.Is(err, httpsig.ErrUnsupportedAlgorithm) {
		t.Errorf("unknown alg: err = %v", err)
	}
	if _, _, err := httpsig.Sign(m, "s", cs, httpsig.Params{Alg: httpsig.AlgEd25519}, []byte("k")); !errors.Is(err, httpsig.ErrKeyMismatch) {
		t.Errorf("alg/key mismatch: err = %v", err)
	}
	pub := p384(t).Public()
	if _, _, err := httpsig.Sign(m, "s", cs, httpsig.Params{}, pub); !errors.Is(err, httpsig.ErrKeyMismatch) {
		t.Errorf("public key cannot sign: err = %v", err)
	}
	if _, err := httpsig.AlgorithmForKey(crypto.PublicKey("nope")); !errors.Is(err, httpsig.ErrUnsupportedAlgorithm) {
		t.Errorf("AlgorithmForKey(string) err = %v", err)
	}
}

// TestErrorMessages: the sandbox and the CLI print these to people, so
// they must name the sentinel and the component.
func TestErrorMessages(t *testing.T) {
	key := p384(t)
	r := offblocksRequest(t, "{}")
	if err := httpsig.SignRequest(r, []byte("{}"), httpsig.SignOptions{Key: key, Created: t0}); err != nil {
		t.Fatal(err)
	}
	r.Header.Del("Idempotency-Key")
	_, err := httpsig.VerifyRequest(r, []byte("{}"), httpsig.VerifyOptions{Key: key.Public(), Now: t0})
	if got, want := err.Error(), `covered component missing from the message: "idempotency-key" (no idempotency-key header field)`; got != want {
		t.Fatalf("error = %q, want %q", got, want)
	}
	r.Header.Set("Idempotency-Key", "x")
	_, err = httpsig.VerifyRequest(r, []byte("{}"), httpsig.VerifyOptions{Key: key.Public(), Now: t0.Add(-time.Hour)})
	if err == nil || !strings.HasPrefix(err.Error(), "signature does not match: ") {
		t.Fatalf("error = %v", err)
	}
	r2 := offblocksRequest(t, "{}")
	if err := httpsig.SignRequest(r2, []byte("{}"), httpsig.SignOptions{Key: key, Created: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	_, err = httpsig.VerifyRequest(r2, []byte("{}"), httpsig.VerifyOptions{Key: key.Public(), Now: t0})
	if got, want := err.Error(), "signature created in the future: created 2026-03-01T13:00:00Z is 1h0m0s ahead, beyond the 5m0s tolerance"; got != want {
		t.Fatalf("error = %q, want %q", got, want)
	}
}
