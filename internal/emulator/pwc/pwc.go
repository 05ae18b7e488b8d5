// Package pwc emulates the webhook API of PwC Germany's Report Filing
// Service for `hookctl sandbox`. It is written from the PwC section of
// docs/providers/pwc.md (PwC publishes no spec: its ServiceStack metadata pages and
// the open-source ServiceStack.Webhooks library it builds on are the
// sources) with its own wire types, field rules, token handling, RSA
// secret encryption and delivery signing. It imports no client package, so
// the client in pkg/providers/pwc is checked against an independent reading
// of the docs.
package pwc

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
)

// Tags say where each behaviour comes from, as in docs/providers/pwc.md §4: [DOC]
// PwC's metadata pages, [SEC] the ServiceStack.Webhooks library or
// ServiceStack itself, [INF] our choice where both are silent, following
// the closest documented behaviour.

// Entry is the PwC emulator as internal/sandbox registers it.
func Entry() emulator.Entry {
	return emulator.Entry{
		Name: name,
		New:  func(o emulator.Options) emulator.Emulator { return New(o) },
		Demo: &emulator.Demo{
			Env:       map[string]string{"HOOKCTL_USERNAME": SandboxUsername, "HOOKCTL_PASSWORD": SandboxPassword},
			Setup:     [][]string{{"keys", "generate"}},
			Register:  []string{"--url", "https://hooks.example.com/pwc", "--event", "ReportFiled", "--event", "ReportRejected", "--name", "demo"},
			UpdateURL: "https://hooks.example.com/pwc/v2",
			Event:     "ReportFiled",
			Rotate:    true,
		},
		Help: "user " + SandboxUsername + " / password " + SandboxPassword + " (tax number\n" + SandboxTaxNumber + ", account " + SandboxAccountID + ")",
	}
}

// name is the provider id: the sandbox mount point and the profile's
// provider.
const name = "pwc"

// The emulator's fixed credentials and account, listed in `hookctl sandbox
// serve --help`.
const (
	SandboxUsername  = "sandbox"
	SandboxPassword  = "pwc-pass-7c41e9b2d05a3f"
	SandboxTaxNumber = "DE123456789"
	SandboxAccountID = "1234567890"
	// sandboxUserID is the user id ServiceStack would put in createdById.
	sandboxUserID = "1"
)

// AccessTokenLifetime is how long a bearer token lasts: short [INF:
// ServiceStack's JWT default is 14 days] so the sandbox exercises expiry
// and refresh. Client tests advance their clocks by it.
const AccessTokenLifetime = time.Hour

// Emulator limits and lifetimes.
const (
	maxRequestBody       = 1 << 20
	refreshTokenLifetime = 365 * 24 * time.Hour // [SEC] ServiceStack's default
	sessionLifetime      = 2 * time.Hour        // [closest] ours: ServiceStack lets hosts set it
	maxHistory           = 100                  // [SEC] Get returns the last 100 results
	// minKeyBits: keys under 2048 bits are refused [INF: the docs name no
	// size; 2048 is today's floor for RSA].
	minKeyBits       = 2048
	deliveryTimeout  = 60 * time.Second // [SEC] EventServiceClient.DefaultTimeout
	deliveryAttempts = 3                // [SEC] EventServiceClient.DefaultRetries
)

// record is one stored subscription, plain secret included (State writes
// it out).
type record struct {
	Seq              int64          `json:"seq"`
	ID               string         `json:"id"`
	Name             string         `json:"name,omitempty"`
	Event            string         `json:"event"`
	IsActive         bool           `json:"is_active"`
	CreatedAt        time.Time      `json:"created_at"`
	CreatedByID      string         `json:"created_by_id"`
	ModifiedAt       time.Time      `json:"modified_at"`
	URL              string         `json:"url"`
	ContentType      string         `json:"content_type,omitempty"`
	Secret           string         `json:"secret"`
	AuthSteuernummer string         `json:"auth_steuernummer"`
	AccountID        string         `json:"account_id"`
	PublicKeyXML     string         `json:"public_key_xml"`
	History          []historyEntry `json:"history,omitempty"`
}

type historyEntry struct {
	ID                string    `json:"id"`
	AttemptedAt       time.Time `json:"attempted_at"`
	StatusCode        int       `json:"status_code"`
	StatusDescription string    `json:"status_description"`
	EventID           string    `json:"event_id"`
}

// sandboxState is the State/LoadState document. The token signing key is
// part of it so tokens issued before a restart stay valid, as they would at
// the real service.
type sandboxState struct {
	Seq           int64     `json:"seq"`
	TokenKey      []byte    `json:"token_key"`
	Subscriptions []*record `json:"subscriptions"`
}

