package conformance_test

// A fifth provider that exists only here: a tiny client (fakeClient) and
// its emulator (fakeEmulator), each written on its own as a real pair
// would be, talking JSON over the suite's loopback HTTP. Its registry
// lines are fakeSpec and fakeEntry: that is all a provider needs to run
// the suite.

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/internal/testkit/conformance"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

const (
	fakeName   = "fake"
	fakeAPIKey = "fake-key-0123456789"
	// fakePageSize is the emulator's page size, also the largest limit.
	fakePageSize = 2
)

// breakEnv names a way to break the fake (TestSuiteCatchesBrokenFakes);
// unset, the fake is whole.
const breakEnv = "CONFORMANCE_FAKE_BREAK"

func broken(how string) bool { return os.Getenv(breakEnv) == how }

// TestFakeConforms: a provider made of its registry lines and its two
// packages passes the suite.
func TestFakeConforms(t *testing.T) {
	conformance.Run(t, conformance.Harness{Spec: fakeSpec(), Entry: fakeEntry()})
}

// TestSuiteCatchesBrokenFakes: the suite fails the fake broken in each
// way, saying why; so its checks are not ones that always pass.
func TestSuiteCatchesBrokenFakes(t *testing.T) {
	if os.Getenv(breakEnv) != "" {
		t.Skip("inside a broken run")
	}
	for how, want := range map[string]string{
		"first-page-only":       "List: 2 registrations",
		"no-paging":             "OnPage saw 1 pages, want 3",
		"ignores-limit":         "List Limit 1: 5 registrations",
		"no-usage-check":        "requests reached the provider before the refusal",
		"auth-as-error":         "List with a wrong HOOKCTL_API_KEY: error of kind error, want not_authenticated",
		"not-found-as-error":    "Get after Delete: error of kind error, want not_found",
		"delete-noop":           "Get after Delete: no error, want not_found",
		"stale-secret":          "does not verify with what the client handed out",
		"update-drops-events":   "want them kept",
		"registration-provider": `provider "other", want "fake"`,
		"overlap-mismatch":      "RotationPolicy overlap 1h0m0s, the spec declares 0s",
		"undeclared-capability": "the client is a webhook.Tester, but neither the registry nor Spec.Capabilities declares it",
		"missing-capability":    "SecretRotator is declared by Demo.Rotate",
		"extra-env":             "Demo.Env sets HOOKCTL_PASSWORD, which is no login credential of fake",
	} {
		t.Run(how, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestFakeConforms$", "-test.count=1")
			cmd.Env = append(os.Environ(), breakEnv+"="+how)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed the fake broken by %s:\n%s", how, out)
			}
			if !strings.Contains(string(out), want) {
				t.Errorf("the fake broken by %s failed, but not with %q:\n%s", how, want, out)
			}
		})
	}
}

func fakeSpec() provider.Spec {
	return provider.Spec{
		Name:         fakeName,
		Title:        "Fake Webhooks",
		Credentials:  []provider.Credential{{Name: "api-key", Prompt: "Fake API key"}},
		Scheme:       "hub-signature",
		ListPageSize: fakePageSize,
		New: func(d provider.Deps) (webhook.Provider, error) {
			c, err := newFakeClient(d)
			switch {
			case err != nil:
				return nil, err
			case broken("undeclared-capability"):
				return testingFake{c}, nil
			case broken("missing-capability"):
				return struct {
					webhook.Provider
					webhook.DeliveryHinter
				}{c, c}, nil
			}
			return c, nil
		},
	}
}

// testingFake is the client with a capability nothing declares.
type testingFake struct{ *fakeClient }

func (testingFake) SendTest(context.Context, string) (string, error) { return "sent", nil }

