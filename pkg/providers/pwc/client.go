package pwc

import (
	"cmp"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/hookctl/hookctl/internal/base/text"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// subscriptionsPath is the sync flavour of every operation [DOC]. The
// /async/ flavour has the same DTOs; it only changes how the server
// schedules the work, which a CLI waiting for the answer does not need.
const subscriptionsPath = "/sync/webhooks/subscriptions"

// Client talks to one PwC profile. It implements webhook.Provider,
// webhook.SecretRotator, webhook.Authenticator and webhook.KeyManager.
type Client struct {
	profile config.Profile
	base    string
	http    *http.Client
	creds   *credentials.Store
	errOut  io.Writer
	now     func() time.Time

	cred    *credentials.Login // read on first need, under the session's lock (basicMu with HTTP Basic)
	basicMu sync.Mutex
	session *credentials.TokenSession[*tokenCache]

	keyMu sync.Mutex
	key   *rsa.PrivateKey

	warnOnce sync.Once

	givenMu sync.Mutex
	given   map[string]string // UseCurrentSecret: id -> secret, never stored

	getRoute  string // FieldGetRoute, RouteSync by default
	loginMode string // FieldLoginMode, LoginCredentials by default
}

var (
	_ webhook.Provider            = (*Client)(nil)
	_ webhook.SecretRotator       = (*Client)(nil)
	_ webhook.KeyManager          = (*Client)(nil)
	_ webhook.Authenticator       = (*Client)(nil)
	_ webhook.CurrentSecretProver = (*Client)(nil)
	_ webhook.Reconciler          = (*Client)(nil)
	_ webhook.EventLister         = (*Client)(nil)
)

// New builds a client. Nothing is looked up until a request needs it, so
// `keys generate` and `events` work before a login.
func New(d provider.Deps) (*Client, error) {
	base := strings.TrimSuffix(d.Profile.BaseURL, "/")
	if base == "" {
		if base = baseURLFor(d.Profile.Environment); base == "" {
			return nil, webhook.Invalid("pwc: profile %s has unknown environment %q (want prod or staging)", d.Profile.Name, d.Profile.Environment)
		}
	}
	if u, err := url.Parse(base); err != nil || !u.IsAbs() || u.Host == "" {
		return nil, webhook.Invalid("pwc: base URL %q must be an absolute URL such as %s", base, ProdBaseURL)
	}
	c := &Client{profile: d.Profile, base: base, http: d.HTTP, creds: d.Creds, errOut: d.ErrOut, now: d.Now,
		getRoute: cmp.Or(d.Profile.Setting(FieldGetRoute), RouteSync), loginMode: cmp.Or(d.Profile.Setting(FieldLoginMode), LoginCredentials)}
	if err := validateGetRoute(c.getRoute); err != nil {
		return nil, err
	}
	if err := validateLoginMode(c.loginMode); err != nil {
		return nil, err
	}
	c.session = &credentials.TokenSession[*tokenCache]{Cache: d.Creds.Cache(d.Profile.Name, CredToken),
		Login: c.userLogin, Mint: c.login, Refresh: c.refreshIfAble, Now: func() time.Time { return c.now() }}
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

// account returns the profile's tax number and account id, which list,
// find and create need; they are checked here as well as at `profile add`
// because the config file can be edited by hand.
func (c *Client) account() (string, string, error) {
	tax, acct := c.profile.Setting(FieldTaxNumber), c.profile.Setting(FieldAccountID)
	if tax == "" || acct == "" {
		return "", "", webhook.Invalid("pwc: profile %s needs --tax-number and --account-id (hookctl profile add %s --provider pwc --tax-number DE123456789 --account-id 1234567890)", c.profile.Name, c.profile.Name)
	}
	if err := validateTaxNumber(tax); err != nil {
		return "", "", err
	}
	if err := validateAccountID(acct); err != nil {
		return "", "", err
	}
	return tax, acct, nil
}

// do sends one authenticated API call. A 401 means the token was revoked or
// expired early: the client logs in once more and resends, which is safe
// because the server did not act on an unauthenticated request.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	stale := ""
	for attempt := 0; ; attempt++ {
		h, tok, err := c.authHeader(ctx, stale)
		if err != nil {
			return err
		}
		var payload any
		if body != nil {
			payload = body
		}
		_, err = httpclient.DoJSON(ctx, c.http, method, u, h, payload, out)
		var se *httpclient.StatusError
		if attempt == 0 && errors.As(err, &se) && se.Status == http.StatusUnauthorized && c.loginMode != LoginBasic {
			stale = tok
			continue
		}
		if err != nil {
			return c.apiErr(err)
		}
		return nil
	}
}

// apiErr turns a failed call into a typed error carrying ServiceStack's
// responseStatus: its message, then one line per field error.
func (c *Client) apiErr(err error) error {
	var se *httpclient.StatusError
	if !errors.As(err, &se) {
		return httpclient.Classify(err)
	}
	var eb errorBody
	var msg string
	if json.Unmarshal(se.Body, &eb) == nil && eb.ResponseStatus != nil && (eb.ResponseStatus.Message != "" || eb.ResponseStatus.ErrorCode != "" || len(eb.ResponseStatus.Errors) > 0) {
		msg = "pwc: " + describeStatus(eb.ResponseStatus)
	} else {
		msg = fmt.Sprintf("pwc: %s %s", se.Method, se.URL)
		if snippet := text.Printable(string(se.Body)); snippet != "" {
			msg += ": " + truncate(snippet, 200)
		}
	}
	msg += fmt.Sprintf(" (HTTP %d)", se.Status)
	e := &webhook.Error{Kind: httpclient.KindForStatus(se.Status), Msg: msg, Status: se.Status}
	if se.Status == http.StatusUnauthorized {
		e.WithHint("%s", c.creds.RefusedHint(c.profile.Name, CredUsername, CredPassword))
	}
	return e
}

// describeStatus renders a responseStatus: the message (or code), then each
// field error on its own line so a validation failure names every field.
func describeStatus(rs *responseStatus) string {
	head := text.Printable(rs.Message)
	if head == "" {
		head = text.Printable(rs.ErrorCode)
	} else if code := text.Printable(rs.ErrorCode); code != "" && !strings.Contains(head, code) {
		head += " [" + code + "]"
	}
	var b strings.Builder
	b.WriteString(head)
	for _, fe := range rs.Errors {
		b.WriteString("\n  ")
		if f := text.Printable(fe.FieldName); f != "" {
			b.WriteString(f + ": ")
		}
		m := text.Printable(fe.Message)
		if m == "" {
			m = text.Printable(fe.ErrorCode)
		}
		b.WriteString(m)
		if code := text.Printable(fe.ErrorCode); code != "" && m != code {
			b.WriteString(" [" + code + "]")
		}
	}
	return b.String()
}

// notFoundAs replaces a 404 with hookctl's not-found error for id.
func notFoundAs(err error, id string) error {
	if webhook.KindOf(err) == webhook.KindNotFound {
		return webhook.NotFound(Name, id)
	}
	return err
}

func checkID(id string) error {
	if strings.TrimSpace(id) == "" {
		return webhook.Invalid("pwc: a subscription id is required")
	}
	if strings.ContainsFunc(id, func(r rune) bool { return unicode.IsSpace(r) || text.IsControl(r) }) || strings.ContainsAny(id, "/?#") {
		return webhook.Invalid("pwc: %q is not a subscription id", id)
	}
	return nil
}

func subPath(id string, rest ...string) string {
	return subscriptionsPath + "/" + url.PathEscape(id) + strings.Join(rest, "")
}

// --- secrets ------------------------------------------------------------------

// storedSecret is the current secret of a subscription, which PwC demands
// as proof of ownership for update and delete [DOC]. rotating says the
// caller is a rotation, which has already tried to reconcile a pending
// secret, so its hint does not send the user back to rotate-secret.
func (c *Client) storedSecret(id string, rotating bool) (string, error) {
	c.givenMu.Lock()
	given := c.given[id]
	c.givenMu.Unlock()
	if given != "" {
		return given, nil
	}
	if c.creds == nil {
		return "", errors.New("pwc: no credential store to read the subscription's secret from")
	}
	ws, err := c.creds.WebhookSecrets(c.profile.Name, id)
	if err != nil {
		return "", fmt.Errorf("pwc: reading the stored secret of %s: %w", id, err)
	}
	if ws.Current == nil || ws.Current.Value == "" {
		e := webhook.Errorf(webhook.KindAuth, "pwc: no stored secret for subscription %s: PwC needs the subscription's current secret as proof of ownership to change or delete it", id)
		switch {
		case ws.Pending != nil && rotating:
			return "", e.WithHint("a rotation of %s was interrupted and PwC does not confirm its new secret (hookctl cannot read the subscription's own); store the subscription's current secret with `hookctl secrets set %s -p %s --secret-file FILE`, or give it for one call with --current-secret-file FILE", id, id, c.profile.Name)
		case ws.Pending != nil:
			return "", e.WithHint("a rotation of %s was interrupted; `hookctl rotate-secret %s -p %s` reconciles it", id, id, c.profile.Name)
		}
		return "", e.WithHint("hookctl stores the secret when it registers or rotates a subscription with profile %s; for a subscription created elsewhere, store its secret with `hookctl secrets set %s -p %s`, or give it for one call with --current-secret-file FILE (- for stdin)", c.profile.Name, id, c.profile.Name)
	}
	return ws.Current.Value, nil
}

// UseCurrentSecret proves ownership of id with secret on this client's
// calls (--current-secret-file), ahead of the stored one; it is kept in
// memory only.
func (c *Client) UseCurrentSecret(id, secret string) {
	c.givenMu.Lock()
	defer c.givenMu.Unlock()
	if c.given == nil {
		c.given = map[string]string{}
	}
	c.given[id] = secret
}

// openSecret decrypts an answer's config.secret. A missing key or a
// failure is not an error for reads: the registration is shown without its
// secret and the user is told once why.
func (c *Client) openSecret(id, enc string) string {
	if enc == "" {
		return ""
	}
	k, err := c.privateKey()
	if err == nil {
		var s string
		if s, err = decryptSecret(k, enc); err == nil {
			return s
		}
	}
	c.warnOnce.Do(func() {
		fmt.Fprintf(c.errOut, "warning: pwc: cannot decrypt the secret of %s: %s\n", id, firstLine(err.Error()))
	})
	return ""
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// --- mapping ------------------------------------------------------------------

// HistoryEntry is one delivery attempt of a subscription, as hookctl shows
// it in a registration's extra.history.
type HistoryEntry struct {
	AttemptedAt       *time.Time `json:"attempted_at" yaml:"attempted_at"`
	StatusCode        int        `json:"status_code" yaml:"status_code"`
	StatusDescription string     `json:"status_description,omitempty" yaml:"status_description,omitempty"`
	EventID           string     `json:"event_id,omitempty" yaml:"event_id,omitempty"`
}

// registration maps a SubscriptionResponse to our model. withHistory puts
// the delivery log into Extra (get); lists leave it out.
func (c *Client) registration(sr *subscriptionResponse, withHistory bool) webhook.Registration {
	s := sr.Subscription
	r := webhook.Registration{
		Provider:  Name,
		Profile:   c.profile.Name,
		ID:        s.ID,
		Name:      s.Name,
		URL:       s.Config.URL,
		Events:    []string{s.Event},
		Active:    s.IsActive,
		Status:    webhook.StatusOK,
		CreatedAt: s.CreatedDateUtc.ptr(),
		UpdatedAt: s.LastModifiedDateUtc.ptr(),
		Secret:    c.openSecret(s.ID, s.Config.Secret),
		Extra:     map[string]any{},
	}
	if s.Event == "" {
		r.Events = []string{}
	}
	if !s.IsActive {
		// [SEC] ServiceStack.Webhooks deactivates a subscription whose
		// endpoint answered 4xx; the user must reactivate it.
		r.Status = webhook.StatusInactive
	}
	if s.CreatedByID != "" {
		r.Extra["created_by_id"] = s.CreatedByID
	}
	ct := s.Config.ContentType
	if ct == "" {
		ct = ContentTypeJSON
	}
	r.Extra["content_type"] = ct
	if withHistory {
		h := make([]HistoryEntry, 0, len(sr.History))
		for _, e := range sr.History {
			h = append(h, HistoryEntry{AttemptedAt: e.AttemptedDateUtc.ptr(), StatusCode: int(e.StatusCode), StatusDescription: text.Printable(e.StatusDescription), EventID: e.EventID})
		}
		r.Extra["history"] = h
	}
	r.Normalize()
	return r
}

func (c *Client) registrations(srs []subscriptionResponse) []webhook.Registration {
	out := make([]webhook.Registration, 0, len(srs))
	for i := range srs {
		if srs[i].Subscription != nil {
			out = append(out, c.registration(&srs[i], false))
		}
	}
	return out
}

// --- operations ---------------------------------------------------------------

// List returns the profile's subscriptions (tax number and account). PwC
// has no pagination [UNKNOWN], so Limit trims the answer locally.
func (c *Client) List(ctx context.Context, opts webhook.ListOptions) ([]webhook.Registration, error) {
	if opts.Limit < 0 {
		return nil, webhook.Invalid("pwc: --limit must be positive")
	}
	tax, acct, err := c.account()
	if err != nil {
		return nil, err
	}
	var srs []subscriptionResponse
	if err := c.do(ctx, http.MethodGet, subscriptionsPath, url.Values{"authSteuernummer": {tax}, "accountId": {acct}}, nil, &srs); err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	out := c.registrations(srs)
	if n := opts.Cap(); n > 0 && len(out) > n {
		out = out[:n]
	}
	return out, nil
}

// Get fetches one subscription with its delivery history.
func (c *Client) Get(ctx context.Context, id string) (*webhook.Registration, error) {
	sr, err := c.get(ctx, id)
	if err != nil {
		return nil, err
	}
	r := c.registration(sr, true)
	return &r, nil
}

func (c *Client) get(ctx context.Context, id string) (*subscriptionResponse, error) {
	return c.getAt(ctx, c.getRoute, id)
}

// getPath is the read of one subscription in route flavour route.
func getPath(route, id string) string {
	return "/" + route + "/webhooks/subscriptions/" + url.PathEscape(id)
}

// getAt reads subscription id in route flavour route.
func (c *Client) getAt(ctx context.Context, route, id string) (*subscriptionResponse, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var sr subscriptionResponse
	if err := c.do(ctx, http.MethodGet, getPath(route, id), nil, nil, &sr); err != nil {
		return nil, notFoundAs(err, id)
	}
	if sr.Subscription == nil {
		return nil, fmt.Errorf("pwc: the answer for %s carries no subscription", id)
	}
	return &sr, nil
}

// GetMany fetches several subscriptions in one call (POST …/list). Ids the
// service does not know are left out of the answer.
func (c *Client) GetMany(ctx context.Context, ids []string) ([]webhook.Registration, error) {
	for _, id := range ids {
		if err := checkID(id); err != nil {
			return nil, err
		}
	}
	var srs []subscriptionResponse
	if err := c.do(ctx, http.MethodPost, subscriptionsPath+"/list", nil, listByIDsRequest{IDs: ids}, &srs); err != nil {
		return nil, err
	}
	return c.registrations(srs), nil
}

// Find returns the profile's subscription to event (PwC allows one per
// tax number, account and event).
func (c *Client) Find(ctx context.Context, event string) (*webhook.Registration, error) {
	if v := checkEvent(event); v != nil {
		return nil, webhook.Invalid("pwc: %s", v.Msg)
	}
	tax, acct, err := c.account()
	if err != nil {
		return nil, err
	}
	var sr subscriptionResponse
	q := url.Values{"authSteuernummer": {tax}, "accountId": {acct}, "eventName": {event}}
	if err := c.do(ctx, http.MethodGet, subscriptionsPath+"/find", q, nil, &sr); err != nil {
		if webhook.KindOf(err) == webhook.KindNotFound {
			return nil, webhook.Errorf(webhook.KindNotFound, "pwc: no subscription to event %q for %s/%s", event, tax, acct)
		}
		return nil, err
	}
	if sr.Subscription == nil {
		return nil, webhook.Errorf(webhook.KindNotFound, "pwc: no subscription to event %q for %s/%s", event, tax, acct)
	}
	r := c.registration(&sr, true)
	return &r, nil
}

// ListEvent is the profile's subscription to event, found by PwC
// (`list --event`): none, or the one PwC allows per tax number, account
// and event.
func (c *Client) ListEvent(ctx context.Context, event string) ([]webhook.Registration, error) {
	r, err := c.Find(ctx, event)
	if webhook.KindOf(err) == webhook.KindNotFound {
		return []webhook.Registration{}, nil
	}
	if err != nil {
		return nil, err
	}
	return []webhook.Registration{*r}, nil
}

// Register creates one subscription per event, each with its own secret
// chosen here, so every subscription can be rotated and deleted on its own.
// Each secret is in its Registration.Secret for the caller to store, and is
// also stored right after its create: when a later create fails, the
// subscriptions already made must not be left without their ownership
// proof. A partial failure returns the registrations made and a
// KindPartial error.
func (c *Client) Register(ctx context.Context, req webhook.CreateRequest) ([]webhook.Registration, error) {
	tax, acct, err := c.account()
	if err != nil {
		return nil, err
	}
	if v := checkURL(req.URL); v != nil {
		return nil, webhook.Invalid("pwc: --url: %s", v.Msg)
	}
	if len(req.Events) == 0 {
		return nil, webhook.Invalid("pwc: at least one --event is required (each becomes its own subscription)")
	}
	for i, e := range req.Events {
		if v := checkEvent(e); v != nil {
			return nil, webhook.Invalid("pwc: --event: %s", v.Msg)
		}
		if slices.Contains(req.Events[:i], e) {
			return nil, webhook.Invalid("pwc: --event %s is given twice", e)
		}
	}
	if req.Name != "" {
		if v := checkName(req.Name); v != nil {
			return nil, webhook.Invalid("pwc: --name: %s", v.Msg)
		}
	}
	contentType, err := contentTypeParam(req.Params)
	if err != nil {
		return nil, err
	}
	pub, err := c.publicKeyXML()
	if err != nil {
		return nil, err
	}
	var out []webhook.Registration
	for _, ev := range req.Events {
		r, err := c.createOne(ctx, createRequest{
			Name: req.Name, AuthSteuernummer: tax, AccountID: acct, Events: []string{ev},
			URL: req.URL, ContentType: contentType, PublicKeyXML: pub,
		})
		if err == nil && req.Active != nil && !*req.Active {
			// Create has no isActive [DOC]: an inactive registration is
			// created, then deactivated with its new secret.
			var u *webhook.Registration
			if u, err = c.update(ctx, r.ID, updateRequest{IsActive: req.Active}, r.Secret); err == nil {
				u.Secret = r.Secret
				r = u
			}
		}
		if r != nil {
			out = append(out, *r)
		}
		if err != nil {
			if len(out) == 0 {
				return nil, fmt.Errorf("register %s: %w", ev, err)
			}
			return out, &webhook.Error{Kind: webhook.KindPartial, Err: err,
				Msg: fmt.Sprintf("pwc: registered %d of %d events, then %s failed", len(out), len(req.Events), ev)}
		}
	}
	return out, nil
}

// createOne creates the subscription of one event with a fresh secret.
func (c *Client) createOne(ctx context.Context, body createRequest) (*webhook.Registration, error) {
	secret, err := NewSecret()
	if err != nil {
		return nil, err
	}
	body.Secret = secret
	var srs []subscriptionResponse
	if err := c.do(ctx, http.MethodPost, subscriptionsPath+"/create", nil, body, &srs); err != nil {
		return nil, err
	}
	var sr *subscriptionResponse
	for i := range srs {
		if s := srs[i].Subscription; s != nil && s.Event == body.Events[0] {
			sr = &srs[i]
		}
	}
	if sr == nil {
		return nil, fmt.Errorf("pwc: the create answer carries no subscription for %s", body.Events[0])
	}
	r := c.registration(sr, false)
	if r.Secret != "" && r.Secret != secret {
		// The service's copy is what it will check ownership against and
		// sign with, so it wins over ours.
		fmt.Fprintf(c.errOut, "warning: pwc: subscription %s reports a secret other than the one sent; keeping the service's\n", r.ID)
		secret = r.Secret
	}
	r.Secret = secret
	// Best effort: the register command stores the secret too and reports
	// a failure; this early copy only guards the next create failing.
	if c.creds != nil {
		_ = c.creds.StoreCurrent(c.profile.Name, r.ID, secret, 0, c.now())
	}
	return &r, nil
}

func contentTypeParam(params map[string]string) (string, error) {
	var ct string
	for k, v := range params {
		if k != ParamContentType {
			return "", webhook.Invalid("pwc: --%s is not a pwc option (pwc takes --%s)", k, ParamContentType)
		}
		if err := validateContentType(v); err != nil {
			return "", err
		}
		ct = ContentTypeJSON
	}
	return ct, nil
}

// Update changes a subscription (POST …/{id}/update), proving ownership
// with the stored current secret. A subscription has exactly one event.
func (c *Client) Update(ctx context.Context, id string, req webhook.UpdateRequest) (*webhook.Registration, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var b updateRequest
	if req.URL != nil {
		if v := checkURL(*req.URL); v != nil {
			return nil, webhook.Invalid("pwc: --url: %s", v.Msg)
		}
		b.URL = req.URL
	}
	if req.Events != nil {
		if len(req.Events) != 1 {
			return nil, webhook.Invalid("pwc: a subscription has exactly one event (got %d); register another subscription for more events", len(req.Events))
		}
		if v := checkEvent(req.Events[0]); v != nil {
			return nil, webhook.Invalid("pwc: --event: %s", v.Msg)
		}
		b.Event = &req.Events[0]
	}
	if req.Name != nil {
		if v := checkName(*req.Name); v != nil {
			return nil, webhook.Invalid("pwc: --name: %s", v.Msg)
		}
		b.Name = req.Name
	}
	b.IsActive = req.Active
	ct, err := contentTypeParam(req.Params)
	if err != nil {
		return nil, err
	}
	if ct != "" {
		b.ContentType = &ct
	}
	if b == (updateRequest{}) {
		return nil, webhook.Invalid("pwc: nothing to update (give --url, --event, --name, --active or --content-type)")
	}
	cur, err := c.storedSecret(id, false)
	if err != nil {
		return nil, err
	}
	return c.update(ctx, id, b, cur)
}

// update sends an update with currentSecret proving ownership.
func (c *Client) update(ctx context.Context, id string, b updateRequest, current string) (*webhook.Registration, error) {
	pub, err := c.publicKeyXML()
	if err != nil {
		return nil, err
	}
	b.ID, b.CurrentSecret, b.PublicKeyXML = id, current, pub
	var sr subscriptionResponse
	if err := c.do(ctx, http.MethodPost, subPath(id, "/update"), nil, b, &sr); err != nil {
		return nil, ownershipErr(notFoundAs(err, id), id, c.profile.Name, b.NewSecret != "")
	}
	if sr.Subscription == nil {
		return nil, fmt.Errorf("pwc: the update answer for %s carries no subscription", id)
	}
	r := c.registration(&sr, false)
	return &r, nil
}

// isOwnershipRejected reports the 403 the service answers when the secret
// presented is not the subscription's [INF: the docs say the secret proves
// ownership, not which status a wrong one gets; 403 because the caller is
// authenticated, just not entitled, and 401 would trigger a re-login].
func isOwnershipRejected(err error) bool {
	var we *webhook.Error
	return errors.As(err, &we) && we.Status == http.StatusForbidden
}

// ownershipErr says what to do about a 403 to the secret presented for id:
// store the subscription's current secret, or give it for one call. For
// a rotation (rotating) the interrupted-rotation case is already handled
// (RotateSecret reads the subscription back and a pending secret it holds
// is promoted), so running rotate-secret again would only be refused
// again; for update and delete it is one more way out.
func ownershipErr(err error, id, profile string, rotating bool) error {
	var we *webhook.Error
	if isOwnershipRejected(err) && errors.As(err, &we) {
		hint := fmt.Sprintf("PwC does not accept the secret hookctl holds for %s (profile %s) as the subscription's current one: store the current one with `hookctl secrets set %s -p %s --secret-file FILE`, or give it for this call with --current-secret-file FILE", id, profile, id, profile)
		if !rotating {
			hint += fmt.Sprintf("; if a rotation was interrupted, `hookctl rotate-secret %s -p %s` reconciles it", id, profile)
		}
		we.WithHint("%s", hint)
	}
	return err
}

// Delete removes a subscription (POST …/{id}/delete), proving ownership
// with the stored secret.
func (c *Client) Delete(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	secret, err := c.storedSecret(id, false)
	if err != nil {
		return err
	}
	if err := c.do(ctx, http.MethodPost, subPath(id, "/delete"), nil, deleteRequest{ID: id, Secret: secret}, nil); err != nil {
		return ownershipErr(notFoundAs(err, id), id, c.profile.Name, false)
	}
	return nil
}

// DeleteResult is the outcome for one id of DeleteMany.
type DeleteResult struct {
	ID  string
	Err error
}

// DeleteMany deletes several subscriptions in one call (POST
// …/subscriptions/delete), each proven by its stored secret. Ids without a
// stored secret fail locally and are not sent. It returns one result per
// id, in order, and a KindPartial error when some failed. The caller
// forgets the stored secrets of the deleted ones, as `delete` does.
func (c *Client) DeleteMany(ctx context.Context, ids []string) ([]DeleteResult, error) {
	results := make([]DeleteResult, len(ids))
	var batch batchDeleteRequest
	index := map[string]int{}
	for i, id := range ids {
		results[i].ID = id
		if err := checkID(id); err != nil {
			results[i].Err = err
			continue
		}
		if _, dup := index[id]; dup {
			results[i].Err = webhook.Invalid("pwc: %s is listed twice", id)
			continue
		}
		secret, err := c.storedSecret(id, false)
		if err != nil {
			results[i].Err = err
			continue
		}
		index[id] = i
		batch.Subscriptions = append(batch.Subscriptions, batchDeleteItem{ID: id, Config: subscriptionConfig{Secret: secret}})
	}
	if len(batch.Subscriptions) > 0 {
		var srs []subscriptionResponse
		if err := c.do(ctx, http.MethodPost, subscriptionsPath+"/delete", nil, batch, &srs); err != nil {
			for _, i := range index {
				results[i].Err = err
			}
		} else {
			c.applyBatchResults(results, index, batch, srs)
		}
	}
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			failed++
		}
	}
	if failed > 0 {
		return results, webhook.Errorf(webhook.KindPartial, "pwc: %d of %d deletions failed", failed, len(ids))
	}
	return results, nil
}

