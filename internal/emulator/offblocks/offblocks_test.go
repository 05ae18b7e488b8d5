package offblocks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/pkg/signature/httpsig"
)

// TestEmulatorRejects: each request is made from correctly signed headers
// and then broken in one way; the emulator must refuse it with the status
// and a message naming the problem.
func TestEmulatorRejects(t *testing.T) {
	e := newEnv(t)
	c := e.ready()
	id := c.create("https://hooks.example.com/a").ID
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
	keyID := c.keyID
	now := e.clock.Now()
	at := func(d time.Duration) *client {
		cc := *c
		cc.now = func() time.Time { return e.clock.Now().Add(d) }
		return &cc
	}

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
			h := c.signed(http.MethodGet, "/v1/webhooks", "", nil)
			h.Del("Signature")
			h.Del("Signature-Input")
			return h
		}, nil, 400, "not signed"},
		{"signed GET sent as DELETE", http.MethodDelete, hookURL, func() http.Header {
			return c.signed(http.MethodGet, hookURL, "", nil)
		}, nil, 400, "signature does not match"},
		{"signed for another path", http.MethodGet, "/v1/webhooks/" + uuid.NewString(), func() http.Header {
			return c.signed(http.MethodGet, "/v1/webhooks", "", nil)
		}, nil, 400, "signature does not match"},
		{"wrong key", http.MethodGet, "/v1/webhooks", func() http.Header {
			h := c.signed(http.MethodGet, "/v1/webhooks", "", nil)
			return signWith(http.MethodGet, "/v1/webhooks", h, []string{"@method", "@target-uri", "authorization"}, otherKey, keyID, now)
		}, nil, 400, "signature does not match"},
		{"authorization not covered", http.MethodGet, "/v1/webhooks", func() http.Header {
			h := c.signed(http.MethodGet, "/v1/webhooks", "", nil)
			return signWith(http.MethodGet, "/v1/webhooks", h, []string{"@method", "@target-uri"}, c.key, keyID, now)
		}, nil, 400, `"authorization"`},
		{"idempotency-key not covered", http.MethodDelete, hookURL, func() http.Header {
			h := c.signed(http.MethodDelete, hookURL, uuid.NewString(), nil)
			return signWith(http.MethodDelete, hookURL, h, []string{"@method", "@target-uri", "authorization"}, c.key, keyID, now)
		}, nil, 400, `"idempotency-key"`},
		{"another keyid", http.MethodGet, "/v1/webhooks", func() http.Header {
			h := c.signed(http.MethodGet, "/v1/webhooks", "", nil)
			return signWith(http.MethodGet, "/v1/webhooks", h, []string{"@method", "@target-uri", "authorization"}, c.key, "someone-else", now)
		}, nil, 400, "keyid"},
		{"stale created", http.MethodGet, "/v1/webhooks", func() http.Header {
			return at(-6*time.Minute).signed(http.MethodGet, "/v1/webhooks", "", nil)
		}, nil, 400, "older than"},
		{"created in the future", http.MethodGet, "/v1/webhooks", func() http.Header {
			return at(2*time.Minute).signed(http.MethodGet, "/v1/webhooks", "", nil)
		}, nil, 400, "future"},
		{"no bearer", http.MethodGet, "/v1/webhooks", func() http.Header {
			h := c.signed(http.MethodGet, "/v1/webhooks", "", nil)
			h.Set("Authorization", "Bearer forged")
			return h
		}, nil, 401, "bearer token is not valid"},
		{"body without Content-Digest", http.MethodPut, "/v1/webhooks", func() http.Header {
			h := c.signed(http.MethodPut, "/v1/webhooks", uuid.NewString(), body)
			h.Del("Content-Digest")
			return h
		}, body, 400, "Content-Digest header is required"},
		{"wrong Content-Digest", http.MethodPut, "/v1/webhooks", func() http.Header {
			return c.signed(http.MethodPut, "/v1/webhooks", uuid.NewString(), []byte(`{"callbackUrl":"https://evil.example.com"}`))
		}, body, 400, "does not match the body"},
		{"write without Idempotency-Key", http.MethodPut, "/v1/webhooks", func() http.Header {
			return c.signed(http.MethodPut, "/v1/webhooks", "", body)
		}, body, 400, "Idempotency-Key header is required"},
		{"Idempotency-Key not a UUID", http.MethodDelete, hookURL, func() http.Header {
			return c.signed(http.MethodDelete, hookURL, "key-1", nil)
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
	if s, m := c.do(http.MethodGet, hookURL, nil); s != 200 || !strings.Contains(m, `"callbackUrl":"https://hooks.example.com/a"`) {
		t.Fatalf("webhook after the rejected requests: %d %s", s, m)
	}
	// And the same headers, unbroken, are accepted: the cases fail for
	// the reason they name, not for a broken helper.
	if status, msg, _ := e.raw(http.MethodGet, "/v1/webhooks", c.signed(http.MethodGet, "/v1/webhooks", "", nil), nil); status != 200 {
		t.Fatalf("a correct hand-made request got %d %q", status, msg)
	}
	if status, msg, _ := e.raw(http.MethodPut, "/v1/webhooks", c.signed(http.MethodPut, "/v1/webhooks", uuid.NewString(), body), body); status != 200 {
		t.Fatalf("a correct hand-made write got %d %q", status, msg)
	}
}

func TestEmulatorIdempotency(t *testing.T) {
	e := newEnv(t)
	c := e.ready()
	count := func() int {
		e.box.mu.Lock()
		defer e.box.mu.Unlock()
		return len(e.box.hooks)
	}
	body := []byte(`{"callbackUrl":"https://hooks.example.com/a","types":["card.updated"]}`)

	t.Run("replay", func(t *testing.T) {
		key := uuid.NewString()
		h := c.signed(http.MethodPut, "/v1/webhooks", key, body)
		before := count()
		s1, m1, _ := e.raw(http.MethodPut, "/v1/webhooks", h, body)
		e.clock.Add(30 * time.Minute) // within the hour; a re-signed retry is the same request
		s2, m2, h2 := e.raw(http.MethodPut, "/v1/webhooks", c.signed(http.MethodPut, "/v1/webhooks", key, body), body)
		if s1 != 200 || s2 != 200 || m1 != m2 || h2.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("first %d %s, second %d %s (replayed %q)", s1, m1, s2, m2, h2.Get("Idempotent-Replayed"))
		}
		if n := count() - before; n != 1 {
			t.Fatalf("%d webhooks created by one key", n)
		}
		// After the hour the key is forgotten and the request runs again
		// (with a new token: the first has expired by then).
		e.clock.Add(31 * time.Minute)
		c.token = e.login()
		if s, _, h := e.raw(http.MethodPut, "/v1/webhooks", c.signed(http.MethodPut, "/v1/webhooks", key, body), body); s != 200 || h.Get("Idempotent-Replayed") != "" {
			t.Fatalf("after expiry: %d, replayed %q", s, h.Get("Idempotent-Replayed"))
		}
	})

	t.Run("different payload is 422", func(t *testing.T) {
		key := uuid.NewString()
		if s, m, _ := e.raw(http.MethodPut, "/v1/webhooks", c.signed(http.MethodPut, "/v1/webhooks", key, body), body); s != 200 {
			t.Fatalf("first: %d %s", s, m)
		}
		other := []byte(`{"callbackUrl":"https://hooks.example.com/other"}`)
		s, m, _ := e.raw(http.MethodPut, "/v1/webhooks", c.signed(http.MethodPut, "/v1/webhooks", key, other), other)
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
		h := c.signed(http.MethodPut, "/v1/webhooks", key, body)
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
	if s, m := tok(SandboxAPIKey, SandboxAPISecret); s != 200 || !strings.Contains(m, `"tokenType":"Bearer"`) {
		t.Fatalf("right credentials: %d %q", s, m)
	}

	c := e.newClient()
	// Before any upload, signed requests cannot verify.
	if s, m, _ := e.raw(http.MethodGet, "/v1/webhooks", c.signed(http.MethodGet, "/v1/webhooks", "", nil), nil); s != 401 || !strings.Contains(m, "no request-signing key") {
		t.Fatalf("before upload: %d %q", s, m)
	}
	// The upload must be signed by the key it uploads.
	other, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ub := uploadBody(t, &other.PublicKey)
	if s, m, _ := e.raw(http.MethodPut, signingPath, c.signed(http.MethodPut, signingPath, uuid.NewString(), ub), ub); s != 400 || !strings.Contains(m, "signature does not match") {
		t.Fatalf("upload signed by another key: %d %q", s, m)
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ub = uploadBody(t, &p256.PublicKey)
	if s, m, _ := e.raw(http.MethodPut, signingPath, c.signed(http.MethodPut, signingPath, uuid.NewString(), ub), ub); s != 400 || !strings.Contains(m, "P-384") {
		t.Fatalf("P-256 upload: %d %q", s, m)
	}
	// The key is the base64 of a PEM [DOC]; a bare PEM is not.
	ub, _ = json.Marshal(keyUpload{PublicKey: "-----BEGIN PUBLIC KEY-----"})
	if s, m, _ := e.raw(http.MethodPut, signingPath, c.signed(http.MethodPut, signingPath, uuid.NewString(), ub), ub); s != 400 || !strings.Contains(m, "base64") {
		t.Fatalf("bare PEM upload: %d %q", s, m)
	}
	// Nor is a private key: a client that uploads its secret half by
	// mistake is told so, not served.
	der, _ := x509.MarshalPKCS8PrivateKey(c.key)
	ub, _ = json.Marshal(keyUpload{PublicKey: base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))})
	if s, m, _ := e.raw(http.MethodPut, signingPath, c.signed(http.MethodPut, signingPath, uuid.NewString(), ub), ub); s != 400 || !strings.Contains(m, "PEM public key") {
		t.Fatalf("private key upload: %d %q", s, m)
	}
	c.upload()
	if got := e.box.SigningKeyID(); got != c.keyID {
		t.Fatalf("SigningKeyID = %q, upload answered %q", got, c.keyID)
	}
	// DELETE /v1/auth/signing removes it: the next call cannot verify.
	if s, m, _ := e.raw(http.MethodDelete, signingPath, c.signed(http.MethodDelete, signingPath, uuid.NewString(), nil), nil); s != 204 {
		t.Fatalf("delete key: %d %q", s, m)
	}
	if s, m := c.do(http.MethodGet, "/v1/webhooks", nil); s != 401 || !strings.Contains(m, "no request-signing key is registered") {
		t.Fatalf("after key deletion: %d %q", s, m)
	}
	if e.box.SigningKeyID() != "" {
		t.Fatal("SigningKeyID after the deletion")
	}
}

func TestEmulatorValidation(t *testing.T) {
	e := newEnv(t)
	c := e.ready()
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
		s, m, _ := e.raw(http.MethodPut, "/v1/webhooks", c.signed(http.MethodPut, "/v1/webhooks", uuid.NewString(), b), b)
		if s != tc.status || !strings.Contains(m, tc.want) {
			t.Errorf("%s: %d %q, want %d %q", tc.body, s, m, tc.status, tc.want)
		}
	}
	if s, m, _ := e.raw(http.MethodGet, "/v1/webhooks/x", c.signed(http.MethodGet, "/v1/webhooks/x", "", nil), nil); s != 400 {
		t.Errorf("non-UUID id: %d %q", s, m)
	}
	if s, _, _ := e.raw(http.MethodPost, "/v1/webhooks", nil, nil); s != 405 {
		t.Errorf("POST /v1/webhooks: %d, want 405", s)
	}
	if s, _, _ := e.raw(http.MethodGet, "/v2/webhooks", nil, nil); s != 404 {
		t.Errorf("GET /v2/webhooks: %d, want 404", s)
	}
}

