package solvimon

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	solvimonemu "github.com/hookctl/hookctl/internal/emulator/solvimon"
	"github.com/hookctl/hookctl/internal/testkit/providertest"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

var ctx = context.Background()

// register creates a webhook with a reference from its name; without
// events it subscribes to INVOICE.CREATED (a register without events is
// refused, see TestAllEvents).
func register(t *testing.T, c *Client, url, name string, events ...string) webhook.Registration {
	t.Helper()
	if len(events) == 0 {
		events = []string{"INVOICE.CREATED"}
	}
	regs, err := c.Register(ctx, webhook.CreateRequest{URL: url, Name: name, Events: events, Params: map[string]string{ParamReference: "ref-" + name}})
	if err != nil {
		t.Fatalf("register %s: %v", name, err)
	}
	if len(regs) != 1 {
		t.Fatalf("register %s: %d registrations", name, len(regs))
	}
	return regs[0]
}

func bodyKeys(t *testing.T, b []byte) []string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body %q: %v", b, err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func kindOf(t *testing.T, err error, want webhook.Kind) *webhook.Error {
	t.Helper()
	var we *webhook.Error
	if !errors.As(err, &we) || we.Kind != want {
		t.Fatalf("error %v: want kind %v", err, want)
	}
	return we
}

// verifySig checks X-PAYLOAD-SIGNATURE with a plain HMAC written here, not
// the emulator's signing code.
func verifySig(secret string, h http.Header, body []byte) bool {
	ts := h.Get("X-PAYLOAD-SIGNATURE-TIMESTAMP")
	mac := hmac.New(sha256.New, []byte(secret))
	io.WriteString(mac, ts+"."+string(body))
	want := hex.EncodeToString(mac.Sum(nil))
	for _, p := range strings.Split(h.Get("X-PAYLOAD-SIGNATURE"), ",") {
		if v, ok := strings.CutPrefix(p, "v1="); ok && strings.EqualFold(v, want) {
			return true
		}
	}
	return false
}

