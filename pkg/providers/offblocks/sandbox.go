package offblocks

import (
	"bytes"
	"cmp"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/emulator/idempotency"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/signature/httpsig"
)

// The emulator's fixed credentials (DESIGN.md), listed in `hookctl sandbox
// serve --help`.
const (
	SandboxAPIKey    = "00000000-0000-4000-8000-000000000000"
	SandboxAPISecret = "sandbox-secret"
)

// Emulator limits. Tags say where each comes from: [DOC] OffBlocks' docs,
// [INF] inference, [closest] our choice where the docs are silent,
// following the nearest documented behaviour.
const (
	maxRequestBody      = 1 << 20
	tokenLifetime       = time.Hour // [INF] the docs show expiresAt but no lifetime
	idempotencyRetained = time.Hour // [DOC] an Idempotency-Key is valid for 1 hour
	// maxSignatureAge bounds replays of a signed request [closest: the
	// five-minute tolerance hookctl verify and RFC 9421 implementations
	// use; OffBlocks publishes none].
	maxSignatureAge = 5 * time.Minute
	// maxClockAhead is the clock skew allowed on a created in the future
	// [closest]; anything later cannot have been signed yet.
	maxClockAhead = time.Minute
)

// hookRecord is one stored webhook.
type hookRecord struct {
	Seq         int64     `json:"seq"`
	ID          string    `json:"id"`
	CallbackURL string    `json:"callback_url"`
	Types       []string  `json:"types"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func (h *hookRecord) wire() wireWebhook {
	types := slices.Clone(h.Types)
	if types == nil {
		types = []string{}
	}
	return wireWebhook{ID: h.ID, CallbackURL: h.CallbackURL, Types: types, CreatedAt: formatTime(h.CreatedAt), UpdatedAt: formatTime(h.UpdatedAt)}
}

// signingRecord is the account's uploaded request-signing key.
type signingRecord struct {
	ID         string           `json:"id"`
	PublicKey  string           `json:"public_key"` // PEM
	UploadedAt time.Time        `json:"uploaded_at"`
	pub        *ecdsa.PublicKey `json:"-"`
}

// verifyRecord is the emulator's own delivery-signing key pair.
type verifyRecord struct {
	ID         string `json:"id"`
	PrivateKey string `json:"private_key"` // PKCS#8 PEM
	key        *ecdsa.PrivateKey
}

// sandboxState is the State/LoadState document. Tokens and idempotency
// keys are left out: a restarted sandbox forgets them as a cache would, and
// clients log in again on the 401.
type sandboxState struct {
	Seq             int64          `json:"seq"`
	Webhooks        []*hookRecord  `json:"webhooks"`
	SigningKey      *signingRecord `json:"signing_key,omitempty"`
	VerificationKey *verifyRecord  `json:"verification_key"`
}

// Sandbox emulates OffBlocks' webhook API in memory, with all three layers
// of request authentication and idempotency. One fixed account: every valid
// token belongs to SandboxAPIKey. It is safe for concurrent use.
type Sandbox struct {
	base string
	now  func() time.Time
	mux  *http.ServeMux

	mu      sync.Mutex
	seq     int64
	hooks   map[string]*hookRecord
	signing *signingRecord
	verify  *verifyRecord
	tokens  map[string]time.Time // token → expiry
	idem    *idempotency.Store

	// onWrite, when set (tests), runs while a write holds its
	// Idempotency-Key and before the write is done, so a test can catch
	// the request in flight.
	onWrite func(*http.Request)
}

var _ provider.Sandbox = (*Sandbox)(nil)

// NewSandbox builds an empty emulator with a new verification key pair.
// It sends nothing itself (Delivery only builds requests), so o.HTTP is
// not used.
func NewSandbox(o provider.SandboxOptions) *Sandbox {
	s := &Sandbox{base: strings.TrimSuffix(o.BaseURL, "/"), now: o.Now,
		hooks: map[string]*hookRecord{}, tokens: map[string]time.Time{}}
	if s.now == nil {
		s.now = time.Now
	}
	// Same key + another request: 422; while the first runs: 409 [DOC].
	s.idem = idempotency.New(idempotency.Options{
		Retain: idempotencyRetained, Now: s.now,
		Prepare: func(_ http.ResponseWriter, r *http.Request, _ http.Header) {
			s.mu.Lock()
			hook := s.onWrite
			s.mu.Unlock()
			if hook != nil {
				hook(r)
			}
		},
		Refuse: func(w http.ResponseWriter, why idempotency.Refusal) {
			if why == idempotency.Mismatch {
				writeError(w, http.StatusUnprocessableEntity, "Invalid request: this Idempotency-Key was already used with a different request")
				return
			}
			writeError(w, http.StatusConflict, "Conflict: a request with this Idempotency-Key is still being processed")
		},
	})
	v, err := newVerifyRecord()
	if err != nil {
		// Only a broken system random source gets here; nothing can work then.
		panic("offblocks sandbox: generating the verification key: " + err.Error())
	}
	s.verify = v
	m := http.NewServeMux()
	m.HandleFunc("POST /v1/auth/token", s.issueToken)
	m.HandleFunc("PUT /v1/auth/signing", s.uploadKey)
	m.HandleFunc("DELETE /v1/auth/signing", s.deleteKey)
	m.HandleFunc("PUT /v1/webhooks", s.putWebhook)
	m.HandleFunc("GET /v1/webhooks", s.list)
	m.HandleFunc("GET "+verificationKeyPath, s.verificationKey)
	m.HandleFunc("GET /v1/webhooks/{id}", s.get)
	m.HandleFunc("DELETE /v1/webhooks/{id}", s.delete)
	s.mux = m
	return s
}

func newVerifyRecord() (*verifyRecord, error) {
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return &verifyRecord{ID: uuid.NewString(), PrivateKey: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), key: k}, nil
}

// RotateVerificationKey replaces the emulator's delivery-signing key pair,
// as OffBlocks issuing a new verification key would: later deliveries name
// the new keyid, and GET /v1/webhooks/verification-key serves the new key
// (what `hookctl verify` fetches when a delivery names a keyid it has not
// stored). It returns the new key's id.
func (s *Sandbox) RotateVerificationKey() (string, error) {
	v, err := newVerifyRecord()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.verify = v
	s.mu.Unlock()
	return v.ID, nil
}

// ProfileArgs point `hookctl profile add` at this emulator.
func (s *Sandbox) ProfileArgs() []string {
	return []string{"--provider", Name, "--environment", EnvSandbox, "--base-url", s.base}
}

// Route patterns the pipeline treats specially.
const (
	patternToken  = "POST /v1/auth/token"
	patternUpload = "PUT " + signingPath
)

// knownPath matches the emulated paths, to tell 405 from 404.
var knownPath = regexp.MustCompile(`^/v1/(auth/token|auth/signing|webhooks(/[^/]+)?)$`)

// ServeHTTP runs every request through the checks OffBlocks documents, in
// this order: route, Content-Digest (400), bearer token (401), signature
// (401), Idempotency-Key on writes (400, then 409/422 or a replay), and
// only then the operation.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, pattern := s.mux.Handler(r)
	if pattern == "" {
		if knownPath.MatchString(r.URL.Path) {
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path))
		} else {
			writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
		}
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Invalid request: body larger than %d bytes or unreadable", maxRequestBody))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if msg := checkDigest(r.Header, body); msg != "" {
		writeError(w, http.StatusBadRequest, "Invalid request: "+msg)
		return
	}
	if pattern == patternToken {
		s.mux.ServeHTTP(w, r)
		return
	}
	if msg := s.checkBearer(r); msg != "" {
		writeError(w, http.StatusUnauthorized, "Not authorised: "+msg)
		return
	}
	if status, msg := s.checkSignature(r, body, pattern); status != 0 {
		writeError(w, status, msg)
		return
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		s.mux.ServeHTTP(w, r)
		return
	}
	// [DOC] Idempotency-Key (a UUID) is mandatory on every write.
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		writeError(w, http.StatusBadRequest, "Invalid request: the Idempotency-Key header is required on "+r.Method)
		return
	}
	if _, err := uuid.Parse(key); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid request: the Idempotency-Key must be a UUID")
		return
	}
	s.idempotent(w, r, SandboxAPIKey+"|"+key, body)
}

// checkDigest: a body needs a Content-Digest that matches it [DOC]; one on
// an empty body must match the empty body.
func checkDigest(h http.Header, body []byte) string {
	lines := h.Values("Content-Digest")
	if len(lines) == 0 {
		if len(body) > 0 {
			return "the Content-Digest header is required on a request with a body"
		}
		return ""
	}
	if err := httpsig.CheckContentDigest(strings.Join(lines, ", "), body); err != nil {
		return "Content-Digest: " + err.Error()
	}
	return ""
}

// checkBearer accepts a token the emulator issued and that has not expired.
func (s *Sandbox) checkBearer(r *http.Request) string {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return "an Authorization: Bearer token from POST /v1/auth/token is required"
	}
	s.mu.Lock()
	exp, known := s.tokens[tok]
	s.mu.Unlock()
	switch {
	case !known:
		return "the bearer token is not valid"
	case !s.now().Before(exp):
		return "the bearer token has expired"
	}
	return ""
}

// checkSignature verifies the request's RFC 9421 signature with
// httpsig.VerifyRequest. Every signature must cover @method, @target-uri
// and authorization, plus content-digest and content-type with a body and
// idempotency-key when sent, so none of them can be swapped on a captured
// request [INF: OffBlocks' list is not visible]. The key is the uploaded
// one, named by its keyid; the upload itself must be signed by the key it
// uploads (proof of possession [INF]), without a keyid as none exists yet.
func (s *Sandbox) checkSignature(r *http.Request, body []byte, pattern string) (int, string) {
	var pub *ecdsa.PublicKey
	var keyID string
	if pattern == patternUpload {
		k, msg := uploadedKey(body)
		if msg != "" {
			return http.StatusBadRequest, "Invalid request: " + msg
		}
		pub = k
	} else {
		s.mu.Lock()
		sk := s.signing
		s.mu.Unlock()
		if sk == nil {
			return http.StatusUnauthorized, "Not authorised: no request-signing key is registered; upload one with PUT " + signingPath
		}
		pub, keyID = sk.pub, sk.ID
	}
	if len(r.Header.Values("Signature-Input")) == 0 && len(r.Header.Values("Signature")) == 0 {
		return http.StatusUnauthorized, "Not authorised: the request is not signed (Signature-Input and Signature with " + SignatureAlgorithm + " are required)"
	}
	required := []string{httpsig.CompMethod, httpsig.CompTargetURI, "authorization"}
	if len(body) > 0 || r.Header.Get("Content-Digest") != "" {
		required = append(required, "content-digest")
	}
	if len(body) > 0 && r.Header.Get("Content-Type") != "" {
		required = append(required, "content-type")
	}
	if r.Header.Get("Idempotency-Key") != "" {
		required = append(required, "idempotency-key")
	}
	v, err := httpsig.VerifyRequest(asAddressed(r), body, httpsig.VerifyOptions{
		Key: pub, KeyID: keyID, Algorithm: SignatureAlgorithm, Required: required,
		Now: s.now(), Tolerance: maxClockAhead, MaxAge: maxSignatureAge,
	})
	if err != nil {
		msg := err.Error()
		if errors.Is(err, httpsig.ErrSignatureMismatch) {
			msg += " (signed by another key, or the method, target URI or a covered header differs from what was signed)"
		}
		return http.StatusUnauthorized, "Not authorised: invalid request signature: " + msg
	}
	if keyID != "" && v.KeyID != keyID {
		return http.StatusUnauthorized, "Not authorised: the signature has no keyid; use the id PUT " + signingPath + " returned"
	}
	return 0, ""
}

// asAddressed is r with the target URI the client addressed. pkg/sandbox
// mounts the emulator under /offblocks/ and strips that prefix from
// r.URL, but the signature covers the full target URI; the request line
// (RequestURI) still has it, and the Host header gives the authority.
func asAddressed(r *http.Request) *http.Request {
	if r.RequestURI == "" {
		return r
	}
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil {
		return r
	}
	rr := r.Clone(r.Context())
	rr.URL = u
	return rr
}

// uploadedKey reads the public key of PUT /v1/auth/signing: base64 of a
// PEM [DOC], which must be ECDSA P-384 [DOC: the only supported algorithm].
func uploadedKey(body []byte) (*ecdsa.PublicKey, string) {
	var req uploadKeyRequest
	if err := strictJSON(body, &req); err != nil {
		return nil, "body must be {\"publicKey\": \"<base64 of the PEM public key>\"}: " + err.Error()
	}
	if req.PublicKey == "" {
		return nil, "publicKey is required"
	}
	k, err := httpsig.ParsePublicKey([]byte(req.PublicKey))
	if err != nil {
		return nil, "publicKey: " + err.Error()
	}
	ec, ok := k.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P384() {
		return nil, "publicKey must be an ECDSA P-384 key (" + SignatureAlgorithm + " is the only supported algorithm)"
	}
	return ec, ""
}

func strictJSON(body []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// writeError writes the error body. OffBlocks' error shape is not visible
// [UNKNOWN]; {"message"} carrying the response descriptions the docs list
// ("Invalid request", "Not authorised", "Webhook not found", "Invalid
// credentials") is the closest documented behaviour.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"Internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// --- idempotency -----------------------------------------------------------

// idempotent runs a write once per key [DOC] (the rules are in
// NewSandbox's idempotency.Options). The fingerprint is method, path and
// body, not the signature: a client that re-signs a retry is the same request.
func (s *Sandbox) idempotent(w http.ResponseWriter, r *http.Request, scope string, body []byte) {
	s.idem.Serve(w, r, scope, body, s.mux)
}

// --- state -----------------------------------------------------------------

// State is every webhook, the uploaded signing key and the emulator's own
// verification key pair (so deliveries verify across restarts).
func (s *Sandbox) State() (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := sandboxState{Seq: s.seq, Webhooks: make([]*hookRecord, 0, len(s.hooks)), SigningKey: s.signing, VerificationKey: s.verify}
	for _, h := range s.hooks {
		st.Webhooks = append(st.Webhooks, h)
	}
	slices.SortFunc(st.Webhooks, func(a, b *hookRecord) int { return cmp.Compare(a.Seq, b.Seq) })
	return json.Marshal(st)
}

// LoadState replaces the emulator's data.
func (s *Sandbox) LoadState(raw json.RawMessage) error {
	var st sandboxState
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("offblocks sandbox state: %w", err)
	}
	hooks := map[string]*hookRecord{}
	for _, h := range st.Webhooks {
		if h == nil || h.ID == "" {
			return errors.New("offblocks sandbox state: a webhook without id")
		}
		if _, dup := hooks[h.ID]; dup {
			return fmt.Errorf("offblocks sandbox state: webhook %s appears twice", h.ID)
		}
		hooks[h.ID] = h
		st.Seq = max(st.Seq, h.Seq)
	}
	if sk := st.SigningKey; sk != nil {
		k, err := httpsig.ParsePublicKey([]byte(sk.PublicKey))
		ec, ok := k.(*ecdsa.PublicKey)
		if err != nil || !ok || ec.Curve != elliptic.P384() || sk.ID == "" {
			return errors.New("offblocks sandbox state: the signing key is not an ECDSA P-384 public key with an id")
		}
		sk.pub = ec
	}
	v := st.VerificationKey
	if v == nil {
		return errors.New("offblocks sandbox state: no verification key")
	}
	k, err := httpsig.ParsePrivateKey([]byte(v.PrivateKey))
	ec, ok := k.(*ecdsa.PrivateKey)
	if err != nil || !ok || ec.Curve != elliptic.P384() || v.ID == "" {
		return errors.New("offblocks sandbox state: the verification key is not an ECDSA P-384 private key with an id")
	}
	v.key = ec
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks, s.seq, s.signing, s.verify = hooks, st.Seq, st.SigningKey, v
	return nil
}