// TestEmulatorWebhooks: create, list, full-replace update, get and delete,
// with the Webhook object's documented fields.
func TestEmulatorWebhooks(t *testing.T) {
	e := newEnv(t)
	c := e.ready()
	w := c.create("https://hooks.example.com/a", "card.updated", "card.updated", "customer.updated")
	if w.CallbackURL != "https://hooks.example.com/a" || !slices.Equal(w.Types, []string{"card.updated", "customer.updated"}) || w.CreatedAt != "2026-03-01T12:00:00.000Z" || w.UpdatedAt != w.CreatedAt {
		t.Fatalf("created %+v", w)
	}
	all := c.create("https://hooks.example.com/all")
	if all.Types == nil || len(all.Types) != 0 {
		t.Fatalf("no types: %+v", all)
	}
	if s, m := c.do(http.MethodGet, "/v1/webhooks", nil); s != 200 || !strings.HasPrefix(m, "[") || strings.Index(m, w.ID) > strings.Index(m, all.ID) {
		t.Fatalf("list: %d %s", s, m)
	}
	if got := e.box.WebhookIDs(); !slices.Equal(got, []string{w.ID, all.ID}) {
		t.Fatalf("WebhookIDs = %v", got)
	}
	// PUT with id replaces: types left out are gone.
	e.clock.Add(time.Minute)
	b, _ := json.Marshal(map[string]any{"id": w.ID, "callbackUrl": "https://hooks.example.com/b"})
	s, m := c.do(http.MethodPut, "/v1/webhooks", b)
	var upd webhookJSON
	if s != 200 || json.Unmarshal([]byte(m), &upd) != nil || upd.ID != w.ID || upd.CallbackURL != "https://hooks.example.com/b" || len(upd.Types) != 0 || upd.UpdatedAt == upd.CreatedAt {
		t.Fatalf("update: %d %s", s, m)
	}
	if s, m := c.do(http.MethodGet, "/v1/webhooks/"+w.ID, nil); s != 200 || !strings.Contains(m, "https://hooks.example.com/b") {
		t.Fatalf("get: %d %s", s, m)
	}
	if s, m := c.do(http.MethodDelete, "/v1/webhooks/"+w.ID, nil); s != 204 || m != "" {
		t.Fatalf("delete: %d %q", s, m)
	}
	if s, m := c.do(http.MethodGet, "/v1/webhooks/"+w.ID, nil); s != 404 || m != "Webhook not found" {
		t.Fatalf("get after delete: %d %q", s, m)
	}
	if s, m := c.do(http.MethodDelete, "/v1/webhooks/"+w.ID, nil); s != 404 || m != "Webhook not found" {
		t.Fatalf("delete again: %d %q", s, m)
	}
}

