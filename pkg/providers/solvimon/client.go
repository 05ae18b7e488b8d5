package solvimon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/base/text"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// defaultPageSize is Solvimon's own default limit; asking for it explicitly
// keeps page arithmetic independent of a server-side change.
const defaultPageSize = 50

// maxPages stops `list --all` against a server whose page count never ends.
const maxPages = 10000

// maxSecretFile bounds --endpoint-secret-file: the secret is at most 256
// characters, so anything much larger is the wrong file.
const maxSecretFile = 4 << 10

// Client talks to one Solvimon profile. It implements webhook.Provider,
// SecretRotator, Tester, PenaltyBox, ConnectionTester and
// PreviousSecretRevoker.
type Client struct {
	profile config.Profile
	base    string // e.g. https://test.api.solvimon.com (no /v1)
	http    *http.Client
	creds   *credentials.Store
	errOut  io.Writer
	now     func() time.Time

	mu       sync.Mutex
	auth     http.Header             // resolved once, on first use
	authName string                  // the credential in auth: api-key or token
	actions  *webhook.EventCatalogue // GET /v1/webhooks/actions, read once
}

var (
	_ webhook.Provider              = (*Client)(nil)
	_ webhook.SecretRotator         = (*Client)(nil)
	_ webhook.Tester                = (*Client)(nil)
	_ webhook.PenaltyBox            = (*Client)(nil)
	_ webhook.ConnectionTester      = (*Client)(nil)
	_ webhook.PreviousSecretRevoker = (*Client)(nil)
	_ webhook.EventChecker          = (*Client)(nil)
)

// New builds a client. Credentials are looked up on the first request, so
// commands that need none (events) work without a login.
func New(d provider.Deps) (*Client, error) {
	base := strings.TrimSuffix(d.Profile.BaseURL, "/")
	if base == "" {
		if base = baseURLFor(d.Profile.Environment); base == "" {
			return nil, webhook.Invalid("solvimon: profile %s has unknown environment %q (want test or live)", d.Profile.Name, d.Profile.Environment)
		}
	}
	if u, err := url.Parse(base); err != nil || !u.IsAbs() || u.Host == "" {
		return nil, webhook.Invalid("solvimon: base URL %q must be an absolute URL such as %s", base, TestBaseURL)
	}
	c := &Client{profile: d.Profile, base: base, http: d.HTTP, creds: d.Creds, errOut: d.ErrOut, now: d.Now}
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

// authHeader resolves the API credential: api-key (HOOKCTL_API_KEY wins over
// the keyring) as X-API-KEY, else a token (HOOKCTL_TOKEN) as Bearer.
func (c *Client) authHeader() (http.Header, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.auth != nil {
		return c.auth, nil
	}
	if c.creds == nil {
		return nil, credentials.MissingError(c.profile.Name, "api-key")
	}
	h := http.Header{}
	key, _, err := c.creds.Lookup(c.profile.Name, "api-key")
	name := "api-key"
	switch {
	case err == nil && key != "":
		h.Set("X-API-KEY", key)
	case err != nil && !errors.Is(err, credentials.ErrNotFound):
		return nil, fmt.Errorf("solvimon: reading the api-key of profile %s: %w", c.profile.Name, err)
	default:
		tok, _, err := c.creds.Lookup(c.profile.Name, "token")
		if err != nil && !errors.Is(err, credentials.ErrNotFound) {
			return nil, fmt.Errorf("solvimon: reading the token of profile %s: %w", c.profile.Name, err)
		}
		if tok == "" {
			return nil, credentials.MissingError(c.profile.Name, "api-key")
		}
		h.Set("Authorization", "Bearer "+tok)
		name = "token"
	}
	if p := c.profile.Setting(FieldPlatformID); p != "" {
		h.Set("x-platform-id", p)
	}
	c.auth, c.authName = h, name
	return h, nil
}

// do sends one API call. POSTs carry a fresh Idempotency-Key so the retry
// layer may resend them after a timeout or 429 without doing the work twice.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	auth, err := c.authHeader()
	if err != nil {
		return err
	}
	h := auth.Clone()
	if method == http.MethodPost {
		h.Set("Idempotency-Key", uuid.NewString())
	}
	u := c.base + "/v1" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	resp, err := httpclient.DoJSON(ctx, c.http, method, u, h, in, out)
	if err != nil {
		return c.apiErr(resp, err)
	}
	return nil
}

