package pwc

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/webhook"
)

func TestNewSecret(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSecret()
	if a == b || len(a) != 44 || checkSecret(a) != nil {
		t.Errorf("secrets %q %q: want distinct 44-character Base64", a, b)
	}
}

func TestRotationPolicy(t *testing.T) {
	p := (&Client{}).RotationPolicy()
	if !p.ClientChoosesSecret || p.Overlap != 0 || p.MaxConcurrency != 4 {
		t.Errorf("%+v", p)
	}
}

// TestRotateStoresPendingFirst: a secret RotateSecret generates itself is
// in the store as pending before the update leaves.
func TestRotateStoresPendingFirst(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	id := register(t, c, "https://hooks.example.com/x", "ReportFiled")[0].ID
	var pendingAtCall string
	e.setWrap(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/update") {
				ws, _ := e.store.WebhookSecrets("sb", id)
				if ws.Pending != nil {
					pendingAtCall = ws.Pending.Value
				}
			}
			next.ServeHTTP(w, r)
		})
	})
	rot, err := c.RotateSecret(ctx, id, webhook.RotateRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if pendingAtCall == "" || pendingAtCall != rot.NewSecret {
		t.Errorf("pending at the call %q, new secret %q", pendingAtCall, rot.NewSecret)
	}
}

