package offblocks

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Golden fixtures: OffBlocks publishes no OpenAPI document; these bodies
// follow the field names of its API pages (docs/providers/offblocks.md §3.3-3.4, [DOC]),
// written apart from our wire structs, and are answered to the client as
// they stand: a field name client and emulator share but get wrong fails
// here.
const (
	goldenToken   = `{"token":"eyJhbGciOiJFUzM4NCJ9.e30.c2ln","expiresAt":%d,"tokenType":"Bearer"}`
	goldenWebhook = `{"id":"7d9f3c2e-1b4a-4c8e-9f6d-2a5b8c1e4f70","callbackUrl":"https://hooks.example.com/ob","types":["card.updated","customer.updated"],"createdAt":"2026-11-30T10:00:00Z","updatedAt":"2026-11-30T11:30:00Z"}`
)

func TestGoldenTokenAndWebhook(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	e.ready(c) // the signing key upload goes to the emulator
	expires := e.clock.Now().Add(time.Hour).Unix()
	e.mu.Lock()
	e.wrap = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			switch {
			case strings.HasSuffix(r.URL.Path, "/v1/auth/token"):
				w.Write([]byte(strings.Replace(goldenToken, "%d", strconv.FormatInt(expires, 10), 1)))
			case strings.HasSuffix(r.URL.Path, "/v1/webhooks/7d9f3c2e-1b4a-4c8e-9f6d-2a5b8c1e4f70"):
				if r.Header.Get("Authorization") != "Bearer eyJhbGciOiJFUzM4NCJ9.e30.c2ln" {
					http.Error(w, `{"message":"Not authorised"}`, http.StatusUnauthorized)
					return
				}
				w.Write([]byte(goldenWebhook))
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
	e.mu.Unlock()
	r, err := e.clientWith(e.profile(), e.clock.Now).Get(context.Background(), "7d9f3c2e-1b4a-4c8e-9f6d-2a5b8c1e4f70")
	if err != nil {
		t.Fatalf("Get with the documented token and webhook bodies: %v", err)
	}
	if r.URL != "https://hooks.example.com/ob" || !slices.Equal(r.Events, []string{"card.updated", "customer.updated"}) ||
		r.CreatedAt == nil || !r.CreatedAt.Equal(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)) ||
		r.UpdatedAt == nil || !r.UpdatedAt.Equal(time.Date(2026, 11, 30, 11, 30, 0, 0, time.UTC)) {
		t.Fatalf("read %+v from the documented webhook object", r)
	}
}
