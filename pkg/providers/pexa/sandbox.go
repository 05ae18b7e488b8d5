package pexa

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/pkg/providers/provider"
)

// The emulator's fixed credentials, listed in `hookctl sandbox serve --help`.
const (
	SandboxClientID = "sandbox-client"
	// SandboxV1ClientID is a client with the v1 API product only: it is
	// granted the region's v1 scopes, not view:notification_registrations
	// (the scope of the v2 read). Same secret.
	SandboxV1ClientID   = "sandbox-client-v1"
	SandboxClientSecret = "sandbox-secret"
	// SandboxSubscriberID is the subscriber the sandbox client acts for
	// (the id in PEXA's own examples).
	SandboxSubscriberID = "202"
)

// Emulator constants. Tags say where each comes from: [spec] PEXA's
// OpenAPI or webhooks guide (testdata/), [providers.md] the project's wire
// reference, [closest] our choice where both are silent, following the
// nearest documented behaviour.
const (
	maxRequestBody = 1 << 20
	// tokenLifetime: "Token lifetime ~12 h" [providers.md].
	tokenLifetime = 12 * time.Hour
	// notWhitelisted marks a domain the emulator treats as not whitelisted
	// by PEXA (GA.NOTIF.400014 / 400029), so tests and demos can trigger it.
	notWhitelisted = "not-whitelisted"
)

// The scopes each region's API defines, read again for the emulator
// [providers.md 1.3; AU: the OpenAPI's securitySchemes]. The UK defines
// them per API version: v1 has no view:notification_registrations, which
// comes with v2 (and the v2 GET is the only read).
var (
	ukV1Scopes = []string{"create:notification_registrations", "edit:notification_registrations", "delete:notification_registrations",
		"create:notification_registrations_secret_rotation", "view:notifications", "create:notification_retry", "create:webhook_domains"}
	ukV2Scopes = []string{"create:notification_registrations", "edit:notification_registrations", "delete:notification_registrations",
		"view:notification_registrations", "create:notification_retry"}
	auScopes = []string{"view:notification_registrations", "create:notification_registrations", "edit:notification_registrations",
		"delete:notification_registrations", "create:notification_registrations_secret_rotation"}
)

// grantedScopes are what a sandbox client may ask for in a region: the
// sandbox client every scope the region defines, the v1 client those of
// the v1 API (in AU, every scope but the v2 read's) [closest: Auth0 grants
// per API].
func grantedScopes(clientID, region string) []string {
	switch {
	case region == RegionUK && clientID == SandboxV1ClientID:
		return ukV1Scopes
	case region == RegionUK:
		out := slices.Clone(ukV1Scopes)
		for _, sc := range ukV2Scopes {
			if !slices.Contains(out, sc) {
				out = append(out, sc)
			}
		}
		return out
	case clientID == SandboxV1ClientID:
		return slices.DeleteFunc(slices.Clone(auScopes), func(s string) bool { return s == "view:notification_registrations" })
	}
	return auScopes
}

// record is one stored registration, secrets included (State writes it out).
type record struct {
	Seq                int64           `json:"seq"`
	Region             string          `json:"region"`
	ID                 string          `json:"id"`
	WebhookURI         string          `json:"webhook_uri"`
	EventTypes         []string        `json:"event_types"`
	SubscriberID       string          `json:"subscriber_id"`
	SharedSecret       string          `json:"shared_secret"`
	SecretExpiry       time.Time       `json:"secret_expiry"`
	PreviousSecret     string          `json:"previous_secret,omitempty"`
	PreviousValidUntil *time.Time      `json:"previous_valid_until,omitempty"`
	AuthenticationMode string          `json:"authentication_mode,omitempty"` // AU only
	AuthConfig         *wireAuthConfig `json:"auth_config,omitempty"`         // clientSecret kept, never echoed
	CreatedAt          time.Time       `json:"created_at"`
	UpdatedAt          time.Time       `json:"updated_at"`
}

// issuedToken is an access token the emulator's token endpoint handed out.
type issuedToken struct {
	Token  string    `json:"token"`
	Region string    `json:"region"`
	Scopes []string  `json:"scopes"`
	Expiry time.Time `json:"expiry"`
}

// sandboxState is the State/LoadState document. Tokens are part of it so a
// restarted `sandbox serve --state` still honours the tokens hookctl cached,
// as the real service would.
type sandboxState struct {
	Seq           int64          `json:"seq"`
	Registrations []*record      `json:"registrations"`
	Tokens        []*issuedToken `json:"tokens"`
}

// Sandbox emulates PEXA's Notification Service and its token endpoint for
// both regions: /uk/oauth/token and /uk/partner/api/notification/v1|v2/...,
// /au/oauth/token and /au/v1|v2|v3/... (paths as pkg/sandbox hands them
// over, /pexa stripped). It is safe for concurrent use.
type Sandbox struct {
	base string
	now  func() time.Time

	mu     sync.Mutex
	seq    int64
	regs   map[string]*record
	tokens map[string]*issuedToken
	// granted, when set, replaces the sandbox client's granted scopes
	// (tests of the token endpoint's 403).
	granted []string
}

