package pwc

import (
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/internal/testkit/providertest"
)

// TestDeliverySignatureOpenSSL checks the delivery headers and recomputes
// X-Hub-Signature with `openssl dgst -sha256 -hmac`.
func TestDeliverySignatureOpenSSL(t *testing.T) {
	e := newEnv(t)
	ids := e.create("https://hooks.example.com/pwc", "ReportFiled")
	req, err := e.box.Delivery(ctx, ids[0], "ReportFiled")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, req)
	if req.Method != http.MethodPost || req.URL.String() != "https://hooks.example.com/pwc" {
		t.Errorf("%s %s", req.Method, req.URL)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(req.Header.Get(HeaderDelivery)) {
		t.Errorf("X-Webhook-Delivery %q is not 32 hex digits", req.Header.Get(HeaderDelivery))
	}
	if req.Header.Get(HeaderEvent) != "ReportFiled" || req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", req.Header)
	}
	sig, ok := strings.CutPrefix(req.Header.Get(HeaderSignature), "sha1=")
	if !ok || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(sig) {
		t.Fatalf("X-Hub-Signature %q: want sha1= and 64 lower-case hex digits", req.Header.Get(HeaderSignature))
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	cmd := exec.Command("openssl", "dgst", "-sha256", "-hmac", testSecret)
	cmd.Stdin = strings.NewReader(string(body))
	raw, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	out := string(raw)
	// "HMAC-SHA2-256(stdin)= <hex>" (3.x) or "(stdin)= <hex>"
	i := strings.LastIndex(out, "= ")
	if i < 0 || strings.TrimSpace(out[i+2:]) != sig {
		t.Errorf("openssl says %q, header has %s", out, sig)
	}
	if len(e.box.subs[ids[0]].History) != 0 {
		t.Error("building a delivery recorded history")
	}
}

func readAll(t *testing.T, r *http.Request) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeliveryRules(t *testing.T) {
	e := newEnv(t)
	ids := e.create("https://hooks.example.com/pwc", "ReportFiled")
	if _, err := e.box.Delivery(ctx, ids[0], "ReportRejected"); err == nil || !strings.Contains(err.Error(), "is for event") {
		t.Errorf("delivery of another event: %v", err)
	}
	if _, err := e.box.Delivery(ctx, "nope", ""); err == nil {
		t.Error("delivery for an unknown id")
	}
	status, body := e.raw(http.MethodPost, "/sync/webhooks/subscriptions/"+ids[0]+"/update", e.bearer(),
		map[string]any{"id": ids[0], "currentSecret": testSecret, "isActive": false, "publicKeyXml": fixedKeyXML})
	if status != http.StatusOK {
		t.Fatalf("deactivate: %d %s", status, body)
	}
	if _, err := e.box.Delivery(ctx, ids[0], ""); err == nil || !strings.Contains(err.Error(), "inactive") {
		t.Errorf("delivery to an inactive subscription: %v", err)
	}
}

// TestSendRetriesAndDeactivates: 5xx is retried up to 3 attempts and
// recorded once; a 4xx is not retried and deactivates the subscription.
func TestSendRetriesAndDeactivates(t *testing.T) {
	e := newEnv(t)
	rc := providertest.NewReceiver(t)
	id := e.create(rc.URL, "ReportFiled")[0]
	rc.SetStatus(http.StatusServiceUnavailable)
	if status, err := e.box.SendEvent(ctx, id, ""); err == nil || status != 503 {
		t.Fatalf("send to a 503 endpoint: %d %v", status, err)
	}
	if n := len(rc.Deliveries()); n != deliveryAttempts {
		t.Errorf("%d attempts, want %d", n, deliveryAttempts)
	}
	rc.SetStatus(http.StatusGone)
	if _, err := e.box.SendEvent(ctx, id, ""); err == nil {
		t.Fatal("send to a 410 endpoint succeeded")
	}
	if n := len(rc.Deliveries()); n != deliveryAttempts+1 {
		t.Errorf("%d attempts in total, want a 4xx tried once", n)
	}
	g := e.get(id)
	// HttpStatusCode is written as its .NET name [DOC].
	hist := g.History
	if len(hist) != 2 || hist[0].StatusCode != "Gone" || hist[1].StatusCode != "ServiceUnavailable" || hist[0].StatusDescription != "Gone" {
		t.Errorf("history (newest first) %+v", hist)
	}
	if g.Subscription.IsActive {
		t.Error("still active after a 4xx")
	}
}

