package offblocks

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/emulator"
	offblocksemu "github.com/hookctl/hookctl/internal/emulator/offblocks"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// The guessed wire details are profile settings: a
// profile with other values talks to an emulator that expects them, and
// the default profile does not.
func TestWireSettingsTalkToAVariant(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.box = offblocksemu.NewWithWire(emulator.Options{BaseURL: e.base, Now: e.clock.Now}, offblocksemu.Wire{
		SigningPath:         "/v1/auth/signing-keys",
		SigningKeyField:     "key",
		VerificationKeyPath: "/v1/webhooks/verification-keys/current",
		RequiredComponents:  []string{"@target-uri"},
		DigestAlgorithm:     "sha-512",
	})
	p := e.profile()
	p.Settings = map[string]string{
		FieldSigningPath:         "/v1/auth/signing-keys",
		FieldSigningKeyField:     "key",
		FieldVerificationKeyPath: "/v1/webhooks/verification-keys/current",
		FieldSignedComponents:    "@method, @target-uri, @authority, authorization, content-digest, content-type, idempotency-key",
		FieldDigestAlgorithm:     "sha-512",
	}
	if err := validateProfile(p); err != nil {
		t.Fatal(err)
	}
	c := e.clientWith(p, e.clock.Now)
	e.ready(c)
	up := e.requests(http.MethodPut, "/v1/auth/signing-keys")
	if len(up) != 1 || !strings.HasPrefix(string(up[0].Body), `{"key":`) {
		t.Fatalf("upload requests %+v", up)
	}
	regs, err := c.Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/o", Events: []string{"card.updated"}})
	if err != nil {
		t.Fatal(err)
	}
	put := e.requests(http.MethodPut, "/v1/webhooks")
	if len(put) != 1 || !strings.HasPrefix(put[0].Header.Get("Content-Digest"), "sha-512=:") || !strings.Contains(put[0].Header.Get("Signature-Input"), `"@target-uri"`) {
		t.Fatalf("register headers %v", put[0].Header)
	}
	if _, err := c.Get(ctx, regs[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.VerificationKey(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if n := len(e.requests(http.MethodGet, "/v1/webhooks/verification-keys/current")); n != 1 {
		t.Fatalf("%d verification-key reads at the configured path", n)
	}

	// The default profile is refused by this variant: its signature does
	// not cover the target as the variant expects.
	if _, err := e.client().List(ctx, webhook.ListOptions{}); err == nil || !strings.Contains(err.Error(), `not covered by the signature: "@target-uri"`) {
		t.Fatalf("default profile against the variant: %v", err)
	}
}

// A signature that leaves out a component the account requires is refused;
// signed-components adds it.
func TestSignedComponentsSetting(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.box = offblocksemu.NewWithWire(emulator.Options{BaseURL: e.base, Now: e.clock.Now}, offblocksemu.Wire{RequiredComponents: []string{"@target-uri"}})
	c := e.client()
	if _, err := c.GenerateKey(ctx, false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadKey(ctx); webhook.KindOf(err) != webhook.KindAuth || !strings.Contains(err.Error(), "@target-uri") {
		t.Fatalf("default components against a variant requiring @target-uri: %v", err)
	}
	p := e.profile()
	p.Settings = map[string]string{FieldSignedComponents: strings.Join(append(slices.Clone(DefaultSignedComponents), "@target-uri"), ",")}
	withTarget := e.clientWith(p, e.clock.Now)
	if _, err := withTarget.UploadKey(ctx); err != nil {
		t.Fatalf("upload with @target-uri signed: %v", err)
	}
	if _, err := withTarget.List(ctx, webhook.ListOptions{}); err != nil {
		t.Fatalf("list with @target-uri signed: %v", err)
	}
}

// The default profile works against the default emulator, and sends what
// a server built on OffBlocks' library accepts: the target as @authority,
// @path and @query, a sha-256 digest.
func TestWireSettingsDefaults(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	e.ready(c)
	if _, err := c.Register(context.Background(), webhook.CreateRequest{URL: "https://hooks.example.com/o", Events: []string{"card.updated"}}); err != nil {
		t.Fatal(err)
	}
	up := e.requests(http.MethodPut, DefaultSigningPath)
	put := e.requests(http.MethodPut, "/v1/webhooks")
	if len(up) != 1 || !strings.HasPrefix(string(up[0].Body), `{"publicKey":`) || len(put) != 1 {
		t.Fatalf("requests: upload %d, register %d", len(up), len(put))
	}
	if got := put[0].Header.Get("Signature-Input"); !strings.HasPrefix(got, `sig1=("@method" "@authority" "@path" "@query" "authorization" "content-digest" "content-type" "idempotency-key")`) {
		t.Fatalf("Signature-Input %s", got)
	}
	if !strings.HasPrefix(put[0].Header.Get("Content-Digest"), "sha-256=:") {
		t.Fatalf("Content-Digest %s", put[0].Header.Get("Content-Digest"))
	}
}

func TestWireSettingsValidated(t *testing.T) {
	bad := map[string]string{
		FieldSigningPath:         "https://api.example.com/v1/auth/signing",
		FieldSigningKeyField:     "public key",
		FieldVerificationKeyPath: "/v1/key?x=1",
		FieldSignedComponents:    "@method,x-custom",
		FieldDigestAlgorithm:     "md5",
	}
	for name, v := range bad {
		p := config.Profile{Name: "p", Provider: Name, Environment: EnvSandbox, BaseURL: "https://sbx.example", Settings: map[string]string{name: v}}
		err := validateProfile(p)
		if webhook.KindOf(err) != webhook.KindUsage || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: %v", name, v, err)
		}
		if _, err := New(provider.Deps{Profile: p}); webhook.KindOf(err) != webhook.KindUsage {
			t.Errorf("New with %s=%q: %v", name, v, err)
		}
	}
	p := config.Profile{Name: "p", Provider: Name, Environment: EnvSandbox, BaseURL: "https://sbx.example", Settings: map[string]string{FieldSignedComponents: "@method,@method"}}
	if err := validateProfile(p); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate component: %v", err)
	}
	names := map[string]bool{}
	for _, f := range Spec().Fields {
		names[f.Name] = true
	}
	for _, n := range []string{FieldSigningPath, FieldSigningKeyField, FieldVerificationKeyPath, FieldSignedComponents, FieldDigestAlgorithm} {
		if !names[n] {
			t.Errorf("profile field %s missing from the spec", n)
		}
	}
}

// TestAllowHTTPCallbacks: plain http callbacks are refused before any
// request unless the profile allows them (OffBlocks does not say they
// must be https; hookctl's rule is its own, so it can be turned off).
func TestAllowHTTPCallbacks(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c := e.client()
	e.ready(c)
	const u = "http://hooks.example.com/plain"
	if _, err := c.Register(ctx, webhook.CreateRequest{URL: u, Events: []string{"card.updated"}}); webhook.KindOf(err) != webhook.KindUsage || !strings.Contains(err.Error(), FieldAllowHTTPCallbacks) {
		t.Fatalf("plain http by default: %v", err)
	}
	p := e.profile()
	p.Settings = map[string]string{FieldAllowHTTPCallbacks: "true"}
	allowed := e.clientWith(p, e.clock.Now) // same profile, key and store: uploaded already
	regs, err := allowed.Register(ctx, webhook.CreateRequest{URL: u, Events: []string{"card.updated"}})
	if err != nil || len(regs) != 1 || regs[0].URL != u {
		t.Fatalf("plain http with %s=true: %v %v", FieldAllowHTTPCallbacks, regs, err)
	}
	p.Settings = map[string]string{FieldAllowHTTPCallbacks: "yes"}
	if err := validateProfile(p); webhook.KindOf(err) != webhook.KindUsage {
		t.Errorf("%s=yes: %v", FieldAllowHTTPCallbacks, err)
	}
}