// apiErr turns a failed call into a typed error with Solvimon's own words.
func (c *Client) apiErr(resp *http.Response, err error) error {
	var se *httpclient.StatusError
	if !errors.As(err, &se) {
		return httpclient.Classify(err)
	}
	kind := httpclient.KindForStatus(se.Status)
	var ae apiError
	var msg string
	if json.Unmarshal(se.Body, &ae) == nil && (ae.Code != "" || ae.Message != "") {
		msg = "solvimon: " + text.Printable(ae.Code)
		if f := text.Printable(deref(ae.Field)); f != "" {
			msg += " " + f
		}
		if ae.Message != "" {
			msg += ": " + text.Printable(ae.Message)
		}
	} else {
		msg = fmt.Sprintf("solvimon: %s %s", se.Method, se.URL)
		if snippet := text.Printable(string(se.Body)); snippet != "" {
			if len(snippet) > 200 {
				snippet = snippet[:200] + "…"
			}
			msg += ": " + snippet
		}
	}
	msg += fmt.Sprintf(" (HTTP %d", se.Status)
	if id := se.Header.Get("X-REQUEST-ID"); id != "" {
		msg += ", request id " + text.Printable(id)
	}
	msg += ")"
	e := &webhook.Error{Kind: kind, Msg: msg, Status: se.Status}
	switch se.Status {
	case http.StatusUnauthorized:
		e.WithHint("%s; test and live keys are not interchangeable (profile %s is for %s)", c.creds.RefusedHint(c.profile.Name, c.usedCredential()), c.profile.Name, c.profileEnv())
	case http.StatusForbidden:
		e.WithHint("the credential lacks the WEBHOOK permission for this call, or the platform-id is wrong (`hookctl profile show %s`); for another key: %s",
			c.profile.Name, c.creds.RefusedHint(c.profile.Name, c.usedCredential()))
	}
	return e
}

// usedCredential is the credential the requests carry (api-key, or token
// when there is no api-key), for hints about a refusal.
func (c *Client) usedCredential() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.authName == "" {
		return "api-key"
	}
	return c.authName
}

func (c *Client) profileEnv() string {
	if c.profile.Environment == "" {
		return "test"
	}
	return c.profile.Environment
}

func checkID(id string) error {
	if strings.TrimSpace(id) == "" {
		return webhook.Invalid("solvimon: a webhook id is required")
	}
	if strings.ContainsFunc(id, isControlOrSpace) || strings.Contains(id, "/") {
		return webhook.Invalid("solvimon: %q is not a webhook id", id)
	}
	return nil
}

func hookPath(id string, rest ...string) string {
	return "/webhooks/" + url.PathEscape(id) + strings.Join(rest, "")
}

