package pexa

import (
	"cmp"
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

	"github.com/hookctl/hookctl/internal/base/text"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Registration statuses.
const (
	StatusOK            = webhook.StatusOK
	StatusSecretExpired = webhook.StatusSecretExpired
)

// Paging of the v2 GET: limit 1..20, default 10 [PEXA's OpenAPI].
const (
	maxPageSize     = 20
	defaultPageSize = 10
	// maxPages stops `list --all` against a server whose pages never end.
	maxPages = 10000
)

// maxSecretFile bounds --auth-client-secret-file: a client secret is short,
// so anything much larger is the wrong file.
const maxSecretFile = 4 << 10

// Client talks to one PEXA profile. It implements webhook.Provider,
// webhook.SecretRotator and webhook.Authenticator.
type Client struct {
	profile config.Profile
	ep      endpoints
	epErr   error // a profile without usable endpoints fails on first request
	http    *http.Client
	creds   *credentials.Store
	errOut  io.Writer
	now     func() time.Time

	tokMu     sync.Mutex
	cred      *credentials.Login      // read on first need
	toks      map[string]*cachedToken // by scopeKey
	tokLoaded bool                    // the keyring entry was read (once per client)
	cache     *credentials.Cache      // the token cache, keyed by the login's fingerprint

	readPath string // the paged read (FieldReadPath, DefaultReadPath)
}

var (
	_ webhook.Provider      = (*Client)(nil)
	_ webhook.SecretRotator = (*Client)(nil)
	_ webhook.Authenticator = (*Client)(nil)
	_ webhook.EventChecker  = (*Client)(nil)
)

// New builds a client. Nothing is fetched or read from the keyring until the
// first API call, so `hookctl events` works offline and without a login.
func New(d provider.Deps) (*Client, error) {
	switch d.Profile.Region {
	case RegionUK, RegionAU:
	default:
		return nil, webhook.Invalid("pexa: profile %s has region %q; want uk or au (hookctl profile add %s --provider pexa --region uk|au ...)", d.Profile.Name, d.Profile.Region, d.Profile.Name)
	}
	c := &Client{profile: d.Profile, http: d.HTTP, creds: d.Creds, errOut: d.ErrOut, now: d.Now, toks: map[string]*cachedToken{}}
	if c.errOut == nil {
		c.errOut = io.Discard
	}
	c.cache = d.Creds.Cache(d.Profile.Name, CredToken).WarnOnFailure("PEXA access token", c.warnf)
	c.ep, c.epErr = resolveEndpoints(d.Profile)
	if c.epErr == nil && d.Profile.Setting(FieldClientID) == "" {
		c.epErr = webhook.Invalid("pexa: profile %s has no client-id; add it with `hookctl profile add %s --provider pexa --region %s --client-id ID`", d.Profile.Name, d.Profile.Name, d.Profile.Region)
	}
	c.readPath = cmp.Or(d.Profile.Setting(FieldReadPath), DefaultReadPath)
	if c.epErr == nil {
		c.epErr = validateReadPath(c.readPath)
	}
	if v := d.Profile.Setting(FieldScopes); c.epErr == nil && v != "" {
		c.epErr = validateScopes(v) // a hand-edited config: refused, never silently replaced
	}
	if c.http == nil {
		c.http = httpclient.New(httpclient.Options{})
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Name is the provider id.
func (c *Client) Name() string { return Name }

// do sends one API call with a Bearer token. PEXA has no idempotency key,
// so no Idempotency-Key is set and hookctl's HTTP client retries only GETs:
// a repeated POST would create a second registration or roll the secret
// twice. The one exception is a 401: the gateway refused the call before
// doing anything, so it is sent once more with a fresh token. The token
// carries op's scopes.
func (c *Client) do(ctx context.Context, op apiOp, method, path string, query url.Values, in, out any) error {
	if c.epErr != nil {
		return c.epErr
	}
	u := c.ep.api + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.accessToken(ctx, op)
		if err != nil {
			return err
		}
		h := http.Header{"Authorization": {"Bearer " + tok}}
		_, err = httpclient.DoJSON(ctx, c.http, method, u, h, in, out)
		if err == nil {
			return nil
		}
		var se *httpclient.StatusError
		if errors.As(err, &se) && se.Status == http.StatusUnauthorized {
			// Never leave a refused token cached for the next command.
			c.dropToken(tok)
			if attempt == 0 {
				continue
			}
		}
		return c.apiErr(err, op)
	}
}

// apiErr turns a failed call into a typed error with PEXA's own words and,
// for the GA.NOTIF codes we know, what to do about it.
func (c *Client) apiErr(err error, op apiOp) error {
	var se *httpclient.StatusError
	if !errors.As(err, &se) {
		return httpclient.Classify(err)
	}
	var body wireErrors
	var parts []string
	code := ""
	if json.Unmarshal(se.Body, &body) == nil {
		for _, e := range body.Errors {
			p := text.Printable(e.Message)
			var extra []string
			if e.Code != "" {
				extra = append(extra, text.Printable(e.Code))
				if code == "" {
					code = e.Code
				}
			}
			if e.Field != nil && *e.Field != "" {
				extra = append(extra, "field "+text.Printable(*e.Field))
			}
			if len(extra) > 0 {
				p += " [" + strings.Join(extra, ", ") + "]"
			}
			parts = append(parts, strings.TrimSpace(p))
		}
		if len(parts) == 0 && body.Message != "" {
			parts = append(parts, text.Printable(body.Message))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%s %s", se.Method, se.URL))
		if s := snippet(se.Body); s != "" {
			parts[0] += ": " + s
		}
	}
	msg := "pexa: " + strings.Join(parts, "; ") + fmt.Sprintf(" (HTTP %d)", se.Status)
	e := &webhook.Error{Kind: httpclient.KindForStatus(se.Status), Msg: msg, Status: se.Status}
	if h, ok := codeHints[code]; ok {
		if h.kind != nil {
			e.Kind = *h.kind
		}
		e.Hint = h.hint(c, op)
	} else if strings.HasPrefix(code, "GA.LODGE.") {
		e.Hint = "PEXA says the subscriber profile is suspended or terminated; contact PEXA support"
	} else {
		switch se.Status {
		case http.StatusUnauthorized:
			e.Hint = c.loginHint(op)
		case http.StatusForbidden:
			e.Hint = c.scopeHint(op)
		}
	}
	return e
}

func (c *Client) loginHint(apiOp) string {
	return fmt.Sprintf("PEXA refused the access token even after fetching a new one: check the client's secret (%s) and its id (%q, `hookctl profile show %s`); a %s token is not valid in the other region or environment",
		c.creds.RefusedHint(c.profile.Name, CredClientSecret), c.profile.Setting(FieldClientID), c.profile.Name, describeRegion(c.profile.Region))
}

// readErr explains a failed read of one registration (the v2 GET with a
// registrationId filter, whose UK path is inferred) when the answer says
// the endpoint is missing or not permitted (403, 404, 405, 501): which
// endpoint, which scope, and what to do instead. Other errors, and an
// unknown id (an empty page), are left as they are.
func (c *Client) readErr(id string, err error, instead string) error {
	var we *webhook.Error
	if !errors.As(err, &we) {
		return err
	}
	switch we.Status {
	case http.StatusForbidden, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		// The endpoint or its scope, not the id: explain below.
	default:
		return err
	}
	kind := webhook.KindOf(err)
	if kind == webhook.KindNotFound {
		// PEXA documents an empty page for an unknown id, so a 404 says
		// the read endpoint itself is not there: not that the
		// registration is gone.
		kind = webhook.KindError
	}
	return &webhook.Error{Kind: kind, Err: err, Status: we.Status,
		Msg:  fmt.Sprintf("pexa: reading registration %s (GET %s?registrationId=...) failed", id, c.readPath),
		Hint: fmt.Sprintf("that read needs the scope %s (the %s region's v2 API); %s", strings.Join(c.scopes(opRead), " "), describeRegion(c.profile.Region), instead)}
}

// listErr explains a failed list (the v2 GET, whose UK path is
// inferred) as readErr explains a failed read, when the answer says the
// endpoint is missing (404, 405, 501): which endpoint and scope, and what
// works without it. A 403 already carries scopeHint.
func (c *Client) listErr(err error) error {
	var we *webhook.Error
	if !errors.As(err, &we) || we.Hint != "" {
		return err
	}
	switch we.Status {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
	default:
		return err
	}
	return &webhook.Error{Kind: webhook.KindError, Err: err, Status: we.Status,
		Msg: fmt.Sprintf("pexa: listing registrations (GET %s) failed", c.readPath),
		Hint: fmt.Sprintf("listing needs PEXA's v2 read and the scope %s (the %s region's v2 API); rotate-secret ID, and update ID with both --url and --event, work without it",
			strings.Join(c.scopes(opRead), " "), describeRegion(c.profile.Region))}
}

// scopeHint explains PEXA's 403 for op: the token lacked what the call needs.
func (c *Client) scopeHint(op apiOp) string {
	return fmt.Sprintf("PEXA refused %s with the scopes the token carries: %s", op, c.scopeAdvice(c.scopes(op)))
}

type codeHint struct {
	kind *webhook.Kind // nil: by HTTP status
	hint func(c *Client, op apiOp) string
}

func kindPtr(k webhook.Kind) *webhook.Kind { return &k }

func fixed(s string) func(*Client, apiOp) string { return func(*Client, apiOp) string { return s } }

// codeHints are plain-language hints for PEXA's documented error codes
// (docs/providers/pexa.md 1.4, PEXA's OpenAPI examples).
var codeHints = map[string]codeHint{
	// PEXA's "invalid UUID" for a registration id it cannot read: no such
	// registration can exist, so scripts get "not found" (exit 5) as for
	// an unknown one. The hint makes no claim about the id's form: PEXA's
	// paths say UUID, but the UK portal's own example id is
	// a12sd23sf4f5f6f9 (docs/providers/pexa.md 1.4).
	"GA.NOTIF.400000": {kindPtr(webhook.KindNotFound), func(c *Client, _ apiOp) string {
		return fmt.Sprintf("PEXA does not know this registration id; `hookctl list -p %s` shows the ids of this profile's registrations", c.profile.Name)
	}},
	"GA.NOTIF.400009": {nil, fixed("the access token carries no PEXA subscriber: the API client must be linked to a subscriber (ask PEXA apisupport)")},
	"GA.NOTIF.400012": {nil, fixed("the webhook URI must be an absolute https:// URL")},
	"GA.NOTIF.400013": {nil, fixed("give at least SECRET_EXPIRY and one other --event")},
	"GA.NOTIF.400014": {nil, func(*Client, apiOp) string {
		return "ask PEXA to whitelist the domain (UK: a create:webhook_domains call; AU: during onboarding), then register again"
	}},
	"GA.NOTIF.400015": {nil, func(c *Client, _ apiOp) string {
		return fmt.Sprintf("see `hookctl events -p %s` for the event types PEXA accepts in %s", c.profile.Name, describeRegion(c.profile.Region))
	}},
	"GA.NOTIF.400016": {nil, fixed("list each event once")},
	"GA.NOTIF.400017": {nil, fixed("PEXA could not read a field's format; rerun with --debug and check the request")},
	"GA.NOTIF.400018": {nil, fixed("PEXA could not parse the request JSON; rerun with --debug and report it")},
	"GA.NOTIF.400019": {nil, fixed("a registration with this URI and these events already exists (PEXA has no idempotency key, so a repeated register lands here); see `hookctl list`")},
	"GA.NOTIF.400020": {nil, fixed("SECRET_EXPIRY is mandatory: add --event SECRET_EXPIRY")},
	"GA.NOTIF.400021": {nil, fixed("add at least one event besides SECRET_EXPIRY")},
	"GA.NOTIF.400026": {nil, fixed("--auth-mode is HMAC or HMAC_OAUTH")},
	"GA.NOTIF.400027": {nil, fixed("HMAC_OAUTH needs --auth-url, --auth-client-id and --auth-client-auth-method")},
	"GA.NOTIF.400029": {nil, fixed("ask PEXA to whitelist the --auth-url domain (AU: during onboarding)")},
	"GA.NOTIF.400030": {nil, fixed("give --auth-client-id")},
	"GA.NOTIF.400031": {nil, fixed("--auth-client-auth-method is private_key_jwt or client_secret")},
	"GA.NOTIF.400032": {nil, fixed("client_secret needs --auth-client-secret-file")},
	"GA.NOTIF.400034": {nil, fixed("with --auth-mode HMAC drop the other --auth-* flags")},
	"GA.NOTIF.401004": {kindPtr(webhook.KindAuth), (*Client).loginHint},
	"GA.NOTIF.403003": {kindPtr(webhook.KindAuth), (*Client).scopeHint},
	"GA.NOTIF.404007": {kindPtr(webhook.KindNotFound), fixed("see `hookctl list` for the registrations of this profile")},
}

func snippet(b []byte) string {
	s := text.Printable(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func checkID(id string) error {
	if strings.TrimSpace(id) == "" {
		return webhook.Invalid("pexa: a registration id is required")
	}
	if strings.ContainsFunc(id, isControlOrSpace) || strings.ContainsAny(id, "/?#") {
		return webhook.Invalid("pexa: %q is not a registration id", id)
	}
	return nil
}

func regPath(version, id string, rest ...string) string {
	p := "/" + version + "/notification-registrations"
	if id != "" {
		p += "/" + url.PathEscape(id)
	}
	return p + strings.Join(rest, "")
}

// checkURI applies PEXA's webhookURI rules before anything is sent: an
// absolute https URL; trailing slashes are stripped (PEXA strips them too,
// so keeping them would make later comparisons differ) and the user is told.
func (c *Client) checkURI(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", webhook.Invalid("pexa: --url is required")
	}
	if strings.ContainsFunc(s, isControlOrSpace) {
		return "", webhook.Invalid("pexa: --url %q contains spaces or control characters", s)
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "", webhook.Invalid("pexa: --url %q is not an absolute URL (e.g. https://hooks.example.com/pexa)", s)
	}
	if !strings.EqualFold(u.Scheme, "https") {
		return "", webhook.Invalid("pexa: PEXA accepts only https:// webhook URIs, not %s:// (%s)", strings.ToLower(u.Scheme), s)
	}
	if u.RawQuery == "" && u.Fragment == "" && strings.HasSuffix(s, "/") {
		trimmed := strings.TrimRight(s, "/")
		fmt.Fprintf(c.errOut, "note: using %s (trailing slash removed; PEXA strips it too)\n", trimmed)
		s = trimmed
	}
	return s, nil
}

// events applies the event rules and tells the user about dropped duplicates.
func (c *Client) events(in []string) ([]string, error) {
	out, dups, err := checkEvents(in)
	if err != nil {
		return nil, err
	}
	if len(dups) > 0 {
		fmt.Fprintf(c.errOut, "note: event(s) given more than once, sent once: %s\n", strings.Join(dups, ", "))
	}
	return out, nil
}

// authSettings are the v3 attributes an --auth-* request asks for.
type authSettings struct {
	mode   string
	config *wireAuthConfig
}

// authFlags are the --auth-* flags as given, checked on their own.
type authFlags struct {
	given  []string          // flag names, sorted
	values map[string]string // normalised values
	secret string            // read from --auth-client-secret-file
}

// parseAuthFlags checks the provider flags on their own, before any
// request: known names, value formats, region, the secret file, and the
// combinations that are wrong whatever the registration holds. nil means no
// flag was given (the v1 API is used).
func (c *Client) parseAuthFlags(params map[string]string) (*authFlags, error) {
	known := map[string]provider.Field{}
	var names []string
	for _, f := range Params() {
		known[f.Name] = f
		names = append(names, "--"+f.Name)
	}
	f := &authFlags{values: map[string]string{}}
	for k := range params {
		f.given = append(f.given, k)
	}
	sort.Strings(f.given)
	for _, k := range f.given {
		fd, ok := known[k]
		if !ok {
			return nil, webhook.Invalid("pexa: --%s is not a pexa option (pexa takes %s)", k, strings.Join(names, ", "))
		}
		if fd.Validate != nil {
			if err := fd.Validate(params[k]); err != nil {
				return nil, err
			}
		}
		f.values[k] = params[k]
	}
	if len(f.given) == 0 {
		return nil, nil
	}
	if c.profile.Region != RegionAU {
		return nil, webhook.Invalid("pexa: --%s needs PEXA's v3 API, which only the AU region has (profile %s is %s)", f.given[0], c.profile.Name, describeRegion(c.profile.Region))
	}
	if v, ok := f.values[ParamAuthMode]; ok {
		f.values[ParamAuthMode], _ = parseAuthMode(v)
	}
	if v, ok := f.values[ParamAuthClientAuthMethod]; ok {
		f.values[ParamAuthClientAuthMethod], _ = parseClientAuthMethod(v)
	}
	if v, ok := f.values[ParamAuthScope]; ok {
		f.values[ParamAuthScope] = strings.Join(strings.Fields(v), " ")
	}
	if f.values[ParamAuthMode] == AuthModeHMAC {
		for _, k := range f.given {
			if k != ParamAuthMode {
				return nil, webhook.Invalid("pexa: --%s does not go with --auth-mode HMAC: PEXA forbids authConfig then (GA.NOTIF.400034)", k)
			}
		}
	}
	if file, ok := f.values[ParamAuthClientSecretFile]; ok {
		if f.values[ParamAuthClientAuthMethod] == ClientAuthPrivateKeyJWT {
			return nil, webhook.Invalid("pexa: --%s goes with --%s client_secret, not private_key_jwt (PEXA signs a JWT with its own key then)", ParamAuthClientSecretFile, ParamAuthClientAuthMethod)
		}
		secret, err := readSecretFile(file)
		if err != nil {
			return nil, err
		}
		f.secret = secret
	}
	return f, nil
}

// resolveAuth merges the flags into the registration's current auth
// settings (cur nil on register) and checks PEXA's rules: authConfig
// forbidden with HMAC, required and complete with HMAC_OAUTH.
func (c *Client) resolveAuth(f *authFlags, cur *wireRegistration) (*authSettings, error) {
	if f == nil {
		return nil, nil
	}
	s := &authSettings{mode: f.values[ParamAuthMode]}
	switch {
	case s.mode != "":
	case cur != nil && cur.AuthenticationMode != "":
		s.mode = cur.AuthenticationMode
	case cur != nil:
		// v1 registrations fall back to HMAC [AU webhooks guide].
		s.mode = AuthModeHMAC
	default:
		return nil, webhook.Invalid("pexa: --%s needs --auth-mode %s", f.given[0], AuthModeHMACOAuth)
	}
	if s.mode == AuthModeHMAC {
		for _, k := range f.given {
			if k != ParamAuthMode {
				return nil, webhook.Invalid("pexa: --%s does not go with --auth-mode HMAC: PEXA forbids authConfig then (GA.NOTIF.400034)", k)
			}
		}
		return s, nil
	}
	cfg := &wireAuthConfig{}
	if cur != nil && cur.AuthenticationMode == AuthModeHMACOAuth && cur.AuthConfig != nil {
		*cfg = *cur.AuthConfig
		cfg.ClientSecret = ""
	}
	for k, dst := range map[string]*string{ParamAuthURL: &cfg.AuthURL, ParamAuthClientID: &cfg.ClientID,
		ParamAuthClientAuthMethod: &cfg.ClientAuthMethod, ParamAuthAudience: &cfg.Audience, ParamAuthScope: &cfg.Scope} {
		if v, ok := f.values[k]; ok {
			*dst = v
		}
	}
	var missing []string
	for _, m := range []struct{ flag, v string }{{ParamAuthURL, cfg.AuthURL}, {ParamAuthClientID, cfg.ClientID}, {ParamAuthClientAuthMethod, cfg.ClientAuthMethod}} {
		if m.v == "" {
			missing = append(missing, "--"+m.flag)
		}
	}
	if len(missing) > 0 {
		return nil, webhook.Invalid("pexa: --auth-mode %s needs %s (PEXA requires authConfig then, GA.NOTIF.400027)", AuthModeHMACOAuth, strings.Join(missing, ", "))
	}
	_, hasFile := f.values[ParamAuthClientSecretFile]
	switch cfg.ClientAuthMethod {
	case ClientAuthClientSecret:
		if !hasFile {
			why := ""
			if cur != nil {
				why = "; PEXA never returns the stored one and an update replaces authConfig"
			}
			return nil, webhook.Invalid("pexa: --%s client_secret needs --%s (GA.NOTIF.400032)%s", ParamAuthClientAuthMethod, ParamAuthClientSecretFile, why)
		}
		cfg.ClientSecret = f.secret
	case ClientAuthPrivateKeyJWT:
		if hasFile {
			return nil, webhook.Invalid("pexa: --%s goes with --%s client_secret, not private_key_jwt (PEXA signs a JWT with its own key then)", ParamAuthClientSecretFile, ParamAuthClientAuthMethod)
		}
	}
	s.config = cfg
	return s, nil
}

// readSecretFile reads a secret; one trailing newline (as editors and `echo`
// leave it) is not part of the secret.
func readSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", webhook.Invalid("pexa: --%s: %v", ParamAuthClientSecretFile, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", webhook.Invalid("pexa: --%s: %v", ParamAuthClientSecretFile, err)
	}
	if len(b) > maxSecretFile {
		return "", webhook.Invalid("pexa: --%s %s is larger than %d bytes; it should hold only the secret", ParamAuthClientSecretFile, path, maxSecretFile)
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if s == "" {
		return "", webhook.Invalid("pexa: --%s %s is empty", ParamAuthClientSecretFile, path)
	}
	return s, nil
}

// Register creates one registration: v1 POST, or AU v3 POST when an
// --auth-mode is given. Every rule is checked before the first request.
func (c *Client) Register(ctx context.Context, req webhook.CreateRequest) ([]webhook.Registration, error) {
	if req.Name != "" {
		return nil, webhook.Unsupported(Name, "a registration name (--name)")
	}
	if req.Active != nil && !*req.Active {
		return nil, webhook.Unsupported(Name, "an inactive registration (--inactive; PEXA registrations have no active flag)")
	}
	uri, err := c.checkURI(req.URL)
	if err != nil {
		return nil, err
	}
	events, err := c.events(req.Events)
	if err != nil {
		return nil, err
	}
	flags, err := c.parseAuthFlags(req.Params)
	if err != nil {
		return nil, err
	}
	auth, err := c.resolveAuth(flags, nil)
	if err != nil {
		return nil, err
	}
	var w wireRegistration
	if auth == nil {
		err = c.do(ctx, opCreate, http.MethodPost, regPath("v1", ""), nil, createBody{WebhookURI: uri, EventTypes: events}, &w)
	} else {
		err = c.do(ctx, opCreate, http.MethodPost, regPath("v3", ""), nil, v3Request(uri, events, auth), &w)
	}
	if err != nil {
		return nil, err
	}
	return []webhook.Registration{c.registration(&w)}, nil
}

func v3Request(uri string, events []string, a *authSettings) v3Body {
	return v3Body{NotificationType: "WEBHOOK", EventTypes: events,
		Attributes: v3Attributes{WebhookURI: uri, AuthenticationMode: a.mode, AuthConfig: a.config}}
}

// Update replaces the URI and/or events (PUT takes both, so the missing
// one comes from the current registration), or the AU auth mode via v3.
func (c *Client) Update(ctx context.Context, id string, req webhook.UpdateRequest) (*webhook.Registration, error) {
	uri, events, flags, err := c.updateInput(id, req)
	if err != nil {
		return nil, err
	}
	if req.URL != nil && req.Events != nil && flags == nil {
		// Everything the v1 PUT takes is given: no read, so the update
		// works where the read path (inferred for UK) does not.
		var w wireRegistration
		if err := c.do(ctx, opEdit, http.MethodPut, regPath("v1", id), nil, createBody{WebhookURI: uri, EventTypes: events}, &w); err != nil {
			return nil, err
		}
		r := c.registration(&w)
		return &r, nil
	}
	cur, err := c.get(ctx, id)
	if err != nil {
		return nil, c.readErr(id, err, "give both --url and --event (and no --auth-* flag) to update without reading the registration first")
	}
	if req.URL == nil {
		uri = cur.WebhookURI
	}
	if req.Events == nil {
		events = slices.Clone(cur.EventTypes)
	}
	auth, err := c.resolveAuth(flags, cur)
	if err != nil {
		return nil, err
	}
	var w wireRegistration
	if auth == nil {
		err = c.do(ctx, opEdit, http.MethodPut, regPath("v1", id), nil, createBody{WebhookURI: uri, EventTypes: events}, &w)
	} else {
		err = c.do(ctx, opEdit, http.MethodPut, regPath("v3", id), nil, v3Request(uri, events, auth), &w)
	}
	if err != nil {
		return nil, err
	}
	keepUnanswered(&w, cur, auth == nil)
	r := c.registration(&w)
	return &r, nil
}

// updateInput checks an update's id and flags and returns the URI and
// events it gives (checked) and its --auth-* flags.
func (c *Client) updateInput(id string, req webhook.UpdateRequest) (uri string, events []string, flags *authFlags, err error) {
	if err := checkID(id); err != nil {
		return "", nil, nil, err
	}
	if req.Active != nil && !*req.Active {
		return "", nil, nil, webhook.Unsupported(Name, "deactivating a registration (--active=false; PEXA registrations have no active flag: delete it instead)")
	}
	if req.Name != nil {
		return "", nil, nil, webhook.Unsupported(Name, "a registration name (--name)")
	}
	if req.URL != nil {
		if uri, err = c.checkURI(*req.URL); err != nil {
			return "", nil, nil, err
		}
	}
	if req.Events != nil {
		if events, err = c.events(req.Events); err != nil {
			return "", nil, nil, err
		}
	}
	if flags, err = c.parseAuthFlags(req.Params); err != nil {
		return "", nil, nil, err
	}
	if req.URL == nil && req.Events == nil && len(req.Params) == 0 {
		return "", nil, nil, webhook.Invalid("pexa: nothing to update (give --url, --event or an --auth-* flag)")
	}
	return uri, events, flags, nil
}

// keepUnanswered fills in what an update's answer w leaves out from the
// registration before it, cur: an update keeps the secret, and AU's
// answer omits it and its expiry; a v1 answer (v1) also has no
// authentication settings, which a v1 update leaves as they were.
func keepUnanswered(w, cur *wireRegistration, v1 bool) {
	if w.SharedSecretExpiry == "" {
		w.SharedSecretExpiry = cur.SharedSecretExpiry
	}
	for _, f := range []struct{ dst, src *string }{{&w.SubscriberID, &cur.SubscriberID}, {&w.IntegratorID, &cur.IntegratorID},
		{&w.IntegratorType, &cur.IntegratorType}, {&w.NotificationType, &cur.NotificationType}} {
		if *f.dst == "" {
			*f.dst = *f.src
		}
	}
	if v1 && w.AuthenticationMode == "" {
		w.AuthenticationMode, w.AuthConfig = cur.AuthenticationMode, cur.AuthConfig
	}
}

// Delete removes a registration: DELETE v1 answers 204.
func (c *Client) Delete(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	return c.do(ctx, opDelete, http.MethodDelete, regPath("v1", id), nil, nil, nil)
}

// Get fetches one registration through the v2 GET's registrationId filter.
func (c *Client) Get(ctx context.Context, id string) (*webhook.Registration, error) {
	w, err := c.get(ctx, id)
	if err != nil {
		return nil, c.readErr(id, err, "rotate-secret needs no read, and nor does an update that gives both --url and --event (and no --auth-* flag)")
	}
	r := c.registration(w)
	return &r, nil
}

func (c *Client) get(ctx context.Context, id string) (*wireRegistration, error) {
	return c.getAt(ctx, c.readPath, id)
}

// getAt reads registration id with the paged GET at path.
func (c *Client) getAt(ctx context.Context, path, id string) (*wireRegistration, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var p wirePage
	if err := c.do(ctx, opRead, http.MethodGet, path, url.Values{"registrationId": {id}}, nil, &p); err != nil {
		return nil, err
	}
	// The filter answers an empty page for an unknown id (the operation
	// documents no 404); match the id in case a server ignores the filter.
	for i := range p.Records {
		if p.Records[i].RegistrationID == id {
			return &p.Records[i], nil
		}
	}
	return nil, webhook.NotFound(Name, id).WithHint("see `hookctl list -p %s` for the registrations of this profile", c.profile.Name)
}

// List returns every registration, reading pages of PEXA's largest size
// (20), or at most ListOptions.Cap() of them, in pages no larger than the
// cap needs.
func (c *Client) List(ctx context.Context, opts webhook.ListOptions) ([]webhook.Registration, error) {
	if opts.Limit < 0 {
		return nil, webhook.Invalid("pexa: --limit must be positive")
	}
	want := opts.Cap()
	size := maxPageSize
	if want > 0 {
		size = min(want, maxPageSize)
	}
	out := []webhook.Registration{}
	for page := 1; page <= maxPages; page++ {
		var p wirePage
		q := url.Values{"page": {strconv.Itoa(page)}, "limit": {strconv.Itoa(size)}}
		if err := c.do(ctx, opRead, http.MethodGet, c.readPath, q, nil, &p); err != nil {
			return nil, fmt.Errorf("list page %d: %w", page, c.listErr(err))
		}
		if opts.OnTotal != nil && p.Page.TotalRecords > 0 {
			n := p.Page.TotalRecords
			if want > 0 {
				n = min(n, want)
			}
			opts.OnTotal(n)
		}
		start := len(out)
		for i := range p.Records {
			if want > 0 && len(out) == want {
				break
			}
			out = append(out, c.registration(&p.Records[i]))
		}
		if opts.OnPage != nil {
			if err := opts.OnPage(out[start:]); err != nil {
				return out, err
			}
		}
		limit := p.Page.Limit
		if limit <= 0 {
			limit = size
		}
		last := len(p.Records) == 0 || len(p.Records) < limit ||
			(p.Page.TotalRecords > 0 && page*limit >= p.Page.TotalRecords)
		if last || (want > 0 && len(out) >= want) {
			return out, nil
		}
	}
	return out, fmt.Errorf("pexa: list stopped after %d pages", maxPages)
}

// Events is the region's built-in catalogue (PEXA has no API that lists
// events); SECRET_EXPIRY is mandatory.
func (c *Client) Events(context.Context) (*webhook.EventCatalogue, error) {
	return builtInCatalogue(c.profile.Region), nil
}

// EventsToCheck: names are checked against the same built-in catalogue.
func (c *Client) EventsToCheck(ctx context.Context, _ []string) (*webhook.EventCatalogue, error) {
	return c.Events(ctx)
}

// RotationPolicy: PEXA chooses the new secret and keeps signing with the
// previous one for 24 h. Rotation POSTs are not idempotent, so bulk runs
// stay modest.
func (c *Client) RotationPolicy() webhook.RotationPolicy {
	return webhook.RotationPolicy{Overlap: SecretOverlap, MaxConcurrency: 8}
}

// RotateSecret rolls the shared secret: POST v1 .../secret-rotation (no
// body) answers {expiry, sharedSecret}. The registration is read first so
// the result can name the previous secret and carry the whole registration.
// The POST is never retried (no idempotency key at PEXA): a second roll
// would push out the secret the receiver still uses.
//
// It sends only the documented v1 POST: no read first, so a rotation works
// where the v2 read (its UK path is inferred) does not. The previous secret
// is the caller's to know (the rotation engine keeps the stored one).
func (c *Client) RotateSecret(ctx context.Context, id string, _ webhook.RotateRequest) (*webhook.Rotation, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var rot wireRotation
	if err := c.do(ctx, opRotate, http.MethodPost, regPath("v1", id, "/secret-rotation"), nil, nil, &rot); err != nil {
		return nil, err
	}
	rolled := c.now().UTC()
	until := rolled.Add(SecretOverlap)
	w := wireRegistration{RegistrationID: id, SharedSecret: rot.SharedSecret, SharedSecretExpiry: rot.Expiry}
	r := c.registration(&w)
	r.SecretRotatedAt = &rolled
	r.Normalize()
	res := &webhook.Rotation{Registration: r, NewSecret: rot.SharedSecret, NewSecretExpiresAt: r.SecretExpiresAt,
		PreviousValidUntil: &until}
	if rot.SharedSecret == "" {
		return res, fmt.Errorf("pexa: rotated the secret of %s but the answer carries no sharedSecret", id)
	}
	return res, nil
}

// registration maps PEXA's registration to our model. PEXA has no active
// flag (a registration exists and is delivered to, or is deleted), so
// Active is always true; nor does it report created/updated times.
func (c *Client) registration(w *wireRegistration) webhook.Registration {
	r := webhook.Registration{
		Provider: Name,
		Profile:  c.profile.Name,
		ID:       w.RegistrationID,
		URL:      w.WebhookURI,
		Events:   slices.Clone(w.EventTypes),
		Active:   true,
		Status:   StatusOK,
		Secret:   w.SharedSecret,
		Extra:    map[string]any{"region": c.profile.Region},
	}
	if w.SharedSecretExpiry != "" {
		if exp, err := ParsePexaTime(w.SharedSecretExpiry); err == nil {
			r.SecretExpiresAt = &exp
			// PEXA dates no rotation, but every secret it issues lives
			// SecretLifetime: the expiry less that is when this one was
			// issued, which is what `rotate-secret --older-than` needs
			// on a runner that kept no record of its own.
			rolled := exp.Add(-SecretLifetime)
			r.SecretRotatedAt = &rolled
			if !c.now().Before(exp) {
				r.Status = StatusSecretExpired
			}
		} else {
			// Keep what PEXA said rather than lose it.
			r.Extra["shared_secret_expiry"] = text.Printable(w.SharedSecretExpiry)
		}
	}
	for k, v := range map[string]string{
		"subscriber_id":       w.SubscriberID,
		"notification_type":   w.NotificationType,
		"authentication_mode": w.AuthenticationMode,
		"integrator_id":       w.IntegratorID,
		"integrator_type":     w.IntegratorType,
	} {
		if v != "" {
			r.Extra[k] = v
		}
	}
	if a := w.AuthConfig; a != nil {
		ac := map[string]any{"auth_url": a.AuthURL, "client_id": a.ClientID, "client_auth_method": a.ClientAuthMethod}
		if a.Audience != "" {
			ac["audience"] = a.Audience
		}
		if a.Scope != "" {
			ac["scope"] = a.Scope
		}
		r.Extra["auth_config"] = ac
	}
	r.Normalize()
	return r
}
