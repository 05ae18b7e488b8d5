package pexa

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/internal/testkit/spectest"
	"github.com/hookctl/hookctl/pkg/signature"
)

// answer is a raw emulator answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) errors(t *testing.T) []errorItem {
	t.Helper()
	var e errorBody
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
				api += ukPrefix
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
				{"http", body("http://h.example.com/x", mandatoryEvent, ev), "GA.NOTIF.400012", "webhookURI"},
				{"not absolute", body("h.example.com/x", mandatoryEvent, ev), "GA.NOTIF.400012", "webhookURI"},
				{"no uri", `{"eventTypes":["SECRET_EXPIRY"]}`, "GA.NOTIF.400012", "webhookURI"},
				{"empty events", body("https://h.example.com/x"), "GA.NOTIF.400013", "eventTypes"},
				{"not whitelisted", body("https://api.not-whitelisted.example/x", mandatoryEvent, ev), "GA.NOTIF.400014", "webhookURI"},
				{"invalid events", body("https://h.example.com/x", mandatoryEvent, "Invalid_event1"), "GA.NOTIF.400015", "eventTypes"},
				{"duplicate events", body("https://h.example.com/x", mandatoryEvent, ev, ev), "GA.NOTIF.400016", "eventTypes"},
				{"mandatory missing", body("https://h.example.com/x", ev), "GA.NOTIF.400020", "eventTypes"},
				{"only mandatory", body("https://h.example.com/x", mandatoryEvent), "GA.NOTIF.400021", "eventTypes"},
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
			if a := post(body("https://h.example.com/x", mandatoryEvent, "Invalid_event1", "Invalid_event2")); !strings.Contains(string(a.body), `Invalid eventTypes: [\"Invalid_event1\", \"Invalid_event2\"]`) {
				t.Errorf("400015 message %s", a.body)
			}

			// Trailing slashes are stripped; an exact duplicate is 400019.
			a := post(body("https://h.example.com/x//", mandatoryEvent, ev))
			var reg registrationOut
			if json.Unmarshal(a.body, &reg); a.status != 200 || reg.WebhookURI != "https://h.example.com/x" || !isUUID(reg.RegistrationID) || !isUUID(reg.SharedSecret) {
				t.Fatalf("create: %d %s", a.status, a.body)
			}
			// sharedSecretExpiry in PEXA's own format, 30 days out.
			if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} \+00:00$`).MatchString(reg.SharedSecretExpiry) {
				t.Fatalf("sharedSecretExpiry %q", reg.SharedSecretExpiry)
			}
			if exp, err := time.Parse("2006-01-02 15:04:05.000000 -07:00", reg.SharedSecretExpiry); err != nil || !exp.Equal(e.clock.Now().Add(secretLifetime)) {
				t.Fatalf("sharedSecretExpiry %q: %v", reg.SharedSecretExpiry, err)
			}
			if a := post(body("https://h.example.com/x", ev, mandatoryEvent)); a.code(t) != "GA.NOTIF.400019" {
				t.Fatalf("duplicate: %s", a.body)
			}
			one := api + "/v1/notification-registrations/" + reg.RegistrationID
			for _, tc := range []struct {
				method, u, body, code string
				status                int
			}{
				{http.MethodPut, api + "/v1/notification-registrations/123", body("https://h.example.com/y", mandatoryEvent, ev), "GA.NOTIF.400000", 400},
				{http.MethodPut, api + "/v1/notification-registrations/5d0c3d4e-8a8f-4e0e-9d0a-1c2b3c4d5e6f", body("https://h.example.com/y", mandatoryEvent, ev), "GA.NOTIF.404007", 404},
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
			var rot rotationOut
			if json.Unmarshal(a.body, &rot); a.status != 200 || rot.SharedSecret == reg.SharedSecret {
				t.Fatalf("rotate: %d %s", a.status, a.body)
			}
			if exp, err := time.Parse(time.RFC3339, rot.Expiry); err != nil || !exp.Equal(e.clock.Now().Add(secretLifetime)) {
				t.Fatalf("rotation expiry %q: %v", rot.Expiry, err)
			}
			// Update answers: AU omits the secret, the UK lists it.
			a = call(t, http.MethodPut, one, tok, body("https://h.example.com/z", mandatoryEvent, ev))
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
		b, _ := json.Marshal(map[string]any{"notificationType": "WEBHOOK", "eventTypes": []string{mandatoryEvent, "CHECKLIST_CHECKED"}, "attributes": attrs})
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
	tok := bearer(token(t, e, RegionAU, ""))
	reg := register(t, e, RegionAU, tok, "https://hooks.example.com/deliveries", mandatoryEvent, "LODGEMENT_REGISTERED", "CHECKLIST_CHECKED")

	check := func(t *testing.T, event string, secrets ...string) {
		t.Helper()
		req, err := e.box.Delivery(ctx, reg.RegistrationID, event)
		if err != nil {
			t.Fatal(err)
		}
		if req.Method != http.MethodPost || req.URL.String() != reg.WebhookURI || req.Header.Get("Content-Type") != "application/json" {
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
	t.Run("one secret", func(t *testing.T) { check(t, "LODGEMENT_REGISTERED", reg.SharedSecret) })
	rot := rotate(t, e, RegionAU, tok, reg.RegistrationID)
	t.Run("overlap", func(t *testing.T) { check(t, "CHECKLIST_CHECKED", rot.SharedSecret, reg.SharedSecret) })
	e.clock.Add(secretOverlap - time.Second)
	t.Run("end of overlap", func(t *testing.T) { check(t, mandatoryEvent, rot.SharedSecret, reg.SharedSecret) })
	e.clock.Add(time.Second)
	t.Run("after overlap", func(t *testing.T) { check(t, "CHECKLIST_CHECKED", rot.SharedSecret) })

	for _, bad := range []string{"WORKSPACE_CLOSED", "DOCUMENT_SIGNED", "nope"} {
		if _, err := e.box.Delivery(ctx, reg.RegistrationID, bad); err == nil {
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
	uk := bearer(token(t, e, RegionUK, ""))
	au := bearer(token(t, e, RegionAU, ""))
	r1 := register(t, e, RegionUK, uk, "https://hooks.example.com/s1", mandatoryEvent, "WORKSPACE_CLOSED")
	register(t, e, RegionAU, au, "https://hooks.example.com/s2", mandatoryEvent, "CHECKLIST_CHECKED")
	rotate(t, e, RegionUK, uk, r1.RegistrationID)
	if a := call(t, http.MethodGet, apiBase(e, RegionUK)+"/v2/notification-registrations", uk, ""); a.status != 200 { // the token, reused below
		t.Fatalf("list: %d %s", a.status, a.body)
	}
	st, err := e.box.State()
	if err != nil {
		t.Fatal(err)
	}
	// A restarted sandbox: same registrations, previous secret and tokens.
	fresh := New(emulator.Options{BaseURL: e.base, Now: e.clock.Now})
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
	if empty, _ := e.box.State(); strings.Contains(string(empty), r1.RegistrationID) {
		t.Fatalf("LoadState kept old registrations: %s", empty)
	}
	if err := e.box.LoadState(st); err != nil {
		t.Fatal(err)
	}
	// The token issued before the restart is honoured after it, as the
	// token hookctl cached must be.
	a := call(t, http.MethodGet, apiBase(e, RegionUK)+"/v2/notification-registrations", uk, "")
	var page pageOut
	if json.Unmarshal(a.body, &page); a.status != 200 || len(page.Records) != 1 || page.Records[0].RegistrationID != r1.RegistrationID {
		t.Fatalf("after reload (the cached token was not honoured?): %d %s", a.status, a.body)
	}
	req, err := e.box.Delivery(ctx, r1.RegistrationID, "WORKSPACE_CLOSED")
	if err != nil || len(strings.Fields(req.Header.Get(HeaderWebhookSignature))) != 2 {
		t.Fatalf("overlap lost on reload: %v", err)
	}
	for _, bad := range []string{`{`, `{"registrations":[{"id":"x"}]}`, `{"registrations":[{"id":"x","region":"uk","shared_secret":"s"},{"id":"x","region":"uk","shared_secret":"s"}]}`} {
		if err := fresh.LoadState(json.RawMessage(bad)); err == nil {
			t.Errorf("LoadState(%s) accepted", bad)
		}
	}
}

func TestEntry(t *testing.T) {
	en := Entry()
	if en.Name != "pexa" || en.New == nil || en.Demo == nil || !strings.Contains(en.Help, SandboxClientID) || !strings.Contains(en.Help, SandboxV1ClientID) {
		t.Fatalf("entry %+v", en)
	}
	if en.Demo.Env["HOOKCTL_CLIENT_SECRET"] != SandboxClientSecret || !slices.Contains(en.Demo.Register, "SECRET_EXPIRY") || !en.Demo.Rotate {
		t.Fatalf("demo %+v", en.Demo)
	}
	// The demo's event is one the UK region (where ProfileArgs points) accepts.
	if !accepts(RegionUK, en.Demo.Event) {
		t.Fatalf("demo event %s", en.Demo.Event)
	}
	box := en.New(emulator.Options{BaseURL: "http://127.0.0.1:8787/pexa/"})
	want := []string{"--provider", "pexa", "--region", "uk", "--base-url", "http://127.0.0.1:8787/pexa/uk", "--token-url", "http://127.0.0.1:8787/pexa/uk/oauth/token", "--client-id", "sandbox-client"}
	if got := box.ProfileArgs(); !slices.Equal(got, want) {
		t.Fatalf("ProfileArgs %q", got)
	}
	if got := RegionProfileArgs("http://127.0.0.1:8787/pexa", "au"); got[5] != "http://127.0.0.1:8787/pexa/au" || got[7] != "http://127.0.0.1:8787/pexa/au/oauth/token" {
		t.Fatalf("au args %q", got)
	}
}

// TestCatalogueMatchesGuide keeps the emulator's AU list equal to PEXA's
// guide, name for name and in order.
func TestCatalogueMatchesGuide(t *testing.T) {
	raw := spectest.PexaGuide
	var doc struct {
		Mandatory []string `yaml:"mandatory_event_types"`
		Count     int      `yaml:"event_count"`
		Events    []struct {
			Event string `yaml:"event"`
		} `yaml:"events"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ev := range doc.Events {
		names = append(names, ev.Event)
	}
	if doc.Count != len(names) || !slices.Equal(auCatalogue, names) || !slices.Equal(doc.Mandatory, []string{mandatoryEvent}) {
		t.Fatalf("the guide has %d events (says %d), the emulator %d; mandatory %q", len(names), doc.Count, len(auCatalogue), doc.Mandatory)
	}
	if len(ukPreferred) != 10 || !slices.Contains(ukPreferred, "WORKSPACE_CLOSED") || slices.Contains(ukPreferred, mandatoryEvent) {
		t.Fatalf("UK list %q", ukPreferred)
	}
	for _, tc := range []struct {
		region, event string
		ok            bool
	}{
		{RegionUK, mandatoryEvent, true}, {RegionAU, mandatoryEvent, true},
		{RegionUK, "WORKSPACE_CLOSED", true}, {RegionUK, "CHECKLIST_CHECKED", false}, {RegionUK, "TITLE_DATA_RECEIVED", false},
		{RegionAU, "CHECKLIST_CHECKED", true}, {RegionAU, "WORKSPACE_CLOSED", false},
		{RegionAU, "WORKSPACE_PARTICIPANT_ADDED", true}, // the spec's own example
		{"nz", mandatoryEvent, true}, {"nz", "CHECKLIST_CHECKED", false},
	} {
		if got := accepts(tc.region, tc.event); got != tc.ok {
			t.Errorf("accepts(%s, %s) = %v", tc.region, tc.event, got)
		}
	}
}

