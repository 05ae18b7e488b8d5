package pwc

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
	pwcemu "github.com/hookctl/hookctl/internal/emulator/pwc"
	"github.com/hookctl/hookctl/internal/testkit/providertest"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// verifyHub checks X-Hub-Signature with a plain HMAC written here, not the
// emulator's.
func verifyHub(secret string, h http.Header, body []byte) bool {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return h.Get("X-Hub-Signature") == "sha1="+hex.EncodeToString(m.Sum(nil))
}

func decodeBody[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("body %s: %v", b, err)
	}
	return v
}

// TestLifecycle walks keys generate → register two events → list → deliver
// → get with history → update → rotate → delete, over real HTTP.
func TestLifecycle(t *testing.T) {
	e := newEnv(t)
	if err := e.store.Delete("sb", CredRSAKey); err != nil {
		t.Fatal(err)
	}
	c := e.client()

	info, err := c.GenerateKey(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if info.Algorithm != "RSA-3072" {
		t.Errorf("algorithm %q, want RSA-3072", info.Algorithm)
	}
	stored, err := e.store.Get("sb", CredRSAKey)
	if err != nil || !strings.HasPrefix(stored, "-----BEGIN PRIVATE KEY-----") {
		t.Fatalf("stored rsa-key is not PKCS#8 PEM: %.40q %v", stored, err)
	}

	rc := providertest.NewReceiver(t)
	regs := register(t, c, rc.URL+"/hook", "ReportFiled", "ReportRejected")
	creates := 0
	for _, r := range e.apiRequests() {
		if r.Path != "/sync/webhooks/subscriptions/create" {
			continue
		}
		creates++
		body := decodeBody[createRequest](t, r.Body)
		if len(body.Events) != 1 || body.PublicKeyXML != info.Extra["xml"] || body.AuthSteuernummer != pwcemu.SandboxTaxNumber || body.AccountID != pwcemu.SandboxAccountID {
			t.Errorf("create body %+v: want one event, the generated key and the profile's account", body)
		}
	}
	if creates != 2 {
		t.Fatalf("%d create requests, want one per event", creates)
	}
	if regs[0].Events[0] != "ReportFiled" || regs[1].Events[0] != "ReportRejected" || regs[0].ID == regs[1].ID {
		t.Fatalf("registrations %+v", regs)
	}
	if regs[0].Secret == regs[1].Secret || len(regs[0].Secret) != 44 {
		t.Fatalf("secrets %q %q: want two distinct 44-character secrets", regs[0].Secret, regs[1].Secret)
	}
	for _, r := range regs {
		if got := e.current(r.ID); got != r.Secret {
			t.Errorf("stored secret of %s is %q, want %q", r.ID, got, r.Secret)
		}
		if r.CreatedAt == nil || !r.CreatedAt.Equal(e.clock.Now()) || !r.Active || r.Status != "ok" {
			t.Errorf("registration %+v", r)
		}
	}

	list, err := c.List(ctx, webhook.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != regs[0].ID || list[0].Secret != regs[0].Secret || list[1].Secret != regs[1].Secret {
		t.Fatalf("list %+v", list)
	}

	id := regs[0].ID
	e.clock.Add(time.Minute)
	if status, err := e.box.SendEvent(ctx, id, ""); err != nil || status != http.StatusOK {
		t.Fatalf("send: %d %v", status, err)
	}
	got := rc.Deliveries()
	if len(got) != 1 || !verifyHub(regs[0].Secret, got[0].Header, got[0].Body) {
		t.Fatalf("deliveries %d; want one signed with the registration's secret", len(got))
	}
	payload := decodeBody[struct{ EventID string }](t, got[0].Body)

	g, err := c.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	hist, ok := g.Extra["history"].([]HistoryEntry)
	if !ok || len(hist) != 1 {
		t.Fatalf("history %#v", g.Extra["history"])
	}
	if hist[0].StatusCode != 200 || hist[0].EventID != payload.EventID || hist[0].AttemptedAt == nil || !hist[0].AttemptedAt.Equal(e.clock.Now().Truncate(time.Millisecond)) {
		t.Errorf("history entry %+v, want 200 for event %s at %s", hist[0], payload.EventID, e.clock.Now())
	}

	newURL := rc.URL + "/v2"
	e.resetRequests()
	u, err := c.Update(ctx, id, webhook.UpdateRequest{URL: &newURL})
	if err != nil {
		t.Fatal(err)
	}
	if u.URL != newURL || u.Secret != regs[0].Secret {
		t.Errorf("updated %+v", u)
	}
	upd := decodeBody[updateRequest](t, e.apiRequests()[0].Body)
	if upd.CurrentSecret != regs[0].Secret || upd.NewSecret != "" || upd.PublicKeyXML != info.Extra["xml"] {
		t.Errorf("update body %+v: want the stored secret as proof and no new secret", upd)
	}

	old := e.current(id)
	rot, err := c.RotateSecret(ctx, id, webhook.RotateRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if rot.NewSecret == old || rot.PreviousSecret != old || rot.PreviousValidUntil != nil || rot.Registration.Secret != rot.NewSecret {
		t.Fatalf("rotation %+v", rot)
	}
	if err := e.store.StoreCurrent("sb", id, rot.NewSecret, 0, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// The emulator now refuses the old secret as ownership proof.
	status, body := e.raw(http.MethodPost, "/sync/webhooks/subscriptions/"+id+"/delete", e.bearer(), deleteRequest{ID: id, Secret: old})
	if status != http.StatusForbidden || responseStatusOf(t, body).ErrorCode != "Forbidden" {
		t.Fatalf("delete with the old secret: %d %s", status, body)
	}
	if _, err := e.box.SendEvent(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	if d := rc.Deliveries(); len(d) != 2 || !verifyHub(rot.NewSecret, d[1].Header, d[1].Body) || verifyHub(old, d[1].Header, d[1].Body) {
		t.Fatal("delivery after rotation is not signed with the new secret only")
	}

	for _, r := range regs {
		if err := c.Delete(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Get(ctx, id); webhook.KindOf(err) != webhook.KindNotFound {
		t.Fatalf("get after delete: %v", err)
	}
	if l, err := c.List(ctx, webhook.ListOptions{}); err != nil || len(l) != 0 {
		t.Fatalf("list after delete: %v %v", l, err)
	}
}

func TestLocalValidationSendsNothing(t *testing.T) {
	e := newEnv(t)
	good := "https://hooks.example.com/x"
	bad := "ftp://example.com"
	two := []string{"ReportFiled", "ReportRejected"}
	short := "ab"
	cases := []struct {
		name string
		deps func(*provider.Deps)
		run  func(*Client) error
		want string
	}{
		{"bad tax number", func(d *provider.Deps) { d.Profile.Settings[FieldTaxNumber] = "de123456789" }, func(c *Client) error {
			_, err := c.List(ctx, webhook.ListOptions{})
			return err
		}, "2 capital letters"},
		{"short account id", func(d *provider.Deps) { d.Profile.Settings[FieldAccountID] = "123" }, func(c *Client) error {
			_, err := c.Register(ctx, webhook.CreateRequest{URL: good, Events: []string{"ReportFiled"}})
			return err
		}, "10 digits"},
		{"missing account", func(d *provider.Deps) { delete(d.Profile.Settings, FieldAccountID) }, func(c *Client) error {
			_, err := c.Find(ctx, "ReportFiled")
			return err
		}, "--account-id"},
		{"relative url", nil, func(c *Client) error {
			_, err := c.Register(ctx, webhook.CreateRequest{URL: "/hook", Events: []string{"ReportFiled"}})
			return err
		}, "absolute"},
		{"event with a dot", nil, func(c *Client) error {
			_, err := c.Register(ctx, webhook.CreateRequest{URL: good, Events: []string{"Report.Filed"}})
			return err
		}, "4 to 100"},
		{"event too short", nil, func(c *Client) error {
			_, err := c.ListEvent(ctx, "abc")
			return err
		}, "4 to 100"},
		{"no events", nil, func(c *Client) error {
			_, err := c.Register(ctx, webhook.CreateRequest{URL: good})
			return err
		}, "at least one --event"},
		{"duplicate event", nil, func(c *Client) error {
			_, err := c.Register(ctx, webhook.CreateRequest{URL: good, Events: []string{"ReportFiled", "ReportFiled"}})
			return err
		}, "twice"},
		{"xml content type", nil, func(c *Client) error {
			_, err := c.Register(ctx, webhook.CreateRequest{URL: good, Events: []string{"ReportFiled"}, Params: map[string]string{ParamContentType: "application/xml"}})
			return err
		}, "only application/json"},
		{"unknown param", nil, func(c *Client) error {
			_, err := c.Register(ctx, webhook.CreateRequest{URL: good, Events: []string{"ReportFiled"}, Params: map[string]string{"reference": "x"}})
			return err
		}, "not a pwc option"},
		{"name too short", nil, func(c *Client) error {
			_, err := c.Register(ctx, webhook.CreateRequest{URL: good, Events: []string{"ReportFiled"}, Name: "ab"})
			return err
		}, "--name"},
		{"update with two events", nil, func(c *Client) error {
			_, err := c.Update(ctx, "0f8fad5b-d9cb-469f-a165-70867728950e", webhook.UpdateRequest{Events: two})
			return err
		}, "exactly one event"},
		{"update bad url", nil, func(c *Client) error {
			_, err := c.Update(ctx, "0f8fad5b-d9cb-469f-a165-70867728950e", webhook.UpdateRequest{URL: &bad})
			return err
		}, "absolute"},
		{"update bad name", nil, func(c *Client) error {
			_, err := c.Update(ctx, "0f8fad5b-d9cb-469f-a165-70867728950e", webhook.UpdateRequest{Name: &short})
			return err
		}, "--name"},
		{"update nothing", nil, func(c *Client) error {
			_, err := c.Update(ctx, "0f8fad5b-d9cb-469f-a165-70867728950e", webhook.UpdateRequest{})
			return err
		}, "nothing to update"},
		{"id with slash", nil, func(c *Client) error {
			_, err := c.Get(ctx, "a/../b")
			return err
		}, "not a subscription id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.resetRequests()
			var opts []func(*provider.Deps)
			if tc.deps != nil {
				opts = append(opts, tc.deps)
			}
			err := tc.run(e.client(opts...))
			we := kindOf(t, err, webhook.KindUsage)
			if !strings.Contains(we.Error(), tc.want) {
				t.Errorf("error %q does not say %q", we.Error(), tc.want)
			}
			if n := len(e.requests()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
}

// TestResponseStatusFieldErrors: a request the client lets through but the
// service refuses shows every field error of ServiceStack's answer.
func TestResponseStatusFieldErrors(t *testing.T) {
	e := newEnv(t)
	// Corrupt the create body on its way, as a server with stricter rules
	// than the client knows would see it.
	e.setWrap(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/create") {
				var m map[string]any
				b, _ := io.ReadAll(r.Body)
				json.Unmarshal(b, &m)
				m["url"], m["secret"] = "not a url", "abc"
				b, _ = json.Marshal(m)
				r.Body, r.ContentLength = io.NopCloser(strings.NewReader(string(b))), int64(len(b))
			}
			next.ServeHTTP(w, r)
		})
	})
	_, err := e.client().Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/x", Events: []string{"ReportFiled"}})
	we := kindOf(t, err, webhook.KindError)
	msg := we.Error()
	for _, want := range []string{"\n  Url: url \"not a url\" must be an absolute", "[Predicate]", "\n  Secret: the secret must be at least 8", "[Length]", "(HTTP 400)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if we.Status != http.StatusBadRequest {
		t.Errorf("status %d", we.Status)
	}
}

func TestRegisterPartialFailure(t *testing.T) {
	e := newEnv(t)
	creates := 0
	e.setWrap(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/create") {
				if creates++; creates == 2 {
					writeStatus(w, http.StatusInternalServerError, "Exception", "database unavailable", nil)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	})
	regs, err := e.client().Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/x", Events: []string{"ReportFiled", "ReportRejected"}})
	we := kindOf(t, err, webhook.KindPartial)
	if len(regs) != 1 || regs[0].Events[0] != "ReportFiled" {
		t.Fatalf("registrations %+v", regs)
	}
	if !strings.Contains(we.Error(), "registered 1 of 2") || !strings.Contains(we.Error(), "database unavailable") {
		t.Errorf("error %q", we.Error())
	}
	// The subscription that was made keeps its ownership proof.
	if e.current(regs[0].ID) != regs[0].Secret || regs[0].Secret == "" {
		t.Error("the created subscription's secret was not stored")
	}
}

func TestRegisterInactive(t *testing.T) {
	e := newEnv(t)
	off := false
	regs, err := e.client().Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/x", Events: []string{"ReportFiled"}, Active: &off})
	if err != nil {
		t.Fatal(err)
	}
	if regs[0].Active || regs[0].Status != "inactive" || regs[0].Secret == "" {
		t.Fatalf("registration %+v: want inactive with its secret", regs[0])
	}
	g, err := e.client().Get(ctx, regs[0].ID)
	if err != nil || g.Active {
		t.Fatalf("get: %+v %v", g, err)
	}
}

func TestUpdateWithoutStoredSecret(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	regs := register(t, c, "https://hooks.example.com/x", "ReportFiled")
	if err := e.store.DeleteWebhookSecrets("sb", regs[0].ID); err != nil {
		t.Fatal(err)
	}
	e.resetRequests()
	u := "https://hooks.example.com/y"
	_, err := c.Update(ctx, regs[0].ID, webhook.UpdateRequest{URL: &u})
	we := kindOf(t, err, webhook.KindAuth)
	if !strings.Contains(we.Error(), "proof of ownership") {
		t.Errorf("error %q does not explain why the secret is needed", we.Error())
	}
	err = c.Delete(ctx, regs[0].ID)
	kindOf(t, err, webhook.KindAuth)
	if n := len(e.requests()); n != 0 {
		t.Errorf("%d requests sent without a secret, want none", n)
	}
}

func TestWrongStoredSecretIsForbidden(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	regs := register(t, c, "https://hooks.example.com/x", "ReportFiled")
	if err := e.store.StoreCurrent("sb", regs[0].ID, "V3JvbmdTZWNyZXQ=", 0, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	err := c.Delete(ctx, regs[0].ID)
	we := kindOf(t, err, webhook.KindAuth)
	if we.Status != http.StatusForbidden || !strings.Contains(we.Hint, "as the subscription's current one") ||
		!strings.Contains(we.Hint, "hookctl secrets set "+regs[0].ID+" -p sb") || !strings.Contains(we.Hint, "--current-secret-file") {
		t.Errorf("error %q (HTTP %d)", we.Error(), we.Status)
	}
	// A 403 is not an expired login: no second login was attempted.
	if n := e.count(http.MethodPost, "/auth/credentials"); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
}

func TestFindListEventGetMany(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	regs := register(t, c, "https://hooks.example.com/x", "ReportFiled", "ReportRejected")
	f, err := c.Find(ctx, "ReportRejected")
	if err != nil || f.ID != regs[1].ID || f.Secret != regs[1].Secret {
		t.Fatalf("find: %+v %v", f, err)
	}
	if _, err := c.Find(ctx, "ReportAccepted"); webhook.KindOf(err) != webhook.KindNotFound {
		t.Fatalf("find missing: %v", err)
	}
	s, err := c.ListEvent(ctx, "ReportFiled")
	if err != nil || len(s) != 1 || s[0].ID != regs[0].ID {
		t.Fatalf("list event: %+v %v", s, err)
	}
	if s, err := c.ListEvent(ctx, "ReportAccepted"); err != nil || len(s) != 0 {
		t.Fatalf("list event none: %+v %v", s, err)
	}
	if n := e.count(http.MethodGet, "/sync/webhooks/subscriptions/find"); n != 4 {
		t.Fatalf("%d finds, want 4 (ListEvent asks PwC's find)", n)
	}
	m, err := c.GetMany(ctx, []string{regs[1].ID, "0f8fad5b-d9cb-469f-a165-70867728950e"})
	if err != nil || len(m) != 1 || m[0].ID != regs[1].ID {
		t.Fatalf("get many: %+v %v", m, err)
	}
	r := e.requests()
	last := r[len(r)-1]
	if last.Method != http.MethodPost || last.Path != "/sync/webhooks/subscriptions/list" {
		t.Errorf("get many sent %s %s", last.Method, last.Path)
	}
}

func TestListLimit(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	register(t, c, "https://hooks.example.com/x", "ReportFiled", "ReportRejected", "ReportAccepted")
	l, err := c.List(ctx, webhook.ListOptions{Limit: 2})
	if err != nil || len(l) != 2 {
		t.Fatalf("limit 2: %d %v", len(l), err)
	}
	l, err = c.List(ctx, webhook.ListOptions{Limit: 2, All: true})
	if err != nil || len(l) != 3 {
		t.Fatalf("all: %d %v", len(l), err)
	}
}

func TestDeleteMany(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	regs := register(t, c, "https://hooks.example.com/x", "ReportFiled", "ReportRejected", "ReportAccepted")
	// regs[1]: the stored secret is wrong; regs[2]: none is stored.
	if err := e.store.StoreCurrent("sb", regs[1].ID, "V3JvbmdTZWNyZXQ=", 0, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := e.store.DeleteWebhookSecrets("sb", regs[2].ID); err != nil {
		t.Fatal(err)
	}
	missing := "0f8fad5b-d9cb-469f-a165-70867728950e"
	if err := e.store.StoreCurrent("sb", missing, "U29tZVNlY3JldA==", 0, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.resetRequests()
	res, err := c.DeleteMany(ctx, []string{regs[0].ID, regs[1].ID, regs[2].ID, missing})
	kindOf(t, err, webhook.KindPartial)
	if len(res) != 4 || res[0].Err != nil {
		t.Fatalf("results %+v", res)
	}
	if webhook.KindOf(res[1].Err) != webhook.KindAuth || webhook.KindOf(res[2].Err) != webhook.KindAuth || webhook.KindOf(res[3].Err) != webhook.KindNotFound {
		t.Errorf("per-item errors: %v | %v | %v", res[1].Err, res[2].Err, res[3].Err)
	}
	api := e.apiRequests()
	if len(api) != 1 || api[0].Path != "/sync/webhooks/subscriptions/delete" {
		t.Fatalf("requests %+v: want one batch call", api)
	}
	sent := decodeBody[batchDeleteRequest](t, api[0].Body)
	if len(sent.Subscriptions) != 3 || sent.Subscriptions[0].Config.Secret != regs[0].Secret {
		t.Errorf("batch %+v: want the three ids with a stored secret", sent)
	}
	l, _ := c.List(ctx, webhook.ListOptions{})
	var ids []string
	for _, r := range l {
		ids = append(ids, r.ID)
	}
	if slices.Contains(ids, regs[0].ID) || !slices.Contains(ids, regs[1].ID) || !slices.Contains(ids, regs[2].ID) {
		t.Errorf("left after batch delete: %v", ids)
	}
}

func TestGetWithoutKeyShowsNoSecret(t *testing.T) {
	e := newEnv(t)
	regs := register(t, e.client(), "https://hooks.example.com/x", "ReportFiled")
	if err := e.store.Delete("sb", CredRSAKey); err != nil {
		t.Fatal(err)
	}
	var errOut strings.Builder
	c := e.client(func(d *provider.Deps) { d.ErrOut = &errOut })
	g, err := c.Get(ctx, regs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if g.Secret != "" || !strings.Contains(errOut.String(), "cannot decrypt") {
		t.Errorf("secret %q, stderr %q", g.Secret, errOut.String())
	}
	// Writes need the key and say how to get one.
	_, err = c.Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/x", Events: []string{"ReportAccepted"}})
	we := kindOf(t, err, webhook.KindAuth)
	if !strings.Contains(we.Error(), "hookctl keys generate -p sb") {
		t.Errorf("error %q", we.Error())
	}
}

func TestEventsAndSpec(t *testing.T) {
	s := Spec()
	if s.Name != "pwc" || s.Scheme != "hub-signature" || s.SecretOverlap != 0 || !slices.Equal(s.Environments, []string{"prod", "staging"}) {
		t.Fatalf("spec %+v", s)
	}
	creds := map[string]provider.Credential{}
	for _, c := range s.Credentials {
		creds[c.Name] = c
	}
	if !creds[CredRSAKey].Generated || !creds[CredToken].Cache || creds[CredUsername].Generated || creds[CredPassword].Optional {
		t.Errorf("credentials %+v", s.Credentials)
	}
	for _, f := range s.Fields {
		optional := f.Name == FieldGetRoute || f.Name == FieldLoginMode // they have defaults
		if f.Required == optional {
			t.Errorf("field %s: required %v", f.Name, f.Required)
		}
	}
	if err := s.ValidateProfile(configProfile("qa")); err == nil {
		t.Error("environment qa accepted")
	}
	c, err := New(provider.Deps{Profile: configProfile("staging")})
	if err != nil || c.base != StagingBaseURL {
		t.Fatalf("staging base: %v %v", c, err)
	}
	c, _ = New(provider.Deps{Profile: configProfile("")})
	if c.base != ProdBaseURL {
		t.Errorf("default base %s", c.base)
	}
	// The emulator's demo tour passes the client's own rules.
	demo := pwcemu.Entry().Demo
	if checkEvent(demo.Event) != nil {
		t.Errorf("demo event %q breaks the event rule", demo.Event)
	}
	if !slices.Contains(demo.Register, "ReportFiled") || demo.Event != "ReportFiled" || demo.Env["HOOKCTL_USERNAME"] != pwcemu.SandboxUsername {
		t.Errorf("demo %+v", demo)
	}
	if err := validateContentType("Application/JSON"); err != nil {
		t.Errorf("content type is compared case-insensitively: %v", err)
	}
}

// PwC publishes no event names: Events lists the names this profile's
// subscriptions use, says so, and invents none.
func TestEventsAreTheSubscriptionsNames(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	cat, err := c.Events(ctx)
	if err != nil || len(cat.Events) != 0 || cat.Source != webhook.SourceSubscriptions || !strings.Contains(cat.About, "PwC publishes no event names, and this profile has no subscriptions yet") {
		t.Fatalf("no subscriptions: %+v %v", cat, err)
	}
	register(t, c, "https://hooks.example.com/a", "ReportRejected", "Custom-Event_1")
	register(t, c, "https://hooks.example.com/b", "ReportFiled")
	cat, err = c.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cat.Names(), []string{"Custom-Event_1", "ReportFiled", "ReportRejected"}) || cat.Events[2].Description != "subscribed: https://hooks.example.com/a" ||
		!strings.Contains(cat.About, "this profile's 3 subscription(s) use") {
		t.Fatalf("events %+v", cat)
	}
	// Reading them needs a login: the error says why it was needed (exit 4).
	bad := e.client(func(d *provider.Deps) {
		d.Creds = credentials.New(credentials.NewMemory(), func(string) string { return "" })
	})
	_, err = bad.Events(ctx)
	if we := kindOf(t, err, webhook.KindAuth); !strings.Contains(we.Error(), "PwC publishes no event names") {
		t.Fatalf("without a login: %v", err)
	}
}

// TestEmulatorProfileArgs: the profile `hookctl sandbox` makes for the
// emulator passes the provider's own checks.
func TestEmulatorProfileArgs(t *testing.T) {
	args := pwcemu.New(emulator.Options{BaseURL: "http://127.0.0.1:8787/pwc/"}).ProfileArgs()
	if args[slices.Index(args, "--provider")+1] != Name {
		t.Errorf("ProfileArgs %v", args)
	}
	for _, f := range Spec().Fields {
		i := slices.Index(args, "--"+f.Name)
		if i < 0 && !f.Required {
			continue
		}
		if i < 0 {
			t.Errorf("ProfileArgs %v lack --%s", args, f.Name)
			continue
		}
		if err := f.Validate(args[i+1]); err != nil {
			t.Error(err)
		}
	}
}

// TestConflictIsKindError: the emulator's 409 for a second subscription
// to one event reaches the user as a provider error that says so.
func TestConflictIsKindError(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	register(t, c, "https://hooks.example.com/pwc", "ReportFiled")
	_, err := c.Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/other", Events: []string{"ReportFiled"}})
	we := kindOf(t, err, webhook.KindError)
	if we.Status != http.StatusConflict || !strings.Contains(we.Error(), "already exists") {
		t.Errorf("duplicate event: %v", err)
	}
}