func TestLifecycle(t *testing.T) {
	e := newEnv(t)
	rcv := providertest.NewReceiver(t)
	c := e.client()

	// Register three so that a page size of 2 gives two pages.
	first := register(t, c, rcv.URL+"/hook", "billing", "INVOICE.CREATED", "INVOICE.UPDATED")
	register(t, c, "https://hooks.example.com/two", "two")
	register(t, c, "https://hooks.example.com/three", "three", "CUSTOMER.DELETE")
	if first.ID == "" || first.Secret == "" || first.Provider != "solvimon" || first.Profile != "sb" || first.Status != "ok" || !first.Active {
		t.Fatalf("registered %+v", first)
	}
	if !slices.Equal(first.Events, []string{"INVOICE.CREATED", "INVOICE.UPDATED"}) || first.URL != rcv.URL+"/hook" || first.Name != "billing" {
		t.Fatalf("registered %+v", first)
	}
	if first.Extra["reference"] != "ref-billing" || first.Extra["authentication_type"] != "NONE" || first.Extra["signing_protocol"] != "HmacSHA256" {
		t.Fatalf("extra %+v", first.Extra)
	}
	if first.SecretExpiresAt != nil || first.SecretRotatedAt != nil {
		t.Fatalf("a fresh Solvimon secret has no expiry and no roll: %+v", first)
	}
	posts := 0
	for _, r := range e.requests() {
		if r.Method == http.MethodPost {
			posts++
			if r.Header.Get("Idempotency-Key") == "" || r.Header.Get("X-API-KEY") != solvimonemu.SandboxAPIKey {
				t.Fatalf("POST without Idempotency-Key or key: %v", r.Header)
			}
			if r.Path != "/solvimon/v1/webhooks" {
				t.Fatalf("POST to %s", r.Path)
			}
		}
	}
	if posts != 3 {
		t.Fatalf("%d POSTs, want 3", posts)
	}

	// A cap of 2 reads one page of 2; the default and All read every
	// page of Solvimon's default 50.
	e.resetRequests()
	page, err := c.List(ctx, webhook.ListOptions{Limit: 2})
	if err != nil || len(page) != 2 {
		t.Fatalf("list capped: %d, %v", len(page), err)
	}
	all, err := c.List(ctx, webhook.ListOptions{Limit: 2, All: true})
	if err != nil || len(all) != 3 {
		t.Fatalf("list all: %d, %v", len(all), err)
	}
	if all[0].ID != first.ID || all[2].Name != "three" {
		t.Fatalf("list order: %+v", all)
	}
	if def, err := c.List(ctx, webhook.ListOptions{}); err != nil || len(def) != 3 {
		t.Fatalf("list default: %d %v", len(def), err)
	}
	var queries []string
	for _, r := range e.requests() {
		queries = append(queries, r.Query)
	}
	if want := []string{"limit=2&page=1", "limit=50&page=1", "limit=50&page=1"}; !slices.Equal(queries, want) {
		t.Fatalf("list queries %q, want %q", queries, want)
	}

	got, err := c.Get(ctx, first.ID)
	if err != nil || got.Secret != first.Secret || got.PreviousSecret != "" {
		t.Fatalf("get: %+v %v", got, err)
	}

	// Update sends only what changes.
	e.resetRequests()
	newURL := rcv.URL + "/v2"
	upd, err := c.Update(ctx, first.ID, webhook.UpdateRequest{URL: &newURL, Params: map[string]string{ParamExcludedActions: "INVOICE.UPDATED"}})
	if err != nil {
		t.Fatal(err)
	}
	if upd.URL != newURL || !slices.Equal(upd.Extra["excluded_actions"].([]string), []string{"INVOICE.UPDATED"}) || upd.Name != "billing" {
		t.Fatalf("updated %+v", upd)
	}
	reqs := e.requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodPatch || !slices.Equal(bodyKeys(t, reqs[0].Body), []string{"excluded_actions", "url"}) {
		t.Fatalf("update request %q %s", reqs[0].Method, reqs[0].Body)
	}
	if reqs[0].Header.Get("Idempotency-Key") != "" {
		t.Fatal("PATCH carries an Idempotency-Key; only POSTs should")
	}

	// Rotate: previous secret kept and reported, rotated time set.
	rolledAt := e.clock.Now()
	rot, err := c.RotateSecret(ctx, first.ID, webhook.RotateRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if rot.NewSecret == "" || rot.NewSecret == first.Secret || rot.PreviousSecret != first.Secret {
		t.Fatalf("rotation %+v (old %s)", rot, first.Secret)
	}
	if rot.PreviousValidUntil == nil || !rot.PreviousValidUntil.Equal(rolledAt.Add(24*time.Hour)) {
		t.Fatalf("previous valid until %v", rot.PreviousValidUntil)
	}
	if rot.Registration.SecretRotatedAt == nil || !rot.Registration.SecretRotatedAt.Equal(rolledAt) {
		t.Fatalf("rotated at %v, want %v", rot.Registration.SecretRotatedAt, rolledAt)
	}
	if p := c.RotationPolicy(); p.Overlap != 24*time.Hour || p.ClientChoosesSecret || p.MaxConcurrency < 1 {
		t.Fatalf("policy %+v", p)
	}
	got, _ = c.Get(ctx, first.ID)
	if got.Secret != rot.NewSecret || got.PreviousSecret != first.Secret {
		t.Fatalf("after rotate: %+v", got)
	}

	// send-test really delivers, signed with both secrets during the overlap.
	msg, err := c.SendTest(ctx, first.ID)
	if err != nil || msg == "" {
		t.Fatalf("send-test: %q %v", msg, err)
	}
	d := rcv.Deliveries()
	if len(d) != 1 || d[0].Path != "/v2" {
		t.Fatalf("deliveries %+v", d)
	}
	if !verifySig(rot.NewSecret, d[0].Header, d[0].Body) || !verifySig(first.Secret, d[0].Header, d[0].Body) {
		t.Fatalf("test delivery not signed with both secrets: %v", d[0].Header)
	}

	// After the overlap the previous secret is gone.
	e.clock.Add(24*time.Hour + time.Second)
	got, _ = c.Get(ctx, first.ID)
	if got.PreviousSecret != "" {
		t.Fatal("previous secret still reported after 24 h")
	}

	if err := c.Delete(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(ctx, first.ID)
	we := kindOf(t, err, webhook.KindNotFound)
	if we.Status != 404 || !strings.Contains(we.Msg, "RESOURCE_NOT_FOUND") || we.Kind.ExitCode() != 5 {
		t.Fatalf("get after delete: %+v", we)
	}
	if err := c.Delete(ctx, first.ID); webhook.KindOf(err) != webhook.KindNotFound {
		t.Fatalf("second delete: %v", err)
	}
}

func TestPlainHTTPWarning(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	w := &strings.Builder{}
	c.errOut = w
	register(t, c, "https://hooks.example.com/a", "secure")
	if w.Len() != 0 {
		t.Fatalf("warned for https: %q", w.String())
	}
	register(t, c, "http://hooks.example.com/a", "plain")
	if !strings.Contains(w.String(), "plain http") || !strings.Contains(w.String(), "https") {
		t.Fatalf("no http warning: %q", w.String())
	}
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	t.Run("wrong api key", func(t *testing.T) {
		c := e.client(func(o *clientOpts) { o.stored["api-key"] = "wrong" })
		_, err := c.List(ctx, webhook.ListOptions{})
		we := kindOf(t, err, webhook.KindAuth)
		if we.Status != 401 || !strings.Contains(we.Msg, "solvimon: UNAUTHORISED") || !strings.Contains(we.Msg, "request id ") {
			t.Fatalf("message %q", we.Msg)
		}
		if !strings.Contains(we.Hint, "hookctl auth login -p sb") || !strings.Contains(we.Hint, "HOOKCTL_SB_API_KEY") || we.Kind.ExitCode() != 4 {
			t.Fatalf("hint %q", we.Hint)
		}
	})
	t.Run("env wins over keyring", func(t *testing.T) {
		c := e.client(func(o *clientOpts) {
			o.stored["api-key"] = "wrong"
			o.env["HOOKCTL_API_KEY"] = solvimonemu.SandboxAPIKey
		})
		if _, err := c.List(ctx, webhook.ListOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("bearer token when no api key", func(t *testing.T) {
		e.resetRequests()
		c := e.client(func(o *clientOpts) { o.stored = map[string]string{"token": solvimonemu.SandboxToken} })
		if _, err := c.List(ctx, webhook.ListOptions{}); err != nil {
			t.Fatal(err)
		}
		h := e.requests()[0].Header
		if h.Get("Authorization") != "Bearer "+solvimonemu.SandboxToken || h.Get("X-API-KEY") != "" {
			t.Fatalf("headers %v", h)
		}
	})
	t.Run("no credentials: exit 4 before any request", func(t *testing.T) {
		e.resetRequests()
		c := e.client(func(o *clientOpts) { o.stored = map[string]string{} })
		_, err := c.List(ctx, webhook.ListOptions{})
		we := kindOf(t, err, webhook.KindAuth)
		if !strings.Contains(we.Error(), "auth login") || !strings.Contains(we.Error(), "HOOKCTL_SB_API_KEY") {
			t.Fatalf("error %q", we.Error())
		}
		if n := len(e.requests()); n != 0 {
			t.Fatalf("%d requests sent without credentials", n)
		}
	})
	t.Run("platform id", func(t *testing.T) {
		e.resetRequests()
		ok := e.client(func(o *clientOpts) { o.settings = map[string]string{"platform-id": solvimonemu.SandboxPlatformID} })
		if _, err := ok.List(ctx, webhook.ListOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := e.requests()[0].Header.Get("x-platform-id"); got != solvimonemu.SandboxPlatformID {
			t.Fatalf("x-platform-id %q", got)
		}
		other := e.client(func(o *clientOpts) { o.settings = map[string]string{"platform-id": "someone-else"} })
		_, err := other.List(ctx, webhook.ListOptions{})
		if we := kindOf(t, err, webhook.KindAuth); we.Status != 403 || !strings.Contains(we.Hint, "platform-id") {
			t.Fatalf("403: %+v", we)
		}
	})
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidationBeforeAnyRequest(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	ok := func(m map[string]string) map[string]string {
		out := map[string]string{ParamReference: "ref"}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name string
		req  webhook.CreateRequest
		want []string // substrings of the message
	}{
		{"missing name", webhook.CreateRequest{URL: "https://h.example/x", Params: ok(nil)}, []string{"name (--name)", "required"}},
		{"missing reference", webhook.CreateRequest{URL: "https://h.example/x", Name: "n"}, []string{"reference (--reference)", "required"}},
		{"blank reference", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: map[string]string{ParamReference: "  "}}, []string{"reference", "blank"}},
		{"relative url", webhook.CreateRequest{URL: "/hook", Name: "n", Params: ok(nil)}, []string{"url (--url)", "absolute http(s) URL"}},
		{"ftp url", webhook.CreateRequest{URL: "ftp://h.example/x", Name: "n", Params: ok(nil)}, []string{"url", "scheme must be https"}},
		{"url without host", webhook.CreateRequest{URL: "https:///x", Name: "n", Params: ok(nil)}, []string{"url", "host"}},
		{"name too long", webhook.CreateRequest{URL: "https://h.example/x", Name: strings.Repeat("n", 257), Params: ok(nil)}, []string{"name", "at most 256"}},
		{"lower-case event", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Events: []string{"invoice.created"}, Params: ok(nil)}, []string{"included_actions (--event)", "RESOURCE.ACTION"}},
		{"bad excluded action", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamExcludedActions: "INVOICE"})}, []string{"--excluded-actions", "RESOURCE.ACTION"}},
		{"unknown auth type", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamAuthType: "OAUTH"})}, []string{"authentication_type (--auth-type)", "PASSWORD, API_KEY or NONE"}},
		{"password with a space", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamAuthType: "PASSWORD", ParamUsername: "u", ParamEndpointSecretFile: writeFile(t, "pass word\n")})}, []string{"password (--endpoint-secret-file)", "pattern"}},
		{"password with a brace", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamAuthType: "PASSWORD", ParamUsername: "u", ParamEndpointSecretFile: writeFile(t, "pa{ss")})}, []string{"password", "pattern"}},
		{"password too long", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamAuthType: "PASSWORD", ParamUsername: "u", ParamEndpointSecretFile: writeFile(t, strings.Repeat("p", 257))})}, []string{"password", "0 to 256"}},
		{"password without username", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamAuthType: "PASSWORD", ParamEndpointSecretFile: writeFile(t, "pw")})}, []string{"username", "required with authentication_type PASSWORD"}},
		{"username with a space", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamAuthType: "PASSWORD", ParamUsername: "jo smith", ParamEndpointSecretFile: writeFile(t, "pw")})}, []string{"username (--username)", "pattern"}},
		{"username non-ASCII", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamAuthType: "PASSWORD", ParamUsername: "jösé", ParamEndpointSecretFile: writeFile(t, "pw")})}, []string{"username", "pattern"}},
		{"username with a brace", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamAuthType: "PASSWORD", ParamUsername: "u{1}", ParamEndpointSecretFile: writeFile(t, "pw")})}, []string{"username", "pattern"}},
		{"header field not a token", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamAuthType: "API_KEY", ParamAPIHeaderField: "X API", ParamEndpointSecretFile: writeFile(t, "k")})}, []string{"api_header_field", "letters, digits, '_' and '-' only"}},
		// The documented patterns hold for the whole value, not
		// for a prefix (as published, without $, every value would pass).
		{"header field with a dot", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamAuthType: "API_KEY", ParamAPIHeaderField: "X.Key", ParamEndpointSecretFile: writeFile(t, "k")})}, []string{"api_header_field (--api-header-field)", "read as the whole value", `"X.Key"`}},
		{"api key not alphanumeric", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamAuthType: "API_KEY", ParamAPIHeaderField: "X-Key", ParamEndpointSecretFile: writeFile(t, "abc-123_XYZ+/=")})}, []string{"api_key (--endpoint-secret-file)", "ASCII letters and digits only"}},
		{"signing protocol not a name", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamSigningProtocol: "Hmac SHA256"})}, []string{"signing_protocol (--signing-protocol)", "HmacSHA256"}},
		{"api key without secret", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamAuthType: "API_KEY", ParamAPIHeaderField: "X-Key"})}, []string{"api_key", "required with authentication_type API_KEY"}},
		{"secret with auth NONE", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamEndpointSecretFile: writeFile(t, "k")})}, []string{"--endpoint-secret-file needs --auth-type"}},
		{"username with API_KEY", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamAuthType: "API_KEY", ParamUsername: "u"})}, []string{"--username goes with --auth-type PASSWORD"}},
		{"missing secret file", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamAuthType: "API_KEY", ParamAPIHeaderField: "X-Key", ParamEndpointSecretFile: "/nonexistent/secret"})}, []string{"--endpoint-secret-file", "no such file"}},
		{"empty secret file", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamAuthType: "API_KEY", ParamAPIHeaderField: "X-Key", ParamEndpointSecretFile: writeFile(t, "\n")})}, []string{"is empty"}},
		{"bad bool", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{ParamIncludePreviousData: "maybe"})}, []string{"--include-previous-data must be true or false"}},
		{"unknown param", webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: ok(map[string]string{"auth-mode": "HMAC"})}, []string{"--auth-mode is not a solvimon option", "--reference"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.resetRequests()
			_, err := c.Register(ctx, tt.req)
			we := kindOf(t, err, webhook.KindUsage)
			for _, w := range tt.want {
				if !strings.Contains(we.Error(), w) {
					t.Errorf("message %q lacks %q", we.Error(), w)
				}
			}
			if strings.Contains(we.Error(), "abc-123") {
				t.Errorf("message quotes the endpoint secret: %q", we.Error())
			}
			if n := len(e.requests()); n != 0 {
				t.Fatalf("%d requests sent for an invalid registration", n)
			}
		})
	}
	t.Run("update", func(t *testing.T) {
		e.resetRequests()
		bad := "not a url"
		if _, err := c.Update(ctx, "whk_1", webhook.UpdateRequest{URL: &bad}); webhook.KindOf(err) != webhook.KindUsage {
			t.Fatalf("bad url: %v", err)
		}
		if _, err := c.Update(ctx, "whk_1", webhook.UpdateRequest{}); webhook.KindOf(err) != webhook.KindUsage || !strings.Contains(err.Error(), "nothing to update") {
			t.Fatalf("empty update: %v", err)
		}
		user := "with space"
		if _, err := c.Update(ctx, "whk_1", webhook.UpdateRequest{Params: map[string]string{ParamAuthType: "PASSWORD", ParamUsername: user}}); webhook.KindOf(err) != webhook.KindUsage || !strings.Contains(err.Error(), "pattern") {
			t.Fatalf("update with a bad username: %v", err)
		}
		if _, err := c.Get(ctx, "a/b"); webhook.KindOf(err) != webhook.KindUsage {
			t.Fatalf("id with slash: %v", err)
		}
		if n := len(e.requests()); n != 0 {
			t.Fatalf("%d requests sent", n)
		}
	})
}

