package offblocks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/signature/httpsig"
	"github.com/hookctl/hookctl/pkg/webhook"
)

func pemKey(t *testing.T, curve elliptic.Curve) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func TestGenerateKey(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	ctx := context.Background()
	info, err := c.GenerateKey(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.store.Get("sbx", CredSigningKey)
	if err != nil || !strings.HasPrefix(stored, "-----BEGIN PRIVATE KEY-----") {
		t.Fatalf("keyring holds %.30q (%v), want a PKCS#8 PEM", stored, err)
	}
	if strings.Contains(info.PEM, "PRIVATE") || info.Extra["fingerprint"] == "" {
		t.Fatalf("public info %+v", info)
	}
	dec, err := base64.StdEncoding.DecodeString(info.Base64)
	if err != nil || string(dec) != info.PEM {
		t.Fatalf("Base64 is not the base64 of the PEM: %v", err)
	}
	pub, err := httpsig.ParsePublicKey([]byte(info.PEM))
	if ec, ok := pub.(*ecdsa.PublicKey); err != nil || !ok || ec.Curve != elliptic.P384() {
		t.Fatalf("public key %T (%v), want ECDSA P-384", pub, err)
	}

	// No silent overwrite.
	_, err = c.GenerateKey(ctx, false)
	if we := kindOf(t, err, webhook.KindUsage); !strings.Contains(we.Error(), "--force") {
		t.Errorf("refusal does not mention --force: %v", we)
	}
	if again, _ := e.store.Get("sbx", CredSigningKey); again != stored {
		t.Fatal("the refused GenerateKey changed the stored key")
	}
}

// TestReplacedKeyNeedsUpload: after `keys generate --force` the old key's
// id must not be sent with the new key; requests stop locally with a hint
// until the new key is uploaded.
func TestReplacedKeyNeedsUpload(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client()
	oldID := e.ready(c)
	if _, err := c.GenerateKey(ctx, true); err != nil {
		t.Fatal(err)
	}
	e.resetSeen()
	_, err := e.client().List(ctx, webhook.ListOptions{})
	if we := kindOf(t, err, webhook.KindAuth); !strings.Contains(we.Error(), "hookctl keys upload -p sbx") {
		t.Errorf("error %v does not say to upload", we)
	}
	if n := len(e.requests("", "")); n != 0 {
		t.Errorf("%d requests sent with an unuploaded key", n)
	}
	c2 := e.client()
	info, err := c2.UploadKey(ctx)
	if err != nil || info.KeyID == "" || info.KeyID == oldID {
		t.Fatalf("re-upload: %+v, %v", info, err)
	}
	if _, err := c2.List(ctx, webhook.ListOptions{}); err != nil {
		t.Fatalf("List with the new key: %v", err)
	}
}

func TestNoSigningKey(t *testing.T) {
	e := newEnv(t)
	_, err := e.client().List(context.Background(), webhook.ListOptions{})
	we := kindOf(t, err, webhook.KindAuth)
	for _, want := range []string{"hookctl keys generate -p sbx", "HOOKCTL_SBX_SIGNING_KEY"} {
		if !strings.Contains(we.Error(), want) {
			t.Errorf("error %q lacks %q", we.Error(), want)
		}
	}
	if _, err := e.client().PublicKey(context.Background()); err == nil {
		t.Error("PublicKey without a key succeeded")
	}
}

// TestSigningKeyFromEnv is the CI setup: HOOKCTL_SIGNING_KEY carries the
// key, no keyring entry exists, and the profile's key-id names the upload.
func TestSigningKeyFromEnv(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.ready(e.client())
	keyPEM, err := e.store.Get("sbx", CredSigningKey)
	if err != nil {
		t.Fatal(err)
	}
	// A fresh machine: empty keyring, key in the environment.
	e.store = credentials.New(credentials.NewMemory(), func(k string) string {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.vars[k]
	})
	e.setEnv("HOOKCTL_SIGNING_KEY", keyPEM)

	_, err = e.client().List(ctx, webhook.ListOptions{})
	if we := kindOf(t, err, webhook.KindAuth); !strings.Contains(we.Hint, FieldKeyID) {
		t.Errorf("without a key id the hint should name the %s setting: %v", FieldKeyID, we)
	}
	p := e.profile()
	p.Settings = map[string]string{FieldKeyID: id}
	if _, err := e.clientWith(p, e.clock.Now).List(ctx, webhook.ListOptions{}); err != nil {
		t.Fatalf("List with HOOKCTL_SIGNING_KEY and key-id: %v", err)
	}

	// The env key wins over the keyring, and GenerateKey says so.
	c := e.client()
	if _, err := c.GenerateKey(ctx, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.errOut.String(), "HOOKCTL_SIGNING_KEY is set and overrides") {
		t.Errorf("no warning about the override: %q", e.errOut.String())
	}
	info, err := c.PublicKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	envKey, _ := httpsig.ParsePrivateKey([]byte(keyPEM))
	want, _ := fingerprint(&envKey.(*ecdsa.PrivateKey).PublicKey)
	if info.Extra["fingerprint"] != want {
		t.Errorf("PublicKey shows %s, want the env key %s", info.Extra["fingerprint"], want)
	}
}

func TestWrongCurveRefused(t *testing.T) {
	e := newEnv(t)
	e.setEnv("HOOKCTL_SIGNING_KEY", pemKey(t, elliptic.P256()))
	_, err := e.client().PublicKey(context.Background())
	if we := kindOf(t, err, webhook.KindAuth); !strings.Contains(we.Error(), "P-384") {
		t.Errorf("error %v does not name P-384", we)
	}
}

// TestVerificationKeyRefresh: the key is cached by id; a delivery naming
// another id fetches again and replaces the cache.
func TestVerificationKeyRefresh(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client()
	e.ready(c)
	first, err := c.VerificationKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client().VerificationKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(e.requests(http.MethodGet, DefaultVerificationKeyPath)); n != 1 {
		t.Fatalf("%d fetches, want 1 (then the keyring cache)", n)
	}

	newID, err := e.box.RotateVerificationKey()
	if err != nil {
		t.Fatal(err)
	}
	_, newPub := e.box.VerificationKey()
	if k, err := e.client().VerificationKey(ctx, first[0].KeyID); err != nil || k.KeyID != first[0].KeyID {
		t.Fatalf("known id: %+v, %v (want the cached key)", k, err)
	}
	k, err := e.client().VerificationKey(ctx, newID)
	if err != nil || k.KeyID != newID || !k.Public.(*ecdsa.PublicKey).Equal(newPub) {
		t.Fatalf("unknown id: %+v, %v (want the new key)", k, err)
	}
	if n := len(e.requests(http.MethodGet, DefaultVerificationKeyPath)); n != 2 {
		t.Fatalf("%d fetches, want 2", n)
	}
	keys, err := e.client().VerificationKeys(ctx)
	if err != nil || keys[0].KeyID != newID {
		t.Fatalf("cache not replaced: %+v, %v", keys, err)
	}
}