// List returns every webhook, reading pages of Solvimon's default size
// (50), or at most ListOptions.Cap() of them, in pages no larger than the
// cap needs.
func (c *Client) List(ctx context.Context, opts webhook.ListOptions) ([]webhook.Registration, error) {
	if opts.Limit < 0 {
		return nil, webhook.Invalid("solvimon: --limit must be positive")
	}
	want := opts.Cap()
	limit := defaultPageSize
	if want > 0 {
		limit = min(want, defaultPageSize)
	}
	out := []webhook.Registration{}
	for page := 1; page <= maxPages; page++ {
		var l wireList
		q := url.Values{"page": {strconv.Itoa(page)}, "limit": {strconv.Itoa(limit)}}
		if err := c.do(ctx, http.MethodGet, "/webhooks", q, nil, &l); err != nil {
			return nil, fmt.Errorf("list page %d: %w", page, err)
		}
		if opts.OnTotal != nil && l.TotalNumberOfPages != nil {
			n := *l.TotalNumberOfPages * limit // at most: the last page may be short
			if want > 0 {
				n = min(n, want)
			}
			opts.OnTotal(n)
		}
		start := len(out)
		for _, w := range l.Data {
			if want > 0 && len(out) == want {
				break
			}
			out = append(out, c.registration(&w))
		}
		if opts.OnPage != nil {
			if err := opts.OnPage(out[start:]); err != nil {
				return out, err
			}
		}
		// Stop on the page count when the server gives one; otherwise on a
		// short page, the only other end marker the wrapper has.
		last := len(l.Data) == 0
		if l.TotalNumberOfPages != nil {
			last = last || page >= *l.TotalNumberOfPages
		} else {
			last = last || len(l.Data) < limit || l.Links.Next == nil
		}
		if last || (want > 0 && len(out) >= want) {
			return out, nil
		}
	}
	return out, fmt.Errorf("solvimon: list stopped after %d pages", maxPages)
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
	if err := c.do(ctx, http.MethodGet, hookPath(id), nil, nil, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// Register creates one webhook: POST /v1/webhooks, 201.
func (c *Client) Register(ctx context.Context, req webhook.CreateRequest) ([]webhook.Registration, error) {
	b, err := c.createBody(req)
	if err != nil {
		return nil, err
	}
	var w wireWebhook
	if err := c.do(ctx, http.MethodPost, "/webhooks", nil, b, &w); err != nil {
		return nil, err
	}
	return []webhook.Registration{c.registration(&w)}, nil
}

// TestConnection tries an endpoint before creating it: POST
// /v1/webhooks/test-connection with the body create would send. An answer
// of successful=false is an error carrying Solvimon's message.
func (c *Client) TestConnection(ctx context.Context, req webhook.CreateRequest) (string, error) {
	b, err := c.createBody(req)
	if err != nil {
		return "", err
	}
	return c.connection(ctx, "/webhooks/test-connection", b, "connection test of "+text.Printable(req.URL))
}

// createBody is the WebhookCreateRequest of register and test-connection,
// checked against the documented field rules.
func (c *Client) createBody(req webhook.CreateRequest) (*webhookBody, error) {
	// A missing event list is reported after the field rules, which list
	// every missing required field at once.
	actions, eventsErr := c.includedActions(req.Events, req.AllEvents)
	b := &webhookBody{
		URL:             ptr(req.URL),
		Name:            ptr(req.Name),
		IncludedActions: actions,
		Active:          ptr(true),
	}
	if req.Active != nil {
		b.Active = req.Active
	}
	auth, err := c.applyParams(b, req.Params, "")
	if err != nil {
		return nil, err
	}
	if auth == "" {
		// Say NONE explicitly: the schema has no default for it.
		b.AuthenticationType = ptr(AuthNone)
	}
	if b.IncludePreviousData == nil {
		b.IncludePreviousData = ptr(false)
	}
	if b.SigningProtocol == nil {
		// Say it explicitly, as the published example does: the schema
		// has no default, and verify checks this protocol.
		b.SigningProtocol = ptr(DefaultSigningProtocol)
	}
	plainHTTP, fe := validateBody(b, true)
	if fe == nil {
		fe = checkAuthComplete(deref(b.AuthenticationType), deref(b.Username), deref(b.Password), deref(b.APIHeaderField), deref(b.APIKey))
	}
	if fe != nil {
		return nil, fe.usage()
	}
	if eventsErr != nil {
		return nil, eventsErr
	}
	c.warnHTTP(plainHTTP, req.URL)
	return b, nil
}

// includedActions is the included_actions a request sends. An empty list
// is what Solvimon would be sent for "every action", but nothing
// documents that it means that, so it is sent only when asked for by
// name (all, from --all-events); events left out are refused.
func (c *Client) includedActions(events []string, all bool) (*[]string, error) {
	switch {
	case all && len(events) > 0:
		return nil, webhook.Invalid("solvimon: give --event or --all-events, not both")
	case all:
		return ptr([]string{}), nil
	case len(events) == 0:
		return nil, webhook.Invalid("solvimon: no --event given, and an empty included_actions list is not documented to mean every action").
			WithHint("name the actions with --event (`hookctl events -p %s` lists them), or give --all-events to send no filter on purpose", c.profile.Name)
	}
	return ptr(slices.Clone(events)), nil
}

// Update patches only what the request changes.
func (c *Client) Update(ctx context.Context, id string, req webhook.UpdateRequest) (*webhook.Registration, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	b := &webhookBody{URL: req.URL, Name: req.Name, Active: req.Active}
	if req.Events != nil || req.AllEvents {
		actions, err := c.includedActions(req.Events, req.AllEvents)
		if err != nil {
			return nil, err
		}
		b.IncludedActions = actions
	}
	// The endpoint secret goes into password or api_key depending on the
	// auth type; without --auth-type the webhook's current one decides.
	var current string
	if req.Params[ParamEndpointSecretFile] != "" && req.Params[ParamAuthType] == "" {
		w, err := c.get(ctx, id)
		if err != nil {
			return nil, err
		}
		current = w.AuthenticationType
	}
	if _, err := c.applyParams(b, req.Params, current); err != nil {
		return nil, err
	}
	if *b == (webhookBody{}) {
		return nil, webhook.Invalid("solvimon: nothing to update (give --url, --event, --name, --active or a solvimon flag)")
	}
	plainHTTP, fe := validateBody(b, false)
	if fe != nil {
		return nil, fe.usage()
	}
	if b.URL != nil {
		c.warnHTTP(plainHTTP, *b.URL)
	}
	var w wireWebhook
	if err := c.do(ctx, http.MethodPatch, hookPath(id), nil, b, &w); err != nil {
		return nil, err
	}
	r := c.registration(&w)
	return &r, nil
}

// applyParams copies provider flags into a body and returns the auth type
// it set ("" when none). current is the webhook's auth type on update when
// known.
func (c *Client) applyParams(b *webhookBody, params map[string]string, current string) (string, error) {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := c.applyParam(b, k, params[k]); err != nil {
			return "", err
		}
	}
	auth := deref(b.AuthenticationType)
	effective := auth
	if effective == "" {
		effective = current
	}
	if err := applySecret(b, params[ParamEndpointSecretFile], effective); err != nil {
		return "", err
	}
	return auth, nil
}

// applyParam copies one provider flag, k with value v, into b.
func (c *Client) applyParam(b *webhookBody, k, v string) error {
	switch k {
	case ParamReference:
		b.Reference = ptr(v)
	case ParamAuthType:
		t, err := parseAuthType(v)
		if err != nil {
			return err
		}
		b.AuthenticationType = ptr(t)
	case ParamUsername:
		b.Username = ptr(v)
		if w := usernameColonWarning(v); w != "" {
			fmt.Fprintln(c.errOut, w)
		}
	case ParamSigningProtocol:
		p, warning, err := parseSigningProtocol(v)
		if err != nil {
			return err
		}
		if warning != "" {
			fmt.Fprintln(c.errOut, warning)
		}
		b.SigningProtocol = ptr(p)
	case ParamAPIHeaderField:
		b.APIHeaderField = ptr(v)
	case ParamIncludePreviousData:
		v, err := parseBoolParam(k, v)
		if err != nil {
			return err
		}
		b.IncludePreviousData = ptr(v)
	case ParamExcludedActions:
		l, err := parseActionList(k, v)
		if err != nil {
			return err
		}
		b.ExcludedActions = ptr(l)
	case ParamEndpointSecretFile:
	default:
		var known []string
		for _, f := range Params() {
			known = append(known, "--"+f.Name)
		}
		return webhook.Invalid("solvimon: --%s is not a solvimon option (solvimon takes %s)", k, strings.Join(known, ", "))
	}
	return nil
}

// applySecret checks that b's auth fields go with the auth type in
// effect, and puts the endpoint secret read from file (when given) where
// that type wants it: password or api_key.
func applySecret(b *webhookBody, file, effective string) error {
	if b.Username != nil && effective != "" && effective != AuthPassword {
		return webhook.Invalid("solvimon: --username goes with --auth-type PASSWORD, not %s", effective)
	}
	if b.APIHeaderField != nil && effective != "" && effective != AuthAPIKey {
		return webhook.Invalid("solvimon: --api-header-field goes with --auth-type API_KEY, not %s", effective)
	}
	if file == "" {
		return nil
	}
	secret, err := readSecretFile(file)
	if err != nil {
		return err
	}
	switch effective {
	case AuthPassword:
		b.Password = ptr(secret)
	case AuthAPIKey:
		b.APIKey = ptr(secret)
	default:
		return webhook.Invalid("solvimon: --endpoint-secret-file needs --auth-type PASSWORD or API_KEY (the webhook's is %s)", orNone(effective))
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return AuthNone
	}
	return s
}

// readSecretFile reads a receiver secret; one trailing newline (as editors
// and `echo` leave it) is not part of the secret.
func readSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", webhook.Invalid("solvimon: --endpoint-secret-file: %v", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", webhook.Invalid("solvimon: --endpoint-secret-file: %v", err)
	}
	if len(b) > maxSecretFile {
		return "", webhook.Invalid("solvimon: --endpoint-secret-file %s is larger than %d bytes; it should hold only the secret", path, maxSecretFile)
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if s == "" {
		return "", webhook.Invalid("solvimon: --endpoint-secret-file %s is empty", path)
	}
	return s, nil
}