// TestEmulatorDelivery: a delivery goes to the callback URL, carries the
// documented body, verifies with the served verification key and is
// refused for events the webhook does not take; after a rotation the key
// endpoint serves the new key and deliveries name it.
func TestEmulatorDelivery(t *testing.T) {
	e := newEnv(t)
	c := e.ready()
	ctx := context.Background()
	w := c.create("https://hooks.example.com/d?x=1", "card.updated")
	keyID, pub := c.verificationKey()
	req, err := e.box.Delivery(ctx, w.ID, "card.updated")
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != http.MethodPost || req.URL.String() != w.CallbackURL {
		t.Fatalf("delivery to %s %s", req.Method, req.URL)
	}
	var db deliveryJSON
	if err := json.Unmarshal(readBody(t, req), &db); err != nil || db.WebhookType != "card.updated" || db.EventID == "" || db.Status != "ACTIVE" {
		t.Fatalf("delivery body %+v (%v)", db, err)
	}
	if err := verifyDelivery(t, req, pub, keyID, e.clock.Now()); err != nil {
		t.Fatalf("delivery does not verify: %v", err)
	}
	if _, err := e.box.Delivery(ctx, w.ID, "customer.updated"); err == nil {
		t.Fatal("Delivery of an unsubscribed event succeeded")
	}
	if _, err := e.box.Delivery(ctx, w.ID, "card.created"); err == nil {
		t.Fatal("Delivery of an unknown event succeeded")
	}
	if _, err := e.box.Delivery(ctx, uuid.NewString(), "card.updated"); err == nil {
		t.Fatal("Delivery for an unknown webhook succeeded")
	}

	newID, err := e.box.RotateVerificationKey()
	if err != nil || newID == keyID {
		t.Fatalf("RotateVerificationKey = %q, %v", newID, err)
	}
	gotID, gotPub := c.verificationKey()
	if id, hookPub := e.box.VerificationKey(); gotID != newID || id != newID || !gotPub.Equal(hookPub) {
		t.Fatalf("after rotation the endpoint serves %s, the hook says %s, want %s", gotID, id, newID)
	}
	req, _ = e.box.Delivery(ctx, w.ID, "card.updated")
	if err := verifyDelivery(t, req, pub, keyID, e.clock.Now()); err == nil {
		t.Fatal("a delivery after the rotation verifies with the old key")
	}
	if err := verifyDelivery(t, req, gotPub, newID, e.clock.Now()); err != nil {
		t.Fatalf("a delivery after the rotation: %v", err)
	}
}