// Emulator emulates the webhook API in memory. It is safe for concurrent
// use; deliveries are sent without holding its lock.
type Emulator struct {
	base string
	now  func() time.Time
	http *http.Client
	mux  *http.ServeMux

	mu       sync.Mutex
	seq      int64
	tokenKey []byte
	subs     map[string]*record
	// sessions are the ss-id session ids logins handed out, with their
	// expiry (not saved in the state: a restart ends them, as it may).
	sessions map[string]time.Time
	// getRoute, when set (QuirkGetRoute), is the only route flavour the
	// read of one subscription answers on.
	getRoute string
}

var (
	_ emulator.Emulator = (*Emulator)(nil)
	_ emulator.Sender   = (*Emulator)(nil)
)

// New builds an empty emulator.
func New(o emulator.Options) *Emulator {
	s := &Emulator{base: strings.TrimSuffix(o.BaseURL, "/"), now: o.Now, http: o.HTTP, subs: map[string]*record{}, sessions: map[string]time.Time{}, tokenKey: emulator.RandomBytes(32)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.http == nil {
		// internal/sandbox passes its delivery client; this is for tests. Not
		// pkg/httpclient: it imports pkg/webhook, a client package. Each
		// request sets its own User-Agent, and Send does the retrying.
		s.http = &http.Client{Timeout: deliveryTimeout}
	}
	m := http.NewServeMux()
	m.HandleFunc("POST /auth/credentials", s.login)
	m.HandleFunc("POST /auth", s.login)
	m.HandleFunc("GET /auth", s.authed(s.session))
	m.HandleFunc("POST /access-token", s.accessToken)
	// [DOC] every operation exists as /sync/… and /async/… with the same
	// DTOs; the emulator answers both synchronously.
	for _, mode := range []string{"/sync", "/async"} {
		p := mode + "/webhooks/subscriptions"
		m.HandleFunc("GET "+p, s.authed(s.list))
		m.HandleFunc("POST "+p+"/create", s.authed(s.create))
		m.HandleFunc("GET "+p+"/find", s.authed(s.find))
		m.HandleFunc("GET "+p+"/search", s.authed(s.search))
		m.HandleFunc("POST "+p+"/list", s.authed(s.listByIDs))
		m.HandleFunc("POST "+p+"/delete", s.authed(s.batchDelete))
		m.HandleFunc("GET "+p+"/{id}", s.authed(s.routedGet(mode)))
		m.HandleFunc("POST "+p+"/{id}/update", s.authed(s.update))
		m.HandleFunc("POST "+p+"/{id}/delete", s.authed(s.deleteOne))
	}
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Handler for Request not found: %s %s", r.Method, r.URL.Path), nil)
	})
	s.mux = m
	return s
}

// ProfileArgs point `hookctl profile add` at this emulator.
func (s *Emulator) ProfileArgs() []string {
	return []string{"--provider", name, "--environment", "staging", "--base-url", s.base,
		"--tax-number", SandboxTaxNumber, "--account-id", SandboxAccountID}
}

// ServeHTTP bounds the body and routes.
func (s *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > maxRequestBody {
		writeStatus(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", fmt.Sprintf("request body exceeds %d bytes", maxRequestBody), nil)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	s.mux.ServeHTTP(w, r)
}

// writeStatus writes ServiceStack's error answer {responseStatus} [DOC].
// The top-level errorCode and message repeat the first field error, as
// ServiceStack does for validation failures [SEC].
func writeStatus(w http.ResponseWriter, status int, code, msg string, errs []responseError) {
	if len(errs) > 0 && msg == "" {
		code, msg = errs[0].ErrorCode, errs[0].Message
	}
	writeJSON(w, status, errorBody{ResponseStatus: &responseStatus{ErrorCode: code, Message: msg, Errors: errs}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"responseStatus":{"errorCode":"SerializationException","message":"encoding failed"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

// --- state --------------------------------------------------------------------

// State is every subscription, secrets, keys and history included.
func (s *Emulator) State() (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return json.Marshal(sandboxState{Seq: s.seq, TokenKey: s.tokenKey, Subscriptions: emulator.Sorted(s.subs)})
}

// LoadState replaces the emulator's data.
func (s *Emulator) LoadState(raw json.RawMessage) error {
	var st sandboxState
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("pwc sandbox state: %w", err)
	}
	subs, seq, err := emulator.Index(st.Subscriptions, st.Seq, "pwc sandbox state", "subscription", func(rec *record) error {
		if rec == nil || rec.ID == "" || rec.Secret == "" {
			return errors.New("a subscription without id or secret")
		}
		if _, err := parseKeyXML(rec.PublicKeyXML); err != nil {
			return fmt.Errorf("subscription %s: %w", rec.ID, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subs, s.seq = subs, seq
	if len(st.TokenKey) > 0 {
		s.tokenKey = st.TokenKey
	}
	return nil
}

func (r *record) RecordID() string { return r.ID }
func (r *record) RecordSeq() int64 { return r.Seq }
