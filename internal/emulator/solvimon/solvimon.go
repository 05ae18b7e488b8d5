// Package solvimon emulates Solvimon's Configuration API webhooks for
// `hookctl sandbox`, written from the project's docs/providers/solvimon.md (§2) and
// Solvimon's published OpenAPI document and webhook guide (copies under
// internal/testkit/spectest/specs), with its own
// wire types and rules: it shares no code with the Solvimon client, so the
// client's tests against it check the client against the docs, not against
// itself.
package solvimon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/internal/emulator/idempotency"
)

// The emulator's fixed credentials, listed in `hookctl sandbox serve --help`.
const (
	SandboxAPIKey     = "sandbox-api-key"
	SandboxToken      = "sandbox-token"
	SandboxPlatformID = "sandbox-platform"
)

// Emulator limits and constants. Tags say where each comes from:
// [spec] the OpenAPI document, [docs/providers/solvimon.md] the project's wire reference,
// [closest] our choice where both are silent, following the nearest
// documented behaviour.
const (
	maxRequestBody      = 1 << 20
	maxIdempotencyKey   = 255            // [docs/providers/solvimon.md] "≤255 chars"
	idempotencyRetained = 48 * time.Hour // [docs/providers/solvimon.md] retention 48 h
	deliveryTimeout     = 10 * time.Second
	// secretOverlap: after a roll "both new and previous secret remain
	// valid for up to 24 h" [docs/providers/solvimon.md §2.5].
	secretOverlap = 24 * time.Hour
)

// retrySchedule is Solvimon's delivery retry schedule [docs/providers/solvimon.md]: the
// penalty box's retry_at follows it, then every 8 h.
var retrySchedule = []time.Duration{
	2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute,
	time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour,
}

func retryDelay(attempt int) time.Duration {
	return retrySchedule[min(attempt, len(retrySchedule)-1)]
}

// testEventType is the type of send-test and test-connection deliveries
// [closest]: the docs do not name it; it keeps the RESOURCE.ACTION shape so
// receivers that route on type do not choke.
const testEventType = "WEBHOOK.TEST"

// Record is one stored webhook, secrets included: State writes it out in
// this shape, so its JSON names are the `sandbox serve --state` file format
// and must not change.
type Record struct {
	Seq                 int64      `json:"seq"`
	ID                  string     `json:"id"`
	Name                string     `json:"name"`
	Reference           string     `json:"reference"`
	URL                 string     `json:"url"`
	Active              bool       `json:"active"`
	IncludedActions     []string   `json:"included_actions"`
	ExcludedActions     []string   `json:"excluded_actions"`
	IncludePreviousData bool       `json:"include_previous_data"`
	AuthenticationType  string     `json:"authentication_type"`
	Username            string     `json:"username,omitempty"`
	Password            string     `json:"password,omitempty"`
	APIHeaderField      string     `json:"api_header_field,omitempty"`
	APIKey              string     `json:"api_key,omitempty"`
	SecretKey           string     `json:"secret_key"`
	PreviousSecretKey   string     `json:"previous_secret_key,omitempty"`
	SecretRolledAt      *time.Time `json:"secret_rolled_at,omitempty"`
	Penalty             *Penalty   `json:"penalty,omitempty"`
	// SigningProtocol is "" in a state file from before it was kept:
	// read as the documented default (signingProtocolOf).
	SigningProtocol         string `json:"signing_protocol,omitempty"`
	PreviousSigningProtocol string `json:"previous_signing_protocol,omitempty"`
}

// Penalty is a parked endpoint: the failed delivery waits here until a
// resend succeeds, and later deliveries would queue behind it.
type Penalty struct {
	Since      time.Time `json:"since"`
	RetryCount int       `json:"retry_count"`
	RetryAt    time.Time `json:"retry_at"`
	Cause      string    `json:"cause"`
	Event      string    `json:"event"`
	// EventID is the webhook event whose payload is parked ("" for a
	// send-test payload).
	EventID string `json:"event_id,omitempty"`
	Payload string `json:"payload"`
}

// state is the State/LoadState document.
type state struct {
	Seq      int64          `json:"seq"`
	Webhooks []*Record      `json:"webhooks"`
	Events   []*EventRecord `json:"webhook_events,omitempty"`
}

// Emulator emulates Solvimon's webhook API in memory. It is safe for
// concurrent use; outbound deliveries run without holding its lock.
type Emulator struct {
	base string
	now  func() time.Time
	http *http.Client
	mux  *http.ServeMux

	mu    sync.Mutex
	seq   int64
	hooks map[string]*Record
	// events is the delivery log, oldest first (events.go).
	events []*EventRecord
	idem   *idempotency.Store
}

var (
	_ emulator.Emulator = (*Emulator)(nil)
	_ emulator.Sender   = (*Emulator)(nil)
)