// The documented password pattern has the range "&-_": characters inside it
// such as ' ( ) + , / : ; < = > ? @ [ \ ] ^ are accepted as Solvimon does.
func TestPasswordPatternIsLiteral(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	pw := "a'b(c)+,/:;<=>?@[\\]^_Z9!#$%.*"
	regs, err := c.Register(ctx, webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Events: []string{"INVOICE.PAID"}, Params: map[string]string{
		ParamReference: "r", ParamAuthType: "password", ParamUsername: "user", ParamEndpointSecretFile: writeFile(t, pw+"\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if regs[0].Extra["authentication_type"] != "PASSWORD" || regs[0].Extra["username"] != "user" {
		t.Fatalf("extra %+v", regs[0].Extra)
	}
	if _, leaked := regs[0].Extra["password"]; leaked {
		t.Fatal("password copied into Extra")
	}
	if got, _ := e.box.Stored(regs[0].ID); got.Password != pw {
		t.Fatalf("stored password %q, want %q", got.Password, pw)
	}
}

func TestUpdateSecretUsesCurrentAuthType(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	regs, err := c.Register(ctx, webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Events: []string{"INVOICE.PAID"}, Params: map[string]string{
		ParamReference: "r", ParamAuthType: "API_KEY", ParamAPIHeaderField: "X-Receiver-Key", ParamEndpointSecretFile: writeFile(t, "key1")}})
	if err != nil {
		t.Fatal(err)
	}
	e.resetRequests()
	if _, err := c.Update(ctx, regs[0].ID, webhook.UpdateRequest{Params: map[string]string{ParamEndpointSecretFile: writeFile(t, "key2")}}); err != nil {
		t.Fatal(err)
	}
	reqs := e.requests()
	if len(reqs) != 2 || reqs[0].Method != http.MethodGet || reqs[1].Method != http.MethodPatch || !slices.Equal(bodyKeys(t, reqs[1].Body), []string{"api_key"}) {
		t.Fatalf("requests %+v", reqs)
	}
	if st, _ := e.box.State(); !strings.Contains(string(st), `"api_key":"key2"`) {
		t.Fatalf("state %s", st)
	}
}

func TestAPIErrorMessages(t *testing.T) {
	tests := []struct {
		status int
		body   string
		kind   webhook.Kind
		want   string
	}{
		{400, `{"type":"INVALID_REQUEST","code":"INVALID_FIELD","field":"url","message":"must be a valid URL"}`, webhook.KindError,
			"solvimon: INVALID_FIELD url: must be a valid URL (HTTP 400, request id req-1)"},
		{404, `{"type":"INVALID_REQUEST","code":"RESOURCE_NOT_FOUND","message":"webhook \"x\" not found","resource_id":"x","resource_type":"WEBHOOK"}`, webhook.KindNotFound,
			`solvimon: RESOURCE_NOT_FOUND: webhook "x" not found (HTTP 404, request id req-1)`},
		{409, `{"type":"INVALID_REQUEST","code":"INVALID_OPERATION","message":"not in\nthe penalty box"}`, webhook.KindError,
			"solvimon: INVALID_OPERATION: not in the penalty box (HTTP 409, request id req-1)"},
		{403, `{"type":"INVALID_REQUEST","code":"USER_NOT_ALLOWED","message":"no WEBHOOK.VIEW"}`, webhook.KindAuth,
			"solvimon: USER_NOT_ALLOWED: no WEBHOOK.VIEW (HTTP 403, request id req-1)"},
		{502, `<html>bad gateway</html>`, webhook.KindError, "<html>bad gateway</html> (HTTP 502, request id req-1)"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-REQUEST-ID", "req-1")
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			mem := credentials.NewMemory()
			mem.Set("p/api-key", "k")
			c, err := New(provider.Deps{Profile: config.Profile{Name: "p", BaseURL: srv.URL}, Creds: credentials.New(mem, func(string) string { return "" }),
				HTTP: httpclient.New(httpclient.Options{MaxRetries: -1})})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Get(ctx, "x")
			we := kindOf(t, err, tt.kind)
			if !strings.HasSuffix(we.Msg, tt.want) || we.Status != tt.status {
				t.Fatalf("message %q, want suffix %q", we.Msg, tt.want)
			}
		})
	}
}

