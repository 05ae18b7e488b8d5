package pexa

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// answer is a raw emulator answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) errors(t *testing.T) []wireError {
	t.Helper()
	var e wireErrors
	if err := json.Unmarshal(a.body, &e); err != nil || len(e.Errors) == 0 {
		t.Fatalf("not PEXA's error shape (%d): %s", a.status, a.body)
	}
	return e.Errors
}

// code is the first error's GA code.
func (a answer) code(t *testing.T) string { t.Helper(); return a.errors(t)[0].Code }

func call(t *testing.T, method, u string, header map[string]string, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

// token gets a token from the emulator's token endpoint of region.
func token(t *testing.T, e *env, region, scope string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {SandboxClientID}, "client_secret": {SandboxClientSecret}}
	if scope != "" {
		form.Set("scope", scope)
	}
	resp, err := http.PostForm(e.base+"/"+region+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != 200 || tok.TokenType != "Bearer" || tok.ExpiresIn != 43200 {
		t.Fatalf("token: %d %+v %v", resp.StatusCode, tok, err)
	}
	return tok.AccessToken
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

func TestSandboxTokenEndpoint(t *testing.T) {
	e := newRawEnv(t)
	tokenURL := e.base + "/au/oauth/token"
	post := func(form url.Values, basicID, basicSecret string) answer {
		req, _ := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basicID != "" {
			req.SetBasicAuth(basicID, basicSecret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return answer{resp.StatusCode, resp.Header, b}
	}
	oauthErr := func(a answer) (string, string) {
		var e struct{ Error, ErrorDescription string }
		var raw map[string]string
		json.Unmarshal(a.body, &raw)
		e.Error, e.ErrorDescription = raw["error"], raw["error_description"]
		return e.Error, e.ErrorDescription
	}
	cc := url.Values{"grant_type": {"client_credentials"}}

	if a := post(cc, SandboxClientID, SandboxClientSecret); a.status != 200 {
		t.Fatalf("client_secret_basic: %d %s", a.status, a.body)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {SandboxClientID}, "client_secret": {SandboxClientSecret}, "scope": {"view:notification_registrations"}}
	a := post(form, "", "")
	var ok map[string]any
	json.Unmarshal(a.body, &ok)
	if a.status != 200 || ok["scope"] != "view:notification_registrations" || a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("client_secret_post: %d %s", a.status, a.body)
	}
	if a := post(cc, SandboxClientID, "nope"); a.status != 401 {
		t.Fatalf("wrong secret: %d", a.status)
	} else if code, desc := oauthErr(a); code != "access_denied" || desc != "Unauthorized" {
		t.Fatalf("wrong secret: %s", a.body)
	}
	bad := url.Values{"grant_type": {"client_credentials"}, "client_id": {SandboxClientID}, "client_secret": {SandboxClientSecret}, "scope": {"view:notification_registrations delete:everything"}}
	if a := post(bad, "", ""); a.status != 403 {
		t.Fatalf("scope not granted: %d", a.status)
	} else if code, desc := oauthErr(a); code != "access_denied" || !strings.Contains(desc, "delete:everything") {
		t.Fatalf("scope not granted: %s", a.body)
	}
	if a := post(url.Values{"grant_type": {"password"}}, SandboxClientID, SandboxClientSecret); a.status != 400 {
		t.Fatalf("password grant: %d", a.status)
	}
	if a := call(t, http.MethodGet, tokenURL, nil, ""); a.status != 405 {
		t.Fatalf("GET token: %d", a.status)
	}
}

func TestSandboxAPIAuth(t *testing.T) {
	e := newRawEnv(t)
	list := e.base + "/au/v2/notification-registrations"
	if a := call(t, http.MethodGet, list, nil, ""); a.status != 401 || a.code(t) != "GA.NOTIF.401004" || a.errors(t)[0].Message != "Unauthorized" {
		t.Fatalf("no token: %d %s", a.status, a.body)
	}
	if a := call(t, http.MethodGet, list, bearer("forged"), ""); a.status != 401 {
		t.Fatalf("forged token: %d", a.status)
	}
	uk := token(t, e, RegionUK, "")
	if a := call(t, http.MethodGet, list, bearer(uk), ""); a.status != 401 {
		t.Fatalf("UK token on the AU API: %d", a.status)
	}
	viewOnly := token(t, e, RegionAU, "view:notification_registrations")
	if a := call(t, http.MethodGet, list, bearer(viewOnly), ""); a.status != 200 {
		t.Fatalf("view with view scope: %d %s", a.status, a.body)
	}
	body := `{"webhookURI":"https://h.example.com/x","eventTypes":["SECRET_EXPIRY","CHECKLIST_CHECKED"]}`
	if a := call(t, http.MethodPost, e.base+"/au/v1/notification-registrations", bearer(viewOnly), body); a.status != 403 || a.code(t) != "GA.NOTIF.403003" {
		t.Fatalf("create without create scope: %d %s", a.status, a.body)
	}
	// Tokens expire after 12 h on the emulator's clock.
	full := token(t, e, RegionAU, "")
	e.clock.Add(tokenLifetime)
	if a := call(t, http.MethodGet, list, bearer(full), ""); a.status != 401 {
		t.Fatalf("expired token: %d", a.status)
	}
}

func TestSandboxRoutes(t *testing.T) {
	e := newRawEnv(t)
	tok := bearer(token(t, e, RegionUK, ""))
	auTok := bearer(token(t, e, RegionAU, ""))
	for _, tc := range []struct {
		method, path string
		hdr          map[string]string
		status       int
	}{
		{http.MethodGet, "/uk/partner/api/notification/v2/notification-registrations", tok, 200},
		{http.MethodGet, "/uk/v2/notification-registrations", tok, 404},
		{http.MethodPost, "/uk/partner/api/notification/v3/notification-registrations", tok, 404},
		{http.MethodGet, "/uk/partner/api/notification/v1/notification-registrations", tok, 405},
		{http.MethodPatch, "/au/v1/notification-registrations/5d0c3d4e-8a8f-4e0e-9d0a-1c2b3c4d5e6f", auTok, 405},
		{http.MethodGet, "/au/v9/notification-registrations", auTok, 404},
		{http.MethodGet, "/nz/v2/notification-registrations", auTok, 404},
		{http.MethodGet, "/au/v2/notification-registrations?limit=21", auTok, 400},
		{http.MethodGet, "/au/v2/notification-registrations?page=0", auTok, 400},
		{http.MethodGet, "/au/v2/notification-registrations?registrationId=123", auTok, 400},
		{http.MethodGet, "/au/v2/notification-registrations?registrationId=5d0c3d4e-8a8f-4e0e-9d0a-1c2b3c4d5e6f", auTok, 200},
	} {
		a := call(t, tc.method, e.base+tc.path, tc.hdr, "")
		if a.status != tc.status {
			t.Errorf("%s %s: %d, want %d (%s)", tc.method, tc.path, a.status, tc.status, a.body)
		}
		if a.status != 200 {
			a.errors(t) // every error in PEXA's shape
		}
	}
}

func TestSandboxValidation(t *testing.T) {
	for _, region := range []string{RegionUK, RegionAU} {
		t.Run(region, func(t *testing.T) {
			e := newRawEnv(t)
			tok := bearer(token(t, e, region, ""))
			api := e.base + "/" + region
			if region == RegionUK {
				api += UKAPIPrefix
			}
			ev := regionEvent[region]
			post := func(body string) answer {
				return call(t, http.MethodPost, api+"/v1/notification-registrations", tok, body)
			}
			body := func(uri string, events ...string) string {
				b, _ := json.Marshal(map[string]any{"webhookURI": uri, "eventTypes": events})
				return string(b)
			}
			for _, tc := range []struct{ name, body, code, field string }{
				{"http", body("http://h.example.com/x", MandatoryEvent, ev), "GA.NOTIF.400012", "webhookURI"},
				{"not absolute", body("h.example.com/x", MandatoryEvent, ev), "GA.NOTIF.400012", "webhookURI"},
				{"no uri", `{"eventTypes":["SECRET_EXPIRY"]}`, "GA.NOTIF.400012", "webhookURI"},
				{"empty events", body("https://h.example.com/x"), "GA.NOTIF.400013", "eventTypes"},
				{"not whitelisted", body("https://api.not-whitelisted.example/x", MandatoryEvent, ev), "GA.NOTIF.400014", "webhookURI"},
				{"invalid events", body("https://h.example.com/x", MandatoryEvent, "Invalid_event1"), "GA.NOTIF.400015", "eventTypes"},
				{"duplicate events", body("https://h.example.com/x", MandatoryEvent, ev, ev), "GA.NOTIF.400016", "eventTypes"},
				{"mandatory missing", body("https://h.example.com/x", ev), "GA.NOTIF.400020", "eventTypes"},
				{"only mandatory", body("https://h.example.com/x", MandatoryEvent), "GA.NOTIF.400021", "eventTypes"},
				{"bad json", `{"webhookURI":`, "GA.NOTIF.400018", ""},
			} {
				a := post(tc.body)
				errs := a.errors(t)
				field := ""
				if errs[0].Field != nil {
					field = *errs[0].Field
				}
				if a.status != 400 || errs[0].Code != tc.code || field != tc.field {
					t.Errorf("%s: %d %s, want %s on %q", tc.name, a.status, a.body, tc.code, tc.field)
				}
			}
			if a := post(body("https://h.example.com/x", MandatoryEvent, "Invalid_event1", "Invalid_event2")); !strings.Contains(string(a.body), `Invalid eventTypes: [\"Invalid_event1\", \"Invalid_event2\"]`) {
				t.Errorf("400015 message %s", a.body)
			}

			// Trailing slashes are stripped; an exact duplicate is 400019.
			a := post(body("https://h.example.com/x//", MandatoryEvent, ev))
			var reg wireRegistration
			if json.Unmarshal(a.body, &reg); a.status != 200 || reg.WebhookURI != "https://h.example.com/x" || !isUUID(reg.RegistrationID) || !isUUID(reg.SharedSecret) {
				t.Fatalf("create: %d %s", a.status, a.body)
			}
			// sharedSecretExpiry in PEXA's own format, 30 days out.
			if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} \+00:00$`).MatchString(reg.SharedSecretExpiry) {
				t.Fatalf("sharedSecretExpiry %q", reg.SharedSecretExpiry)
			}
			if exp, err := ParsePexaTime(reg.SharedSecretExpiry); err != nil || !exp.Equal(e.clock.Now().Add(SecretLifetime)) {
				t.Fatalf("sharedSecretExpiry %q: %v", reg.SharedSecretExpiry, err)
			}
			if a := post(body("https://h.example.com/x", ev, MandatoryEvent)); a.code(t) != "GA.NOTIF.400019" {
				t.Fatalf("duplicate: %s", a.body)
			}
			one := api + "/v1/notification-registrations/" + reg.RegistrationID
			for _, tc := range []struct {
				method, u, body, code string
				status                int
			}{
				{http.MethodPut, api + "/v1/notification-registrations/123", body("https://h.example.com/y", MandatoryEvent, ev), "GA.NOTIF.400000", 400},
				{http.MethodPut, api + "/v1/notification-registrations/5d0c3d4e-8a8f-4e0e-9d0a-1c2b3c4d5e6f", body("https://h.example.com/y", MandatoryEvent, ev), "GA.NOTIF.404007", 404},
				{http.MethodDelete, api + "/v1/notification-registrations/5d0c3d4e-8a8f-4e0e-9d0a-1c2b3c4d5e6f", "", "GA.NOTIF.404007", 404},
				{http.MethodPost, api + "/v1/notification-registrations/5d0c3d4e-8a8f-4e0e-9d0a-1c2b3c4d5e6f/secret-rotation", "", "GA.NOTIF.404007", 404},
				{http.MethodPut, one, body("https://h.example.com/y", ev), "GA.NOTIF.400020", 400},
			} {
				a := call(t, tc.method, tc.u, tok, tc.body)
				if a.status != tc.status || a.code(t) != tc.code {
					t.Errorf("%s %s: %d %s, want %d %s", tc.method, tc.u, a.status, a.body, tc.status, tc.code)
				}
			}
			// The rotation answer's expiry is RFC 3339, as documented.
			a = call(t, http.MethodPost, one+"/secret-rotation", tok, "")
			var rot wireRotation
			if json.Unmarshal(a.body, &rot); a.status != 200 || rot.SharedSecret == reg.SharedSecret {
				t.Fatalf("rotate: %d %s", a.status, a.body)
			}
			if exp, err := time.Parse(time.RFC3339, rot.Expiry); err != nil || !exp.Equal(e.clock.Now().Add(SecretLifetime)) {
				t.Fatalf("rotation expiry %q: %v", rot.Expiry, err)
			}
			// Update answers: AU omits the secret, the UK lists it.
			a = call(t, http.MethodPut, one, tok, body("https://h.example.com/z", MandatoryEvent, ev))
			var upd map[string]any
			json.Unmarshal(a.body, &upd)
			if _, has := upd["sharedSecret"]; a.status != 200 || has != (region == RegionUK) {
				t.Fatalf("update answer %s", a.body)
			}
		})
	}
}

func TestSandboxV3Rules(t *testing.T) {
	e := newRawEnv(t)
	tok := bearer(token(t, e, RegionAU, ""))
	u := e.base + "/au/v3/notification-registrations"
	v3 := func(mode string, cfg map[string]any) string {
		attrs := map[string]any{"webhookURI": "https://h.example.com/v3"}
		if mode != "" {
			attrs["authenticationMode"] = mode
		}
		if cfg != nil {
			attrs["authConfig"] = cfg
		}
		b, _ := json.Marshal(map[string]any{"notificationType": "WEBHOOK", "eventTypes": []string{MandatoryEvent, "CHECKLIST_CHECKED"}, "attributes": attrs})
		return string(b)
	}
	good := func() map[string]any {
		return map[string]any{"authUrl": "https://auth.example.com/oauth/token", "clientId": "c", "clientAuthMethod": "private_key_jwt"}
	}
	with := func(k string, v any) map[string]any { m := good(); m[k] = v; return m }
	for _, tc := range []struct{ name, body, code string }{
		{"mode", v3("BASIC", nil), "GA.NOTIF.400026"},
		{"no mode", v3("", nil), "GA.NOTIF.400026"},
		{"oauth without config", v3("HMAC_OAUTH", nil), "GA.NOTIF.400027"},
		{"hmac with config", v3("HMAC", good()), "GA.NOTIF.400034"},
		{"auth url not whitelisted", v3("HMAC_OAUTH", with("authUrl", "https://not-whitelisted.example/token")), "GA.NOTIF.400029"},
		{"auth url not a url", v3("HMAC_OAUTH", with("authUrl", "token")), "GA.NOTIF.400017"},
		{"blank client id", v3("HMAC_OAUTH", with("clientId", " ")), "GA.NOTIF.400030"},
		{"method", v3("HMAC_OAUTH", with("clientAuthMethod", "basic")), "GA.NOTIF.400031"},
		{"client_secret without secret", v3("HMAC_OAUTH", with("clientAuthMethod", "client_secret")), "GA.NOTIF.400032"},
		{"notification type", `{"notificationType":"EMAIL","eventTypes":["SECRET_EXPIRY","CHECKLIST_CHECKED"],"attributes":{"webhookURI":"https://h.example.com/v3","authenticationMode":"HMAC"}}`, "GA.NOTIF.400017"},
	} {
		if a := call(t, http.MethodPost, u, tok, tc.body); a.status != 400 || a.code(t) != tc.code {
			t.Errorf("%s: %d %s, want %s", tc.name, a.status, a.body, tc.code)
		}
	}
	cfg := with("clientAuthMethod", "client_secret")
	cfg["clientSecret"] = "shh"
	a := call(t, http.MethodPost, u, tok, v3("HMAC_OAUTH", cfg))
	if a.status != 200 || strings.Contains(string(a.body), "shh") || !strings.Contains(string(a.body), `"authenticationMode":"HMAC_OAUTH"`) {
		t.Fatalf("v3 create: %d %s", a.status, a.body)
	}
}

// opensslHMAC computes HMAC-SHA256 with the openssl binary: an
// implementation that shares nothing with this package or Go's crypto.
func opensslHMAC(t *testing.T, key, msg string) string {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	cmd := exec.Command(bin, "dgst", "-sha256", "-hmac", key)
	cmd.Stdin = strings.NewReader(msg)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	_, sum, ok := strings.Cut(strings.TrimSpace(string(out)), "= ")
	if !ok || len(sum) != 64 {
		t.Fatalf("openssl output %q", out)
	}
	return sum
}

func TestDeliverySignature(t *testing.T) {
	e := newEnv(t)
	c, _ := e.client(inRegion(RegionAU))
	reg := mustRegister(t, c, receiverURL("/deliveries"), MandatoryEvent, "LODGEMENT_REGISTERED", "CHECKLIST_CHECKED")

	check := func(t *testing.T, event string, secrets ...string) {
		t.Helper()
		req, err := e.box.Delivery(ctx, reg.ID, event)
		if err != nil {
			t.Fatal(err)
		}
		if req.Method != http.MethodPost || req.URL.String() != reg.URL || req.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("delivery %s %s %v", req.Method, req.URL, req.Header)
		}
		body, _ := io.ReadAll(req.Body)
		id, ts := req.Header.Get(HeaderWebhookID), req.Header.Get(HeaderWebhookTimestamp)
		if !isUUID(id) || ts != strconv.FormatInt(e.clock.Now().Unix(), 10) {
			t.Fatalf("webhook-id %q, webhook-timestamp %q (want Unix seconds of %v)", id, ts, e.clock.Now())
		}
		parts := strings.Split(req.Header.Get(HeaderWebhookSignature), " ")
		if len(parts) != len(secrets) {
			t.Fatalf("%d signatures, want %d: %q", len(parts), len(secrets), parts)
		}
		for i, s := range secrets {
			if want := "v1," + opensslHMAC(t, s, id+"."+ts+"."+string(body)); parts[i] != want {
				t.Fatalf("signature %d %q, openssl says %s", i, parts[i], want)
			}
		}
		// The project's verifier (pkg/signature, written separately) agrees.
		keys := []signature.Key{{Name: "current", Secret: []byte(secrets[0])}}
		if len(secrets) > 1 {
			keys = []signature.Key{{Name: "previous", Secret: []byte(secrets[1])}}
		}
		res := signature.StandardWebhooks{}.Verify(&signature.Request{Method: http.MethodPost, URL: req.URL, Header: req.Header, Body: body}, keys, signature.Options{Now: e.clock.Now()})
		if !res.Valid {
			t.Fatalf("pkg/signature rejects the delivery: %+v", res)
		}
		var p deliveryPayload
		if err := json.Unmarshal(body, &p); err != nil || p.Data.SubscriberID != SandboxSubscriberID || !strings.HasPrefix(p.Data.WorkspaceID, "PEXA") {
			t.Fatalf("payload %s", body)
		}
		if at, err := time.Parse(time.RFC3339, p.Timestamp); err != nil || !at.Equal(e.clock.Now()) {
			t.Fatalf("payload timestamp %q", p.Timestamp)
		}
		if cat, ev, _ := strings.Cut(p.Type, "."); ev != event || cat == "" {
			t.Fatalf("type %q for %s", p.Type, event)
		}
	}
	t.Run("one secret", func(t *testing.T) { check(t, "LODGEMENT_REGISTERED", reg.Secret) })
	rot, err := c.RotateSecret(ctx, reg.ID, webhook.RotateRequest{})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("overlap", func(t *testing.T) { check(t, "CHECKLIST_CHECKED", rot.NewSecret, reg.Secret) })
	e.clock.Add(SecretOverlap - time.Second)
	t.Run("end of overlap", func(t *testing.T) { check(t, MandatoryEvent, rot.NewSecret, reg.Secret) })
	e.clock.Add(time.Second)
	t.Run("after overlap", func(t *testing.T) { check(t, "CHECKLIST_CHECKED", rot.NewSecret) })

	for _, bad := range []string{"WORKSPACE_CLOSED", "DOCUMENT_SIGNED", "nope"} {
		if _, err := e.box.Delivery(ctx, reg.ID, bad); err == nil {
			t.Errorf("delivery of %s (not subscribed or not an AU event) accepted", bad)
		}
	}
	if _, err := e.box.Delivery(ctx, "5d0c3d4e-8a8f-4e0e-9d0a-1c2b3c4d5e6f", "CHECKLIST_CHECKED"); err == nil {
		t.Error("delivery for an unknown registration accepted")
	}
}

func TestSignKnownAnswer(t *testing.T) {
	// Computed independently: printf 'msg_1.1700000000.{"a":1}' | openssl dgst -sha256 -hmac 38e5d78c-d642-42d1-8064-0082dc87c4e5
	mac := hmac.New(sha256.New, []byte("38e5d78c-d642-42d1-8064-0082dc87c4e5"))
	io.WriteString(mac, `msg_1.1700000000.{"a":1}`)
	want := "v1," + hex.EncodeToString(mac.Sum(nil))
	if got := sign("38e5d78c-d642-42d1-8064-0082dc87c4e5", "msg_1", "1700000000", []byte(`{"a":1}`)); got != want {
		t.Fatalf("sign = %s, want %s", got, want)
	}
	if got := opensslHMAC(t, "38e5d78c-d642-42d1-8064-0082dc87c4e5", `msg_1.1700000000.{"a":1}`); "v1,"+got != want {
		t.Fatalf("openssl %s, want %s", got, want)
	}
}

func TestEventCategory(t *testing.T) {
	for ev, want := range map[string]string{
		"LODGEMENT_REGISTERED": "Lodgement", "CHECKLIST_CHECKED": "Workspace", "SECRET_EXPIRY": "Notification",
		"SETTLEMENT_COMPLETED_BETWEEN_ESA": "Settlement", "FINANCIAL_LINE_ITEM_UPDATED": "Settlement",
	} {
		if got := eventCategory(ev); got != want {
			t.Errorf("%s: %s, want %s (PEXA's examples: Lodgement.LODGEMENT_REGISTERED, Workspace.CHECKLIST_CHECKED)", ev, got, want)
		}
	}
}

func TestStateRoundTrip(t *testing.T) {
	e := newEnv(t)
	uk, _ := e.client()
	au, _ := e.client(inRegion(RegionAU))
	r1 := mustRegister(t, uk, receiverURL("/s1"), MandatoryEvent, "WORKSPACE_CLOSED")
	mustRegister(t, au, receiverURL("/s2"), MandatoryEvent, "CHECKLIST_CHECKED")
	if _, err := uk.RotateSecret(ctx, r1.ID, webhook.RotateRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := uk.List(ctx, webhook.ListOptions{}); err != nil { // the read's token, reused below
		t.Fatal(err)
	}
	st, err := e.box.State()
	if err != nil {
		t.Fatal(err)
	}
	// A restarted sandbox: same registrations, previous secret and tokens.
	fresh := NewSandbox(provider.SandboxOptions{BaseURL: e.base, Now: e.clock.Now})
	if err := fresh.LoadState(st); err != nil {
		t.Fatal(err)
	}
	again, _ := fresh.State()
	if string(again) != string(st) {
		t.Fatalf("state changed on reload:\n%s\n%s", st, again)
	}
	// Restart the running emulator: wipe it, then load the saved state.
	if err := e.box.LoadState(json.RawMessage(`{}`)); err != nil {
		t.Fatal(err)
	}
	if empty, _ := e.box.State(); strings.Contains(string(empty), r1.ID) {
		t.Fatalf("LoadState kept old registrations: %s", empty)
	}
	if err := e.box.LoadState(st); err != nil {
		t.Fatal(err)
	}
	tokens := e.tokenRequests()
	regs, err := uk.List(ctx, webhook.ListOptions{})
	if err != nil || len(regs) != 1 || regs[0].ID != r1.ID {
		t.Fatalf("after reload: %+v %v", regs, err)
	}
	if e.tokenRequests() != tokens {
		t.Fatal("the cached token was not honoured after a reload")
	}
	req, err := e.box.Delivery(ctx, r1.ID, "WORKSPACE_CLOSED")
	if err != nil || len(strings.Fields(req.Header.Get(HeaderWebhookSignature))) != 2 {
		t.Fatalf("overlap lost on reload: %v", err)
	}
	for _, bad := range []string{`{`, `{"registrations":[{"id":"x"}]}`, `{"registrations":[{"id":"x","region":"uk","shared_secret":"s"},{"id":"x","region":"uk","shared_secret":"s"}]}`} {
		if err := fresh.LoadState(json.RawMessage(bad)); err == nil {
			t.Errorf("LoadState(%s) accepted", bad)
		}
	}
}

func providerDeps(region string) provider.Deps {
	return provider.Deps{Profile: config.Profile{Name: "p", Provider: Name, Region: region, Settings: map[string]string{FieldClientID: "id"}}}
}

func TestSpecAndProfile(t *testing.T) {
	s := Spec()
	if s.Name != "pexa" || !slices.Equal(s.Regions, []string{"uk", "au"}) || !slices.Equal(s.Environments, []string{"prod", "test"}) ||
		s.Scheme != "standard-webhooks" || s.SecretOverlap != 24*time.Hour || s.New == nil || s.NewSandbox == nil || s.Demo == nil {
		t.Fatalf("spec %+v", s)
	}
	if _, err := signature.Lookup(s.Scheme); err != nil {
		t.Fatalf("scheme %q unknown to pkg/signature: %v", s.Scheme, err)
	}
	var cache, secret bool
	for _, c := range s.Credentials {
		cache = cache || (c.Name == "token" && c.Cache)
		secret = secret || (c.Name == "client-secret" && !c.Cache && c.Prompt != "")
	}
	if !cache || !secret {
		t.Fatalf("credentials %+v", s.Credentials)
	}
	for _, p := range s.Params {
		if strings.Contains(p.Name, "secret") && !strings.HasSuffix(p.Name, "-file") {
			t.Fatalf("param %s would take a secret from argv", p.Name)
		}
	}
	if s.Demo.Env["HOOKCTL_CLIENT_SECRET"] != SandboxClientSecret || !slices.Contains(s.Demo.Register, "SECRET_EXPIRY") {
		t.Fatalf("demo %+v", s.Demo)
	}

	prof := func(region, env, base, tok string, settings map[string]string) config.Profile {
		p := config.Profile{Name: "p", Provider: Name, Region: region, Environment: env, BaseURL: base, TokenURL: tok, Settings: map[string]string{FieldClientID: "cid"}}
		for k, v := range settings {
			p.Settings[k] = v
		}
		return p
	}
	for _, tc := range []struct {
		name          string
		p             config.Profile
		err           string
		api, tokenURL string
	}{
		{"uk prod", prof("uk", "", "", "", nil), "", "https://api.pexa.co.uk/partner/api/notification", "https://login.pexauk.co.uk/oauth/token"},
		{"au prod", prof("au", "prod", "", "", nil), "", "https://api.pexa.com.au", "https://auth.pexa.com.au/oauth/token"},
		{"au test", prof("au", "test", "", "", nil), "", "https://api-tst.pexalabs.com.au", "https://auth-tst.pexalabs.com.au/oauth/token"},
		{"uk test", prof("uk", "test", "", "", nil), "--base-url and --token-url", "", ""},
		{"uk test with hosts", prof("uk", "test", "https://uk-test.example/", "https://login.example/oauth/token", nil), "", "https://uk-test.example/partner/api/notification", "https://login.example/oauth/token"},
		{"au prefix", prof("au", "", "", "", map[string]string{FieldAPIPrefix: "/notification/"}), "", "https://api.pexa.com.au/notification", "https://auth.pexa.com.au/oauth/token"},
		{"uk no prefix", prof("uk", "", "", "", map[string]string{FieldAPIPrefix: "/"}), "", "https://api.pexa.co.uk", "https://login.pexauk.co.uk/oauth/token"},
		{"bad prefix", prof("au", "", "", "", map[string]string{FieldAPIPrefix: "notification"}), "api-prefix", "", ""},
		{"no region", prof("", "", "", "", nil), "region is required", "", ""},
		{"bad region", prof("nz", "", "", "", nil), "unknown region", "", ""},
		{"bad env", prof("au", "staging", "", "", nil), "unknown region/environment", "", ""},
		{"no client id", config.Profile{Name: "p", Provider: Name, Region: "au"}, "client-id is required", "", ""},
	} {
		err := s.ValidateProfile(tc.p)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		ep, err := resolveEndpoints(tc.p)
		if err != nil || ep.api != tc.api || ep.token != tc.tokenURL {
			t.Errorf("%s: %+v %v", tc.name, ep, err)
		}
	}
	// A profile without hosts fails on use, not on construction: `events` works.
	c, err := New(provider.Deps{Profile: prof("uk", "test", "", "", nil)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Events(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.List(ctx, webhook.ListOptions{}); err == nil || !strings.Contains(err.Error(), "--base-url") {
		t.Fatalf("list without hosts: %v", err)
	}

	box := NewSandbox(provider.SandboxOptions{BaseURL: "http://127.0.0.1:8787/pexa/"})
	want := []string{"--provider", "pexa", "--region", "uk", "--base-url", "http://127.0.0.1:8787/pexa/uk", "--token-url", "http://127.0.0.1:8787/pexa/uk/oauth/token", "--client-id", "sandbox-client"}
	if got := box.ProfileArgs(); !slices.Equal(got, want) {
		t.Fatalf("ProfileArgs %q", got)
	}
	if got := SandboxProfileArgs("http://127.0.0.1:8787/pexa", "au"); got[5] != "http://127.0.0.1:8787/pexa/au" || got[7] != "http://127.0.0.1:8787/pexa/au/oauth/token" {
		t.Fatalf("au args %q", got)
	}
	if err := s.ValidateProfile(profileFromArgs(t, "sb", box.ProfileArgs())); err != nil {
		t.Fatalf("the sandbox profile does not validate: %v", err)
	}
}

// TestEventsMatchPublishedCatalogue keeps auEvents equal to PEXA's guide.
func TestEventsMatchPublishedCatalogue(t *testing.T) {
	var doc struct {
		Mandatory []string `yaml:"mandatory_event_types"`
		Count     int      `yaml:"event_count"`
		Events    []struct {
			Event   string `yaml:"event"`
			Trigger string `yaml:"trigger"`
		} `yaml:"events"`
	}
	if err := yaml.Unmarshal(webhooksYAML, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Events) != doc.Count || len(auEvents) != doc.Count || !slices.Equal(doc.Mandatory, []string{MandatoryEvent}) {
		t.Fatalf("%d events in the guide (says %d), %d in code", len(doc.Events), doc.Count, len(auEvents))
	}
	for i, ev := range doc.Events {
		trigger := strings.Join(strings.Fields(ev.Trigger), " ")
		if trigger == "#N/A" {
			trigger = ""
		}
		if auEvents[i].name != ev.Event || auEvents[i].trigger != trigger {
			t.Fatalf("event %d: code has %+v, guide %q %q", i, auEvents[i], ev.Event, trigger)
		}
	}
	cat := Catalogue(RegionAU)
	if cat[0].Name != MandatoryEvent || !cat[0].Mandatory || cat[0].Description == "" {
		t.Fatalf("AU catalogue starts %+v", cat[0])
	}
	uk := Catalogue(RegionUK)
	if len(uk) != 11 || uk[8].Name != "WORKSPACE_CLOSED" {
		t.Fatalf("UK catalogue %+v", uk)
	}
}

func TestParsePexaTime(t *testing.T) {
	want := time.Date(2025, 3, 13, 4, 12, 51, 574000000, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2025-03-13 04:12:51.574000 +00:00", want, true},
		{"2025-03-13 04:12:51.574 +00:00", want, true},
		{"2025-03-13 04:12:51.574000000 +00:00", want, true},
		{"2025-03-13 04:12:51.5740 +0000", want, true},
		{"2025-03-13 14:12:51.574000 +10:00", want, true},
		{"2025-03-13 04:12:51.574+00:00", want, true},
		{"2025-03-13 04:12:51.574Z", want, true},
		{"2025-03-13 04:12:51.574 UTC", want, true},
		{"2025-03-13 04:12:51.574000", want, true},
		{" 2025-03-13T04:12:51.574Z ", want, true},
		{"2025-03-13T04:12:51.574+00:00", want, true},
		{"2024-02-28T06:12:42Z", time.Date(2024, 2, 28, 6, 12, 42, 0, time.UTC), true},
		{"2024-02-28T16:12:42+10:00", time.Date(2024, 2, 28, 6, 12, 42, 0, time.UTC), true},
		{"2025-03-13 04:12:51 +00:00", time.Date(2025, 3, 13, 4, 12, 51, 0, time.UTC), true},
		{"2025-03-13", time.Time{}, false},
		{"13/03/2025 04:12:51", time.Time{}, false},
		{"2025-03-13 04:12:51.574 AEST", time.Time{}, false},
		{"2025-02-30 04:12:51 +00:00", time.Time{}, false},
		{"", time.Time{}, false},
	} {
		got, err := ParsePexaTime(tc.in)
		if (err == nil) != tc.ok || (tc.ok && (!got.Equal(tc.want) || got.Location() != time.UTC)) {
			t.Errorf("ParsePexaTime(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	if got := formatPexaTime(want); got != "2025-03-13 04:12:51.574000 +00:00" {
		t.Fatalf("formatPexaTime %q", got)
	}
}

func FuzzParsePexaTime(f *testing.F) {
	for _, s := range []string{"2025-03-13 04:12:51.574000 +00:00", "2024-02-28T06:12:42Z", "2025-03-13 04:12:51.5 -09:30", "2025-03-13 04:12:51 UTC", "2025-03-13T04:12:51"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParsePexaTime(s)
		if err != nil {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("%q parsed to non-UTC %v", s, got)
		}
		// Whatever was accepted survives PEXA's own format at microseconds.
		back, err := ParsePexaTime(formatPexaTime(got))
		if err != nil || !back.Equal(got.Truncate(time.Microsecond)) {
			t.Fatalf("%q → %v → %q → %v, %v", s, got, formatPexaTime(got), back, err)
		}
	})
}
