package offblocks

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/base/text"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/signature/httpsig"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Client talks to one OffBlocks profile. It implements webhook.Provider,
// webhook.Authenticator, webhook.KeyManager and webhook.KeyUploader. It
// deliberately does not implement webhook.SecretRotator: OffBlocks has no
// webhook secrets (see RotateSecretHint).
type Client struct {
	profile config.Profile
	base    string // e.g. https://api.offblocks.xyz (no /v1)
	http    *http.Client
	creds   *credentials.Store
	errOut  io.Writer
	now     func() time.Time

	cred    *credentials.Login // read on first need, under the session's lock
	session *credentials.TokenSession[*tokenCache]

	keyMu sync.Mutex
	key   *ecdsa.PrivateKey
	keyID string

	wire wireSettings // the profile's wire details, defaults filled in
}

var (
	_ webhook.Provider      = (*Client)(nil)
	_ webhook.KeyManager    = (*Client)(nil)
	_ webhook.KeyUploader   = (*Client)(nil)
	_ webhook.Authenticator = (*Client)(nil)
	_ webhook.EventChecker  = (*Client)(nil)

	_ webhook.VerificationKeySource = (*Client)(nil)
	_ webhook.RotateSecretHinter    = (*Client)(nil)
)

// New builds a client. Credentials and keys are read on first use, so
// commands that need none (events) work without a login.
func New(d provider.Deps) (*Client, error) {
	base, err := resolveBase(d.Profile)
	if err != nil {
		return nil, err
	}
	wire, err := settingsOf(d.Profile)
	if err != nil {
		return nil, err
	}
	c := &Client{profile: d.Profile, base: base, http: d.HTTP, creds: d.Creds, errOut: d.ErrOut, now: d.Now, wire: wire}
	c.session = &credentials.TokenSession[*tokenCache]{Cache: d.Creds.Cache(d.Profile.Name, CredToken),
		Login: c.apiLogin, Mint: c.login, Now: func() time.Time { return c.now() }}
	if c.http == nil {
		c.http = httpclient.New(httpclient.Options{})
	}
	if c.errOut == nil {
		c.errOut = io.Discard
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Name is the provider id.
func (c *Client) Name() string { return Name }

// call sends one authenticated API call signed with the profile's key.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	s, err := c.requestSigner()
	if err != nil {
		return err
	}
	return c.send(ctx, s, method, path, in, out)
}

// send does the three layers of the package comment. The request is
// signed once per token and handed to httpclient as finished bytes
// (DoJSON rebuilds the identical request from the same URL, headers and
// body, and sets GetBody), so the retry layer resends exactly what was
// signed. A 401 with a cached token drops it and tries once more with a
// new one, under the same Idempotency-Key: the first attempt was refused
// before any work was done, so it is the same operation.
func (c *Client) send(ctx context.Context, s signer, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	var idem string
	if method != http.MethodGet && method != http.MethodHead {
		idem = uuid.NewString() // v4 [DOC: a UUID]
	}
	u := c.base + path
	tok, fresh, err := c.token(ctx, "")
	if err != nil {
		return err
	}
	for {
		h, err := c.signedHeader(s, method, u, "Bearer "+tok, idem, body)
		if err != nil {
			return err
		}
		_, err = httpclient.DoJSON(ctx, c.http, method, u, h, body, out)
		if err == nil {
			return nil
		}
		var se *httpclient.StatusError
		if errors.As(err, &se) && se.Status == http.StatusUnauthorized && !fresh {
			if tok, fresh, err = c.token(ctx, tok); err != nil {
				return err
			}
			continue
		}
		return c.apiErr(err)
	}
}

// signedHeader builds the headers of a request, signature included, for
// the profile's signed-components (by default those listed in the package
// comment). body is what will be sent.
func (c *Client) signedHeader(s signer, method, rawURL, authorization, idem string, body []byte) (http.Header, error) {
	r, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		return nil, err
	}
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	if len(body) > 0 {
		r.Header.Set("Content-Type", "application/json") // SignRequest adds Content-Digest
	}
	if idem != "" {
		r.Header.Set("Idempotency-Key", idem)
	}
	err = httpsig.SignRequest(r, body, httpsig.SignOptions{
		Key:             s.key,
		KeyID:           s.keyID,
		Algorithm:       SignatureAlgorithm,
		Label:           signatureLabel,
		Components:      c.wire.requestComponents(len(body) > 0, idem != "", authorization != ""),
		DigestAlgorithm: c.wire.digest,
		Created:         c.now(),
	})
	if err != nil {
		return nil, fmt.Errorf("offblocks: signing the request: %w", err)
	}
	return r.Header, nil
}