// applyBatchResults reads per-item outcomes: each answer names its
// subscription, or is matched by position, and carries a responseStatus
// when that item failed [INF: the batch answer is "an array" of
// SubscriptionResponse].
func (c *Client) applyBatchResults(results []DeleteResult, index map[string]int, batch batchDeleteRequest, srs []subscriptionResponse) {
	seen := map[int]bool{}
	for k, sr := range srs {
		i, ok := -1, false
		if sr.Subscription != nil {
			i, ok = index[sr.Subscription.ID]
		}
		if !ok && k < len(batch.Subscriptions) {
			i, ok = index[batch.Subscriptions[k].ID]
		}
		if !ok {
			continue
		}
		seen[i] = true
		if rs := sr.ResponseStatus; rs != nil && (rs.ErrorCode != "" || rs.Message != "") {
			results[i].Err = webhook.Errorf(kindForCode(rs.ErrorCode), "pwc: %s: %s", results[i].ID, describeStatus(rs))
		}
	}
	for _, i := range index {
		if !seen[i] {
			results[i].Err = fmt.Errorf("pwc: the batch answer says nothing about %s", results[i].ID)
		}
	}
}

// kindForCode maps a per-item ServiceStack error code to an error kind.
func kindForCode(code string) webhook.Kind {
	switch code {
	case "NotFound":
		return webhook.KindNotFound
	case "Forbidden", "Unauthorized":
		return webhook.KindAuth
	}
	return webhook.KindError
}