// TestRotateCrashReconcile emulates a rotation whose update landed but
// whose process died before recording it, then a rerun.
func TestRotateCrashReconcile(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	id := register(t, c, "https://hooks.example.com/x", "ReportFiled")[0].ID
	old := e.current(id)

	// Run 1, as the rotation engine does it: pending stored first...
	pending, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.UpdateWebhookSecrets("sb", id, func(ws *credentials.WebhookSecrets) error {
		ws.Pending = &credentials.SecretEntry{Value: pending, StoredAt: e.clock.Now()}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// ...then the update reaches PwC, and the process dies before it reads
	// the answer (a separate raw client, so nothing of ours records it).
	pub := RSAKeyValueXML(&fixedKey(t).PublicKey)
	status, body := e.raw(http.MethodPost, "/sync/webhooks/subscriptions/"+id+"/update", e.bearer(),
		updateRequest{ID: id, CurrentSecret: old, NewSecret: pending, PublicKeyXML: pub})
	if status != 200 {
		t.Fatalf("landing update: %d %s", status, body)
	}

	// Run 2 finds pending in the store. Reconcile tells the engine the
	// pending secret is live and the old one is not.
	c2 := e.client()
	if _, ok, err := c2.Reconcile(ctx, id, pending); err != nil || !ok {
		t.Fatalf("reconcile pending: %v %v", ok, err)
	}
	if _, ok, err := c2.Reconcile(ctx, id, old); err != nil || ok {
		t.Fatalf("reconcile old: %v %v", ok, err)
	}
	// A rerun of RotateSecret with the same pair says so distinguishably.
	rot, err := c2.RotateSecret(ctx, id, webhook.RotateRequest{CurrentSecret: old, NewSecret: pending})
	if !errors.Is(err, ErrAlreadyRotated) {
		t.Fatalf("rerun: %v", err)
	}
	if rot == nil || rot.NewSecret != pending || rot.Registration.ID != id || rot.PreviousValidUntil != nil {
		t.Fatalf("rerun rotation %+v", rot)
	}
	// With no secrets passed in (the store's current is still the old one,
	// pending the new), RotateSecret reuses pending and lands on the same.
	rot, err = c2.RotateSecret(ctx, id, webhook.RotateRequest{})
	if !errors.Is(err, ErrAlreadyRotated) || rot.NewSecret != pending {
		t.Fatalf("rerun from the store: %+v %v", rot, err)
	}
	// Promoting pending makes the subscription administrable again: the
	// service takes the already-new secret as proof.
	if err := e.store.StoreCurrent("sb", id, pending, 0, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	u := "https://hooks.example.com/after"
	if _, err := c2.Update(ctx, id, webhook.UpdateRequest{URL: &u}); err != nil {
		t.Fatalf("update with the promoted secret: %v", err)
	}
}

// TestRotateWithUnrelatedWrongSecret: a 403 where the pending secret is not
// live either is an ordinary failure, not ErrAlreadyRotated.
func TestRotateWithUnrelatedWrongSecret(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	id := register(t, c, "https://hooks.example.com/x", "ReportFiled")[0].ID
	_, err := c.RotateSecret(ctx, id, webhook.RotateRequest{CurrentSecret: "V3JvbmdTZWNyZXQ=", NewSecret: "TmV3U2VjcmV0MTIzNA=="})
	if err == nil || errors.Is(err, ErrAlreadyRotated) {
		t.Fatalf("err %v", err)
	}
	if we := kindOf(t, err, webhook.KindAuth); we.Status != http.StatusForbidden {
		t.Errorf("status %d", we.Status)
	}
}

// TestRotateLostAnswer: the update lands but its answer is lost; the read
// that follows confirms it, so the rotation succeeds.
func TestRotateLostAnswer(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	id := register(t, c, "https://hooks.example.com/x", "ReportFiled")[0].ID
	e.setWrap(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/update") {
				next.ServeHTTP(httptest.NewRecorder(), r) // applied, answer dropped
				writeStatus(w, http.StatusBadGateway, "BadGateway", "upstream connection reset", nil)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	rot, err := c.RotateSecret(ctx, id, webhook.RotateRequest{})
	if err != nil {
		t.Fatalf("rotation with a lost answer: %v", err)
	}
	e.setWrap(nil)
	if _, ok, err := c.Reconcile(ctx, id, rot.NewSecret); !ok || err != nil {
		t.Fatalf("new secret not live: %v %v", ok, err)
	}
}

// TestRotateLostAnswerNotLanded: a 5xx whose update did not land fails and
// leaves the pending secret for the next run.
func TestRotateLostAnswerNotLanded(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	id := register(t, c, "https://hooks.example.com/x", "ReportFiled")[0].ID
	e.setWrap(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/update") {
				writeStatus(w, http.StatusInternalServerError, "Exception", "boom", nil)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	if _, err := c.RotateSecret(ctx, id, webhook.RotateRequest{}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err %v", err)
	}
	ws, _ := e.store.WebhookSecrets("sb", id)
	if ws.Pending == nil || ws.Current == nil || ws.Pending.Value == ws.Current.Value {
		t.Fatalf("secrets after a failed rotation %+v", ws)
	}
}

// TestRotateUnconfirmed: an answer whose secret is not the new one fails
// the rotation.
func TestRotateUnconfirmed(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	id := register(t, c, "https://hooks.example.com/x", "ReportFiled")[0].ID
	pub := &fixedKey(t).PublicKey
	e.setWrap(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "/update") {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var sr subscriptionResponse
			json.Unmarshal(rec.Body.Bytes(), &sr)
			sr.Subscription.Config.Secret, _ = encryptSecret(pub, "U29tZXRoaW5nRWxzZQ==")
			b, _ := json.Marshal(sr)
			w.WriteHeader(rec.Code)
			io.Copy(w, bytes.NewReader(b))
		})
	})
	_, err := c.RotateSecret(ctx, id, webhook.RotateRequest{})
	if err == nil || !strings.Contains(err.Error(), "did not confirm") {
		t.Fatalf("err %v", err)
	}
}

func TestRotateRefusesBadNewSecret(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	id := register(t, c, "https://hooks.example.com/x", "ReportFiled")[0].ID
	e.resetRequests()
	for _, s := range []string{"short==", "not base64 at all!", e.current(id)} {
		_, err := c.RotateSecret(ctx, id, webhook.RotateRequest{NewSecret: s})
		kindOf(t, err, webhook.KindUsage)
	}
	if n := len(e.requests()); n != 0 {
		t.Errorf("%d requests", n)
	}
}

// A secret longer than RSA-OAEP can carry under a 2048-bit key is refused
// before any request: PwC would store it and then fail every answer that
// returns it (found when the emulator moved out).
func TestSecretLengthBound(t *testing.T) {
	if v := checkSecret(strings.Repeat("QUJD", 47)); v != nil { // 188 Base64 characters
		t.Fatalf("188 characters refused: %+v", v)
	}
	if v := checkSecret(strings.Repeat("QUJD", 48)); v == nil || !strings.Contains(v.Msg, "at most 190") {
		t.Fatalf("192 characters: %+v", v)
	}
}

// TestInterruptedRotationHintIsNotCircular: with a
// pending secret and no current one, a rotation's refusal does not say to
// run rotate-secret again (the rotation is what failed, after trying the
// pending secret); update and delete may name it, it reconciles.
func TestInterruptedRotationHintIsNotCircular(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	id := register(t, c, "https://hooks.example.com/x", "ReportFiled")[0].ID
	if err := e.store.UpdateWebhookSecrets("sb", id, func(ws *credentials.WebhookSecrets) error {
		ws.Current = nil
		ws.Pending = &credentials.SecretEntry{Value: "cGVuZGluZy1zZWNyZXQ=", StoredAt: e.clock.Now()}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_, err := c.RotateSecret(ctx, id, webhook.RotateRequest{})
	we := kindOf(t, err, webhook.KindAuth)
	if strings.Contains(we.Hint, "rotate-secret") || !strings.Contains(we.Hint, "hookctl secrets set "+id) || !strings.Contains(we.Hint, "--current-secret-file") {
		t.Errorf("rotation: hint %q", we.Hint)
	}
	u := "https://hooks.example.com/y"
	_, err = c.Update(ctx, id, webhook.UpdateRequest{URL: &u})
	if we := kindOf(t, err, webhook.KindAuth); !strings.Contains(we.Hint, "`hookctl rotate-secret "+id+" -p sb` reconciles it") {
		t.Errorf("update: hint %q", we.Hint)
	}
}