// oldState was written by the emulator while it lived in pkg/providers/pexa
// (commit 59d626b, an AU v3 HMAC_OAUTH registration after one rotation, and
// the token used): `sandbox serve --state` files from then must still load.
const oldState = `{"seq":1,"registrations":[{"seq":1,"region":"au","id":"f70d0e7d-5735-4cc8-9461-74f8e0e97bd0","webhook_uri":"https://h.example.com/x","event_types":["SECRET_EXPIRY","CHECKLIST_CHECKED"],"subscriber_id":"202","shared_secret":"7f9cdac1-5de9-428d-847a-7a01fe1f22c0","secret_expiry":"2026-03-31T12:00:00Z","previous_secret":"192e3686-ba69-43b8-ab69-303bdaafc2f9","previous_valid_until":"2026-03-02T12:00:00Z","authentication_mode":"HMAC_OAUTH","auth_config":{"authUrl":"https://auth.example.com/t","clientId":"c","clientAuthMethod":"client_secret","clientSecret":"shh","scope":"a b"},"created_at":"2026-03-01T12:00:00Z","updated_at":"2026-03-01T12:00:00Z"}],"tokens":[{"token":"t0p52OScm7VAANj4Oy7_LckSvvZgwyDl1ydjrAD2uSw","region":"au","scopes":["view:notification_registrations","create:notification_registrations","edit:notification_registrations","delete:notification_registrations","create:notification_registrations_secret_rotation"],"expiry":"2026-03-02T00:00:00Z"}]}`

