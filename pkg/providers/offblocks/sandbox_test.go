package offblocks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/signature/httpsig"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// TestEmulatorRejects: each request is made from correctly signed headers
// and then broken in one way; the emulator must refuse it with the status
// and a message naming the problem.
func TestEmulatorRejects(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	e.ready(c)
	ctx := context.Background()
	regs, err := c.Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/a"})
	if err != nil {
		t.Fatal(err)
	}
	id := regs[0].ID
	hookURL := "/v1/webhooks/" + id
	body := []byte(`{"callbackUrl":"https://hooks.example.com/b"}`)

	otherKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	signWith := func(method, path string, h http.Header, comps []string, key *ecdsa.PrivateKey, keyID string, created time.Time) http.Header {
		r, _ := http.NewRequest(method, e.base+path, nil)
		r.Header = h.Clone()
		r.Header.Del("Signature")
		r.Header.Del("Signature-Input")
		if err := httpsig.SignRequest(r, nil, httpsig.SignOptions{Key: key, KeyID: keyID, Components: comps, Created: created}); err != nil {
			t.Fatal(err)
		}
		return r.Header
	}
	keyID := e.box.signing.ID
	now := e.clock.Now()

	cases := []struct {
		name       string
		method     string
		path       string
		header     func() http.Header
		body       []byte
		wantStatus int
		wantMsg    string
	}{
		{"unsigned", http.MethodGet, "/v1/webhooks", func() http.Header {
			h := e.signed(c, http.MethodGet, "/v1/webhooks", "", nil)
			h.Del("Signature")
			h.Del("Signature-Input")
			return h
		}, nil, 401, "not signed"},
		{"signed GET sent as DELETE", http.MethodDelete, hookURL, func() http.Header {
			return e.signed(c, http.MethodGet, hookURL, "", nil)
		}, nil, 401, "signature does not match"},
		{"signed for another path", http.MethodGet, "/v1/webhooks/" + uuid.NewString(), func() http.Header {
			return e.signed(c, http.MethodGet, "/v1/webhooks", "", nil)
		}, nil, 401, "signature does not match"},
		{"wrong key", http.MethodGet, "/v1/webhooks", func() http.Header {
			h := e.signed(c, http.MethodGet, "/v1/webhooks", "", nil)
			return signWith(http.MethodGet, "/v1/webhooks", h, []string{"@method", "@target-uri", "authorization"}, otherKey, keyID, now)
		}, nil, 401, "signature does not match"},
		{"authorization not covered", http.MethodGet, "/v1/webhooks", func() http.Header {
			h := e.signed(c, http.MethodGet, "/v1/webhooks", "", nil)
			return signWith(http.MethodGet, "/v1/webhooks", h, []string{"@method", "@target-uri"}, c.key, keyID, now)
		}, nil, 401, `"authorization"`},
		{"idempotency-key not covered", http.MethodDelete, hookURL, func() http.Header {
			h := e.signed(c, http.MethodDelete, hookURL, uuid.NewString(), nil)
			return signWith(http.MethodDelete, hookURL, h, []string{"@method", "@target-uri", "authorization"}, c.key, keyID, now)
		}, nil, 401, `"idempotency-key"`},
		{"another keyid", http.MethodGet, "/v1/webhooks", func() http.Header {
			h := e.signed(c, http.MethodGet, "/v1/webhooks", "", nil)
			return signWith(http.MethodGet, "/v1/webhooks", h, []string{"@method", "@target-uri", "authorization"}, c.key, "someone-else", now)
		}, nil, 401, "keyid"},
		{"stale created", http.MethodGet, "/v1/webhooks", func() http.Header {
			return e.signed(e.clientWith(e.profile(), func() time.Time { return e.clock.Now().Add(-6 * time.Minute) }), http.MethodGet, "/v1/webhooks", "", nil)
		}, nil, 401, "too old"},
		{"created in the future", http.MethodGet, "/v1/webhooks", func() http.Header {
			return e.signed(e.clientWith(e.profile(), func() time.Time { return e.clock.Now().Add(2 * time.Minute) }), http.MethodGet, "/v1/webhooks", "", nil)
		}, nil, 401, "future"},
		{"no bearer", http.MethodGet, "/v1/webhooks", func() http.Header {
			h := e.signed(c, http.MethodGet, "/v1/webhooks", "", nil)
			h.Set("Authorization", "Bearer forged")
			return h
		}, nil, 401, "bearer token is not valid"},
		{"body without Content-Digest", http.MethodPut, "/v1/webhooks", func() http.Header {
			h := e.signed(c, http.MethodPut, "/v1/webhooks", uuid.NewString(), body)
			h.Del("Content-Digest")
			return h
		}, body, 400, "Content-Digest header is required"},
		{"wrong Content-Digest", http.MethodPut, "/v1/webhooks", func() http.Header {
			return e.signed(c, http.MethodPut, "/v1/webhooks", uuid.NewString(), []byte(`{"callbackUrl":"https://evil.example.com"}`))
		}, body, 400, "content digest does not match"},
		{"write without Idempotency-Key", http.MethodPut, "/v1/webhooks", func() http.Header {
			return e.signed(c, http.MethodPut, "/v1/webhooks", "", body)
		}, body, 400, "Idempotency-Key header is required"},
		{"Idempotency-Key not a UUID", http.MethodDelete, hookURL, func() http.Header {
			return e.signed(c, http.MethodDelete, hookURL, "key-1", nil)
		}, nil, 400, "must be a UUID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, msg, _ := e.raw(tc.method, tc.path, tc.header(), tc.body)
			if status != tc.wantStatus || !strings.Contains(msg, tc.wantMsg) {
				t.Fatalf("got %d %q, want %d containing %q", status, msg, tc.wantStatus, tc.wantMsg)
			}
		})
	}
	// Nothing above changed anything.
	got, err := c.Get(ctx, id)
	if err != nil || got.URL != "https://hooks.example.com/a" {
		t.Fatalf("webhook after the rejected requests: %+v, %v", got, err)
	}
	// And the same headers, unbroken, are accepted: the cases fail for
	// the reason they name, not for a broken helper.
	if status, msg, _ := e.raw(http.MethodGet, "/v1/webhooks", e.signed(c, http.MethodGet, "/v1/webhooks", "", nil), nil); status != 200 {
		t.Fatalf("a correct hand-made request got %d %q", status, msg)
	}
	if status, msg, _ := e.raw(http.MethodPut, "/v1/webhooks", e.signed(c, http.MethodPut, "/v1/webhooks", uuid.NewString(), body), body); status != 200 {
		t.Fatalf("a correct hand-made write got %d %q", status, msg)
	}
}

