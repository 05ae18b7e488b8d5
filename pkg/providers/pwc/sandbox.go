package pwc

import (
	"cmp"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
)

// The emulator of the Report Filing Service's webhook API. Tags say where
// each behaviour comes from: [DOC] PwC's metadata pages, [SEC] the
// ServiceStack.Webhooks library or ServiceStack itself, [INF] our choice
// where both are silent, following the closest documented behaviour.

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

// Emulator limits and lifetimes.
const (
	maxRequestBody = 1 << 20
	// accessTokenLifetime is short [INF: ServiceStack's JWT default is 14
	// days] so the sandbox exercises expiry and refresh.
	accessTokenLifetime  = time.Hour
	refreshTokenLifetime = 365 * 24 * time.Hour // [SEC] ServiceStack's default
	maxHistory           = 100                  // [SEC] Get returns the last 100 results
	deliveryTimeout      = 60 * time.Second     // [SEC] EventServiceClient.DefaultTimeout
	deliveryAttempts     = 3                    // [SEC] EventServiceClient.DefaultRetries
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

// Sandbox emulates the webhook API in memory. It is safe for concurrent
// use; deliveries are sent without holding its lock.
type Sandbox struct {
	base string
	now  func() time.Time
	http *http.Client
	mux  *http.ServeMux

	mu       sync.Mutex
	seq      int64
	tokenKey []byte
	subs     map[string]*record
}

var _ provider.Sandbox = (*Sandbox)(nil)

// NewSandbox builds an empty emulator.
func NewSandbox(o provider.SandboxOptions) *Sandbox {
	s := &Sandbox{base: strings.TrimSuffix(o.BaseURL, "/"), now: o.Now, http: o.HTTP, subs: map[string]*record{}, tokenKey: randomBytes(32)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.http == nil {
		s.http = httpclient.New(httpclient.Options{AllowHTTP: true, MaxRetries: -1, Timeout: deliveryTimeout, UserAgent: "hookctl-sandbox"})
	}
	m := http.NewServeMux()
	m.HandleFunc("POST /auth/credentials", s.login)
	m.HandleFunc("POST /auth", s.login)
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
		m.HandleFunc("GET "+p+"/{id}", s.authed(s.get))
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
func (s *Sandbox) ProfileArgs() []string {
	return []string{"--provider", Name, "--environment", "staging", "--base-url", s.base,
		"--" + FieldTaxNumber, SandboxTaxNumber, "--" + FieldAccountID, SandboxAccountID}
}

// ServeHTTP bounds the body and routes.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return b
}

// --- authentication -----------------------------------------------------------

// Tokens are HS256 JWTs like ServiceStack's JwtAuthProvider issues [SEC]:
// "typ" JWT for bearer tokens and JWTR for refresh tokens, so one can never
// stand in for the other.
func (s *Sandbox) issue(typ string, lifetime time.Duration, now time.Time) string {
	header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": typ})
	claims, _ := json.Marshal(map[string]any{"iss": "ssjwt", "sub": sandboxUserID, "name": SandboxUsername,
		"iat": now.Unix(), "exp": now.Add(lifetime).Unix(), "jti": uuid.NewString()})
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	return signing + "." + enc.EncodeToString(s.mac(signing))
}

func (s *Sandbox) mac(signing string) []byte {
	s.mu.Lock()
	key := s.tokenKey
	s.mu.Unlock()
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signing))
	return m.Sum(nil)
}

// checkToken verifies a token of type typ: "" when good, else why not.
func (s *Sandbox) checkToken(tok, typ string) (code, msg string) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "TokenException", "Invalid Token"
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, s.mac(parts[0]+"."+parts[1])) {
		return "TokenException", "Invalid Token"
	}
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var h struct{ Typ string }
	var c struct{ Exp int64 }
	if json.Unmarshal(hb, &h) != nil || json.Unmarshal(cb, &c) != nil || h.Typ != typ {
		return "TokenException", "Invalid Token"
	}
	if !s.now().Before(time.Unix(c.Exp, 0)) {
		return "TokenException", "Token has expired"
	}
	return "", ""
}

// RevokeTokens makes every issued token invalid, as a server-side key
// rollover or logout would: the next call with an old token gets 401.
func (s *Sandbox) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenKey = randomBytes(32)
}