// Entry registers the emulator with internal/sandbox.
func Entry() emulator.Entry {
	return emulator.Entry{
		Name: name,
		New:  func(o emulator.Options) emulator.Emulator { return New(o) },
		Demo: &emulator.Demo{
			Env:       map[string]string{"HOOKCTL_API_KEY": SandboxAPIKey},
			Register:  []string{"--url", "https://hooks.example.com/solvimon", "--event", "INVOICE.CREATED", "--name", "billing", "--reference", "billing-1"},
			UpdateURL: "https://hooks.example.com/solvimon/v2",
			Event:     "INVOICE.CREATED",
			Rotate:    true,
		},
		Help: "API key " + SandboxAPIKey + " (or Bearer token " + SandboxToken + ")",
	}
}

// name is the provider id: the sandbox's mount point and the profile's
// provider.
const name = "solvimon"

// New builds an empty emulator.
func New(o emulator.Options) *Emulator {
	s := &Emulator{base: strings.TrimSuffix(o.BaseURL, "/"), now: o.Now, http: o.HTTP,
		hooks: map[string]*Record{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.http == nil {
		// internal/sandbox passes its delivery client; this fallback is a plain
		// one, as pkg/httpclient depends on pkg/webhook, a client package
		// (architecture_test.go). Deliveries set their own User-Agent.
		s.http = &http.Client{Timeout: deliveryTimeout}
	}
	// Same key + different request: 400 IDEMPOTENCY_CHECK_FAILED (the docs
	// name the code but not the status; 400 because it is the caller's
	// mistake and every write documents 400, where 409 is kept for a key
	// whose first request is still running). 5xx answers are marked
	// Idempotency-Retryable [docs/providers/solvimon.md]; a replay gets its own request id.
	s.idem = idempotency.New(idempotency.Options{
		Retain: idempotencyRetained, Now: s.now, NotReplayed: []string{"X-Request-Id"}, RetryableHeader: "Idempotency-Retryable",
		Prepare: func(w http.ResponseWriter, _ *http.Request, answer http.Header) {
			answer.Set("X-REQUEST-ID", w.Header().Get("X-REQUEST-ID"))
		},
		Refuse: func(w http.ResponseWriter, why idempotency.Refusal) {
			if why == idempotency.Mismatch {
				writeError(w, http.StatusBadRequest, "IDEMPOTENCY_CHECK_FAILED", "Idempotency-Key", "this key was already used for a different request", "")
				return
			}
			writeError(w, http.StatusConflict, "IDEMPOTENCY_CHECK_FAILED", "Idempotency-Key", "a request with this key is still being processed", "")
		},
	})
	m := http.NewServeMux()
	m.HandleFunc("GET /v1/webhooks", s.list)
	m.HandleFunc("POST /v1/webhooks", s.create)
	m.HandleFunc("GET /v1/webhooks/actions", s.actions)
	m.HandleFunc("POST /v1/webhooks/test-connection", s.testConnection)
	m.HandleFunc("GET /v1/webhooks/{id}", s.withHook(s.get))
	m.HandleFunc("PATCH /v1/webhooks/{id}", s.patch)
	m.HandleFunc("DELETE /v1/webhooks/{id}", s.withHook(s.delete))
	m.HandleFunc("PATCH /v1/webhooks/{id}/secret-key", s.rollSecret)
	m.HandleFunc("DELETE /v1/webhooks/{id}/secret-key", s.withHook(s.removeSecret))
	m.HandleFunc("POST /v1/webhooks/{id}/send-test", s.sendTest)
	m.HandleFunc("POST /v1/webhooks/{id}/send-penalty-box-payload", s.resendPenaltyBox)
	m.HandleFunc("GET /v1/webhook-events", s.listEvents)
	m.HandleFunc("GET /v1/webhook-events/{id}", s.getEvent)
	m.HandleFunc("POST /v1/webhook-events/{id}/resend", s.resendEvent)
	m.HandleFunc("/", s.unknown)
	s.mux = m
	return s
}

// ProfileArgs point `hookctl profile add` at this emulator.
func (s *Emulator) ProfileArgs() []string {
	return []string{"--provider", name, "--environment", "test", "--base-url", s.base}
}

// ServeHTTP authenticates, applies idempotency and routes. Every answer
// carries X-REQUEST-ID [docs/providers/solvimon.md].
func (s *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-REQUEST-ID", uuid.NewString())
	if status, code, msg := authenticate(r); status != 0 {
		writeError(w, status, code, "", msg, "")
		return
	}
	if r.ContentLength > maxRequestBody {
		writeError(w, http.StatusRequestEntityTooLarge, "BAD_REQUEST", "", fmt.Sprintf("request body exceeds %d bytes", maxRequestBody), "")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	// [docs/providers/solvimon.md] Idempotency-Key is optional and advised on POST; we
	// honour it on every write, as a retried PATCH or DELETE needs it too.
	if key := r.Header.Get("Idempotency-Key"); key != "" && r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.idempotent(w, r, key)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// authenticate: X-API-KEY or Bearer [docs/providers/solvimon.md]; a wrong or missing
// credential gets 401 UNAUTHORISED, and a platform the key cannot reach 403.
func authenticate(r *http.Request) (int, string, string) {
	key, authz := r.Header.Get("X-API-KEY"), r.Header.Get("Authorization")
	switch {
	case key != "":
		if key != SandboxAPIKey {
			return http.StatusUnauthorized, "UNAUTHORISED", "the API key is not valid for this environment"
		}
	case authz != "":
		tok, ok := strings.CutPrefix(authz, "Bearer ")
		if !ok || tok != SandboxToken {
			return http.StatusUnauthorized, "UNAUTHORISED", "the bearer token is not valid or has expired"
		}
	default:
		return http.StatusUnauthorized, "UNAUTHORISED", "authentication required: send X-API-KEY or Authorization: Bearer"
	}
	if p := r.Header.Get("x-platform-id"); p != "" && p != SandboxPlatformID {
		// [closest] USER_NOT_ALLOWED: the credential is valid but has no
		// access to that platform.
		return http.StatusForbidden, "USER_NOT_ALLOWED", fmt.Sprintf("no access to platform %q", p)
	}
	return 0, "", ""
}

var versionedPath = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^/v([^/]*)(/webhooks(/.*)?)$`) })

// knownPath matches the documented paths, to tell 405 from 404.
var knownPath = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^/v1/(webhooks(/actions|/test-connection|/[^/]+(/secret-key|/send-test|/send-penalty-box-payload)?)?|webhook-events(/[^/]+(/resend)?)?)$`)
})

func (s *Emulator) unknown(w http.ResponseWriter, r *http.Request) {
	switch m := versionedPath().FindStringSubmatch(r.URL.Path); {
	case m != nil && m[1] != "1":
		// [spec] version is a path parameter; ApiErrorCode has UNSUPPORTED_VERSION.
		writeError(w, http.StatusBadRequest, "UNSUPPORTED_VERSION", "version", fmt.Sprintf("API version %q is not supported (use v1)", m[1]), "")
	case knownPath().MatchString(r.URL.Path):
		writeError(w, http.StatusMethodNotAllowed, "BAD_REQUEST", "", fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path), "")
	default:
		writeError(w, http.StatusNotFound, "RESOURCE_NOT_FOUND", "", "no such endpoint: "+r.URL.Path, "")
	}
}