func TestEmulatorIdempotency(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	e.ready(c)
	count := func() int {
		e.box.mu.Lock()
		defer e.box.mu.Unlock()
		return len(e.box.hooks)
	}
	body := []byte(`{"callbackUrl":"https://hooks.example.com/a","types":["card.updated"]}`)

	t.Run("replay", func(t *testing.T) {
		key := uuid.NewString()
		h := e.signed(c, http.MethodPut, "/v1/webhooks", key, body)
		before := count()
		s1, m1, _ := e.raw(http.MethodPut, "/v1/webhooks", h, body)
		e.clock.Add(30 * time.Minute) // within the hour; a re-signed retry is the same request
		s2, m2, h2 := e.raw(http.MethodPut, "/v1/webhooks", e.signed(c, http.MethodPut, "/v1/webhooks", key, body), body)
		if s1 != 200 || s2 != 200 || m1 != m2 || h2.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("first %d %s, second %d %s (replayed %q)", s1, m1, s2, m2, h2.Get("Idempotent-Replayed"))
		}
		if n := count() - before; n != 1 {
			t.Fatalf("%d webhooks created by one key", n)
		}
		// After the hour the key is forgotten and the request runs again.
		e.clock.Add(31 * time.Minute)
		if s, _, h := e.raw(http.MethodPut, "/v1/webhooks", e.signed(c, http.MethodPut, "/v1/webhooks", key, body), body); s != 200 || h.Get("Idempotent-Replayed") != "" {
			t.Fatalf("after expiry: %d, replayed %q", s, h.Get("Idempotent-Replayed"))
		}
	})

	t.Run("different payload is 422", func(t *testing.T) {
		key := uuid.NewString()
		if s, m, _ := e.raw(http.MethodPut, "/v1/webhooks", e.signed(c, http.MethodPut, "/v1/webhooks", key, body), body); s != 200 {
			t.Fatalf("first: %d %s", s, m)
		}
		other := []byte(`{"callbackUrl":"https://hooks.example.com/other"}`)
		s, m, _ := e.raw(http.MethodPut, "/v1/webhooks", e.signed(c, http.MethodPut, "/v1/webhooks", key, other), other)
		if s != http.StatusUnprocessableEntity || !strings.Contains(m, "different request") {
			t.Fatalf("got %d %q, want 422", s, m)
		}
	})

	t.Run("in flight is 409", func(t *testing.T) {
		key := uuid.NewString()
		entered, release := make(chan struct{}), make(chan struct{})
		// Only the first request is held; a later one (which a broken
		// emulator would let through) must not wait for it, or the test
		// would hang instead of failing.
		var held atomic.Bool
		e.box.mu.Lock()
		e.box.onWrite = func(r *http.Request) {
			if r.Header.Get("Idempotency-Key") == key && held.CompareAndSwap(false, true) {
				close(entered)
				<-release
			}
		}
		e.box.mu.Unlock()
		t.Cleanup(func() { e.box.mu.Lock(); e.box.onWrite = nil; e.box.mu.Unlock() })
		h := e.signed(c, http.MethodPut, "/v1/webhooks", key, body)
		first := make(chan int, 1)
		go func() {
			s, _, _ := e.raw(http.MethodPut, "/v1/webhooks", h, body)
			first <- s
		}()
		select {
		case <-entered:
		case <-time.After(10 * time.Second):
			t.Fatal("the first request never reached the emulator")
		}
		s, m, _ := e.raw(http.MethodPut, "/v1/webhooks", h, body)
		close(release)
		if s != http.StatusConflict || !strings.Contains(m, "still being processed") {
			t.Fatalf("second while in flight: %d %q, want 409", s, m)
		}
		if s := <-first; s != 200 {
			t.Fatalf("first request: %d", s)
		}
	})
}

