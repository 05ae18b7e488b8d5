package offblocks

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/testkit/openssltest"
)

// The tests in this file check the emulator's signature check and its
// deliveries against openssl, over signature bases written by hand from
// each request (RFC 9421 §2.5): the RFC's test vectors cover neither
// @target-uri nor ecdsa-p384-sha384, and the emulator and the client share
// pkg/signature/httpsig, so a mistake in it would be made on both sides and
// pass every other test. The client's side is checked the same way in
// pkg/providers/offblocks/openssl_test.go.

const (
	// what a request covers, by kind, in order [INF, docs/providers/offblocks.md §3.3].
	coverRead   = `"@method" "@target-uri" "authorization"`
	coverDelete = `"@method" "@target-uri" "authorization" "idempotency-key"`
	coverWrite  = `"@method" "@target-uri" "authorization" "content-digest" "content-type" "idempotency-key"`
	// what a delivery covers.
	coverDelivery = `"@method" "@target-uri" "content-digest" "content-type"`
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

// opensslClient signs requests to the emulator with an openssl key and
// bases written by hand, as a third-party OffBlocks client would.
type opensslClient struct {
	t     *testing.T
	e     *env
	key   openssltest.Key
	token string
	keyID string
}

// send signs and sends one request; it returns the status and the body
// (or the emulator's error message).
func (o *opensslClient) send(method, path string, body []byte) (int, string) {
	o.t.Helper()
	return o.sendSigned(method, path, path, body)
}

// sendSigned signs for signedPath but sends to path.
func (o *opensslClient) sendSigned(method, path, signedPath string, body []byte) (int, string) {
	o.t.Helper()
	h := http.Header{"Authorization": {"Bearer " + o.token}}
	cover := [][2]string{{"@method", method}, {"@target-uri", o.e.base + signedPath}, {"authorization", "Bearer " + o.token}}
	list := coverRead
	if len(body) > 0 {
		h.Set("Content-Type", "application/json")
		h.Set("Content-Digest", openssltest.ContentDigestSHA512(o.t, body))
		cover = append(cover, [2]string{"content-digest", h.Get("Content-Digest")}, [2]string{"content-type", "application/json"})
	}
	if method != http.MethodGet {
		h.Set("Idempotency-Key", uuid.NewString())
		cover = append(cover, [2]string{"idempotency-key", h.Get("Idempotency-Key")})
		list = coverDelete
		if len(body) > 0 {
			list = coverWrite
		}
	}
	params := "(" + list + ");created=" + strconv.FormatInt(o.e.clock.Now().Unix(), 10)
	kid := o.keyID
	if kid == "" {
		kid = "pending-upload" // keyid is required on every signature, the upload's too
	}
	params += `;keyid="` + kid + `"`
	params += `;alg="ecdsa-p384-sha384"`
	sig := openssltest.SignP384(o.t, o.key, openssltest.Base(params, cover...))
	h.Set("Signature-Input", "sig1="+params)
	h.Set("Signature", "sig1=:"+base64.StdEncoding.EncodeToString(sig)+":")
	status, msg, _ := o.e.raw(method, path, h, body)
	return status, msg
}

// TestEmulatorAcceptsOpenSSLSignedRequests: requests signed by openssl
// over hand-written bases, with a key openssl generated, pass the
// emulator's signature check from the key upload on;
// the same signature sent to another target is refused.
func TestEmulatorAcceptsOpenSSLSignedRequests(t *testing.T) {
	openssltest.Require(t)
	e := newEnv(t)
	o := &opensslClient{t: t, e: e, key: openssltest.GenerateP384(t)}

	login, _ := json.Marshal(tokenRequest{APIKey: SandboxAPIKey, APISecret: SandboxAPISecret})
	status, msg, _ := e.raw(http.MethodPost, "/v1/auth/token", http.Header{
		"Content-Type": {"application/json"}, "Content-Digest": {openssltest.ContentDigestSHA512(t, login)}}, login)
	var tok tokenResponse
	if status != http.StatusOK || json.Unmarshal([]byte(msg), &tok) != nil || tok.Token == "" {
		t.Fatalf("token: %d %s", status, msg)
	}
	o.token = tok.Token

	upload, _ := json.Marshal(keyUpload{PublicKey: base64.StdEncoding.EncodeToString(o.key.PublicPEM)})
	status, msg = o.send(http.MethodPut, signingPath, upload)
	var up struct{ ID string }
	if status != http.StatusOK || json.Unmarshal([]byte(msg), &up) != nil || up.ID == "" {
		t.Fatalf("upload signed by openssl: %d %s", status, msg)
	}
	o.keyID = up.ID

	create, _ := json.Marshal(map[string]any{"callbackUrl": "https://hooks.example.com/openssl", "types": []string{"card.updated"}})
	status, msg = o.send(http.MethodPut, "/v1/webhooks", create)
	var w webhookJSON
	if status != http.StatusOK || json.Unmarshal([]byte(msg), &w) != nil || w.ID == "" {
		t.Fatalf("create signed by openssl: %d %s", status, msg)
	}
	if status, msg = o.send(http.MethodGet, "/v1/webhooks", nil); status != http.StatusOK || !strings.Contains(msg, w.ID) {
		t.Fatalf("list signed by openssl: %d %s", status, msg)
	}
	if status, msg = o.sendSigned(http.MethodGet, "/v1/webhooks/"+w.ID, "/v1/webhooks", nil); status != http.StatusBadRequest || !strings.Contains(msg, "invalid required signature") {
		t.Fatalf("a signature over another @target-uri: %d %s, want 400 as OffBlocks' library answers", status, msg)
	}
	if status, msg = o.send(http.MethodDelete, "/v1/webhooks/"+w.ID, nil); status/100 != 2 {
		t.Fatalf("delete signed by openssl: %d %s", status, msg)
	}
	if status, msg = o.send(http.MethodGet, "/v1/webhooks", nil); status != http.StatusOK || strings.Contains(msg, w.ID) {
		t.Fatalf("list after the delete: %d %s", status, msg)
	}
}

// TestOpenSSLVerifiesDeliveries: a delivery the emulator signs (what
// `hookctl sandbox deliver` sends) verifies with openssl, over a base
// built here from its URL and headers, with the public half of the
// emulator's verification key as openssl derives it from the private key.
func TestOpenSSLVerifiesDeliveries(t *testing.T) {
	openssltest.Require(t)
	e := newEnv(t)
	c := e.ready()
	callback := "https://hooks.example.com:8443/ob/deliveries?tenant=7"
	w := c.create(callback, "card.updated", "customer.updated")
	raw, err := e.box.State()
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		VerificationKey struct {
			ID         string `json:"id"`
			PrivateKey string `json:"private_key"`
		} `json:"verification_key"`
	}
	if err := json.Unmarshal(raw, &st); err != nil || st.VerificationKey.PrivateKey == "" {
		t.Fatalf("emulator state: %v", err)
	}
	pub := openssltest.PublicFromPEM(t, []byte(st.VerificationKey.PrivateKey))

	for _, event := range []string{"card.updated", "customer.updated"} {
		req, err := e.box.Delivery(context.Background(), w.ID, event)
		if err != nil {
			t.Fatal(err)
		}
		body := readBody(t, req)
		if req.URL.String() != callback || req.Method != http.MethodPost {
			t.Fatalf("delivery to %s %s, want POST %s", req.Method, req.URL, callback)
		}
		s := openssltest.ReadSignature(t, req.Header, "sig1")
		if got := `"` + strings.Join(s.Components, `" "`) + `"`; got != coverDelivery {
			t.Errorf("a delivery covers %s, want %s", got, coverDelivery)
		}
		if s.Alg != "ecdsa-p384-sha384" || s.KeyID != st.VerificationKey.ID || s.Created != strconv.FormatInt(e.clock.Now().Unix(), 10) {
			t.Errorf("delivery parameters %s, want keyid %q", s.Params, st.VerificationKey.ID)
		}
		if got, want := req.Header.Get("Content-Digest"), openssltest.ContentDigestSHA512(t, body); got != want {
			t.Errorf("Content-Digest %s, openssl says %s", got, want)
		}
		base := handBase(t, req.Method, callback, req.Header, s)
		if err := openssltest.VerifyP384(t, pub, base, s.Value); err != nil {
			t.Errorf("%s: %v over the base\n%s", event, err, base)
		}
	}
}