// The emulator's own rules reach the user in Solvimon's words.
func TestEmulatorErrorReachesUser(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	_, err := c.Register(ctx, webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Events: []string{"NOT_A_RESOURCE.CREATED"}, Params: map[string]string{ParamReference: "r"}})
	we := kindOf(t, err, webhook.KindError)
	if !strings.Contains(we.Msg, "solvimon: INVALID_FIELD included_actions: \"NOT_A_RESOURCE.CREATED\" is not an available action") || we.Status != 400 {
		t.Fatalf("message %q", we.Msg)
	}
}

// A transport that sends every POST twice, as a retry after a lost answer
// would: the Idempotency-Key makes the second a replay, not a second webhook.
type doublePost struct{ next http.RoundTripper }

func (d doublePost) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPost {
		return d.next.RoundTrip(r)
	}
	b, _ := r.GetBody()
	first := r.Clone(r.Context())
	first.Body = b
	resp, err := d.next.RoundTrip(first)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return d.next.RoundTrip(r)
}

// TestListFollowsPages: with more webhooks than one page of Solvimon's
// default 50, the default list follows the pages to the end and a cap
// reads only the pages it needs.
func TestListFollowsPages(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for i := range 53 {
		register(t, c, fmt.Sprintf("https://h.example/p%02d", i), fmt.Sprintf("p%02d", i))
	}
	e.resetRequests()
	all, err := c.List(ctx, webhook.ListOptions{})
	if err != nil || len(all) != 53 || all[0].Name != "p00" || all[52].Name != "p52" {
		t.Fatalf("default list: %d %v", len(all), err)
	}
	if n := len(e.requests()); n != 2 {
		t.Fatalf("%d pages read, want 2 of 50", n)
	}
	// OnPage hears each page as it arrives, before the next is read.
	e.resetRequests()
	var pages []string
	paged, err := c.List(ctx, webhook.ListOptions{All: true, OnPage: func(p []webhook.Registration) error {
		pages = append(pages, fmt.Sprintf("%d after %d requests, %s..%s", len(p), len(e.requests()), p[0].Name, p[len(p)-1].Name))
		return nil
	}})
	if want := []string{"50 after 1 requests, p00..p49", "3 after 2 requests, p50..p52"}; err != nil || len(paged) != 53 || !slices.Equal(pages, want) {
		t.Fatalf("OnPage heard %q (%v), want %q", pages, err, want)
	}
	stop := errors.New("stop")
	if _, err := c.List(ctx, webhook.ListOptions{All: true, OnPage: func([]webhook.Registration) error { return stop }}); !errors.Is(err, stop) {
		t.Fatalf("OnPage's error: List answered %v", err)
	}
	e.resetRequests()
	capped, err := c.List(ctx, webhook.ListOptions{Limit: 51})
	if err != nil || len(capped) != 51 || capped[50].Name != "p50" || len(e.requests()) != 2 {
		t.Fatalf("limit 51: %d records, %d requests, %v", len(capped), len(e.requests()), err)
	}
	e.resetRequests()
	if few, err := c.List(ctx, webhook.ListOptions{Limit: 7}); err != nil || len(few) != 7 || len(e.requests()) != 1 || e.requests()[0].Query != "limit=7&page=1" {
		t.Fatalf("limit 7: %d records, %+v, %v", len(few), e.requests(), err)
	}
}

