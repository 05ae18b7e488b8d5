// Package fakeprovider is a fifth provider's client that exists for tests
// only: a provider of its registry lines (Spec) and this package, talking
// JSON to its emulator (internal/testkit/fakeemulator), which was written
// on its own as a real pair would be. The conformance suite runs it, and
// internal/testkit/conformance adds it to the registries to show that a
// new provider needs its registry lines and nothing else.
//
// Set CONFORMANCE_FAKE_BREAK to one of the ways the suite's own tests
// break it (internal/testkit/conformance, TestSuiteCatchesBrokenFakes).
package fakeprovider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

const (
	// Name is the provider id.
	Name = "fake"
	// PageSize is how many registrations a page of the fake's list holds.
	PageSize = 2
)

// BreakEnv names a way to break the fake; unset, the fake is whole.
const BreakEnv = "CONFORMANCE_FAKE_BREAK"

func broken(how string) bool { return os.Getenv(BreakEnv) == how }

// Spec is the fake's registry line.
func Spec() provider.Spec {
	return provider.Spec{
		Name:         Name,
		Title:        "Fake Webhooks",
		Credentials:  []provider.Credential{{Name: "api-key", Prompt: "Fake API key"}},
		Scheme:       "hub-signature",
		ListPageSize: PageSize,
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

type fakeClient struct {
	base, profile string
	creds         *credentials.Store
	http          *http.Client
}

var (
	_ webhook.Provider       = (*fakeClient)(nil)
	_ webhook.SecretRotator  = (*fakeClient)(nil)
	_ webhook.DeliveryHinter = (*fakeClient)(nil)
)

// newFakeClient reads no credential: like every client, it asks for its
// login on first use, so what needs none (capabilities, refusals) works
// without one.
func newFakeClient(d provider.Deps) (*fakeClient, error) {
	c := &fakeClient{base: strings.TrimSuffix(d.Profile.BaseURL, "/"), profile: d.Profile.Name, http: d.HTTP, creds: d.Creds}
	if broken("eager-credentials") {
		if _, err := c.apiKey(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *fakeClient) apiKey() (string, error) {
	key, _, err := c.creds.Lookup(c.profile, "api-key")
	return key, err
}

// hookJSON is the wire shape both sides agree on; each side declares its own.
type hookJSON struct {
	ID     string   `json:"id,omitempty"`
	URL    string   `json:"url,omitempty"`
	Events []string `json:"events,omitempty"`
	Name   string   `json:"name,omitempty"`
	Secret string   `json:"secret,omitempty"`
}

func (c *fakeClient) Name() string { return Name }

func (c *fakeClient) do(ctx context.Context, method, path string, in, out any) error {
	key, err := c.apiKey()
	if err != nil {
		return err
	}
	_, err = httpclient.DoJSON(ctx, c.http, method, c.base+path, http.Header{"Authorization": {"Bearer " + key}}, in, out)
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
	p := Name
	if broken("registration-provider") {
		p = "other"
	}
	profile := c.profile
	if broken("registration-profile") {
		profile = ""
	}
	return webhook.Registration{Provider: p, Profile: profile, ID: h.ID, URL: h.URL, Events: h.Events, Name: h.Name,
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