// TestStateRoundTrip: a restarted emulator keeps webhooks, the uploaded
// key and its verification key; tokens are forgotten, so clients log in
// again.
func TestStateRoundTrip(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.ready()
	w := c.create("https://hooks.example.com/a", "card.updated")
	keyID, pub := c.verificationKey()
	st, err := e.box.State()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(st), "sbx.") {
		t.Error("tokens leaked into the state")
	}
	fresh := New(emulator.Options{BaseURL: e.base, Now: e.clock.Now})
	if err := fresh.LoadState(st); err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	e.box = fresh // the server now talks to the restarted emulator
	e.mu.Unlock()

	if s, m := c.do(http.MethodGet, "/v1/webhooks/"+w.ID, nil); s != 401 || !strings.Contains(m, "bearer token is not valid") {
		t.Fatalf("old token after restart: %d %q", s, m)
	}
	c.token = e.login()
	if s, m := c.do(http.MethodGet, "/v1/webhooks/"+w.ID, nil); s != 200 || !strings.Contains(m, "https://hooks.example.com/a") {
		t.Fatalf("after restart: %d %s", s, m)
	}
	req, err := e.box.Delivery(ctx, w.ID, "card.updated")
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyDelivery(t, req, pub, keyID, e.clock.Now()); err != nil {
		t.Fatalf("delivery after restart does not verify with the key fetched before: %v", err)
	}
	// A new webhook continues the sequence.
	w2 := c.create("https://hooks.example.com/b")
	if got := fresh.WebhookIDs(); !slices.Equal(got, []string{w.ID, w2.ID}) {
		t.Fatalf("ids after restart %v", got)
	}
	if err := fresh.LoadState(json.RawMessage(`{"webhooks":[]}`)); err == nil {
		t.Error("a state without verification key was accepted")
	}
}