func fakeEntry() emulator.Entry {
	env := map[string]string{"HOOKCTL_API_KEY": fakeAPIKey}
	if broken("extra-env") {
		env["HOOKCTL_PASSWORD"] = "unused"
	}
	return emulator.Entry{
		Name: fakeName,
		New:  func(o emulator.Options) emulator.Emulator { return newFakeEmulator(o) },
		Help: "API key " + fakeAPIKey,
		Demo: &emulator.Demo{
			Env:       env,
			Register:  []string{"--url", "https://hooks.example.com/fake", "--event", "thing.made", "--event", "thing.gone", "--name", "demo"},
			UpdateURL: "https://hooks.example.com/fake/v2",
			Event:     "thing.made",
			Rotate:    true,
		},
	}
}

// The client.

type fakeClient struct {
	base, key string
	http      *http.Client
}

var (
	_ webhook.Provider       = (*fakeClient)(nil)
	_ webhook.SecretRotator  = (*fakeClient)(nil)
	_ webhook.DeliveryHinter = (*fakeClient)(nil)
)

func newFakeClient(d provider.Deps) (*fakeClient, error) {
	key, _, err := d.Creds.Lookup(d.Profile.Name, "api-key")
	if err != nil {
		return nil, err
	}
	return &fakeClient{base: strings.TrimSuffix(d.Profile.BaseURL, "/"), key: key, http: d.HTTP}, nil
}

// hookJSON is the wire shape both sides agree on; each side declares its own.
type hookJSON struct {
	ID     string   `json:"id,omitempty"`
	URL    string   `json:"url,omitempty"`
	Events []string `json:"events,omitempty"`
	Name   string   `json:"name,omitempty"`
	Secret string   `json:"secret,omitempty"`
}

func (c *fakeClient) Name() string { return fakeName }

func (c *fakeClient) do(ctx context.Context, method, path string, in, out any) error {
	_, err := httpclient.DoJSON(ctx, c.http, method, c.base+path, http.Header{"Authorization": {"Bearer " + c.key}}, in, out)
	var se *httpclient.StatusError
	if errors.As(err, &se) {
		kind := httpclient.KindForStatus(se.Status)
		if broken("auth-as-error") && kind == webhook.KindAuth || broken("not-found-as-error") && kind == webhook.KindNotFound {
			kind = webhook.KindError
		}
		return &webhook.Error{Kind: kind, Status: se.Status, Msg: fmt.Sprintf("fake: %s %s: HTTP %d", method, path, se.Status)}
	}
	return err
}

func (c *fakeClient) reg(h hookJSON) webhook.Registration {
	p := fakeName
	if broken("registration-provider") {
		p = "other"
	}
	return webhook.Registration{Provider: p, ID: h.ID, URL: h.URL, Events: h.Events, Name: h.Name,
		Active: true, Status: webhook.StatusOK, Secret: h.Secret}
}

func checkFakeID(id string) error {
	if id == "" && !broken("no-usage-check") {
		return webhook.Invalid("fake: a registration id is required")
	}
	return nil
}

func (c *fakeClient) List(ctx context.Context, opts webhook.ListOptions) ([]webhook.Registration, error) {
	if opts.Limit < 0 {
		return nil, webhook.Invalid("fake: --limit must be positive")
	}
	want, out := opts.Cap(), []webhook.Registration{}
	for page := 1; ; page++ {
		var p struct {
			Hooks []hookJSON `json:"hooks"`
			More  bool       `json:"more"`
		}
		if err := c.do(ctx, http.MethodGet, "/hooks?page="+strconv.Itoa(page), nil, &p); err != nil {
			return nil, err
		}
		start := len(out)
		for _, h := range p.Hooks {
			if want > 0 && len(out) == want && !broken("ignores-limit") {
				break
			}
			out = append(out, c.reg(h))
		}
		if opts.OnPage != nil {
			if err := opts.OnPage(out[start:]); err != nil {
				return out, err
			}
		}
		if !p.More || (want > 0 && len(out) >= want && !broken("ignores-limit")) || broken("first-page-only") {
			return out, nil
		}
	}
}

func (c *fakeClient) Get(ctx context.Context, id string) (*webhook.Registration, error) {
	if err := checkFakeID(id); err != nil {
		return nil, err
	}
	var h hookJSON
	if err := c.do(ctx, http.MethodGet, "/hooks/"+url.PathEscape(id), nil, &h); err != nil {
		return nil, err
	}
	r := c.reg(h)
	return &r, nil
}

