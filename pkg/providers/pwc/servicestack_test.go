package pwc

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/testkit/openssltest"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Rules of ServiceStack.Webhooks, the library PwC builds on, pinned from
// its sources (docs/providers/pwc.md §4.4-4.5, §7) rather than from our emulator:
// client and emulator were both written by us, so they could share a
// mistake that only the library's own rules show.

// The ServiceStack delivery vector. HmacUtils signs "sha1=" + lower-case
// hex HMAC-SHA256, keyed with the UTF-8 bytes of the secret string as
// given (the Base64 text is not decoded), over the raw body. The expected
// values were computed once on the command line, not by Go:
//
//	printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret"
//	printf '%s' "$body" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$(printf '%s' "$secret" | base64 -d | xxd -p -c 64)
//
// (OpenSSL 3.0). The second is what a verifier that wrongly decodes the
// secret would expect. TestServiceStackVectorOpenSSL recomputes the first
// where openssl is installed. internal/emulator/pwc pins the same vector
// for the emulator's signer, written there again on purpose.
const (
	vectorSecret = "kP7v2Qx9LmN4sT8wYz3bC6dF1gH5jR0uE2aW7iO9qXs="
	vectorBody   = `{"eventId":"0f8fad5b-d9cb-469f-a165-70867728950e","eventName":"ReportFiled","data":{"reportId":"7c9e6679-7425-40de-944b-e07fc1f90ae7","status":"Filed"}}`
	vectorHex    = "e93386f0348f87a43c233ee940d490ec26e84424ce988995a2778f7c91f19493"
	// vectorDecodedKeyHex is the HMAC keyed with the secret's decoded bytes.
	vectorDecodedKeyHex = "31b3b72d8ec1b64f37ab230dbb574f0e02424f021ba9f92c190da41ce95d7fa2"
	// vectorDelivery is a Guid in "N" format, as X-Webhook-Delivery carries it.
	vectorDelivery = "3f2504e04f8941d39a0c0305e82c3301"
)

// vectorDeliveryRequest is the delivery as ServiceStack.Webhooks sends it.
func vectorDeliveryRequest(sig string) *signature.Request {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Hub-Signature", sig)
	h.Set("X-Webhook-Delivery", vectorDelivery)
	h.Set("X-Webhook-Event", "ReportFiled")
	return &signature.Request{Method: http.MethodPost, Header: h, Body: []byte(vectorBody)}
}

// TestServiceStackVector: what `hookctl verify` runs for a PwC profile
// (the scheme PwC's Spec names, keyed with the stored secret's bytes)
// accepts the library's signature and no other reading of it.
func TestServiceStackVector(t *testing.T) {
	scheme, err := signature.Lookup(Spec().Scheme)
	if err != nil {
		t.Fatal(err)
	}
	keys := []signature.Key{{Name: "current", Secret: []byte(vectorSecret)}}
	res := scheme.Verify(vectorDeliveryRequest("sha1="+vectorHex), keys, signature.Options{})
	if !res.Valid || res.Key != "current" || res.ID != vectorDelivery {
		t.Fatalf("the ServiceStack vector does not verify: %+v", res)
	}
	for name, sig := range map[string]string{
		"key decoded from Base64": "sha1=" + vectorDecodedKeyHex,
		"another body's MAC":      "sha1=" + strings.Repeat("0", 64),
	} {
		if res := scheme.Verify(vectorDeliveryRequest(sig), keys, signature.Options{}); res.Valid {
			t.Errorf("%s verified: %+v", name, res)
		}
	}
	// And hookctl signs it the same way (sandbox-free test deliveries).
	out := &signature.Request{Method: http.MethodPost, Header: http.Header{}, Body: []byte(vectorBody)}
	if err := scheme.Sign(out, keys, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	if got := out.Header.Get("X-Hub-Signature"); got != "sha1="+vectorHex {
		t.Fatalf("signed %q, ServiceStack signs sha1=%s", got, vectorHex)
	}
}

// TestServiceStackVectorOpenSSL recomputes the constants above.
func TestServiceStackVectorOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	out := string(openssltest.Run(t, []byte(vectorBody), "dgst", "-sha256", "-hmac", vectorSecret, "-r"))
	if got, _, _ := strings.Cut(strings.TrimSpace(out), " "); got != vectorHex {
		t.Fatalf("openssl computes %s, the test says %s", got, vectorHex)
	}
}

// TestServiceStackEventAndNameRules pins the library's rules the client
// checks before sending: events ^[\d\w\-_]{4,100}$ with .NET's Unicode
// \w and \d, names of 4 to 100 characters of FreeformText.
func TestServiceStackEventAndNameRules(t *testing.T) {
	for _, tc := range []struct {
		event string
		ok    bool
	}{
		{"abcd", true},
		{"abc", false},
		{strings.Repeat("a", 100), true},
		{strings.Repeat("a", 101), false},
		{"Report_Filed-2", true},
		{"éèêë", true},          // 4 letters, 8 bytes: length counts characters
		{"Отчёт", true},         // \w is \p{L}, not ASCII
		{"٣٣٣٣", true},          // \d is \p{Nd}
		{"a\u0301bc", true},     // \p{Mn}
		{"ab‿c", true},          // \p{Pc}
		{"report.filed", false}, // '.' is not in the class
		{"report filed", false}, // nor a space
		{"report/filed", false},
		{"", false},
	} {
		if got := checkEvent(tc.event) == nil; got != tc.ok {
			t.Errorf("event %q: accepted %v, ServiceStack's rule says %v", tc.event, got, tc.ok)
		}
	}
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"hook", true},
		{"hoo", false},
		{strings.Repeat("n", 100), true},
		{strings.Repeat("n", 101), false},
		{"Filings (DE) #1: 'prod'", true},
		{"ÄÖÜß", true},
		{"two\nlines", false},
		{"pipe|name", false},
	} {
		if got := checkName(tc.name) == nil; got != tc.ok {
			t.Errorf("name %q: accepted %v, ServiceStack's rule says %v", tc.name, got, tc.ok)
		}
	}
	// Register and Update refuse before any request.
	e := newEnv(t)
	c := e.client()
	if _, err := c.Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/x", Events: []string{"abc"}}); webhook.KindOf(err) != webhook.KindUsage {
		t.Errorf("register with a 3-character event: %v", err)
	}
	if _, err := c.Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/x", Events: []string{"ReportFiled"}, Name: "abc"}); webhook.KindOf(err) != webhook.KindUsage {
		t.Errorf("register with a 3-character name: %v", err)
	}
	name := strings.Repeat("n", 101)
	if _, err := c.Update(ctx, "4f2f5a3c-8e2b-4f7a-9a51-0c7d2e8b1a11", webhook.UpdateRequest{Name: &name}); webhook.KindOf(err) != webhook.KindUsage {
		t.Errorf("update with a 101-character name: %v", err)
	}
	if n := len(e.requests()); n != 0 {
		t.Errorf("%d requests sent for names the library refuses", n)
	}
}