// TestStateFormat: a state file written before the emulator left the
// client package still loads. The document has the fields the
// old emulator's sandboxState wrote; its keys come from openssl (PKCS#8
// private key, SPKI public key, the PEM forms the old code wrote too).
func TestStateFormat(t *testing.T) {
	const old = `{"seq":2,"webhooks":[{"seq":2,"id":"7d9f3c2e-1b4a-4c8e-9f6d-2a5b8c1e4f70","callback_url":"https://hooks.example.com/ob","types":["card.updated"],"created_at":"2026-03-01T12:00:00Z","updated_at":"2026-03-01T12:05:00Z"}],` +
		`"signing_key":{"id":"k1","public_key":"-----BEGIN PUBLIC KEY-----\nMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEBpy+sbydk5XJa6XBJFKTkkQK4/yEF6mM\nyJHQmz0k4tgqoDPvSiz/rbHpafWufIlCSkycHrViQZPCl9Tfj4BMP+zLyGlhd0hz\nyXkHNvH8Qxj5cQsSl5C4vOVLXTF4FXbm\n-----END PUBLIC KEY-----\n","uploaded_at":"2026-03-01T12:00:00Z"},` +
		`"verification_key":{"id":"v1","private_key":"-----BEGIN PRIVATE KEY-----\nMIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDDjC6J6ALyiBx1ZySs3\n87PmDjPBpOuq5xJSyzQghkkB/sB/CXMFnqU8zynnsNFhO3OhZANiAATjpq2GwZGk\nrmOx21atl5RK33FUr6glwj88+j8GXJbl417F1nE+e9oj09xQ5Xfl6cCEUVES8j5S\nFwvxDiE6e3RZpeaDJarviyCgQYZcRWKat/n5eGXN74U28rNgjeUqunY=\n-----END PRIVATE KEY-----\n"}}`
	s := New(emulator.Options{})
	if err := s.LoadState(json.RawMessage(old)); err != nil {
		t.Fatal(err)
	}
	if id, _ := s.VerificationKey(); id != "v1" || s.SigningKeyID() != "k1" || !slices.Equal(s.WebhookIDs(), []string{"7d9f3c2e-1b4a-4c8e-9f6d-2a5b8c1e4f70"}) {
		t.Fatalf("loaded %v, %s", s.WebhookIDs(), s.SigningKeyID())
	}
	again, err := s.State()
	if err != nil || !strings.Contains(string(again), `"callback_url":"https://hooks.example.com/ob"`) || !strings.Contains(string(again), `"seq":2`) {
		t.Fatalf("state written back: %s, %v", again, err)
	}
}

