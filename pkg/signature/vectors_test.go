package signature

import (
	"bytes"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// opensslHMAC computes HMAC-SHA256 hex with the openssl CLI, an
// implementation independent of Go's, so the known answers below are not
// merely our code agreeing with itself.
func opensslHMAC(t *testing.T, key string, msg []byte) string {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	cmd := exec.Command("openssl", "dgst", "-sha256", "-hmac", key, "-r")
	cmd.Stdin = bytes.NewReader(msg)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	hexMAC, _, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	if len(hexMAC) != 64 {
		t.Fatalf("unexpected openssl output %q", out)
	}
	return hexMAC
}

// TestStandardWebhooksSpecVector is the test vector of the Standard
// Webhooks reference libraries (libraries/go/webhook_test.go,
// TestWebhookSign, in github.com/standard-webhooks/standard-webhooks).
func TestStandardWebhooksSpecVector(t *testing.T) {
	const (
		secret  = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		msgID   = "msg_p5jXN8AQM9LWM0D4loKWxJek"
		ts      = 1614265330
		payload = `{"test": 2432232314}`
		want    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	)
	req := &Request{Method: "POST", Header: http.Header{}, Body: []byte(payload)}
	req.Header.Set("webhook-id", msgID)
	keys := []Key{{Name: "current", Secret: []byte(secret)}}
	if err := (StandardWebhooks{}).Sign(req, keys, time.Unix(ts, 0)); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("webhook-signature"); got != want {
		t.Fatalf("webhook-signature = %q, want %q", got, want)
	}
	if got := req.Header.Get("webhook-timestamp"); got != "1614265330" {
		t.Fatalf("webhook-timestamp = %q", got)
	}

	v := &Request{Method: "POST", Header: http.Header{}, Body: []byte(payload)}
	v.Header.Set("webhook-id", msgID)
	v.Header.Set("webhook-timestamp", "1614265330")
	v.Header.Set("webhook-signature", want)
	res := (StandardWebhooks{}).Verify(v, keys, Options{Now: time.Unix(ts+30, 0)})
	if !res.Valid || res.Key != "current" || res.ID != msgID {
		t.Fatalf("published vector does not verify: %+v", res)
	}
}

// TestPEXAHexVector: PEXA's AsyncAPI says the MAC is hex and the key is
// the raw secret; the expected value is computed by openssl.
func TestPEXAHexVector(t *testing.T) {
	const (
		secret = "5b0f6f0e-5a4c-4c8e-9d7a-3f1e2d4c6b8a"
		id     = "0c6f2f4e-7d1a-4b9e-8f3c-2a1b0c9d8e7f"
		tsMS   = "1767225600123" // milliseconds, as PEXA's AsyncAPI says
		body   = `{"timestamp":"2026-01-01T00:00:00Z","type":"Workspace.SETTLEMENT_COMPLETED","data":{"workspaceId":"PEXA123"}}`
	)
	want := opensslHMAC(t, secret, []byte(id+"."+tsMS+"."+body))
	req := &Request{Method: "POST", Header: http.Header{}, Body: []byte(body)}
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", tsMS)
	req.Header.Set("webhook-signature", "v1,"+want)
	now := time.UnixMilli(1767225600123).Add(2 * time.Second)
	res := (StandardWebhooks{}).Verify(req, []Key{{Name: "current", Secret: []byte(secret)}}, Options{Now: now})
	if !res.Valid {
		t.Fatalf("openssl hex vector does not verify: %+v", res)
	}

	// Sign emits hex for raw secrets, with a seconds timestamp.
	out := &Request{Method: "POST", Header: http.Header{}, Body: []byte(body)}
	out.Header.Set("webhook-id", id)
	signAt := time.Unix(1767225600, 0)
	if err := (StandardWebhooks{}).Sign(out, []Key{{Secret: []byte(secret)}}, signAt); err != nil {
		t.Fatal(err)
	}
	if got, want := out.Header.Get("webhook-signature"), "v1,"+opensslHMAC(t, secret, []byte(id+".1767225600."+body)); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
}

// TestSolvimonOpenSSLVector: HMAC-SHA256 of "{timestamp}.{payload}" with the
// secret_key bytes, upper-case hex as in Solvimon's example.
func TestSolvimonOpenSSLVector(t *testing.T) {
	const (
		secret = "sk_test_9f8e7d6c5b4a"
		ts     = "2026-01-01T00:00:00Z"
		body   = `{"created_at":"2026-01-01T00:00:00Z","type":"INVOICE.CREATED","environment":"test","data":{"id":"inv_1"}}`
	)
	want := strings.ToUpper(opensslHMAC(t, secret, []byte(ts+"."+body)))
	req := &Request{Method: "POST", Header: http.Header{}, Body: []byte(body)}
	if err := (Solvimon{}).Sign(req, []Key{{Secret: []byte(secret)}}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("X-Payload-Signature-Timestamp"); got != ts {
		t.Fatalf("timestamp = %q, want %q", got, ts)
	}
	if got := req.Header.Get("X-Payload-Signature"); got != "v1="+want {
		t.Fatalf("signature = %q, want v1=%s", got, want)
	}
	res := (Solvimon{}).Verify(req, []Key{{Name: "current", Secret: []byte(secret)}}, Options{Now: time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)})
	if !res.Valid {
		t.Fatalf("%+v", res)
	}
}

// TestGitHubPublishedExample is GitHub's documented example in
// "Validating webhook deliveries".
func TestGitHubPublishedExample(t *testing.T) {
	req := &Request{Method: "POST", Header: http.Header{}, Body: []byte("Hello, World!")}
	req.Header.Set("X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
	req.Header.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
	res := (HubSignature{}).Verify(req, []Key{{Name: "current", Secret: []byte("It's a Secret to Everybody")}}, Options{})
	if !res.Valid || res.ID != "72d3162e-cc78-11e3-81ab-4c9367dc0958" {
		t.Fatalf("GitHub example does not verify: %+v", res)
	}
	if got := opensslHMAC(t, "It's a Secret to Everybody", []byte("Hello, World!")); got != "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17" {
		t.Fatalf("openssl disagrees with GitHub's example: %s", got)
	}
}

// TestServiceStackFormat: Sign writes "sha1=" + hex HMAC-SHA256, as
// ServiceStack.Webhooks (PwC) does.
func TestServiceStackFormat(t *testing.T) {
	const secret = "c2VjcmV0LXNlY3JldA=="
	body := []byte(`{"eventName":"filing.completed"}`)
	req := &Request{Method: "POST", Header: http.Header{}, Body: body}
	if err := (HubSignature{}).Sign(req, []Key{{Secret: []byte(secret)}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got, want := req.Header.Get("X-Hub-Signature"), "sha1="+opensslHMAC(t, secret, body); got != want {
		t.Fatalf("X-Hub-Signature = %q, want %q", got, want)
	}
	if len(req.Header.Get("X-Webhook-Delivery")) != 32 {
		t.Fatalf("X-Webhook-Delivery = %q, want 32 hex chars", req.Header.Get("X-Webhook-Delivery"))
	}
}