func TestIdempotentRetryCreatesOnce(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.http = httpclient.New(httpclient.Options{Transport: doublePost{http.DefaultTransport}})
	reg := register(t, c, "https://h.example/x", "once")
	all, err := c.List(ctx, webhook.ListOptions{All: true})
	if err != nil || len(all) != 1 || all[0].ID != reg.ID {
		t.Fatalf("list after doubled POST: %+v %v", all, err)
	}
	var posts []seenRequest
	for _, r := range e.requests() {
		if r.Method == http.MethodPost {
			posts = append(posts, r)
		}
	}
	if len(posts) != 2 || posts[0].Header.Get("Idempotency-Key") != posts[1].Header.Get("Idempotency-Key") {
		t.Fatalf("posts %+v", posts)
	}
}

func TestRateLimitRetried(t *testing.T) {
	e := newEnv(t)
	var limited atomic.Int32
	e.wrap = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The first two attempts of each call are rate limited.
			if limited.Add(1)%3 != 0 {
				w.Header().Set("Retry-After", "7")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	c := e.client()
	reg := register(t, c, "https://h.example/x", "limited") // POST, retried thanks to its Idempotency-Key
	if _, err := c.Get(ctx, reg.ID); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.sleeps, []time.Duration{7 * time.Second, 7 * time.Second, 7 * time.Second, 7 * time.Second}) {
		t.Fatalf("sleeps %v, want four of 7s (Retry-After)", e.sleeps)
	}
	e.wrap = nil
	if all, _ := c.List(ctx, webhook.ListOptions{}); len(all) != 1 {
		t.Fatalf("%d webhooks after a retried create", len(all))
	}

	// A 429 that never ends is exit 7.
	e.wrap = func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		})
	}
	_, err := c.Get(ctx, reg.ID)
	if we := kindOf(t, err, webhook.KindRateLimited); we.RetryAfter != time.Second {
		t.Fatalf("rate limit error %+v", we)
	}
}