func (c *Client) warnHTTP(plainHTTP bool, u string) {
	if plainHTTP {
		fmt.Fprintf(c.errOut, "warning: %s is plain http; Solvimon recommends https (TLS 1.2 or 1.3) for webhook endpoints\n", text.Printable(u))
	}
}

// Delete removes a webhook: DELETE answers 200 with the deleted webhook.
func (c *Client) Delete(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, hookPath(id), nil, nil, nil)
}

// RotationPolicy: Solvimon chooses the new secret and keeps signing with
// the previous one for 24 h.
func (c *Client) RotationPolicy() webhook.RotationPolicy {
	return webhook.RotationPolicy{Overlap: SecretOverlap, MaxConcurrency: 8}
}

// RotateSecret rolls the secret: PATCH /v1/webhooks/{id}/secret-key.
//
// The rendered reference marks active, include_previous_data and
// authentication_type of that body as required, so they are sent with the
// webhook's current values (read first) rather than risk a 400 or a reset.
// The PATCH carries no Idempotency-Key and is never retried: a repeated
// roll would push the secret the receiver still uses out of the overlap.
func (c *Client) RotateSecret(ctx context.Context, id string, _ webhook.RotateRequest) (*webhook.Rotation, error) {
	cur, err := c.get(ctx, id)
	if err != nil {
		return nil, err
	}
	body := map[string]any{
		"active":                cur.Active,
		"include_previous_data": cur.IncludePreviousData,
		"authentication_type":   orNone(cur.AuthenticationType),
	}
	var w wireWebhook
	if err := c.do(ctx, http.MethodPatch, hookPath(id, "/secret-key"), nil, body, &w); err != nil {
		return nil, err
	}
	r := c.registration(&w)
	rot := &webhook.Rotation{Registration: r, NewSecret: deref(w.SecretKey), PreviousSecret: deref(w.PreviousSecretKey)}
	if rot.PreviousSecret == "" {
		rot.PreviousSecret = deref(cur.SecretKey)
	}
	if rot.NewSecret == "" || rot.NewSecret == rot.PreviousSecret {
		return rot, fmt.Errorf("solvimon: rolled the secret of %s but the answer carries no new secret_key", id)
	}
	rolled := c.now().UTC()
	if r.SecretRotatedAt != nil {
		rolled = *r.SecretRotatedAt
	}
	until := rolled.Add(SecretOverlap)
	rot.PreviousValidUntil = &until
	return rot, nil
}