// Events: PwC publishes no event names [UNKNOWN] and accepts any name of
// 4 to 100 letters, digits, '_' or '-' [SEC], so there is no catalogue to
// show. What can be said truthfully is which names this profile's
// subscriptions use, read from PwC, and that is what Events lists.
func (c *Client) Events(ctx context.Context) (*webhook.EventCatalogue, error) {
	regs, err := c.List(ctx, webhook.ListOptions{All: true})
	if err != nil {
		return nil, &webhook.Error{Kind: webhook.KindOf(err), Err: err,
			Msg: "pwc: PwC publishes no event names; hookctl lists the ones this profile's subscriptions use, and could not read them"}
	}
	urls := map[string][]string{} // event -> the URLs subscribed to it
	for _, r := range regs {
		for _, e := range r.Events {
			if !slices.Contains(urls[e], r.URL) {
				urls[e] = append(urls[e], r.URL)
			}
		}
	}
	events := make([]webhook.EventType, 0, len(urls))
	for _, n := range slices.Sorted(maps.Keys(urls)) {
		events = append(events, webhook.EventType{Name: n, Description: "subscribed: " + strings.Join(urls[n], ", ")})
	}
	about := fmt.Sprintf("PwC publishes no event names; listed are the names this profile's %d subscription(s) use", len(regs))
	if len(regs) == 0 {
		about = "PwC publishes no event names, and this profile has no subscriptions yet"
	}
	about += "; PwC accepts any name of 4 to 100 letters, digits, '_' or '-'"
	return &webhook.EventCatalogue{Events: events, Source: webhook.SourceSubscriptions,
		Name: "the event names this profile's subscriptions use", About: about}, nil
}
