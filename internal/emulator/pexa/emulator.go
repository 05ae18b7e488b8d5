// Package pexa emulates PEXA's Notification Service ("Webhooks
// Registration API") and its OAuth2 token endpoint, for both of PEXA's
// regions, as `hookctl sandbox` serves it: the UK portal (paths under
// /partner/api/notification, v1 and v2) and Australia (v1, v2 and v3
// directly under the API host).
//
// It is written from the project's docs/providers/pexa.md (section 1) and PEXA's own
// documents (the AU OpenAPI document and webhooks guide, copies in
// internal/testkit/spectest/specs), with its own wire types, rules, event lists,
// token handling and delivery signing: it shares no code with the client in
// pkg/providers/pexa, so a client mistake shows up as a failing
// test instead of being agreed with. Import it as pexaemu where the client is
// imported too.
package pexa

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
)

// Name is the provider id the sandbox mounts the emulator under.
const Name = "pexa"

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

// Regions the emulator serves, as the first path segment [docs/providers/pexa.md 1.2].
const (
	RegionUK = "uk"
	RegionAU = "au"
)

// ukPrefix is the UK API's path below the host [docs/providers/pexa.md 1.2: UK path
// prefix /partner/api/notification/v{1|2}/...]. AU has none [spec: paths
// /v1, /v2, /v3 directly under the server].
const ukPrefix = "/partner/api/notification"

// Emulator constants. Tags say where each comes from: [spec] PEXA's
// OpenAPI or webhooks guide (internal/testkit/spectest/specs/), [docs/providers/pexa.md]
// the project's wire reference, [closest] our choice where both are
// silent, following the nearest documented behaviour.
const (
	maxRequestBody = 1 << 20
	// tokenLifetime: "Token lifetime ~12 h" [docs/providers/pexa.md 1.3].
	tokenLifetime = 12 * time.Hour
	// secretLifetime: "The shared secret expires after 30 days" [spec,
	// createNotificationRegistration].
	secretLifetime = 30 * 24 * time.Hour
	// secretOverlap: "The previous secret remains valid for 24 hours"
	// [spec, createNotificationSecretRotation].
	secretOverlap = 24 * time.Hour
	// notWhitelisted marks a domain the emulator treats as not whitelisted
	// by PEXA (GA.NOTIF.400014 / 400029), so tests and demos can trigger it.
	notWhitelisted = "not-whitelisted"
	// The v2 GET's paging: page ≥ 1 (default 1), limit 1..20 (default 10) [spec].
	pageLimitDefault = 10
	pageLimitMax     = 20
)

// Lifetimes for tests of other packages that move the emulator's clock.
const (
	SecretLifetime = secretLifetime
	SecretOverlap  = secretOverlap
	TokenLifetime  = tokenLifetime
)

// Help describes the fixed credentials for `hookctl sandbox --help`.
const Help = "client " + SandboxClientID + " / secret " + SandboxClientSecret + " (every scope);\nclient " + SandboxV1ClientID + ", same secret: v1 API scopes only"

// Entry is PEXA's line in the sandbox registry (internal/sandbox).
func Entry() emulator.Entry {
	return emulator.Entry{
		Name: Name,
		New:  func(o emulator.Options) emulator.Emulator { return New(o) },
		Demo: &emulator.Demo{
			Env:       map[string]string{"HOOKCTL_CLIENT_SECRET": SandboxClientSecret},
			Register:  []string{"--url", "https://hooks.example.com/pexa", "--event", "SECRET_EXPIRY", "--event", "WORKSPACE_CLOSED"},
			UpdateURL: "https://hooks.example.com/pexa/v2",
			Event:     "WORKSPACE_CLOSED",
			Rotate:    true,
		},
		Help: Help,
	}
}

// record is one stored registration, secrets included (State writes it
// out; the JSON names are the state file's format and must not change).
type record struct {
	Seq                int64       `json:"seq"`
	Region             string      `json:"region"`
	ID                 string      `json:"id"`
	WebhookURI         string      `json:"webhook_uri"`
	EventTypes         []string    `json:"event_types"`
	SubscriberID       string      `json:"subscriber_id"`
	SharedSecret       string      `json:"shared_secret"`
	SecretExpiry       time.Time   `json:"secret_expiry"`
	PreviousSecret     string      `json:"previous_secret,omitempty"`
	PreviousValidUntil *time.Time  `json:"previous_valid_until,omitempty"`
	AuthenticationMode string      `json:"authentication_mode,omitempty"` // AU only
	AuthConfig         *authConfig `json:"auth_config,omitempty"`         // clientSecret kept, never echoed
	CreatedAt          time.Time   `json:"created_at"`
	UpdatedAt          time.Time   `json:"updated_at"`
}

// issuedToken is an access token the emulator's token endpoint handed out.
type issuedToken struct {
	Token  string    `json:"token"`
	Region string    `json:"region"`
	Scopes []string  `json:"scopes"`
	Expiry time.Time `json:"expiry"`
}