func TestSandboxAuthAnswers(t *testing.T) {
	e := newEnv(t)
	status, body := e.raw(http.MethodPost, "/auth/credentials", "", map[string]string{"userName": "sandbox", "password": "nope"})
	if rs := responseStatusOf(t, body); status != 401 || rs.Message != "Invalid UserName or Password" {
		t.Errorf("wrong password: %d %s", status, body)
	}
	// ServiceStack matches property names case-insensitively, and /auth
	// takes the provider in the body.
	status, body = e.raw(http.MethodPost, "/auth", "", map[string]string{"provider": "credentials", "UserName": SandboxUsername, "Password": SandboxPassword})
	var ar login
	if status != 200 || json.Unmarshal(body, &ar) != nil || ar.BearerToken == "" || ar.RefreshToken == "" || ar.SessionID == "" {
		t.Fatalf("login via /auth: %d %s", status, body)
	}
	status, body = e.raw(http.MethodGet, "/sync/webhooks/subscriptions?authSteuernummer=DE123456789&accountId=1234567890", "", nil)
	if rs := responseStatusOf(t, body); status != 401 || rs.ErrorCode != "Unauthorized" {
		t.Errorf("no bearer: %d %s", status, body)
	}
	// A refresh token is not a bearer token.
	status, _ = e.raw(http.MethodGet, "/sync/webhooks/subscriptions?authSteuernummer=DE123456789&accountId=1234567890", ar.RefreshToken, nil)
	if status != 401 {
		t.Errorf("refresh token as bearer: %d", status)
	}
	e.clock.Add(AccessTokenLifetime)
	status, body = e.raw(http.MethodGet, "/sync/webhooks/subscriptions?authSteuernummer=DE123456789&accountId=1234567890", ar.BearerToken, nil)
	if rs := responseStatusOf(t, body); status != 401 || rs.Message != "Token has expired" {
		t.Errorf("expired bearer: %d %s", status, body)
	}
}

func TestSandboxAsyncAliases(t *testing.T) {
	e := newEnv(t)
	ids := e.create("https://hooks.example.com/pwc", "ReportFiled")
	tok := e.bearer()
	status, body := e.raw(http.MethodGet, "/async/webhooks/subscriptions/"+ids[0], tok, nil)
	var sr gotSub
	if status != 200 || json.Unmarshal(body, &sr) != nil || sr.Subscription.ID != ids[0] {
		t.Fatalf("async get: %d %s", status, body)
	}
	status, _ = e.raw(http.MethodPost, "/async/webhooks/subscriptions/"+ids[0]+"/delete", tok, map[string]string{"secret": testSecret})
	if status != 200 {
		t.Fatalf("async delete: %d", status)
	}
	if status, _ := e.raw(http.MethodGet, "/sync/webhooks/subscriptions/"+ids[0], tok, nil); status != 404 {
		t.Errorf("get after async delete: %d", status)
	}
	if status, body := e.raw(http.MethodGet, "/v1/webhooks", tok, nil); status != 404 || responseStatusOf(t, body).ErrorCode != "NotFound" {
		t.Errorf("unknown path: %d %s", status, body)
	}
}

// w3cSampleModulus is the 1024-bit RSAKeyValue example of the XML-DSig
// spec (https://www.w3.org/TR/xmldsig-core/#sec-RSAKeyValue).
const w3cSampleModulus = "xA7SEU+e0yQH5rm9kbCDN9o3aPIo7HbP7tX6WOocLZAtNfyxSZDU16ksL6WjubafOqNEpcwR3RdFsT7bCqnXPBe5ELh5u4VEy19MzxkXRgrMvavzyBpVRgBUwUlV5foK5hhmbktQhyNdy/6LpQRhDUDsTvK+g9Ucj47es9AQJ3U="