func TestPenaltyBox(t *testing.T) {
	e := newEnv(t)
	rcv := providertest.NewReceiver(t)
	c := e.client()
	reg := register(t, c, rcv.URL, "flaky")

	rcv.SetStatus(http.StatusInternalServerError)
	msg, err := c.SendTest(ctx, reg.ID)
	if err == nil || !strings.Contains(msg, "HTTP 500") || !strings.Contains(msg, "penalty box") {
		t.Fatalf("send-test to a failing endpoint: %q %v", msg, err)
	}
	all, err := c.List(ctx, webhook.ListOptions{All: true})
	if err != nil || len(all) != 1 || all[0].Status != webhook.StatusPenaltyBox {
		t.Fatalf("list: %+v %v", all, err)
	}
	pb, _ := all[0].Extra["penalty_box_data"].(map[string]any)
	if pb["retry_count"] != 0 || !strings.Contains(pb["cause"].(string), "HTTP 500") || !strings.Contains(pb["payload"].(string), `"type":"WEBHOOK.TEST"`) {
		t.Fatalf("penalty box data %+v", pb)
	}
	if pb["retry_at"] != e.clock.Now().Add(2*time.Minute).Format(time.RFC3339) {
		t.Fatalf("retry_at %v", pb["retry_at"])
	}

	// Still failing: the retry is counted.
	if _, err := c.ResendPenaltyBox(ctx, reg.ID); err == nil {
		t.Fatal("resend to a failing endpoint succeeded")
	}
	got, _ := c.Get(ctx, reg.ID)
	if pb := got.Extra["penalty_box_data"].(map[string]any); pb["retry_count"] != 1 {
		t.Fatalf("retry count %v", pb["retry_count"])
	}

	// Fixed: the parked payload goes out and the box is cleared.
	rcv.SetStatus(http.StatusOK)
	if msg, err := c.ResendPenaltyBox(ctx, reg.ID); err != nil || msg == "" {
		t.Fatalf("resend: %q %v", msg, err)
	}
	got, _ = c.Get(ctx, reg.ID)
	if got.Status != "ok" || got.Extra["penalty_box_data"] != nil {
		t.Fatalf("after resend: %+v", got)
	}
	d := rcv.Deliveries()
	if len(d) != 3 || string(d[2].Body) != string(d[0].Body) || !verifySig(reg.Secret, d[2].Header, d[2].Body) {
		t.Fatalf("resent delivery differs or is unsigned: %d deliveries", len(d))
	}

	// Not parked any more: Solvimon's 409.
	_, err = c.ResendPenaltyBox(ctx, reg.ID)
	if we := kindOf(t, err, webhook.KindError); we.Status != 409 || !strings.Contains(we.Msg, "not in the penalty box") {
		t.Fatalf("resend when not parked: %+v", we)
	}
}

