package offblocks

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/testkit/openssltest"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// The tests in this file check the client's request signing against
// openssl, over signature bases written by hand from each request (RFC
// 9421 §2.5): the RFC's test vectors cover neither @target-uri nor
// ecdsa-p384-sha384, and the client and the emulator share
// pkg/signature/httpsig, so a mistake in it would be made on both sides
// and pass every other test. The emulator's side (its signature check and
// its deliveries) is checked the same way in
// internal/emulator/offblocks/openssl_test.go.

const (
	// what the client covers on each kind of request, in order.
	coverRead   = `"@method" "@authority" "@path" "@query" "authorization"`
	coverDelete = `"@method" "@authority" "@path" "@query" "authorization" "idempotency-key"`
	coverWrite  = `"@method" "@authority" "@path" "@query" "authorization" "content-digest" "content-type" "idempotency-key"`
)

// handBase rebuilds the signature base of a request the emulator saw from
// its method, the URL the client addressed and its headers, for the
// components s says are covered.
func handBase(t *testing.T, method, targetURI string, h http.Header, s openssltest.Signed) []byte {
	t.Helper()
	var lines [][2]string
	for _, c := range s.Components {
		switch c {
		case "@method":
			lines = append(lines, [2]string{c, method})
		case "@target-uri":
			lines = append(lines, [2]string{c, targetURI})
		case "@authority", "@path", "@query":
			u, err := url.Parse(targetURI)
			if err != nil {
				t.Fatal(err)
			}
			v := map[string]string{"@authority": strings.ToLower(u.Host), "@path": u.EscapedPath(), "@query": "?" + u.RawQuery}[c]
			lines = append(lines, [2]string{c, v})
		default:
			v := h.Values(c)
			if len(v) != 1 {
				t.Fatalf("covered header %s has %d lines", c, len(v))
			}
			lines = append(lines, [2]string{c, strings.TrimSpace(v[0])})
		}
	}
	return openssltest.Base(s.Params, lines...)
}

// TestOpenSSLVerifiesClientRequests: every request the client signs
// (key upload, create, list, get, update, delete) verifies with openssl
// against the uploaded public key over a base built here, covers what
// OffBlocks needs, and carries a Content-Digest openssl agrees with.
func TestOpenSSLVerifiesClientRequests(t *testing.T) {
	openssltest.Require(t)
	e := newEnv(t)
	c := e.client()
	ctx := context.Background()
	keyID := e.ready(c)
	info, err := c.PublicKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	uploadFingerprint := info.Extra["fingerprint"]
	regs, err := c.Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/ob?tenant=7&x=%2F", Events: []string{"card.updated"}})
	if err != nil {
		t.Fatal(err)
	}
	id := regs[0].ID
	if _, err := c.List(ctx, webhook.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	moved := "https://hooks.example.com/moved"
	if _, err := c.Update(ctx, id, webhook.UpdateRequest{URL: &moved}); err != nil { // GET then PUT
		t.Fatal(err)
	}
	if err := c.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}

	uploads := e.requests(http.MethodPut, DefaultSigningPath)
	if len(uploads) != 1 {
		t.Fatalf("%d key uploads", len(uploads))
	}
	var up struct{ PublicKey string }
	if err := json.Unmarshal(uploads[0].Body, &up); err != nil {
		t.Fatal(err)
	}
	pem, err := base64.StdEncoding.DecodeString(up.PublicKey)
	if err != nil {
		t.Fatalf("the upload's publicKey is not base64: %v", err)
	}
	pub := openssltest.PublicFromPEM(t, pem)

	want := map[string]string{"GET": coverRead, "PUT": coverWrite, "DELETE": coverDelete}
	checked := map[string]int{}
	for _, r := range e.requests("", "") {
		if r.Path == "/v1/auth/token" {
			continue // the login precedes any key
		}
		name := r.Method + " " + r.Path
		s := openssltest.ReadSignature(t, r.Header, "sig1")
		if got := `"` + strings.Join(s.Components, `" "`) + `"`; got != want[r.Method] {
			t.Errorf("%s covers %s, want %s", name, got, want[r.Method])
		}
		wantKeyID := keyID
		if r.Path == DefaultSigningPath {
			wantKeyID = uploadFingerprint // the upload precedes OffBlocks' id
		}
		if s.Alg != "ecdsa-p384-sha384" || s.KeyID != wantKeyID || s.Created != strconv.FormatInt(e.clock.Now().Unix(), 10) || s.HasOtherParam {
			t.Errorf("%s parameters %s, want created=%d, keyid %q, alg ecdsa-p384-sha384", name, s.Params, e.clock.Now().Unix(), wantKeyID)
		}
		if len(r.Body) > 0 {
			if got, want := r.Header.Get("Content-Digest"), openssltest.ContentDigestSHA256(t, r.Body); got != want {
				t.Errorf("%s Content-Digest %s, openssl says %s", name, got, want)
			}
		}
		base := handBase(t, r.Method, e.base+r.Path, r.Header, s)
		if err := openssltest.VerifyP384(t, pub, base, s.Value); err != nil {
			t.Errorf("%s: %v over the base\n%s", name, err, base)
		}
		checked[r.Method]++
	}
	if checked["PUT"] != 3 || checked["GET"] != 2 || checked["DELETE"] != 1 {
		t.Fatalf("checked %v, want 3 PUT (upload, create, update), 2 GET, 1 DELETE", checked)
	}

	// openssl does check: the same signature over another target fails.
	r := e.requests(http.MethodGet, "/v1/webhooks")[0]
	s := openssltest.ReadSignature(t, r.Header, "sig1")
	if err := openssltest.VerifyP384(t, pub, handBase(t, r.Method, e.base+"/v1/webhooks/other", r.Header, s), s.Value); err == nil {
		t.Fatal("openssl accepted a signature over another @target-uri")
	}
}