func TestStateWrittenBeforeTheMoveLoads(t *testing.T) {
	clock := time.Date(2026, 3, 1, 18, 0, 0, 0, time.UTC)
	box := New(emulator.Options{BaseURL: "http://127.0.0.1:8787/pexa", Now: func() time.Time { return clock }})
	if err := box.LoadState(json.RawMessage(oldState)); err != nil {
		t.Fatal(err)
	}
	again, err := box.State()
	if err != nil || string(again) != oldState {
		t.Fatalf("state changed on load:\n%s\n%s", oldState, again)
	}
	// The token is honoured, the auth config answered without its secret,
	// and deliveries are signed with both secrets during the overlap.
	r := httptest.NewRequest(http.MethodGet, "/au/v2/notification-registrations", nil)
	r.Header.Set("Authorization", "Bearer t0p52OScm7VAANj4Oy7_LckSvvZgwyDl1ydjrAD2uSw")
	w := httptest.NewRecorder()
	box.ServeHTTP(w, r)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"authenticationMode":"HMAC_OAUTH"`) || strings.Contains(w.Body.String(), "shh") ||
		!strings.Contains(w.Body.String(), `"sharedSecretExpiry":"2026-03-31 12:00:00.000000 +00:00"`) {
		t.Fatalf("list after load: %d %s", w.Code, w.Body)
	}
	req, err := box.Delivery(ctx, "f70d0e7d-5735-4cc8-9461-74f8e0e97bd0", "CHECKLIST_CHECKED")
	if err != nil || len(strings.Fields(req.Header.Get(HeaderWebhookSignature))) != 2 {
		t.Fatalf("delivery after load: %v", err)
	}
}

// TestQuirkUKReadVersion: the quirk moves the UK read to another version
// (the v2 GET then answers 404), leaves AU's alone, refuses what it does
// not know, and an empty set restores v2.
func TestQuirkUKReadVersion(t *testing.T) {
	e := newRawEnv(t)
	tok := bearer(token(t, e, RegionUK, ""))
	auTok := bearer(token(t, e, RegionAU, ""))
	const ukRead = "/uk/partner/api/notification/v%s/notification-registrations"
	if err := e.box.SetQuirks(map[string]string{QuirkUKReadVersion: "1"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path   string
		hdr    map[string]string
		status int
	}{
		{fmt.Sprintf(ukRead, "1"), tok, 200},
		{fmt.Sprintf(ukRead, "2"), tok, 404},
		{fmt.Sprintf(ukRead, "3"), tok, 404},
		{"/au/v2/notification-registrations", auTok, 200},
	} {
		if a := call(t, http.MethodGet, e.base+tc.path, tc.hdr, ""); a.status != tc.status {
			t.Errorf("with the quirk, GET %s: %d, want %d (%s)", tc.path, a.status, tc.status, a.body)
		}
	}
	for _, bad := range []map[string]string{{QuirkUKReadVersion: "4"}, {"no-such-quirk": "1"}} {
		if err := e.box.SetQuirks(bad); err == nil {
			t.Errorf("SetQuirks(%v) accepted", bad)
		}
	}
	if a := call(t, http.MethodGet, e.base+fmt.Sprintf(ukRead, "1"), tok, ""); a.status != 200 {
		t.Errorf("a refused SetQuirks changed the quirks: v1 read %d", a.status)
	}
	if err := e.box.SetQuirks(nil); err != nil {
		t.Fatal(err)
	}
	if a := call(t, http.MethodGet, e.base+fmt.Sprintf(ukRead, "2"), tok, ""); a.status != 200 {
		t.Errorf("after clearing the quirks, the v2 read: %d, want 200 (%s)", a.status, a.body)
	}
}