var _ provider.Sandbox = (*Sandbox)(nil)

// NewSandbox builds an empty emulator.
func NewSandbox(o provider.SandboxOptions) *Sandbox {
	// PEXA has no "send a test" call, so the emulator never sends
	// deliveries itself and o.HTTP is not needed: pkg/sandbox sends what
	// Delivery builds.
	s := &Sandbox{base: strings.TrimSuffix(o.BaseURL, "/"), now: o.Now,
		regs: map[string]*record{}, tokens: map[string]*issuedToken{}}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// ProfileArgs point `hookctl profile add` at the emulator's UK region.
func (s *Sandbox) ProfileArgs() []string { return SandboxProfileArgs(s.base, RegionUK) }

// SandboxProfileArgs are the `hookctl profile add <name>` arguments that
// point a profile at a PEXA emulator served at baseURL (e.g.
// http://127.0.0.1:8787/pexa) for region uk or au.
func SandboxProfileArgs(baseURL, region string) []string {
	base := strings.TrimSuffix(baseURL, "/") + "/" + region
	return []string{"--provider", Name, "--region", region, "--base-url", base, "--token-url", base + "/oauth/token", "--client-id", SandboxClientID}
}

// apiPath matches the registration paths below a region's API prefix.
var apiPath = regexp.MustCompile(`^/v([0-9]+)/notification-registrations(?:/([^/]+)(/secret-rotation)?)?/?$`)

// ServeHTTP routes by region, then token endpoint or API.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	region, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	rest = "/" + rest
	if region != RegionUK && region != RegionAU {
		writeErrors(w, http.StatusNotFound, "", "", fmt.Sprintf("no such endpoint %s: the PEXA sandbox serves /uk/... and /au/...", r.URL.Path))
		return
	}
	if rest == "/oauth/token" {
		s.token(w, r, region)
		return
	}
	if region == RegionUK {
		p, ok := strings.CutPrefix(rest, UKAPIPrefix)
		if !ok {
			writeErrors(w, http.StatusNotFound, "", "", "no such endpoint: "+r.URL.Path)
			return
		}
		rest = p
	}
	if r.ContentLength > maxRequestBody {
		writeErrors(w, http.StatusRequestEntityTooLarge, "", "", fmt.Sprintf("request body exceeds %d bytes", maxRequestBody))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	s.api(w, r, region, rest)
}

// operation is one documented API call.
type operation struct {
	scope   string
	handler func(w http.ResponseWriter, r *http.Request, region, id string)
}

// route finds the operation for a method and path. v3 exists only in AU
// [providers.md]; anything else under a known path is 405, the rest 404.
func (s *Sandbox) route(method, region, path string) (*operation, string, int) {
	m := apiPath.FindStringSubmatch(path)
	if m == nil {
		return nil, "", http.StatusNotFound
	}
	version, id, rotation := m[1], m[2], m[3] != ""
	var op *operation
	switch {
	case version == "1" && id == "" && method == http.MethodPost:
		op = &operation{"create:notification_registrations", s.createV1}
	case version == "3" && id == "" && method == http.MethodPost && region == RegionAU:
		op = &operation{"create:notification_registrations", s.createV3}
	case version == "2" && id == "" && method == http.MethodGet:
		op = &operation{"view:notification_registrations", s.list}
	case version == "1" && id != "" && !rotation && method == http.MethodPut:
		op = &operation{"edit:notification_registrations", s.updateV1}
	case version == "3" && id != "" && !rotation && method == http.MethodPut && region == RegionAU:
		op = &operation{"edit:notification_registrations", s.updateV3}
	case version == "1" && id != "" && !rotation && method == http.MethodDelete:
		op = &operation{"delete:notification_registrations", s.delete}
	case version == "1" && rotation && method == http.MethodPost:
		op = &operation{"create:notification_registrations_secret_rotation", s.rotate}
	}
	if op != nil {
		return op, id, 0
	}
	known := (version == "1" || version == "2" || (version == "3" && region == RegionAU)) && !(rotation && version != "1")
	if known {
		return nil, "", http.StatusMethodNotAllowed
	}
	return nil, "", http.StatusNotFound
}

// api authenticates a Bearer token, checks the operation's scope and runs it.
func (s *Sandbox) api(w http.ResponseWriter, r *http.Request, region, path string) {
	op, id, status := s.route(r.Method, region, path)
	if op == nil {
		msg := "Not Found"
		if status == http.StatusMethodNotAllowed {
			msg = fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path)
		}
		writeErrors(w, status, "", "", msg)
		return
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	t := s.tokens[tok]
	now := s.now()
	s.mu.Unlock()
	// [spec] 401 {"errors":[{"code":"GA.NOTIF.401004","message":"Unauthorized"}]}
	// for a missing, unknown or expired token, and for one of the other
	// region (a different tenant).
	if !ok || t == nil || !now.Before(t.Expiry) || t.Region != region {
		w.Header().Set("WWW-Authenticate", `Bearer realm="pexa", error="invalid_token"`)
		writeErrors(w, http.StatusUnauthorized, "GA.NOTIF.401004", "", "Unauthorized")
		return
	}
	if !slices.Contains(t.Scopes, op.scope) {
		// [spec] 403 GA.NOTIF.403003 Forbidden.
		writeErrors(w, http.StatusForbidden, "GA.NOTIF.403003", "", "Forbidden")
		return
	}
	op.handler(w, r, region, id)
}

// token is the client-credentials grant, shaped like Auth0 (which PEXA's
// token hosts are [providers.md]): client_secret_basic or client_secret_post,
// a 401 access_denied "Unauthorized" for a wrong client, and a 403
// access_denied naming scopes the client was not granted [closest: Auth0].
func (s *Sandbox) token(w http.ResponseWriter, r *http.Request, region string) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	form := r.PostForm
	id, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 2.3.1: Basic credentials are form-urlencoded first.
		if v, err := url.QueryUnescape(id); err == nil {
			id = v
		}
		if v, err := url.QueryUnescape(secret); err == nil {
			secret = v
		}
		if form.Get("client_secret") != "" {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "use one client authentication method")
			return
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("Unsupported grant type: %s", gt))
		return
	}
	if (id != SandboxClientID && id != SandboxV1ClientID) || secret != SandboxClientSecret {
		writeOAuthError(w, http.StatusUnauthorized, "access_denied", "Unauthorized")
		return
	}
	s.mu.Lock()
	granted := grantedScopes(id, region)
	if s.granted != nil {
		granted = s.granted
	}
	s.mu.Unlock()
	if req := strings.Fields(form.Get("scope")); len(req) > 0 {
		var missing []string
		for _, sc := range req {
			if !slices.Contains(granted, sc) {
				missing = append(missing, sc)
			}
		}
		if len(missing) > 0 {
			writeOAuthError(w, http.StatusForbidden, "access_denied", "Client has not been granted scopes: "+strings.Join(missing, ", "))
			return
		}
		granted = req
	}
	t := &issuedToken{Token: randomToken(), Region: region, Scopes: slices.Clone(granted)}
	s.mu.Lock()
	now := s.now()
	t.Expiry = now.Add(tokenLifetime)
	for k, old := range s.tokens {
		if !now.Before(old.Expiry) {
			delete(s.tokens, k)
		}
	}
	s.tokens[t.Token] = t
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": t.Token,
		"token_type":   "Bearer",
		"expires_in":   int(tokenLifetime / time.Second),
		"scope":        strings.Join(granted, " "),
	})
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// writeErrors writes PEXA's NotificationServiceErrorResponse [spec]: field
// is null when the error is not about one field; a 500 has only a message.
func writeErrors(w http.ResponseWriter, status int, code, field, msg string) {
	e := wireError{Code: code, Message: msg}
	if field != "" {
		e.Field = &field
	}
	writeJSON(w, status, wireErrors{Errors: []wireError{e}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"errors":[{"message":"Internal Server Error"}]}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// State is every registration (secrets included) and every live token.
func (s *Sandbox) State() (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := sandboxState{Seq: s.seq, Registrations: make([]*record, 0, len(s.regs)), Tokens: []*issuedToken{}}
	for _, rec := range s.regs {
		st.Registrations = append(st.Registrations, rec)
	}
	slices.SortFunc(st.Registrations, func(a, b *record) int { return cmp.Compare(a.Seq, b.Seq) })
	now := s.now()
	for _, t := range s.tokens {
		if now.Before(t.Expiry) {
			st.Tokens = append(st.Tokens, t)
		}
	}
	slices.SortFunc(st.Tokens, func(a, b *issuedToken) int { return cmp.Compare(a.Token, b.Token) })
	return json.Marshal(st)
}

// LoadState replaces the emulator's registrations and tokens.
func (s *Sandbox) LoadState(raw json.RawMessage) error {
	var st sandboxState
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("pexa sandbox state: %w", err)
	}
	regs := map[string]*record{}
	for _, rec := range st.Registrations {
		if rec == nil || rec.ID == "" || rec.SharedSecret == "" || (rec.Region != RegionUK && rec.Region != RegionAU) {
			return errors.New("pexa sandbox state: a registration without id, shared secret or region")
		}
		if _, dup := regs[rec.ID]; dup {
			return fmt.Errorf("pexa sandbox state: registration %s appears twice", rec.ID)
		}
		regs[rec.ID] = rec
		st.Seq = max(st.Seq, rec.Seq)
	}
	tokens := map[string]*issuedToken{}
	for _, t := range st.Tokens {
		if t != nil && t.Token != "" {
			tokens[t.Token] = t
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.regs, s.tokens, s.seq = regs, tokens, st.Seq
	return nil
}

// setGranted replaces the scopes the sandbox client may ask for.
func (s *Sandbox) setGranted(scopes []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.granted = slices.Clone(scopes)
}

// newSecret is a shared secret shaped like PEXA's (a UUID string [spec]).
func newSecret() string { return uuid.NewString() }

func randomDigits(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	out := make([]byte, n)
	for i, c := range b {
		out[i] = '0' + c%10
	}
	return string(out)
}