// writeError writes Solvimon's ApiError [spec]. type is INVALID_REQUEST for
// the caller's mistakes and API_ERROR for the server's [closest: the enum's
// two values].
func writeError(w http.ResponseWriter, status int, code, field, msg, resourceID string) {
	e := errorOut{Type: "INVALID_REQUEST", Code: code, Field: field, Message: msg, ResourceID: resourceID}
	if status >= 500 {
		e.Type = "API_ERROR"
	}
	if resourceID != "" {
		e.ResourceType = "WEBHOOK"
	}
	emulator.WriteJSON(w, status, e)
}

func notFound(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, "RESOURCE_NOT_FOUND", "", fmt.Sprintf("webhook %q not found", id), id)
}

// --- idempotency -----------------------------------------------------------

// idempotent runs a write once per caller and Idempotency-Key (the rules
// are in New's idempotency.Options).
func (s *Emulator) idempotent(w http.ResponseWriter, r *http.Request, key string) {
	if len(key) > maxIdempotencyKey {
		writeError(w, http.StatusBadRequest, "INVALID_FIELD", "Idempotency-Key", fmt.Sprintf("must be at most %d characters", maxIdempotencyKey), "")
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", "", "cannot read the request body", "")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	// Keys are scoped to the caller, as two API users may pick the same key.
	scope := r.Header.Get("X-API-KEY") + "|" + r.Header.Get("Authorization") + "|" + r.Header.Get("x-platform-id") + "|" + key
	s.idem.Serve(w, r, scope, body, s.mux)
}

// Stored is a copy of webhook id as the emulator keeps it, secrets
// included (a test hook: what a client really sent).
func (s *Emulator) Stored(id string) (Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.hooks[id]
	if !ok {
		return Record{}, false
	}
	out := *rec
	if rec.Penalty != nil {
		p := *rec.Penalty
		out.Penalty = &p
	}
	return out, true
}

// State is every webhook, secrets and penalty box included.
func (s *Emulator) State() (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return json.Marshal(state{Seq: s.seq, Webhooks: emulator.Sorted(s.hooks), Events: s.events})
}

// LoadState replaces the emulator's webhooks. Idempotency keys are not part
// of the state: a restarted sandbox forgets them, as a cache would.
func (s *Emulator) LoadState(raw json.RawMessage) error {
	var st state
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("solvimon sandbox state: %w", err)
	}
	hooks, seq, err := emulator.Index(st.Webhooks, st.Seq, "solvimon sandbox state", "webhook", func(rec *Record) error {
		if rec == nil || rec.ID == "" || rec.SecretKey == "" {
			return errors.New("a webhook without id or secret_key")
		}
		if rec.AuthenticationType == "" {
			rec.AuthenticationType = authNone
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks, s.seq, s.events = hooks, seq, st.Events
	return nil
}

func (r *Record) RecordID() string { return r.ID }
func (r *Record) RecordSeq() int64 { return r.Seq }
