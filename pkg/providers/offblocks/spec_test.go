package offblocks

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/emulator"
	offblocksemu "github.com/hookctl/hookctl/internal/emulator/offblocks"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// TestStateRoundTrip: a restarted emulator keeps webhooks, the uploaded
// key and its verification key; the client just logs in again, and a
// delivery verifies with the key it fetched before.
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
	fresh := offblocksemu.New(emulator.Options{BaseURL: e.base, Now: e.clock.Now})
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

// TestKeyDeletedAtProvider: once the signing key is deleted at OffBlocks
// (DELETE /v1/auth/signing), the next call fails as an auth error carrying
// OffBlocks' words.
func TestKeyDeletedAtProvider(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	e.ready(c)
	if s, m, _ := e.raw(http.MethodDelete, DefaultSigningPath, e.signed(c, http.MethodDelete, DefaultSigningPath, uuid.NewString(), nil), nil); s != 204 {
		t.Fatalf("delete key: %d %q", s, m)
	}
	_, err := e.client().List(context.Background(), webhook.ListOptions{})
	if we := kindOf(t, err, webhook.KindAuth); !strings.Contains(we.Msg, "no request-signing key is registered") {
		t.Fatalf("after key deletion: %v", we)
	}
}

func TestSpecAndProfiles(t *testing.T) {
	s := Spec()
	if s.Name != Name || s.Scheme != "http-message-signatures" || s.SecretOverlap != 0 {
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
