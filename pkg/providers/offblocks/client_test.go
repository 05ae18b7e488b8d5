package offblocks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/signature/httpsig"
	"github.com/hookctl/hookctl/pkg/webhook"
)

func kindOf(t *testing.T, err error, want webhook.Kind) *webhook.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("want a %s error, got nil", want)
	}
	var we *webhook.Error
	if !errors.As(err, &we) || we.Kind != want {
		t.Fatalf("want a %s error, got %T %v", want, err, err)
	}
	return we
}

// TestFlow is the tour of the issue: keys → register → list → update →
// get → delivery verified with the verification key → delete → not found.
func TestFlow(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	ctx := context.Background()

	keyID := e.ready(c)
	if _, err := uuid.Parse(keyID); err != nil {
		t.Fatalf("upload returned key id %q", keyID)
	}
	if stored := e.box.SigningKeyID(); stored != keyID {
		t.Fatalf("emulator holds key %q, client got id %s", stored, keyID)
	}
	info, err := c.PublicKey(ctx)
	if err != nil || info.KeyID != keyID {
		t.Fatalf("PublicKey = %+v, %v; want key id %s", info, err, keyID)
	}
	uploadFingerprint := info.Extra["fingerprint"]

	regs, err := c.Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/offblocks", Events: []string{"customer.updated", "card.updated"}})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if len(regs) != 1 || regs[0].URL != "https://hooks.example.com/offblocks" || !slices.Equal(regs[0].Events, []string{"customer.updated", "card.updated"}) || !regs[0].Active || regs[0].CreatedAt == nil {
		t.Fatalf("Register = %+v", regs)
	}
	id := regs[0].ID

	list, err := c.List(ctx, webhook.ListOptions{})
	if err != nil || len(list) != 1 || list[0].ID != id {
		t.Fatalf("List = %+v, %v", list, err)
	}

	// Only the URL changes: the events must survive the full-replace PUT.
	newURL := "https://hooks.example.com/offblocks/v2"
	e.clock.Add(time.Minute)
	upd, err := c.Update(ctx, id, webhook.UpdateRequest{URL: &newURL})
	if err != nil {
		t.Fatalf("Update URL: %v", err)
	}
	if upd.URL != newURL || !slices.Equal(upd.Events, []string{"customer.updated", "card.updated"}) || !upd.UpdatedAt.After(*upd.CreatedAt) {
		t.Fatalf("Update URL = %+v", upd)
	}
	// Only the events change: the URL must survive.
	if upd, err = c.Update(ctx, id, webhook.UpdateRequest{Events: []string{"card.updated"}}); err != nil {
		t.Fatalf("Update events: %v", err)
	}
	if upd.URL != newURL || !slices.Equal(upd.Events, []string{"card.updated"}) {
		t.Fatalf("Update events = %+v", upd)
	}
	got, err := c.Get(ctx, id)
	if err != nil || got.URL != newURL || !slices.Equal(got.Events, []string{"card.updated"}) {
		t.Fatalf("Get = %+v, %v", got, err)
	}

	// Delivery, verified the way `hookctl verify -p` does it.
	req, err := e.box.Delivery(ctx, id, "card.updated")
	if err != nil {
		t.Fatalf("Delivery: %v", err)
	}
	body, _ := io.ReadAll(req.Body)
	if req.URL.String() != newURL || req.Method != http.MethodPost {
		t.Fatalf("delivery goes to %s %s", req.Method, req.URL)
	}
	var db struct{ WebhookType, EventID string }
	if err := json.Unmarshal(body, &db); err != nil || db.WebhookType != "card.updated" || db.EventID == "" {
		t.Fatalf("delivery body %s (%v)", body, err)
	}
	vc, err := New(e.deps())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := vc.VerificationKeys(ctx)
	if err != nil || len(keys) != 1 || keys[0].KeyID != verifyID(e) {
		t.Fatalf("VerificationKeys = %+v, %v", keys, err)
	}
	scheme, err := signature.Lookup(Spec().Scheme)
	if err != nil {
		t.Fatal(err)
	}
	opts := signature.Options{Now: e.clock.Now()}
	res := scheme.Verify(&signature.Request{Method: req.Method, URL: req.URL, Header: req.Header, Body: body}, keys, opts)
	if !res.Valid || res.Key != CredVerificationKey {
		t.Fatalf("delivery does not verify: %+v", res)
	}
	tampered := bytes.Replace(body, []byte(`"ACTIVE"`), []byte(`"FROZEN"`), 1)
	if bytes.Equal(tampered, body) {
		t.Fatal("tampering changed nothing")
	}
	res = scheme.Verify(&signature.Request{Method: req.Method, URL: req.URL, Header: req.Header, Body: tampered}, keys, opts)
	if res.Valid || res.FailedStep != signature.StepDigest {
		t.Fatalf("tampered delivery: %+v", res)
	}
	// A delivery for an event the webhook does not take is refused.
	if _, err := e.box.Delivery(ctx, id, "customer.updated"); err == nil {
		t.Fatal("Delivery of an unsubscribed event succeeded")
	}

	if err := c.Delete(ctx, id); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err = c.Get(ctx, id)
	kindOf(t, err, webhook.KindNotFound)
	kindOf(t, c.Delete(ctx, id), webhook.KindNotFound)

	// Every authenticated request carried the three layers.
	for _, r := range e.requests("", "") {
		if r.Path == "/v1/auth/token" {
			if r.Header.Get("Signature") != "" {
				t.Errorf("token request signed: %v", r.Header)
			}
			continue
		}
		sigs, err := httpsig.ParseSignatures(r.Header)
		if err != nil || len(sigs) != 1 || sigs[0].Label != "sig1" || sigs[0].Params.Alg != SignatureAlgorithm || sigs[0].Params.Created.IsZero() {
			t.Fatalf("%s %s: signature %+v (%v)", r.Method, r.Path, sigs, err)
		}
		want := []string{"@method", "@authority", "@path", "@query", "authorization"}
		if len(r.Body) > 0 {
			want = append(want, "content-digest", "content-type")
			if !strings.HasPrefix(r.Header.Get("Content-Digest"), "sha-256=:") {
				t.Errorf("%s %s: Content-Digest %q", r.Method, r.Path, r.Header.Get("Content-Digest"))
			}
		}
		if r.Method != http.MethodGet {
			u, err := uuid.Parse(r.Header.Get("Idempotency-Key"))
			if err != nil || u.Version() != 4 {
				t.Errorf("%s %s: Idempotency-Key %q", r.Method, r.Path, r.Header.Get("Idempotency-Key"))
			}
			want = append(want, "idempotency-key")
		}
		var gotComps []string
		for _, c := range sigs[0].Components {
			gotComps = append(gotComps, c.Name)
		}
		if !slices.Equal(gotComps, want) {
			t.Errorf("%s %s covers %v, want %v", r.Method, r.Path, gotComps, want)
		}
		wantKeyID := keyID
		if r.Path == DefaultSigningPath {
			wantKeyID = uploadFingerprint // the upload precedes OffBlocks' id
		}
		if sigs[0].Params.KeyID != wantKeyID {
			t.Errorf("%s %s: keyid %q, want %q", r.Method, r.Path, sigs[0].Params.KeyID, wantKeyID)
		}
	}
}