// savedState is the State/LoadState document. Tokens are part of it so a
// restarted `sandbox serve --state` still honours the tokens hookctl cached,
// as the real service would.
type savedState struct {
	Seq           int64          `json:"seq"`
	Registrations []*record      `json:"registrations"`
	Tokens        []*issuedToken `json:"tokens"`
}

// Emulator emulates PEXA's Notification Service and its token endpoint for
// both regions: /uk/oauth/token and /uk/partner/api/notification/v1|v2/...,
// /au/oauth/token and /au/v1|v2|v3/... (paths as internal/sandbox hands them
// over, /pexa stripped). It is safe for concurrent use.
type Emulator struct {
	base string
	now  func() time.Time

	mu     sync.Mutex
	seq    int64
	regs   map[string]*record
	tokens map[string]*issuedToken
	// granted, when set, replaces the sandbox client's granted scopes
	// (tests of the token endpoint's 403).
	granted []string
	// ukReadVersion is the UK read's API version (QuirkUKReadVersion;
	// "" is "2").
	ukReadVersion string
}

var _ emulator.Emulator = (*Emulator)(nil)

// New builds an empty emulator.
func New(o emulator.Options) *Emulator {
	// PEXA has no "send a test" call, so the emulator never sends
	// deliveries itself and o.HTTP is not needed: internal/sandbox sends what
	// Delivery builds.
	e := &Emulator{base: strings.TrimSuffix(o.BaseURL, "/"), now: o.Now,
		regs: map[string]*record{}, tokens: map[string]*issuedToken{}}
	if e.now == nil {
		e.now = time.Now
	}
	return e
}

// ProfileArgs point `hookctl profile add` at the emulator's UK region.
func (e *Emulator) ProfileArgs() []string { return RegionProfileArgs(e.base, RegionUK) }

// RegionProfileArgs are the `hookctl profile add <name>` arguments that
// point a profile at a PEXA emulator served at baseURL (e.g.
// http://127.0.0.1:8787/pexa) for region uk or au.
func RegionProfileArgs(baseURL, region string) []string {
	base := strings.TrimSuffix(baseURL, "/") + "/" + region
	return []string{"--provider", Name, "--region", region, "--base-url", base, "--token-url", base + "/oauth/token", "--client-id", SandboxClientID}
}

// SetGranted replaces the scopes the sandbox clients may ask for (a test
// hook: a client whose PEXA API product lacks scopes).
func (e *Emulator) SetGranted(scopes []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.granted = slices.Clone(scopes)
}