// TestSandboxValidation: every broken rule is reported at once, per field,
// with the DTO's property name.
func TestSandboxValidation(t *testing.T) {
	e := newEnv(t)
	tok := e.bearer()
	status, body := e.raw(http.MethodPost, "/sync/webhooks/subscriptions/create", tok, map[string]any{
		"authSteuernummer": "DE12345678", "accountId": "12345678901", "events": []string{"bad event!"},
		"url": "mailto:x@example.com", "contentType": "text/xml", "secret": "not base64!", "publicKeyXml": "<RSAKeyValue/>", "name": "x",
	})
	if status != 400 {
		t.Fatalf("status %d %s", status, body)
	}
	rs := responseStatusOf(t, body)
	var fields []string
	for _, fe := range rs.Errors {
		fields = append(fields, fe.FieldName)
	}
	want := []string{"AuthSteuernummer", "AccountId", "Events", "Url", "ContentType", "Secret", "PublicKeyXml", "Name"}
	if !slices.Equal(fields, want) {
		t.Errorf("fields %v, want %v", fields, want)
	}
	if rs.ErrorCode != rs.Errors[0].ErrorCode || rs.Message != rs.Errors[0].Message {
		t.Errorf("top level %q %q should repeat the first error", rs.ErrorCode, rs.Message)
	}
	// A 1024-bit key is refused.
	status, body = e.raw(http.MethodPost, "/sync/webhooks/subscriptions/create", tok, map[string]any{
		"authSteuernummer": SandboxTaxNumber, "accountId": SandboxAccountID, "events": []string{"ReportFiled"}, "url": "https://x.example",
		"secret": "c2VjcmV0MTI=", "publicKeyXml": "<RSAKeyValue><Modulus>" + w3cSampleModulus + "</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>",
	})
	if status != 400 || !strings.Contains(responseStatusOf(t, body).Message, "2048") {
		t.Errorf("1024-bit key: %d %s", status, body)
	}
	// Update needs currentSecret and publicKeyXml.
	status, body = e.raw(http.MethodPost, "/sync/webhooks/subscriptions/x/update", tok, map[string]any{"id": "x"})
	rs = responseStatusOf(t, body)
	if status != 400 || len(rs.Errors) != 2 || rs.Errors[0].FieldName != "CurrentSecret" || rs.Errors[1].FieldName != "PublicKeyXml" {
		t.Errorf("empty update: %d %s", status, body)
	}
}

func TestSandboxConflict(t *testing.T) {
	e := newEnv(t)
	e.create("https://hooks.example.com/pwc", "ReportFiled")
	status, body := e.raw(http.MethodPost, "/sync/webhooks/subscriptions/create", e.bearer(), map[string]any{
		"authSteuernummer": SandboxTaxNumber, "accountId": SandboxAccountID, "events": []string{"ReportFiled"},
		"url": "https://hooks.example.com/other", "secret": testSecret, "publicKeyXml": fixedKeyXML,
	})
	if rs := responseStatusOf(t, body); status != http.StatusConflict || rs.ErrorCode != "Conflict" || !strings.Contains(rs.Message, "already exists") {
		t.Errorf("duplicate event: %d %s", status, body)
	}
}

func TestSandboxState(t *testing.T) {
	e := newEnv(t)
	rc := providertest.NewReceiver(t)
	ids := e.create(rc.URL, "ReportFiled", "ReportRejected")
	if _, err := e.box.SendEvent(ctx, ids[0], ""); err != nil {
		t.Fatal(err)
	}
	tok := e.bearer()
	st, err := e.box.State()
	if err != nil {
		t.Fatal(err)
	}
	fresh := New(emulator.Options{BaseURL: e.base, Now: e.clock.Now})
	if err := fresh.LoadState(st); err != nil {
		t.Fatal(err)
	}
	e.box.mu.Lock()
	e.box.subs, e.box.tokenKey = fresh.subs, fresh.tokenKey
	e.box.mu.Unlock()
	// Tokens issued before the restart still work.
	if status, _ := e.raw(http.MethodGet, "/sync/webhooks/subscriptions/"+ids[0], tok, nil); status != 200 {
		t.Fatalf("old token after reload: %d", status)
	}
	g := e.get(ids[0])
	if decrypt(t, g.Subscription.Config.Secret) != testSecret || len(g.History) != 1 {
		t.Fatalf("after reload: %+v", g)
	}
	if err := fresh.LoadState([]byte(`{"subscriptions":[{"id":"a","secret":"c2VjcmV0MTI=","public_key_xml":"<x/>"}]}`)); err == nil {
		t.Error("a state with an unusable key loaded")
	}
	again, _ := fresh.State()
	if err := New(emulator.Options{}).LoadState(again); err != nil {
		t.Errorf("state does not load back: %v", err)
	}
}

func TestProfileArgs(t *testing.T) {
	box := New(emulator.Options{BaseURL: "http://127.0.0.1:8787/pwc/"})
	want := []string{"--provider", "pwc", "--environment", "staging", "--base-url", "http://127.0.0.1:8787/pwc",
		"--tax-number", "DE123456789", "--account-id", "1234567890"}
	if got := box.ProfileArgs(); !slices.Equal(got, want) {
		t.Errorf("ProfileArgs %v", got)
	}
	// (That the profile passes the provider's own checks is the client's
	// TestEmulatorProfileArgs.)
}

