package pexa

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

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
// in the transport (issue 13 item 11).
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