// registrationPath matches the registration paths below a region's API
// prefix: version, id, and the secret-rotation suffix.
var registrationPath = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^/v([0-9]+)/notification-registrations(?:/([^/]+)(/secret-rotation)?)?/?$`)
})

// ServeHTTP routes by region, then token endpoint or API.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	region, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	rest = "/" + rest
	if region != RegionUK && region != RegionAU {
		writeError(w, http.StatusNotFound, "", "", fmt.Sprintf("no such endpoint %s: the PEXA sandbox serves /uk/... and /au/...", r.URL.Path))
		return
	}
	if rest == "/oauth/token" {
		e.token(w, r, region)
		return
	}
	if region == RegionUK {
		p, ok := strings.CutPrefix(rest, ukPrefix)
		if !ok {
			writeError(w, http.StatusNotFound, "", "", "no such endpoint: "+r.URL.Path)
			return
		}
		rest = p
	}
	if r.ContentLength > maxRequestBody {
		writeError(w, http.StatusRequestEntityTooLarge, "", "", fmt.Sprintf("request body exceeds %d bytes", maxRequestBody))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	e.api(w, r, region, rest)
}

// operation is one documented API call and the scope it needs [spec: each
// operation's description names its scope].
type operation struct {
	scope   string
	handler func(w http.ResponseWriter, r *http.Request, region, id string)
}

// route finds the operation for a method and path. v3 exists only in AU
// [docs/providers/pexa.md 1.4]; anything else under a known path is 405, the rest 404.
func (e *Emulator) route(method, region, path string) (*operation, string, int) {
	m := registrationPath().FindStringSubmatch(path)
	if m == nil {
		return nil, "", http.StatusNotFound
	}
	version, id, rotation := m[1], m[2], m[3] != ""
	v3 := version == "3" && region == RegionAU
	var op *operation
	switch {
	case id == "":
		var status int
		if op, status = e.collectionOp(method, region, version, v3); status != 0 {
			return nil, "", status
		}
	case !rotation:
		op = e.registrationOp(method, version, v3)
	case version == "1" && method == http.MethodPost:
		op = &operation{"create:notification_registrations_secret_rotation", e.rotate}
	}
	if op != nil {
		return op, id, 0
	}
	if (version == "1" || version == "2" || v3) && (!rotation || version == "1") {
		return nil, "", http.StatusMethodNotAllowed
	}
	return nil, "", http.StatusNotFound
}

// collectionOp is the operation on the registrations of a version (no
// id), or a status other than 0 when the path is not there at all.
func (e *Emulator) collectionOp(method, region, version string, v3 bool) (*operation, int) {
	read := e.readVersion(region)
	switch {
	case version == read && method == http.MethodGet:
		return &operation{"view:notification_registrations", e.list}, 0
	case version == "2" && read != "2" && method == http.MethodGet:
		return nil, http.StatusNotFound // the read moved (QuirkUKReadVersion)
	case version == "1" && method == http.MethodPost:
		return &operation{"create:notification_registrations", e.createV1}, 0
	case v3 && method == http.MethodPost:
		return &operation{"create:notification_registrations", e.createV3}, 0
	}
	return nil, 0
}

// registrationOp is the operation on one registration (an id, no
// secret rotation).
func (e *Emulator) registrationOp(method, version string, v3 bool) *operation {
	switch {
	case version == "1" && method == http.MethodPut:
		return &operation{"edit:notification_registrations", e.updateV1}
	case v3 && method == http.MethodPut:
		return &operation{"edit:notification_registrations", e.updateV3}
	case version == "1" && method == http.MethodDelete:
		return &operation{"delete:notification_registrations", e.delete}
	}
	return nil
}

// api authenticates a Bearer token, checks the operation's scope and runs it.
func (e *Emulator) api(w http.ResponseWriter, r *http.Request, region, path string) {
	op, id, status := e.route(r.Method, region, path)
	if op == nil {
		msg := "Not Found"
		if status == http.StatusMethodNotAllowed {
			msg = fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path)
		}
		writeError(w, status, "", "", msg)
		return
	}
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	e.mu.Lock()
	t := e.tokens[bearer]
	now := e.now()
	e.mu.Unlock()
	// [spec] 401 {"errors":[{"code":"GA.NOTIF.401004","message":"Unauthorized"}]}
	// for a missing, unknown or expired token, and for one of the other
	// region (a different tenant).
	if !ok || t == nil || !now.Before(t.Expiry) || t.Region != region {
		w.Header().Set("WWW-Authenticate", `Bearer realm="pexa", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "GA.NOTIF.401004", "", "Unauthorized")
		return
	}
	if !slices.Contains(t.Scopes, op.scope) {
		// [spec] 403 GA.NOTIF.403003 Forbidden.
		writeError(w, http.StatusForbidden, "GA.NOTIF.403003", "", "Forbidden")
		return
	}
	op.handler(w, r, region, id)
}

// writeError writes PEXA's NotificationServiceErrorResponse with one error
// [spec]: field is null when the error is not about one field.
func writeError(w http.ResponseWriter, status int, code, field, msg string) {
	item := errorItem{Code: code, Message: msg}
	if field != "" {
		item.Field = &field
	}
	writeJSON(w, status, errorBody{Errors: []errorItem{item}})
}

// writeJSON answers v as JSON, without the trailing newline of
// emulator.WriteJSON: PEXA's emulator has always answered that way, and
// the sandbox's answers stay byte for byte as they were.
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
func (e *Emulator) State() (json.RawMessage, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := savedState{Seq: e.seq, Registrations: emulator.Sorted(e.regs), Tokens: []*issuedToken{}}
	now := e.now()
	for _, t := range e.tokens {
		if now.Before(t.Expiry) {
			st.Tokens = append(st.Tokens, t)
		}
	}
	slices.SortFunc(st.Tokens, func(a, b *issuedToken) int { return cmp.Compare(a.Token, b.Token) })
	return json.Marshal(st)
}

// LoadState replaces the emulator's registrations and tokens.
func (e *Emulator) LoadState(raw json.RawMessage) error {
	var st savedState
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("pexa sandbox state: %w", err)
	}
	regs, seq, err := emulator.Index(st.Registrations, st.Seq, "pexa sandbox state", "registration", func(rec *record) error {
		if rec == nil || rec.ID == "" || rec.SharedSecret == "" || (rec.Region != RegionUK && rec.Region != RegionAU) {
			return errors.New("a registration without id, shared secret or region")
		}
		return nil
	})
	if err != nil {
		return err
	}
	tokens := map[string]*issuedToken{}
	for _, t := range st.Tokens {
		if t != nil && t.Token != "" {
			tokens[t.Token] = t
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.regs, e.tokens, e.seq = regs, tokens, seq
	return nil
}

// snapshot copies a registration for use outside the lock.
func (e *Emulator) snapshot(id string) (record, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	rec, ok := e.regs[id]
	if !ok {
		return record{}, false
	}
	c := *rec
	c.EventTypes = slices.Clone(rec.EventTypes)
	return c, true
}

func (r *record) RecordID() string { return r.ID }
func (r *record) RecordSeq() int64 { return r.Seq }