func (e *env) deps() provider.Deps {
	hc := httpclient.New(httpclient.Options{Timeout: 5 * time.Second})
	return provider.Deps{Profile: e.profile(), HTTP: hc, Creds: e.store, ErrOut: &e.errOut, Now: e.clock.Now}
}

// TestRetryReusesIdempotencyKey drops the connection after the emulator
// has done the first PUT: httpclient's retry must resend the very same
// request (same Idempotency-Key and signature), get the stored answer, and
// leave one webhook, not two.
func TestRetryReusesIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	e.ready(c)
	e.resetSeen()

	dropped := false
	e.mu.Lock()
	e.wrap = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && !dropped {
				dropped = true
				rec := httptest.NewRecorder()
				next.ServeHTTP(rec, r) // the work is done...
				conn, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					t.Errorf("hijack: %v", err)
					return
				}
				conn.Close() // ...but the answer is lost
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	e.mu.Unlock()

	regs, err := c.Register(context.Background(), webhook.CreateRequest{URL: "https://hooks.example.com/x", Events: []string{"card.updated"}})
	if err != nil {
		t.Fatalf("Register after a dropped connection: %v", err)
	}
	puts := e.requests(http.MethodPut, "/v1/webhooks")
	if len(puts) != 2 {
		t.Fatalf("want 2 attempts, saw %d", len(puts))
	}
	for _, h := range []string{"Idempotency-Key", "Signature", "Signature-Input", "Content-Digest"} {
		if a, b := puts[0].Header.Get(h), puts[1].Header.Get(h); a == "" || a != b {
			t.Errorf("%s differs between attempts: %q vs %q", h, a, b)
		}
	}
	if !bytes.Equal(puts[0].Body, puts[1].Body) {
		t.Errorf("bodies differ between attempts")
	}
	ids := e.box.WebhookIDs()
	n, ok := len(ids), slices.Contains(ids, regs[0].ID)
	if n != 1 || !ok {
		t.Fatalf("emulator has %d webhooks (returned id known: %v); want exactly the one", n, ok)
	}
}