// RevokePreviousSecret ends the overlap of a rolled secret early: DELETE
// /v1/webhooks/{id}/secret-key, "Remove the webhook secret, this will roll
// the existing one" [DOC spec]. Whether that only drops the previous
// secret or also rolls the current one is not documented, so the answer
// decides: the returned registration carries the secrets Solvimon reports
// now, for the caller to mirror.
func (c *Client) RevokePreviousSecret(ctx context.Context, id string) (*webhook.Registration, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var w wireWebhook
	if err := c.do(ctx, http.MethodDelete, hookPath(id, "/secret-key"), nil, nil, &w); err != nil {
		return nil, err
	}
	if deref(w.SecretKey) == "" {
		return nil, fmt.Errorf("solvimon: removed the previous secret of %s but the answer carries no secret_key", id)
	}
	r := c.registration(&w)
	return &r, nil
}

// SendTest asks Solvimon to send a test delivery now.
func (c *Client) SendTest(ctx context.Context, id string) (string, error) {
	if err := checkID(id); err != nil {
		return "", err
	}
	return c.connection(ctx, hookPath(id, "/send-test"), nil, "test delivery to "+id)
}

// ResendPenaltyBox pushes the parked payload of a webhook in the penalty
// box; once the endpoint takes it, Solvimon takes the webhook out of the box.
func (c *Client) ResendPenaltyBox(ctx context.Context, id string) (string, error) {
	if err := checkID(id); err != nil {
		return "", err
	}
	return c.connection(ctx, hookPath(id, "/send-penalty-box-payload"), nil, "penalty-box resend to "+id)
}