func TestEventsOffline(t *testing.T) {
	c, err := New(provider.Deps{Profile: config.Profile{Name: "x", Environment: "live"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.base != LiveBaseURL {
		t.Fatalf("live base %q", c.base)
	}
	cat, err := c.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ev := cat.Events
	if len(ev) != 25*3 || ev[0].Name != "CUSTOMER.CREATED" || ev[2].Name != "CUSTOMER.DELETE" {
		t.Fatalf("events: %d %+v", len(ev), ev[:3])
	}
	// No credential: the built-in catalogue, and it says why and whose it is.
	if cat.Source != webhook.SourceBuiltIn || !strings.Contains(cat.Fallback, "could not read Solvimon's actions") ||
		!strings.Contains(cat.Fallback, "api-key") || !strings.Contains(cat.About, "captured 2026-07-21") {
		t.Fatalf("offline catalogue %+v", cat)
	}
}

// Events reads the account's actions, every one the emulator accepts
// included (INVOICE.PAID is in no built-in list), in one request per run.
func TestEventsLive(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	cat, err := c.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cat.Source != webhook.SourceLive || cat.Fallback != "" || cat.About != "live from Solvimon (GET /v1/webhooks/actions)" {
		t.Fatalf("live catalogue %+v", cat)
	}
	served := solvimonemu.Actions()
	if !slices.Equal(cat.Names(), served) {
		t.Fatalf("events %v\nwant what the sandbox serves %v", cat.Names(), served)
	}
	if i := slices.IndexFunc(cat.Events, func(e webhook.EventType) bool { return e.Name == "INVOICE.STATUS_TO_FINAL" }); i < 0 || cat.Events[i].Description != "invoice: status to final" {
		t.Fatalf("finer action %+v", cat.Events)
	}
	if _, err := c.Events(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(e.requests()); n != 1 {
		t.Fatalf("%d requests for two Events calls, want 1", n)
	}
	if q := e.requests()[0].Query; q != "limit=100&page=1" {
		t.Fatalf("query %q", q)
	}

	// A refused key: the built-in list, saying what Solvimon answered.
	bad := e.client(func(o *clientOpts) { o.stored["api-key"] = "wrong" })
	cat, err = bad.Events(ctx)
	if err != nil || cat.Source != webhook.SourceBuiltIn || !strings.Contains(cat.Fallback, "HTTP 401") || strings.Contains(cat.Fallback, "\n") {
		t.Fatalf("refused key: %+v %v", cat, err)
	}
}

// A server that pages the actions is read to the end; one that ignores
// page (answers page 1 again) is read once.
func TestEventsPaging(t *testing.T) {
	e := newEnv(t)
	var calls atomic.Int32
	e.wrap = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "/webhooks/actions") {
				next.ServeHTTP(w, r)
				return
			}
			calls.Add(1)
			page := r.URL.Query().Get("page")
			var data []wireAction
			switch page {
			case "1":
				for i := range actionsPageSize {
					data = append(data, wireAction{ObjectType: fmt.Sprintf("R%03d", i), Actions: []string{"CREATED"}})
				}
			case "2":
				data = []wireAction{{ObjectType: "LAST", Actions: []string{"DONE"}}}
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(wireActions{Data: data})
		})
	}
	cat, err := e.client().Events(ctx)
	if err != nil || cat.Source != webhook.SourceLive || len(cat.Events) != actionsPageSize+1 || cat.Events[actionsPageSize].Name != "LAST.DONE" || calls.Load() != 2 {
		t.Fatalf("paged: %d events, %d calls, %v", len(cat.Events), calls.Load(), err)
	}

	calls.Store(0)
	e.wrap = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			data := make([]wireAction, 0, actionsPageSize)
			for i := range actionsPageSize {
				data = append(data, wireAction{ObjectType: fmt.Sprintf("R%03d", i), Actions: []string{"CREATED"}})
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(wireActions{Data: data})
		})
	}
	cat, err = e.client().Events(ctx)
	if err != nil || len(cat.Events) != actionsPageSize || calls.Load() != 2 {
		t.Fatalf("page ignored: %d events, %d calls, %v", len(cat.Events), calls.Load(), err)
	}
}

// EventsToCheck costs no request when the built-in catalogue holds every
// name (or a name is malformed, which the field rules refuse anyway), and
// reads the account's list once otherwise.
func TestEventsToCheck(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for _, names := range [][]string{{"INVOICE.CREATED", "CUSTOMER.DELETE"}, {"invoice created"}, nil} {
		cat, err := c.EventsToCheck(ctx, names)
		if err != nil || cat.Source != webhook.SourceBuiltIn || len(e.requests()) != 0 {
			t.Fatalf("%q: %+v %v, %d requests", names, cat, err, len(e.requests()))
		}
	}
	cat, err := c.EventsToCheck(ctx, []string{"INVOICE.CREATED", "INVOICE.PAID"})
	if err != nil || cat.Source != webhook.SourceLive || !slices.Contains(cat.Names(), "INVOICE.PAID") || len(e.requests()) != 1 {
		t.Fatalf("finer action: %+v %v, %d requests", cat, err, len(e.requests()))
	}
}