func (c *fakeClient) Register(ctx context.Context, req webhook.CreateRequest) ([]webhook.Registration, error) {
	if u, err := url.Parse(req.URL); (err != nil || !u.IsAbs()) && !broken("no-usage-check") {
		return nil, webhook.Invalid("fake: --url %q is not an absolute URL", req.URL)
	}
	if len(req.Params) > 0 {
		return nil, webhook.Invalid("fake: no register params")
	}
	var h hookJSON
	if err := c.do(ctx, http.MethodPost, "/hooks", hookJSON{URL: req.URL, Events: req.Events, Name: req.Name}, &h); err != nil {
		return nil, err
	}
	return []webhook.Registration{c.reg(h)}, nil
}

func (c *fakeClient) Update(ctx context.Context, id string, req webhook.UpdateRequest) (*webhook.Registration, error) {
	if err := checkFakeID(id); err != nil {
		return nil, err
	}
	var body hookJSON
	if req.URL != nil {
		body.URL = *req.URL
	}
	if req.Name != nil {
		body.Name = *req.Name
	}
	body.Events = req.Events
	if broken("update-drops-events") {
		body.Events = []string{"thing.other"}
	}
	var h hookJSON
	if err := c.do(ctx, http.MethodPatch, "/hooks/"+url.PathEscape(id), body, &h); err != nil {
		return nil, err
	}
	r := c.reg(h)
	return &r, nil
}

func (c *fakeClient) Delete(ctx context.Context, id string) error {
	if err := checkFakeID(id); err != nil {
		return err
	}
	if broken("delete-noop") {
		return nil
	}
	return c.do(ctx, http.MethodDelete, "/hooks/"+url.PathEscape(id), nil, nil)
}

func (c *fakeClient) Events(context.Context) (*webhook.EventCatalogue, error) {
	return &webhook.EventCatalogue{Source: webhook.SourceSubscriptions, Name: "the fake's subscriptions"}, nil
}

func (c *fakeClient) RotationPolicy() webhook.RotationPolicy {
	if broken("overlap-mismatch") {
		return webhook.RotationPolicy{MaxConcurrency: 1, Overlap: time.Hour}
	}
	return webhook.RotationPolicy{MaxConcurrency: 1}
}

func (c *fakeClient) RotateSecret(ctx context.Context, id string, _ webhook.RotateRequest) (*webhook.Rotation, error) {
	if err := checkFakeID(id); err != nil {
		return nil, err
	}
	var h hookJSON
	if err := c.do(ctx, http.MethodPost, "/hooks/"+url.PathEscape(id)+"/rotate", nil, &h); err != nil {
		return nil, err
	}
	return &webhook.Rotation{Registration: c.reg(h), NewSecret: h.Secret}, nil
}

func (c *fakeClient) DeliveryHint(bool) string { return "the fake keeps no delivery log" }

// The emulator: in memory, its own reading of the wire.

type fakeEmulator struct {
	base string
	mux  *http.ServeMux
	mu   sync.Mutex
	seq  int
	// hooks by id; order keeps the listing stable.
	hooks map[string]*fakeHook
	order []string
}

type fakeHook struct {
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Name   string   `json:"name"`
	Secret string   `json:"secret"`
}