// connection runs a POST that answers WebhookConnectionResponse. An answer
// of successful=false is an error: the endpoint did not take the delivery.
func (c *Client) connection(ctx context.Context, path string, body any, what string) (string, error) {
	var res wireConnection
	if err := c.do(ctx, http.MethodPost, path, nil, body, &res); err != nil {
		return "", err
	}
	msg := text.Printable(deref(res.Message))
	if res.Successful != nil && !*res.Successful {
		if msg == "" {
			msg = "the endpoint did not accept it"
		}
		return msg, fmt.Errorf("solvimon: %s failed: %s", what, msg)
	}
	if msg == "" {
		msg = what + " sent"
	}
	return msg, nil
}

// registration maps the wire webhook to our model.
func (c *Client) registration(w *wireWebhook) webhook.Registration {
	r := webhook.Registration{
		Provider:       Name,
		Profile:        c.profile.Name,
		ID:             w.ID,
		Name:           deref(w.Name),
		URL:            deref(w.URL),
		Events:         slices.Clone(w.IncludedActions), // empty: every action
		Active:         w.Active,
		Status:         webhook.StatusOK,
		Secret:         deref(w.SecretKey),
		PreviousSecret: deref(w.PreviousSecretKey),
		// Solvimon secrets do not expire; SecretExpiresAt stays nil. The
		// schema has no created/updated times either.
	}
	if t := deref(w.SecretRolledAt); t != "" {
		if at, err := parseTime(t); err == nil {
			r.SecretRotatedAt = &at
		}
	}
	excluded := w.ExcludedActions
	if excluded == nil {
		excluded = []string{}
	}
	r.Extra = map[string]any{
		"reference":             deref(w.Reference),
		"authentication_type":   orNone(w.AuthenticationType),
		"include_previous_data": w.IncludePreviousData,
		"excluded_actions":      excluded,
	}
	for k, v := range map[string]*string{"signing_protocol": w.SigningProtocol, "previous_signing_protocol": w.PreviousSigningProtocol,
		"username": w.Username, "api_header_field": w.APIHeaderField} {
		if deref(v) != "" {
			r.Extra[k] = *v
		}
	}
	if deref(w.PenaltyBox) != "" || w.PenaltyBoxData != nil {
		r.Status = webhook.StatusPenaltyBox
		if deref(w.PenaltyBox) != "" {
			r.Extra["penalty_box"] = *w.PenaltyBox
		}
		if d := w.PenaltyBoxData; d != nil {
			pb := map[string]any{}
			if d.RetryCount != nil {
				pb["retry_count"] = *d.RetryCount
			}
			if d.RetryAt != nil {
				if at, err := parseTime(*d.RetryAt); err == nil {
					pb["retry_at"] = at.Format(time.RFC3339)
				} else {
					pb["retry_at"] = *d.RetryAt
				}
			}
			if d.Cause != nil {
				pb["cause"] = *d.Cause
			}
			if d.Payload != nil {
				pb["payload"] = *d.Payload
			}
			r.Extra["penalty_box_data"] = pb
		}
	}
	r.Normalize()
	return r
}