// TestAllEvents: nothing documents that an empty
// included_actions list means every action, so the client sends one only
// when asked for it (AllEvents), and refuses a create or an update that
// would leave the list empty otherwise, before any request.
func TestAllEvents(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	base := webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Params: map[string]string{ParamReference: "r"}}
	_, err := c.Register(ctx, base)
	if we := kindOf(t, err, webhook.KindUsage); !strings.Contains(we.Msg, "no --event given") || !strings.Contains(we.Hint, "--all-events") || !strings.Contains(we.Hint, "hookctl events -p sb") {
		t.Fatalf("register without events: %v", err)
	}
	both := base
	both.Events, both.AllEvents = []string{"INVOICE.PAID"}, true
	if _, err := c.Register(ctx, both); !strings.Contains(fmt.Sprint(err), "not both") {
		t.Fatalf("register with events and AllEvents: %v", err)
	}
	if n := len(e.requests()); n != 0 {
		t.Fatalf("%d requests for refused registrations", n)
	}

	all := base
	all.AllEvents = true
	regs, err := c.Register(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	reqs := e.requests()
	if len(reqs) != 1 || !strings.Contains(string(reqs[0].Body), `"included_actions":[]`) || len(regs[0].Events) != 0 {
		t.Fatalf("AllEvents sent %s, registered %v", reqs[0].Body, regs[0].Events)
	}
	id := regs[0].ID

	e.resetRequests()
	if _, err := c.Update(ctx, id, webhook.UpdateRequest{Events: []string{}}); webhook.KindOf(err) != webhook.KindUsage {
		t.Fatalf("update to no events: %v", err)
	}
	if n := len(e.requests()); n != 0 {
		t.Fatalf("%d requests for a refused update", n)
	}
	if upd, err := c.Update(ctx, id, webhook.UpdateRequest{Events: []string{"INVOICE.PAID"}}); err != nil || !slices.Equal(upd.Events, []string{"INVOICE.PAID"}) {
		t.Fatalf("update to INVOICE.PAID: %+v, %v", upd, err)
	}
	e.resetRequests()
	upd, err := c.Update(ctx, id, webhook.UpdateRequest{AllEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	reqs = e.requests()
	if len(reqs) != 1 || string(reqs[0].Body) != `{"included_actions":[]}` || len(upd.Events) != 0 {
		t.Fatalf("update AllEvents sent %s, got %v", reqs[0].Body, upd.Events)
	}
}

// TestUsernameWithColon: Solvimon's username pattern admits ':'
// (its "&-_" is a range), so the client sends it; HTTP Basic cannot carry
// it in a user-id (RFC 7617), so the client warns what the endpoint will
// read.
func TestUsernameWithColon(t *testing.T) {
	e := newEnv(t)
	w := &strings.Builder{}
	c := e.client()
	c.errOut = w
	regs, err := c.Register(ctx, webhook.CreateRequest{URL: "https://h.example/x", Name: "n", Events: []string{"INVOICE.PAID"}, Params: map[string]string{
		ParamReference: "r", ParamAuthType: "PASSWORD", ParamUsername: "svc:billing", ParamEndpointSecretFile: writeFile(t, "pw")}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := e.box.Stored(regs[0].ID); got.Username != "svc:billing" {
		t.Fatalf("stored username %q", got.Username)
	}
	if !strings.Contains(w.String(), `warning: solvimon: --username "svc:billing" contains ':'`) || !strings.Contains(w.String(), "RFC 7617") {
		t.Fatalf("no warning about the colon: %q", w.String())
	}
	if err := validateUsername("svc:billing"); err != nil {
		t.Fatalf("the flag validator refuses a documented username: %v", err)
	}
	w.Reset()
	register(t, c, "https://h.example/y", "plain-user")
	if w.Len() != 0 {
		t.Fatalf("warned without a colon: %q", w.String())
	}
}

// TestSigningProtocol: register sends the documented
// HmacSHA256 unless told otherwise; another name is sent with a warning,
// and Solvimon (here the emulator) decides; update patches it alone.
func TestSigningProtocol(t *testing.T) {
	e := newEnv(t)
	w := &strings.Builder{}
	c := e.client()
	c.errOut = w
	sent := func() any {
		reqs := e.requests()
		var b map[string]any
		if err := json.Unmarshal(reqs[len(reqs)-1].Body, &b); err != nil {
			t.Fatal(err)
		}
		return b["signing_protocol"]
	}
	r := register(t, c, "https://h.example/default", "default")
	if sent() != "HmacSHA256" || r.Extra["signing_protocol"] != "HmacSHA256" {
		t.Fatalf("default: sent %v, registered %+v", sent(), r.Extra)
	}
	regs, err := c.Register(ctx, webhook.CreateRequest{URL: "https://h.example/lower", Name: "lower", Events: []string{"INVOICE.PAID"},
		Params: map[string]string{ParamReference: "lower", ParamSigningProtocol: "hmacsha256"}})
	if err != nil || sent() != "HmacSHA256" || w.Len() != 0 {
		t.Fatalf("hmacsha256: %v, sent %v, warned %q", err, sent(), w.String())
	}
	_, err = c.Register(ctx, webhook.CreateRequest{URL: "https://h.example/other", Name: "other", Events: []string{"INVOICE.PAID"},
		Params: map[string]string{ParamReference: "other", ParamSigningProtocol: "HmacSHA512"}})
	if sent() != "HmacSHA512" || !strings.Contains(w.String(), `signing protocol "HmacSHA512" is not HmacSHA256`) {
		t.Fatalf("HmacSHA512: sent %v, warned %q", sent(), w.String())
	}
	if we := kindOf(t, err, webhook.KindError); we.Status != 400 || !strings.Contains(we.Msg, "signing_protocol") {
		t.Fatalf("the emulator's answer to HmacSHA512: %v", err)
	}
	e.resetRequests()
	if _, err := c.Update(ctx, regs[0].ID, webhook.UpdateRequest{Params: map[string]string{ParamSigningProtocol: "HmacSHA256"}}); err != nil {
		t.Fatal(err)
	}
	if reqs := e.requests(); len(reqs) != 1 || string(reqs[0].Body) != `{"signing_protocol":"HmacSHA256"}` {
		t.Fatalf("update sent %s", reqs[0].Body)
	}
}
