package solvimon

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/emulator/idempotency"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
)

// The emulator's fixed credentials, listed in `hookctl sandbox serve --help`.
const (
	SandboxAPIKey     = "sandbox-api-key"
	SandboxToken      = "sandbox-token"
	SandboxPlatformID = "sandbox-platform"
)

// Emulator limits and constants. Tags say where each comes from:
// [spec] the OpenAPI document, [providers.md] the project's wire reference,
// [closest] our choice where both are silent, following the nearest
// documented behaviour.
const (
	maxRequestBody      = 1 << 20
	maxIdempotencyKey   = 255            // [providers.md] "≤255 chars"
	idempotencyRetained = 48 * time.Hour // [providers.md] retention 48 h
	deliveryTimeout     = 10 * time.Second
	signingProtocol     = "HmacSHA256" // [providers.md] example value of signing_protocol
)

// retrySchedule is Solvimon's delivery retry schedule [providers.md]: the
// penalty box's retry_at follows it, then every 8 h.
var retrySchedule = []time.Duration{
	2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute,
	time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour,
}

func retryDelay(attempt int) time.Duration {
	return retrySchedule[min(attempt, len(retrySchedule)-1)]
}

// sandboxActions is the emulator's one list of actions: GET
// /v1/webhooks/actions serves it, and create, patch and deliveries accept
// exactly what it holds ("valid values from GET /webhooks/actions"
// [providers.md]). Every resource of the webhook guide with CREATED,
// UPDATED and DELETE [spec: the guide's catalogue], and the finer actions
// the API reference names as valid values, INVOICE.STATUS_TO_FINAL and
// INVOICE.PAID [providers.md].
var sandboxActions = func() []wireAction {
	out := []wireAction{}
	for _, res := range strings.Fields(`CUSTOMER PLATFORM PRICING_PLAN PRICING_PLAN_VERSION
		PRICING_PLAN_SUBSCRIPTION PRICING_PLAN_SCHEDULE QUOTE QUOTE_VERSION CONTACT ALERT_RULE METER
		METER_PROPERTY METER_VALUE METER_VALUE_CALCULATION BILLABLE_METRIC PRODUCT PRODUCT_ITEM
		PRODUCT_CATEGORY BILLING_ENTITY FEATURE PAYMENT_ACCEPTOR INVOICE FILE_PROCESSING_SETTINGS
		WEBHOOK FILE`) {
		acts := []string{"CREATED", "UPDATED", "DELETE"}
		if res == "INVOICE" {
			acts = append(acts, "STATUS_TO_FINAL", "PAID")
		}
		out = append(out, wireAction{ObjectType: res, Actions: acts})
	}
	return out
}()

// servesAction reports whether a is in sandboxActions.
func servesAction(a string) bool {
	res, act, _ := strings.Cut(a, ".")
	return slices.ContainsFunc(sandboxActions, func(w wireAction) bool {
		return w.ObjectType == res && slices.Contains(w.Actions, act)
	})
}

// testEventType is the type of send-test and test-connection deliveries
// [closest]: the docs do not name it; it keeps the RESOURCE.ACTION shape so
// receivers that route on type do not choke.
const testEventType = "WEBHOOK.TEST"

// record is one stored webhook, secrets included (State writes it out).
type record struct {
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
	Penalty             *penalty   `json:"penalty,omitempty"`
}

// penalty is a parked endpoint: the failed delivery waits here until a
// resend succeeds, and later deliveries would queue behind it.
type penalty struct {
	Since      time.Time `json:"since"`
	RetryCount int       `json:"retry_count"`
	RetryAt    time.Time `json:"retry_at"`
	Cause      string    `json:"cause"`
	Event      string    `json:"event"`
	Payload    string    `json:"payload"`
}

// sandboxState is the State/LoadState document.
type sandboxState struct {
	Seq      int64     `json:"seq"`
	Webhooks []*record `json:"webhooks"`
}

// Sandbox emulates Solvimon's webhook API in memory. It is safe for
// concurrent use; outbound deliveries run without holding its lock.
type Sandbox struct {
	base string
	now  func() time.Time
	http *http.Client
	mux  *http.ServeMux

	mu    sync.Mutex
	seq   int64
	hooks map[string]*record
	idem  *idempotency.Store
}

var _ provider.Sandbox = (*Sandbox)(nil)