// apiErr turns a failed call into a typed error with OffBlocks' own words.
func (c *Client) apiErr(err error) error {
	var se *httpclient.StatusError
	if !errors.As(err, &se) {
		var rl *httpclient.RateLimitError
		if errors.As(err, &rl) {
			return httpclient.Classify(err)
		}
		return fmt.Errorf("offblocks: %w", err)
	}
	msg := text.Printable(apiErrorMessage(se.Body))
	if msg == "" {
		msg = plainMessage(se.Body)
	}
	if msg == "" {
		msg = http.StatusText(se.Status)
		if msg == "" {
			msg = "error"
		}
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	e := &webhook.Error{Kind: httpclient.KindForStatus(se.Status), Status: se.Status,
		Msg: fmt.Sprintf("offblocks: %s %s: %s (HTTP %d)", se.Method, se.URL, msg, se.Status)}
	p := c.profile.Name
	status := se.Status
	if status == http.StatusBadRequest && strings.Contains(strings.ToLower(msg), "signature") {
		// OffBlocks' library answers a signature it refuses 400 "invalid
		// required signature": the request's authentication, as a 401.
		e.Kind, status = webhook.KindAuth, http.StatusUnauthorized
	}
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		e.WithHint("OffBlocks refused the token or the request signature: check the API credentials (%s) and that the signing key in use is the uploaded one (%s)",
			c.creds.RefusedHint(p, CredAPIKey, CredAPISecret), c.signingKeyHint())
	case http.StatusConflict:
		// [DOC] 409: a request with the same Idempotency-Key is still in flight.
		e.WithHint("OffBlocks is still processing an earlier request with the same Idempotency-Key; wait a moment and check with `hookctl list -p %s` before running the command again", p)
	case http.StatusUnprocessableEntity:
		// [DOC] 422: the Idempotency-Key was used before with another payload.
		e.WithHint("OffBlocks has seen this Idempotency-Key with a different request; hookctl uses a new key for every command, so running the command again is safe")
	}
	return e
}

// plainMessage is a short one-line text answer (a middleware's
// http.Error, as OffBlocks' signature middleware answers), printable; ""
// for anything else, such as an HTML page.
func plainMessage(body []byte) string {
	m := strings.TrimSpace(string(body))
	if m == "" || len(m) > 200 || strings.ContainsAny(m, "\n<{[") {
		return ""
	}
	return text.Printable(m)
}

// trimPrefix drops the "offblocks: " every message starts with, for
// messages that rephrase one.
func trimPrefix(s string) string { return strings.TrimPrefix(s, Name+": ") }

// checkID rejects what cannot be a webhook id (a UUID [DOC]) before any request.
func checkID(id string) error {
	if strings.TrimSpace(id) == "" {
		return webhook.Invalid("offblocks: a webhook id is required")
	}
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		return webhook.Invalid("offblocks: %q is not a webhook id (OffBlocks ids are UUIDs)", text.Printable(id))
	}
	return nil
}

func hookPath(id string) string { return "/v1/webhooks/" + url.PathEscape(id) }

// notFound maps a 404 on a webhook to our NotFound.
func notFound(err error, id string) error {
	var we *webhook.Error
	if errors.As(err, &we) && we.Status == http.StatusNotFound {
		return webhook.NotFound(Name, id)
	}
	return err
}

// List returns the active webhooks (GET /v1/webhooks). OffBlocks documents
// no pagination [UNKNOWN], so --limit cuts the one answer and --all changes
// nothing.
func (c *Client) List(ctx context.Context, opts webhook.ListOptions) ([]webhook.Registration, error) {
	if opts.Limit < 0 {
		return nil, webhook.Invalid("offblocks: --limit must be positive")
	}
	var raw json.RawMessage
	if err := c.call(ctx, http.MethodGet, "/v1/webhooks", nil, &raw); err != nil {
		return nil, err
	}
	l, err := decodeList(raw)
	if err != nil {
		return nil, fmt.Errorf("offblocks: GET /v1/webhooks: %w", err)
	}
	out := make([]webhook.Registration, 0, len(l))
	for i := range l {
		out = append(out, c.registration(&l[i]))
	}
	if n := opts.Cap(); n > 0 && len(out) > n {
		out = out[:n]
	}
	return out, nil
}

// Get fetches one webhook.
func (c *Client) Get(ctx context.Context, id string) (*webhook.Registration, error) {
	w, err := c.get(ctx, id)
	if err != nil {
		return nil, err
	}
	r := c.registration(w)
	return &r, nil
}

func (c *Client) get(ctx context.Context, id string) (*wireWebhook, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var w wireWebhook
	if err := c.call(ctx, http.MethodGet, hookPath(id), nil, &w); err != nil {
		return nil, notFound(err, id)
	}
	return &w, nil
}

// checkCommon rejects what OffBlocks webhooks do not have: names, an
// inactive state, provider flags. Dropping them silently would tell the
// user something was set that was not.
func checkCommon(name *string, active *bool, params map[string]string) error {
	if name != nil && *name != "" {
		return webhook.Invalid("offblocks: webhooks have no name; drop --name")
	}
	if active != nil && !*active {
		return webhook.Invalid("offblocks: webhooks cannot be deactivated (every webhook is active); delete it instead")
	}
	for k := range params {
		return webhook.Invalid("offblocks: --%s is not an offblocks option (offblocks takes none)", k)
	}
	return nil
}

