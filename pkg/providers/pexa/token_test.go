package pexa

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	pexaemu "github.com/hookctl/hookctl/internal/emulator/pexa"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// countingTransport counts the attempts the HTTP client makes.
type countingTransport struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// TestMalformedTokenRefusedAtOnce: a token endpoint that answers an access
// token no Authorization header can carry (CR/LF, other control bytes,
// spaces) costs one request and a clear error: the token is neither cached
// nor sent, where it used to be cached and every API call failed five times
// in the transport.
func TestMalformedTokenRefusedAtOnce(t *testing.T) {
	for name, bad := range map[string]string{
		"crlf":  "tok-part1\r\nX-Injected: yes",
		"lf":    "tok-part1\ntok-part2",
		"nul":   "tok-part1\x00",
		"space": "tok-part1 tok-part2",
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.setWrap(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if !strings.HasSuffix(r.URL.Path, "/oauth/token") {
						next.ServeHTTP(w, r)
						return
					}
					w.Header().Set("Content-Type", "application/json")
					json.NewEncoder(w).Encode(map[string]any{"access_token": bad, "token_type": "Bearer", "expires_in": 3600})
				})
			})
			tr := &countingTransport{next: http.DefaultTransport}
			c, _ := e.client(func(o *clientOpts) { o.transport = tr })
			_, err := c.List(ctx, webhook.ListOptions{})
			if err == nil {
				t.Fatal("List succeeded with a malformed token")
			}
			if got := tr.n.Load(); got != 1 {
				t.Errorf("%d HTTP attempts, want 1 (the token request only)", got)
			}
			if !strings.Contains(err.Error(), "malformed access token") || !strings.Contains(err.Error(), "--token-url") {
				t.Errorf("error does not say what happened and what to check: %v", err)
			}
			if strings.Contains(err.Error(), "tok-part") {
				t.Errorf("error prints the token: %v", err)
			}
			if _, err := e.creds.Get("sb-uk", CredToken); !errors.Is(err, credentials.ErrNotFound) {
				t.Errorf("the malformed token was cached (%v)", err)
			}
		})
	}
}

// TestCachedTokenBoundToSecret: a token cached by a run with the right
// client secret is not used by a run whose secret is wrong (it asks the
// token endpoint and is refused, exit 4), and is used again once the
// secret is right. The cache never holds the secret.
func TestCachedTokenBoundToSecret(t *testing.T) {
	e := newEnv(t)
	good, _ := e.client()
	if _, err := good.List(ctx, webhook.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	bad, _ := e.client(func(o *clientOpts) { o.env = map[string]string{"HOOKCTL_CLIENT_SECRET": "wrong-secret"} })
	_, err := bad.List(ctx, webhook.ListOptions{})
	kindOf(t, err, webhook.KindAuth)
	// (A refusal costs two requests: oauth2 tries HTTP Basic, then the form.)
	asked := e.tokenRequests()
	if asked < 2 {
		t.Fatalf("%d token requests: the wrong secret was not tried at the token endpoint", asked)
	}
	again, _ := e.client()
	if _, err := again.List(ctx, webhook.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := e.tokenRequests(); n != asked {
		t.Fatalf("%d token requests: the right secret's cached token was not reused", n)
	}
	raw, err := e.creds.Get("sb-uk", CredToken)
	if err != nil || strings.Contains(raw, pexaemu.SandboxClientSecret) {
		t.Fatalf("token cache %q (%v)", raw, err)
	}
}

// TestAuthenticateAsksAfresh: Authenticate (what `auth status` and `auth
// login` use) never takes a cached token; the token it gets serves the
// calls that follow; a wrong secret is exit 4 even with a token cached.
func TestAuthenticateAsksAfresh(t *testing.T) {
	e := newEnv(t)
	first, _ := e.client()
	if _, err := first.List(ctx, webhook.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	c, _ := e.client()
	if err := c.Authenticate(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.tokenRequests(); n != 2 {
		t.Fatalf("%d token requests, want 2: Authenticate must not use the cached token", n)
	}
	if _, err := c.List(ctx, webhook.ListOptions{}); err != nil || e.tokenRequests() != 2 {
		t.Fatalf("List after Authenticate: %v, %d token requests", err, e.tokenRequests())
	}
	bad, _ := e.client(func(o *clientOpts) { o.env = map[string]string{"HOOKCTL_CLIENT_SECRET": "wrong-secret"} })
	kindOf(t, bad.Authenticate(ctx), webhook.KindAuth)
}