// NewSandbox builds an empty emulator.
func NewSandbox(o provider.SandboxOptions) *Sandbox {
	s := &Sandbox{base: strings.TrimSuffix(o.BaseURL, "/"), now: o.Now, http: o.HTTP,
		hooks: map[string]*record{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.http == nil {
		s.http = httpclient.New(httpclient.Options{AllowHTTP: true, MaxRetries: -1, Timeout: deliveryTimeout, UserAgent: "hookctl-sandbox"})
	}
	// Same key + different request: 400 IDEMPOTENCY_CHECK_FAILED (the docs
	// name the code but not the status; 400 because it is the caller's
	// mistake and every write documents 400, where 409 is kept for a key
	// whose first request is still running). 5xx answers are marked
	// Idempotency-Retryable [providers.md]; a replay gets its own request id.
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
	m.HandleFunc("/", s.unknown)
	s.mux = m
	return s
}

// ProfileArgs point `hookctl profile add` at this emulator.
func (s *Sandbox) ProfileArgs() []string {
	return []string{"--provider", Name, "--environment", "test", "--base-url", s.base}
}

// ServeHTTP authenticates, applies idempotency and routes. Every answer
// carries X-REQUEST-ID [providers.md].
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
	// [providers.md] Idempotency-Key is optional and advised on POST; we
	// honour it on every write, as a retried PATCH or DELETE needs it too.
	if key := r.Header.Get("Idempotency-Key"); key != "" && r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.idempotent(w, r, key)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// authenticate: X-API-KEY or Bearer [providers.md]; a wrong or missing
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

var versionedPath = regexp.MustCompile(`^/v([^/]*)(/webhooks(/.*)?)$`)

// knownPath matches the documented paths, to tell 405 from 404.
var knownPath = regexp.MustCompile(`^/v1/webhooks(/actions|/test-connection|/[^/]+(/secret-key|/send-test|/send-penalty-box-payload)?)?$`)

func (s *Sandbox) unknown(w http.ResponseWriter, r *http.Request) {
	switch m := versionedPath.FindStringSubmatch(r.URL.Path); {
	case m != nil && m[1] != "1":
		// [spec] version is a path parameter; ApiErrorCode has UNSUPPORTED_VERSION.
		writeError(w, http.StatusBadRequest, "UNSUPPORTED_VERSION", "version", fmt.Sprintf("API version %q is not supported (use v1)", m[1]), "")
	case knownPath.MatchString(r.URL.Path):
		writeError(w, http.StatusMethodNotAllowed, "BAD_REQUEST", "", fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path), "")
	default:
		writeError(w, http.StatusNotFound, "RESOURCE_NOT_FOUND", "", "no such endpoint: "+r.URL.Path, "")
	}
}

// writeError writes Solvimon's ApiError [spec]. type is INVALID_REQUEST for
// the caller's mistakes and API_ERROR for the server's [closest: the enum's
// two values].
func writeError(w http.ResponseWriter, status int, code, field, msg, resourceID string) {
	e := apiError{Type: "INVALID_REQUEST", Code: code, Message: msg}
	if status >= 500 {
		e.Type = "API_ERROR"
	}
	if field != "" {
		e.Field = &field
	}
	if resourceID != "" {
		e.ResourceID = &resourceID
		e.ResourceType = ptr("WEBHOOK")
	}
	writeJSON(w, status, e)
}

func writeFieldError(w http.ResponseWriter, fe *fieldError) {
	code := "INVALID_FIELD"
	if fe.Missing {
		// [spec] ApiErrorCode has MISSING_FIELD for an absent required field.
		code = "MISSING_FIELD"
	}
	writeError(w, http.StatusBadRequest, code, fe.Field, fe.Rule, "")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"type":"API_ERROR","code":"INTERNAL_ERROR","message":"encoding failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

func notFound(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, "RESOURCE_NOT_FOUND", "", fmt.Sprintf("webhook %q not found", id), id)
}

// --- idempotency -----------------------------------------------------------

// idempotent runs a write once per caller and Idempotency-Key (the rules
// are in NewSandbox's idempotency.Options).
func (s *Sandbox) idempotent(w http.ResponseWriter, r *http.Request, key string) {
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

// State is every webhook, secrets and penalty box included.
func (s *Sandbox) State() (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := sandboxState{Seq: s.seq, Webhooks: make([]*record, 0, len(s.hooks))}
	for _, rec := range s.hooks {
		st.Webhooks = append(st.Webhooks, rec)
	}
	slices.SortFunc(st.Webhooks, func(a, b *record) int { return cmp.Compare(a.Seq, b.Seq) })
	return json.Marshal(st)
}

// LoadState replaces the emulator's webhooks. Idempotency keys are not part
// of the state: a restarted sandbox forgets them, as a cache would.
func (s *Sandbox) LoadState(raw json.RawMessage) error {
	var st sandboxState
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("solvimon sandbox state: %w", err)
	}
	hooks := map[string]*record{}
	for _, rec := range st.Webhooks {
		if rec == nil || rec.ID == "" || rec.SecretKey == "" {
			return errors.New("solvimon sandbox state: a webhook without id or secret_key")
		}
		if _, dup := hooks[rec.ID]; dup {
			return fmt.Errorf("solvimon sandbox state: webhook %s appears twice", rec.ID)
		}
		if rec.AuthenticationType == "" {
			rec.AuthenticationType = AuthNone
		}
		hooks[rec.ID] = rec
		st.Seq = max(st.Seq, rec.Seq)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks, s.seq = hooks, st.Seq
	return nil
}