// Register creates one webhook: PUT /v1/webhooks without id [DOC]. It
// always names its types: every type (AllEvents) is the guide's list.
func (c *Client) Register(ctx context.Context, req webhook.CreateRequest) ([]webhook.Registration, error) {
	if err := c.CheckCreate(req); err != nil {
		return nil, err
	}
	types, err := c.types(req.Events, req.AllEvents)
	if err != nil {
		return nil, err
	}
	var w wireWebhook
	if err := c.call(ctx, http.MethodPut, "/v1/webhooks", webhookBody{CallbackURL: req.URL, Types: types}, &w); err != nil {
		return nil, err
	}
	return []webhook.Registration{c.registration(&w)}, nil
}

// Update is a read-modify-write: PUT /v1/webhooks with an id replaces the
// whole webhook [DOC], so the current one is read first and what the
// request leaves unset is sent back unchanged. Two concurrent updates of
// one webhook can still overwrite each other; OffBlocks offers no version
// to guard against that [UNKNOWN].
func (c *Client) Update(ctx context.Context, id string, req webhook.UpdateRequest) (*webhook.Registration, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	if err := c.CheckUpdate(req); err != nil {
		return nil, err
	}
	setTypes := req.Events != nil || req.AllEvents
	var types []string
	if setTypes {
		var err error
		if types, err = c.types(req.Events, req.AllEvents); err != nil {
			return nil, err
		}
	}
	cur, err := c.get(ctx, id)
	if err != nil {
		return nil, err
	}
	b := webhookBody{ID: cur.ID, CallbackURL: cur.CallbackURL, Types: slices.Clone(cur.Types)}
	if b.ID == "" {
		b.ID = id
	}
	if req.URL != nil {
		b.CallbackURL = *req.URL
	}
	if setTypes {
		b.Types = types
	}
	var w wireWebhook
	if err := c.call(ctx, http.MethodPut, "/v1/webhooks", b, &w); err != nil {
		return nil, notFound(err, id)
	}
	r := c.registration(&w)
	return &r, nil
}

// types is what a request sends as types: the events given, or the
// guide's list for every type (all). Nothing documents that a webhook
// without types gets every type, so none is ever sent [INF].
func (c *Client) types(events []string, all bool) ([]string, error) {
	switch {
	case all && len(events) > 0:
		return nil, webhook.Invalid("offblocks: give --event or --all-events, not both")
	case all:
		return eventNames(), nil
	case len(events) == 0:
		return nil, webhook.Invalid("offblocks: no --event given, and OffBlocks does not document what a webhook without types receives").
			WithHint("name the types with --event (`hookctl events -p %s` lists them), or give --all-events for the %d types OffBlocks documents", c.profile.Name, len(eventNames()))
	}
	return validateEvents(events)
}

// Delete removes a webhook: DELETE answers with no content [DOC].
func (c *Client) Delete(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	return notFound(c.call(ctx, http.MethodDelete, hookPath(id), nil, nil), id)
}

// Events is OffBlocks' documented catalogue (it has no API that lists
// event types).
func (c *Client) Events(context.Context) (*webhook.EventCatalogue, error) {
	return builtInCatalogue(), nil
}

// EventsToCheck: names are checked against the same catalogue.
func (c *Client) EventsToCheck(ctx context.Context, _ []string) (*webhook.EventCatalogue, error) {
	return c.Events(ctx)
}

// registration maps the wire webhook to our model. Every listed webhook
// is active [DOC: the list returns "all active webhooks"]; no types means
// every type, said in Extra so an empty EVENTS column is not misread.
func (c *Client) registration(w *wireWebhook) webhook.Registration {
	r := webhook.Registration{
		Provider: Name,
		Profile:  c.profile.Name,
		ID:       w.ID,
		URL:      w.CallbackURL,
		Events:   slices.Clone(w.Types),
		Active:   true,
		Status:   webhook.StatusOK,
	}
	for _, t := range []struct {
		s   string
		dst **time.Time
	}{{w.CreatedAt, &r.CreatedAt}, {w.UpdatedAt, &r.UpdatedAt}} {
		if t.s == "" {
			continue
		}
		if at, err := parseTime(t.s); err == nil {
			*t.dst = &at
		}
	}
	if len(w.Types) == 0 {
		r.Extra = map[string]any{"all_types": true}
	}
	r.Normalize()
	return r
}

// signingKeyHint says how to make the signing key in use the uploaded one,
// by where it comes from: `keys upload` uploads the key in effect, and a
// variable set to another key wins over the stored one.
func (c *Client) signingKeyHint() string {
	p := c.profile.Name
	if c.creds != nil {
		if _, src, err := c.creds.Lookup(p, CredSigningKey); err == nil && src == credentials.SourceEnv {
			return fmt.Sprintf("%s is set and wins over the stored key: `hookctl keys upload -p %s` uploads it, or unset it", c.creds.EnvVarFor(p, CredSigningKey), p)
		}
	}
	return fmt.Sprintf("`hookctl keys upload -p %s`; %s overrides the keyring", p, credentials.ProfileEnvVar(p, CredSigningKey))
}