func TestEmulatorTokenAndKeyEndpoints(t *testing.T) {
	e := newEnv(t)
	tok := func(key, secret string) (int, string) {
		b, _ := json.Marshal(tokenRequest{APIKey: key, APISecret: secret})
		h := http.Header{"Content-Type": {"application/json"}, "Content-Digest": {httpsig.ContentDigest(b, httpsig.DigestSHA256)}}
		s, m, _ := e.raw(http.MethodPost, "/v1/auth/token", h, b)
		return s, m
	}
	if s, m := tok(SandboxAPIKey, "nope"); s != 401 || m != "Invalid credentials" {
		t.Fatalf("wrong secret: %d %q", s, m)
	}
	if s, m := tok(uuid.NewString(), SandboxAPISecret); s != 401 || m != "Invalid credentials" {
		t.Fatalf("wrong key: %d %q", s, m)
	}
	if s, m, _ := e.raw(http.MethodPost, "/v1/auth/token", http.Header{}, []byte(`{}`)); s != 400 || !strings.Contains(m, "Content-Digest") {
		t.Fatalf("token body without digest: %d %q", s, m)
	}

	c := e.client()
	if _, err := c.GenerateKey(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	// Before any upload, signed requests cannot verify.
	if s, m, _ := e.raw(http.MethodGet, "/v1/webhooks", e.signedNoKeyID(c, http.MethodGet, "/v1/webhooks", "", nil), nil); s != 401 || !strings.Contains(m, "no request-signing key") {
		t.Fatalf("before upload: %d %q", s, m)
	}
	// The upload must be signed by the key it uploads.
	other, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	info, _ := publicKeyInfo(&other.PublicKey)
	ub, _ := json.Marshal(uploadKeyRequest{PublicKey: info.Base64})
	if s, m, _ := e.raw(http.MethodPut, signingPath, e.signedNoKeyID(c, http.MethodPut, signingPath, uuid.NewString(), ub), ub); s != 401 || !strings.Contains(m, "signature does not match") {
		t.Fatalf("upload signed by another key: %d %q", s, m)
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der := mustPKIX(t, &p256.PublicKey)
	ub, _ = json.Marshal(uploadKeyRequest{PublicKey: der})
	if s, m, _ := e.raw(http.MethodPut, signingPath, e.signedNoKeyID(c, http.MethodPut, signingPath, uuid.NewString(), ub), ub); s != 400 || !strings.Contains(m, "P-384") {
		t.Fatalf("P-256 upload: %d %q", s, m)
	}
	if _, err := c.UploadKey(context.Background()); err != nil {
		t.Fatal(err)
	}
	// DELETE /v1/auth/signing removes it: the next call cannot verify.
	if s, m, _ := e.raw(http.MethodDelete, signingPath, e.signed(c, http.MethodDelete, signingPath, uuid.NewString(), nil), nil); s != 204 {
		t.Fatalf("delete key: %d %q", s, m)
	}
	_, err := e.client().List(context.Background(), webhook.ListOptions{})
	if we := kindOf(t, err, webhook.KindAuth); !strings.Contains(we.Msg, "no request-signing key is registered") {
		t.Fatalf("after key deletion: %v", we)
	}
}

// signedNoKeyID signs with the profile's key before any id exists.
func (e *env) signedNoKeyID(c *Client, method, path, idem string, body []byte) http.Header {
	e.t.Helper()
	k, err := c.signingKey()
	if err != nil {
		e.t.Fatal(err)
	}
	tok, _, err := c.token(context.Background(), "")
	if err != nil {
		e.t.Fatal(err)
	}
	h, err := c.signedHeader(signer{key: k}, method, e.base+path, "Bearer "+tok, idem, body)
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

func mustPKIX(t *testing.T, pub *ecdsa.PublicKey) string {
	t.Helper()
	info, err := publicKeyInfo(pub)
	if err != nil {
		t.Fatal(err)
	}
	return info.Base64
}

func TestEmulatorValidation(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	e.ready(c)
	for _, tc := range []struct {
		body, want string
		status     int
	}{
		{`{"callbackUrl":"not a url"}`, "callbackUrl", 400},
		{`{"callbackUrl":"https://h.example.com","types":["card.created"]}`, "unknown webhook type", 400},
		{`{"callbackUrl":"https://h.example.com","colour":"red"}`, "unknown field", 400},
		{`{"id":"nope","callbackUrl":"https://h.example.com"}`, "UUID", 400},
		{`{"id":"` + uuid.NewString() + `","callbackUrl":"https://h.example.com"}`, "Webhook not found", 404},
	} {
		b := []byte(tc.body)
		s, m, _ := e.raw(http.MethodPut, "/v1/webhooks", e.signed(c, http.MethodPut, "/v1/webhooks", uuid.NewString(), b), b)
		if s != tc.status || !strings.Contains(m, tc.want) {
			t.Errorf("%s: %d %q, want %d %q", tc.body, s, m, tc.status, tc.want)
		}
	}
	if s, m, _ := e.raw(http.MethodGet, "/v1/webhooks/x", e.signed(c, http.MethodGet, "/v1/webhooks/x", "", nil), nil); s != 400 {
		t.Errorf("non-UUID id: %d %q", s, m)
	}
	if s, _, _ := e.raw(http.MethodPost, "/v1/webhooks", nil, nil); s != 405 {
		t.Errorf("POST /v1/webhooks: %d, want 405", s)
	}
	if s, _, _ := e.raw(http.MethodGet, "/v2/webhooks", nil, nil); s != 404 {
		t.Errorf("GET /v2/webhooks: %d, want 404", s)
	}
}

// TestStateRoundTrip: a restarted emulator keeps webhooks, the uploaded
// key and its verification key; clients just log in again.
func TestStateRoundTrip(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client()
	e.ready(c)
	regs, err := c.Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/a", Events: []string{"card.updated"}})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := c.VerificationKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.box.State()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(st), "sbx.") {
		t.Error("tokens leaked into the state")
	}
	fresh := NewSandbox(provider.SandboxOptions{BaseURL: e.base, Now: e.clock.Now})
	if err := fresh.LoadState(st); err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	e.box = fresh // the server now talks to the restarted emulator
	e.mu.Unlock()

	got, err := e.client().Get(ctx, regs[0].ID)
	if err != nil || got.URL != "https://hooks.example.com/a" {
		t.Fatalf("after restart: %+v, %v", got, err)
	}
	req, err := e.box.Delivery(ctx, regs[0].ID, "card.updated")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	res := signature.HTTPMessageSignatures{}.Verify(&signature.Request{Method: req.Method, URL: req.URL, Header: req.Header, Body: body}, keys, signature.Options{Now: e.clock.Now()})
	if !res.Valid {
		t.Fatalf("delivery after restart does not verify with the key fetched before: %+v", res)
	}
	if err := fresh.LoadState(json.RawMessage(`{"webhooks":[]}`)); err == nil {
		t.Error("a state without verification key was accepted")
	}
}

func TestSpecAndProfiles(t *testing.T) {
	s := Spec()
	if s.Name != Name || s.Scheme != "http-message-signatures" || s.SecretOverlap != 0 || s.VerificationKeys == nil || s.Demo == nil || s.Demo.Rotate {
		t.Fatalf("spec %+v", s)
	}
	if _, err := signature.Lookup(s.Scheme); err != nil {
		t.Fatalf("scheme %q unknown to pkg/signature: %v", s.Scheme, err)
	}
	var creds []string
	for _, c := range s.Credentials {
		creds = append(creds, c.Name)
	}
	if strings.Join(creds, ",") != "api-key,api-secret,signing-key,token,signing-key-id,verification-key" {
		t.Errorf("credentials %v", creds)
	}
	for _, c := range s.Credentials[:3] {
		if c.Cache {
			t.Errorf("%s marked as a cache", c.Name)
		}
	}

	if err := s.ValidateProfile(config.Profile{Environment: EnvSandbox}); webhook.KindOf(err) != webhook.KindUsage || !strings.Contains(err.Error(), "--base-url") {
		t.Errorf("sandbox without base-url: %v", err)
	}
	if err := s.ValidateProfile(config.Profile{Environment: "test"}); err == nil {
		t.Error("unknown environment accepted")
	}
	if _, err := New(provider.Deps{Profile: config.Profile{Name: "p", Environment: EnvSandbox}}); err == nil || !strings.Contains(err.Error(), "--base-url") {
		t.Errorf("New for sandbox without base-url: %v", err)
	}
	for in, want := range map[string]string{"": LiveBaseURL, "https://api.offblocks.xyz/v1/": LiveBaseURL, "http://127.0.0.1:1/offblocks": "http://127.0.0.1:1/offblocks"} {
		c, err := New(provider.Deps{Profile: config.Profile{BaseURL: in}})
		if err != nil || c.base != want {
			t.Errorf("base %q → %v, %v; want %s", in, c, err, want)
		}
	}
	box := NewSandbox(provider.SandboxOptions{BaseURL: "http://127.0.0.1:8787/offblocks/"})
	if got := strings.Join(box.ProfileArgs(), " "); got != "--provider offblocks --environment sandbox --base-url http://127.0.0.1:8787/offblocks" {
		t.Errorf("ProfileArgs = %s", got)
	}
}

func TestWireParsing(t *testing.T) {
	for in, want := range map[string]int{`[]`: 0, `[{"id":"a"}]`: 1, `{"data":[{"id":"a"},{"id":"b"}]}`: 2} {
		l, err := decodeList(json.RawMessage(in))
		if err != nil || len(l) != want {
			t.Errorf("decodeList(%s) = %v, %v", in, l, err)
		}
	}
	if _, err := decodeList(json.RawMessage(`{"items":[]}`)); err == nil {
		t.Error("an unknown wrapper was accepted")
	}
	for in, want := range map[string]string{
		`{"message":"Webhook not found"}`:                              "Webhook not found",
		`{"error":"bad"}`:                                              "bad",
		`{"error":{"message":"nested"}}`:                               "nested",
		`{"errors":["a",{"field":"callbackUrl","message":"invalid"}]}`: "a; callbackUrl: invalid",
		`<html>`: "",
	} {
		if got := apiErrorMessage([]byte(in)); got != want {
			t.Errorf("apiErrorMessage(%s) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{`{"id":"k1"}`: "k1", `{"keyId":"k2"}`: "k2", `"k3"`: "k3"} {
		if got, err := keyIDFrom(json.RawMessage(in)); err != nil || got != want {
			t.Errorf("keyIDFrom(%s) = %q, %v", in, got, err)
		}
	}
	if _, err := keyIDFrom(json.RawMessage(`{}`)); err == nil {
		t.Error("an answer without id was accepted")
	}
}

func TestAPIErrorHints(t *testing.T) {
	c, _ := New(provider.Deps{Profile: config.Profile{Name: "p"}})
	for status, want := range map[int]string{
		409: "still processing an earlier request with the same Idempotency-Key",
		422: "seen this Idempotency-Key with a different request",
	} {
		err := c.apiErr(&httpclient.StatusError{Method: "PUT", URL: "u", Status: status, Body: []byte(`{"message":"m"}`)})
		var we *webhook.Error
		if !errors.As(err, &we) || !strings.Contains(we.Hint, want) || !strings.Contains(we.Msg, "m (HTTP") {
			t.Errorf("%d: %v", status, err)
		}
	}
	err := c.apiErr(&httpclient.StatusError{Method: "GET", URL: "u", Status: 500, Body: []byte("<html>oops")})
	if !strings.Contains(err.Error(), "Internal Server Error (HTTP 500)") {
		t.Errorf("500 without a JSON body: %v", err)
	}
	if webhook.KindOf(c.apiErr(&httpclient.RateLimitError{Attempts: 5})) != webhook.KindRateLimited {
		t.Error("rate limit not classified")
	}
}
