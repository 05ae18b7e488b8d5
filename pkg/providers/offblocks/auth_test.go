package offblocks

import (
	"context"
	"net/http"
	"strings"
	"testing"

	offblocksemu "github.com/hookctl/hookctl/internal/emulator/offblocks"
	"github.com/hookctl/hookctl/pkg/webhook"
)

func TestLoginFailureSaysWhatToDo(t *testing.T) {
	e := newEnv(t)
	e.setEnv("HOOKCTL_API_SECRET", "wrong-secret")
	c := e.client()
	if _, err := c.GenerateKey(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	_, err := c.UploadKey(context.Background())
	we := kindOf(t, err, webhook.KindAuth)
	// Both are in the environment, which wins over the keyring: the hint
	// names them to fix or unset, and not auth login, which cannot help.
	for _, want := range []string{"Invalid credentials", "HOOKCTL_API_KEY and HOOKCTL_API_SECRET are set", "unset them"} {
		if !strings.Contains(we.Error(), want) {
			t.Errorf("error %q lacks %q", we.Error(), want)
		}
	}
	if strings.Contains(we.Error(), "auth login") {
		t.Errorf("error %q suggests auth login while the environment wins", we.Error())
	}
	if n := len(e.requests(http.MethodPut, DefaultSigningPath)); n != 0 {
		t.Errorf("the upload was sent %d times without a token", n)
	}
}

func TestMissingOrMalformedCredentials(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	if _, err := c.GenerateKey(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	e.setEnv("HOOKCTL_API_KEY", "")
	_, err := c.UploadKey(context.Background())
	if we := kindOf(t, err, webhook.KindAuth); !strings.Contains(we.Error(), "HOOKCTL_SBX_API_KEY") {
		t.Errorf("missing api-key error: %v", we)
	}
	e.setEnv("HOOKCTL_API_KEY", "not-a-uuid")
	_, err = c.UploadKey(context.Background())
	if we := kindOf(t, err, webhook.KindAuth); !strings.Contains(we.Error(), "not a UUID") {
		t.Errorf("malformed api-key error: %v", we)
	}
	if n := len(e.requests("", "")); n != 0 {
		t.Errorf("%d requests sent without usable credentials", n)
	}
}

// TestTokenCache: a second client (a second hookctl run) reuses the token
// from the keyring; a token about to expire is replaced.
func TestTokenCache(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.ready(e.client())
	if _, err := e.client().List(ctx, webhook.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.requests(http.MethodPost, "/v1/auth/token")); n != 1 {
		t.Fatalf("%d logins for two runs; the token should come from the keyring", n)
	}
	// The emulator's tokens live an hour; within expiryMargin of it a new one is fetched.
	e.clock.Add(offblocksemu.TokenLifetime - expiryMargin/2)
	if _, err := e.client().List(ctx, webhook.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.requests(http.MethodPost, "/v1/auth/token")); n != 2 {
		t.Fatalf("%d logins; a token about to expire must be replaced", n)
	}
}

// TestTokenRejected: the emulator forgets its tokens (a restart); the
// cached token gets a 401, is dropped, and one new login follows.
func TestTokenRejected(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client()
	e.ready(c)
	e.box.ForgetTokens()
	e.resetSeen()
	if _, err := e.client().List(ctx, webhook.ListOptions{}); err != nil {
		t.Fatalf("List after the token was revoked: %v", err)
	}
	if n := len(e.requests(http.MethodPost, "/v1/auth/token")); n != 1 {
		t.Errorf("%d logins after a 401, want 1", n)
	}
	if n := len(e.requests(http.MethodGet, "/v1/webhooks")); n != 2 {
		t.Errorf("%d GETs, want the refused one and its retry", n)
	}
	raw, err := e.store.Get("sbx", CredToken)
	if err != nil || !strings.Contains(raw, e.requests(http.MethodGet, "/v1/webhooks")[1].Header.Get("Authorization")[len("Bearer "):]) {
		t.Errorf("the keyring does not hold the new token: %q (%v)", raw, err)
	}

	// A write refused for its token is the same operation when resent
	// with a new one: same Idempotency-Key, new signature.
	e.box.ForgetTokens()
	if _, err := e.client().Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/t", Events: []string{"card.updated"}}); err != nil {
		t.Fatalf("Register after the token was revoked: %v", err)
	}
	puts := e.requests(http.MethodPut, "/v1/webhooks")
	if len(puts) != 2 || puts[0].Header.Get("Idempotency-Key") != puts[1].Header.Get("Idempotency-Key") || puts[0].Header.Get("Authorization") == puts[1].Header.Get("Authorization") {
		t.Errorf("the re-authenticated write is not the same operation: %d attempts", len(puts))
	}
}

// TestPersistent401 is not retried forever: a 401 with a brand-new token
// is the answer.
func TestPersistent401(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client()
	e.ready(c)
	e.resetSeen()
	e.mu.Lock()
	e.wrap = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				writeMessage(w, http.StatusUnauthorized, "Not authorised")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	e.mu.Unlock()
	_, err := e.client().List(ctx, webhook.ListOptions{})
	we := kindOf(t, err, webhook.KindAuth)
	if !strings.Contains(we.Hint, "hookctl keys upload -p sbx") || !strings.Contains(we.Hint, "HOOKCTL_API_KEY and HOOKCTL_API_SECRET are set") {
		t.Errorf("hint %q", we.Hint)
	}
	if n := len(e.requests(http.MethodGet, "/v1/webhooks")); n != 2 {
		t.Errorf("%d GETs, want exactly one retry with a new token", n)
	}
	// The token was not expired: only the refusal made it fetch another.
	if n := len(e.requests(http.MethodPost, "/v1/auth/token")); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
}

// TestCachedTokenBoundToSecret: a token cached with the right API secret
// is not used by a run with a wrong one: that run logs in and is refused.
func TestCachedTokenBoundToSecret(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.ready(e.client())
	if _, err := e.client().List(ctx, webhook.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	e.setEnv("HOOKCTL_API_SECRET", "wrong-secret")
	_, err := e.client().List(ctx, webhook.ListOptions{})
	kindOf(t, err, webhook.KindAuth)
	if n := len(e.requests(http.MethodPost, "/v1/auth/token")); n != 2 {
		t.Errorf("%d logins, want 2: the wrong secret must be tried", n)
	}
	raw, err := e.store.Get("sbx", CredToken)
	if err != nil || strings.Contains(raw, offblocksemu.SandboxAPISecret) || strings.Contains(raw, offblocksemu.SandboxAPIKey) {
		t.Errorf("token cache %q (%v) holds a credential", raw, err)
	}
}