func TestValidationBeforeAnyRequest(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	e.ready(c)
	e.resetSeen()
	ctx := context.Background()
	id := uuid.NewString()
	f := false
	name := "n"
	bad := "http://hooks.example.com/x"
	cases := map[string]func() error{
		"plain http": func() error {
			_, err := c.Register(ctx, webhook.CreateRequest{URL: bad, Events: []string{"card.updated"}})
			return err
		},
		"relative url": func() error {
			_, err := c.Register(ctx, webhook.CreateRequest{URL: "/hooks", Events: []string{"card.updated"}})
			return err
		},
		"empty event": func() error {
			_, err := c.Register(ctx, webhook.CreateRequest{URL: "https://h.example.com", Events: []string{""}})
			return err
		},
		"name": func() error {
			_, err := c.Register(ctx, webhook.CreateRequest{URL: "https://h.example.com", Name: "x"})
			return err
		},
		"param": func() error {
			_, err := c.Register(ctx, webhook.CreateRequest{URL: "https://h.example.com", Params: map[string]string{"x": "y"}})
			return err
		},
		"bad id": func() error { _, err := c.Get(ctx, "not-a-uuid"); return err },
		"update inactive": func() error {
			_, err := c.Update(ctx, id, webhook.UpdateRequest{Active: &f})
			return err
		},
		"update name":    func() error { _, err := c.Update(ctx, id, webhook.UpdateRequest{Name: &name}); return err },
		"update nothing": func() error { _, err := c.Update(ctx, id, webhook.UpdateRequest{}); return err },
		"update url":     func() error { _, err := c.Update(ctx, id, webhook.UpdateRequest{URL: &bad}); return err },
		"delete path":    func() error { return c.Delete(ctx, "../auth/signing") },
	}
	for name, fn := range cases {
		t.Run(name, func(t *testing.T) { kindOf(t, fn(), webhook.KindUsage) })
	}
	if n := len(e.requests("", "")); n != 0 {
		t.Fatalf("%d requests were sent for invalid input", n)
	}
	// A type missing from the guide's list is OffBlocks' to refuse, not
	// the client's: it is sent, and the answer stands.
	_, err := c.Register(ctx, webhook.CreateRequest{URL: "https://h.example.com", Events: []string{"card.created"}})
	if we := kindOf(t, err, webhook.KindError); we.Status != 400 || !strings.Contains(we.Error(), `unknown webhook type "card.created"`) {
		t.Fatalf("unknown type: %v", err)
	}
	// Loopback http is fine (a local `verify listen`).
	if _, err := c.Register(ctx, webhook.CreateRequest{URL: "http://127.0.0.1:9999/hook", Events: []string{"card.updated"}}); err != nil {
		t.Fatalf("loopback http refused: %v", err)
	}
}

// verifyID is the id of the emulator's current verification key.
func verifyID(e *env) string {
	id, _ := e.box.VerificationKey()
	return id
}