// login is ServiceStack's credentials provider [INF, see auth.go]. A wrong
// user or password gets 401 with ServiceStack's "Invalid UserName or
// Password" [SEC]. JSON property names match case-insensitively, as in
// ServiceStack.
func (s *Sandbox) login(w http.ResponseWriter, r *http.Request) {
	var req authRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeStatus(w, http.StatusBadRequest, "SerializationException", "the request body is not valid JSON", nil)
		return
	}
	if r.URL.Path == "/auth" && !strings.EqualFold(req.Provider, "credentials") {
		writeStatus(w, http.StatusNotFound, "NotFound", fmt.Sprintf("No configuration was added for OAuth provider '%s'", req.Provider), nil)
		return
	}
	userOK := subtle.ConstantTimeCompare([]byte(req.UserName), []byte(SandboxUsername)) == 1
	passOK := subtle.ConstantTimeCompare([]byte(req.Password), []byte(SandboxPassword)) == 1
	if !userOK || !passOK {
		writeStatus(w, http.StatusUnauthorized, "Unauthorized", "Invalid UserName or Password", nil)
		return
	}
	now := s.now()
	writeJSON(w, http.StatusOK, authResponse{
		UserID: sandboxUserID, SessionID: uuid.NewString(), UserName: SandboxUsername, DisplayName: "Sandbox User",
		BearerToken:        s.issue("JWT", accessTokenLifetime, now),
		RefreshToken:       s.issue("JWTR", refreshTokenLifetime, now),
		RefreshTokenExpiry: &ssDate{now.Add(refreshTokenLifetime).UTC()},
	})
}

// accessToken trades a refresh token for a bearer token [SEC].
func (s *Sandbox) accessToken(w http.ResponseWriter, r *http.Request) {
	var req accessTokenRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.RefreshToken == "" {
		writeStatus(w, http.StatusBadRequest, "ArgumentNullException", "RefreshToken is required", []responseError{{ErrorCode: "NotEmpty", FieldName: "RefreshToken", Message: "'Refresh Token' must not be empty."}})
		return
	}
	if code, msg := s.checkToken(req.RefreshToken, "JWTR"); code != "" {
		writeStatus(w, http.StatusUnauthorized, code, msg, nil)
		return
	}
	writeJSON(w, http.StatusOK, accessTokenResponse{AccessToken: s.issue("JWT", accessTokenLifetime, s.now())})
}

// authed requires a valid bearer token [DOC: every operation "Requires
// Authentication"]; without one ServiceStack answers 401 [SEC].
func (s *Sandbox) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "" {
			writeStatus(w, http.StatusUnauthorized, "Unauthorized", "Not Authenticated", nil)
			return
		}
		if code, msg := s.checkToken(tok, "JWT"); code != "" {
			writeStatus(w, http.StatusUnauthorized, code, msg, nil)
			return
		}
		h(w, r)
	}
}

// --- state --------------------------------------------------------------------

// State is every subscription, secrets, keys and history included.
func (s *Sandbox) State() (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := sandboxState{Seq: s.seq, TokenKey: s.tokenKey, Subscriptions: make([]*record, 0, len(s.subs))}
	for _, rec := range s.subs {
		st.Subscriptions = append(st.Subscriptions, rec)
	}
	slices.SortFunc(st.Subscriptions, func(a, b *record) int { return cmp.Compare(a.Seq, b.Seq) })
	return json.Marshal(st)
}

// LoadState replaces the emulator's data.
func (s *Sandbox) LoadState(raw json.RawMessage) error {
	var st sandboxState
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("pwc sandbox state: %w", err)
	}
	subs := map[string]*record{}
	for _, rec := range st.Subscriptions {
		if rec == nil || rec.ID == "" || rec.Secret == "" {
			return errors.New("pwc sandbox state: a subscription without id or secret")
		}
		if _, err := ParseRSAKeyValue(rec.PublicKeyXML); err != nil {
			return fmt.Errorf("pwc sandbox state: subscription %s: %w", rec.ID, err)
		}
		if _, dup := subs[rec.ID]; dup {
			return fmt.Errorf("pwc sandbox state: subscription %s appears twice", rec.ID)
		}
		subs[rec.ID] = rec
		st.Seq = max(st.Seq, rec.Seq)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subs, s.seq = subs, st.Seq
	if len(st.TokenKey) > 0 {
		s.tokenKey = st.TokenKey
	}
	return nil
}