func newFakeEmulator(o emulator.Options) *fakeEmulator {
	s := &fakeEmulator{base: o.BaseURL, hooks: map[string]*fakeHook{}, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /hooks", s.list)
	s.mux.HandleFunc("POST /hooks", s.create)
	s.mux.HandleFunc("GET /hooks/{id}", s.withHook(func(w http.ResponseWriter, _ *http.Request, h *fakeHook) { emulator.WriteJSON(w, 200, h) }))
	s.mux.HandleFunc("PATCH /hooks/{id}", s.withHook(s.patch))
	s.mux.HandleFunc("DELETE /hooks/{id}", s.withHook(s.delete))
	s.mux.HandleFunc("POST /hooks/{id}/rotate", s.withHook(s.rotate))
	return s
}

func (s *fakeEmulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+fakeAPIKey {
		emulator.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "bad API key"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mux.ServeHTTP(w, r)
}

func (s *fakeEmulator) withHook(f func(http.ResponseWriter, *http.Request, *fakeHook)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h, ok := s.hooks[r.PathValue("id")]
		if !ok {
			emulator.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no such hook"})
			return
		}
		f(w, r, h)
	}
}

func (s *fakeEmulator) list(w http.ResponseWriter, r *http.Request) {
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	out := []*fakeHook{}
	size := fakePageSize
	if broken("no-paging") {
		size = len(s.order) + 1
	}
	start := (page - 1) * size
	for _, id := range s.order[min(start, len(s.order)):min(start+size, len(s.order))] {
		out = append(out, s.hooks[id])
	}
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"hooks": out, "more": start+size < len(s.order)})
}

func (s *fakeEmulator) create(w http.ResponseWriter, r *http.Request) {
	var h fakeHook
	if err := json.NewDecoder(r.Body).Decode(&h); err != nil || !strings.HasPrefix(h.URL, "https://") || len(h.Events) == 0 {
		emulator.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "want an https url and events"})
		return
	}
	s.seq++
	h.ID, h.Secret = "hk_"+strconv.Itoa(s.seq), emulator.RandomHex(16)
	s.hooks[h.ID] = &h
	s.order = append(s.order, h.ID)
	emulator.WriteJSON(w, http.StatusCreated, &h)
}

func (s *fakeEmulator) patch(w http.ResponseWriter, r *http.Request, h *fakeHook) {
	var p fakeHook
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		emulator.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if p.URL != "" {
		h.URL = p.URL
	}
	if p.Name != "" {
		h.Name = p.Name
	}
	if p.Events != nil {
		h.Events = p.Events
	}
	emulator.WriteJSON(w, http.StatusOK, h)
}

func (s *fakeEmulator) delete(w http.ResponseWriter, _ *http.Request, h *fakeHook) {
	delete(s.hooks, h.ID)
	s.order = slices.DeleteFunc(s.order, func(id string) bool { return id == h.ID })
	w.WriteHeader(http.StatusNoContent)
}

func (s *fakeEmulator) rotate(w http.ResponseWriter, _ *http.Request, h *fakeHook) {
	next := emulator.RandomHex(16)
	if !broken("stale-secret") {
		h.Secret = next
	}
	emulator.WriteJSON(w, http.StatusOK, &fakeHook{ID: h.ID, URL: h.URL, Events: h.Events, Name: h.Name, Secret: next})
}

// Delivery signs as GitHub does: X-Hub-Signature-256, HMAC-SHA256 of the
// body, hex.
func (s *fakeEmulator) Delivery(ctx context.Context, id, event string) (*http.Request, error) {
	s.mu.Lock()
	h, ok := s.hooks[id]
	s.mu.Unlock()
	if !ok || !slices.Contains(h.Events, event) {
		return nil, fmt.Errorf("fake: no hook %s for %s", id, event)
	}
	body, _ := json.Marshal(map[string]string{"event": event, "hook": id, "delivery": rand.Text()})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, []byte(h.Secret))
	m.Write(body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
	return req, nil
}

func (s *fakeEmulator) State() (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hooks := make([]*fakeHook, 0, len(s.order))
	for _, id := range s.order {
		hooks = append(hooks, s.hooks[id])
	}
	return json.Marshal(map[string]any{"seq": s.seq, "hooks": hooks})
}

func (s *fakeEmulator) LoadState(b json.RawMessage) error {
	var st struct {
		Seq   int         `json:"seq"`
		Hooks []*fakeHook `json:"hooks"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq, s.hooks, s.order = st.Seq, map[string]*fakeHook{}, nil
	for _, h := range st.Hooks {
		s.hooks[h.ID] = h
		s.order = append(s.order, h.ID)
	}
	return nil
}

func (s *fakeEmulator) ProfileArgs() []string {
	return []string{"--provider", fakeName, "--base-url", s.base}
}