// TestEntry: what internal/sandbox registers, and `sandbox --help` prints.
func TestEntry(t *testing.T) {
	en := Entry()
	if en.Name != "pwc" || en.New == nil || en.Demo == nil {
		t.Fatalf("entry %+v", en)
	}
	if want := "user sandbox / password pwc-pass-7c41e9b2d05a3f (tax number\nDE123456789, account 1234567890)"; en.Help != want {
		t.Errorf("help %q, want %q", en.Help, want)
	}
	if eventRule(en.Demo.Event) != nil || !slices.Contains(en.Demo.Register, en.Demo.Event) || !en.Demo.Rotate {
		t.Errorf("demo %+v", en.Demo)
	}
}

// TestQuirkGetRoute: the quirk keeps the read by id to one flavour (the
// other answers ServiceStack's 404), refuses what it does not know, and
// an empty set serves both again.
func TestQuirkGetRoute(t *testing.T) {
	e := newEnv(t)
	tok := e.bearer()
	id := e.create("https://hooks.example.com/q", "ReportFiled")[0]
	if err := e.box.SetQuirks(map[string]string{QuirkGetRoute: "async"}); err != nil {
		t.Fatal(err)
	}
	for mode, want := range map[string]int{"sync": 404, "async": 200} {
		if status, body := e.raw(http.MethodGet, "/"+mode+"/webhooks/subscriptions/"+id, tok, nil); status != want {
			t.Errorf("get-route=async, GET /%s/...: %d %s, want %d", mode, status, body, want)
		}
	}
	for _, bad := range []map[string]string{{QuirkGetRoute: "both"}, {"no-such": "x"}} {
		if err := e.box.SetQuirks(bad); err == nil {
			t.Errorf("SetQuirks(%v) accepted", bad)
		}
	}
	if err := e.box.SetQuirks(nil); err != nil {
		t.Fatal(err)
	}
	if status, body := e.raw(http.MethodGet, "/sync/webhooks/subscriptions/"+id, tok, nil); status != 200 {
		t.Errorf("quirks cleared, GET /sync/...: %d %s", status, body)
	}
}

// TestServiceStackSigningVector pins the emulator's signer to a fixed
// vector of ServiceStack.Webhooks' HmacUtils: "sha1=" + lower-case hex
// HMAC-SHA256 keyed with the secret's UTF-8 bytes (Base64 not decoded)
// over the raw body. The expected hex was computed once with
//
//	printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret"
//
// (OpenSSL 3.0), not by Go; pkg/providers/pwc checks hookctl's verifier
// against the same vector, written there again on purpose. A signer that
// decoded the Base64 secret first would give 31b3b72d….
func TestServiceStackSigningVector(t *testing.T) {
	const (
		secret = "kP7v2Qx9LmN4sT8wYz3bC6dF1gH5jR0uE2aW7iO9qXs="
		body   = `{"eventId":"0f8fad5b-d9cb-469f-a165-70867728950e","eventName":"ReportFiled","data":{"reportId":"7c9e6679-7425-40de-944b-e07fc1f90ae7","status":"Filed"}}`
		want   = "sha1=e93386f0348f87a43c233ee940d490ec26e84424ce988995a2778f7c91f19493"
	)
	if got := hubSignature(secret, []byte(body)); got != want {
		t.Fatalf("hubSignature = %s, ServiceStack's is %s", got, want)
	}
	// A subscription created with that secret is delivered with it.
	e := newEnv(t)
	status, b := e.raw(http.MethodPost, "/sync/webhooks/subscriptions/create", e.bearer(), map[string]any{
		"authSteuernummer": SandboxTaxNumber, "accountId": SandboxAccountID, "events": []string{"ReportFiled"},
		"url": "https://hooks.example.com/pwc", "secret": secret, "publicKeyXml": fixedKeyXML})
	if status != http.StatusOK {
		t.Fatalf("create: %d %s", status, b)
	}
	var made []struct{ Subscription struct{ ID string } }
	if err := json.Unmarshal(b, &made); err != nil || len(made) != 1 {
		t.Fatalf("create answer %s: %v", b, err)
	}
	req, err := e.box.Delivery(ctx, made[0].Subscription.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, req)
	if req.Header.Get(HeaderSignature) != hubSignature(secret, got) || req.Header.Get(HeaderEvent) != "ReportFiled" ||
		!regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(req.Header.Get(HeaderDelivery)) {
		t.Fatalf("delivery headers %v", req.Header)
	}
}