func TestEntryAndProfileArgs(t *testing.T) {
	en := Entry()
	if en.Name != "offblocks" || en.New == nil || en.Demo == nil || en.Demo.Rotate || !strings.Contains(en.Help, SandboxAPIKey) || !strings.Contains(en.Help, SandboxAPISecret) {
		t.Fatalf("entry %+v", en)
	}
	if en.Demo.Env["HOOKCTL_API_KEY"] != SandboxAPIKey || en.Demo.Env["HOOKCTL_API_SECRET"] != SandboxAPISecret || !slices.Contains(en.Demo.Register, en.Demo.Event) {
		t.Errorf("demo %+v", en.Demo)
	}
	box := en.New(emulator.Options{BaseURL: "http://127.0.0.1:8787/offblocks/"})
	if got := strings.Join(box.ProfileArgs(), " "); got != "--provider offblocks --environment sandbox --base-url http://127.0.0.1:8787/offblocks" {
		t.Errorf("ProfileArgs = %s", got)
	}
}

// TestSignatureTargetForms: the target may be signed as the absolute
// @target-uri or as @authority, @path and @query (what a server built on
// OffBlocks' library accepts however it rebuilds the URL); a signature
// that leaves the target or a query open, or names no keyid, is refused
// 400 "invalid required signature", as that library answers.
func TestSignatureTargetForms(t *testing.T) {
	e := newEnv(t)
	c := e.ready()
	sign := func(path string, comps []string, keyID string) http.Header {
		r, _ := http.NewRequest(http.MethodGet, e.base+path, nil)
		r.Header.Set("Authorization", "Bearer "+c.token)
		if err := httpsig.SignRequest(r, nil, httpsig.SignOptions{Key: c.key, KeyID: keyID, Algorithm: algorithm, Label: "sig1", Components: comps, Created: c.now()}); err != nil {
			t.Fatal(err)
		}
		return r.Header
	}
	for _, tc := range []struct {
		name, path string
		comps      []string
		keyID      string
		want       int
		says       string
	}{
		{"target-uri", "/v1/webhooks", []string{"@method", "@target-uri", "authorization"}, c.keyID, 200, ""},
		{"authority path query", "/v1/webhooks", []string{"@method", "@authority", "@path", "@query", "authorization"}, c.keyID, 200, ""},
		{"authority path, no query sent", "/v1/webhooks", []string{"@method", "@authority", "@path", "authorization"}, c.keyID, 200, ""},
		{"authority path, query open", "/v1/webhooks?x=1", []string{"@method", "@authority", "@path", "authorization"}, c.keyID, 400, "@query"},
		{"path alone", "/v1/webhooks", []string{"@method", "@path", "authorization"}, c.keyID, 400, "@authority"},
		{"no keyid", "/v1/webhooks", []string{"@method", "@authority", "@path", "@query", "authorization"}, "", 400, "no keyid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, msg, _ := e.raw(http.MethodGet, tc.path, sign(tc.path, tc.comps, tc.keyID), nil)
			if status != tc.want || !strings.Contains(msg, tc.says) || (tc.want == 400 && !strings.Contains(msg, "invalid required signature")) {
				t.Fatalf("got %d %q, want %d naming %q", status, msg, tc.want, tc.says)
			}
		})
	}
}
