// Package offblocks emulates OffBlocks' webhook API for `hookctl sandbox`:
// login, request-signing key upload, webhooks and the verification key,
// behind the three layers of request authentication and the idempotency
// rules OffBlocks documents, and deliveries signed with the emulator's own
// verification key.
//
// OffBlocks has no official spec: every rule here is written from
// docs/providers/offblocks.md, with its tags: [DOC] OffBlocks' own pages,
// [INF] inference where they are silent, [UNKNOWN] not visible anywhere
// (the closest documented behaviour is emulated), [closest] our choice
// following the nearest documented behaviour, and from what OffBlocks'
// own signing library does (the page's outside references). It shares no
// code with the client in pkg/providers/offblocks: its wire types, event
// list, token handling, request-signature and Content-Digest verification
// (sigverify.go, written from RFC 9421/9530, not pkg/signature/httpsig,
// which the client signs with) and signature requirements are its own, so
// a client that drifts from the docs fails against it. Only the signing of
// its own deliveries uses pkg/signature/httpsig (pinned by the RFC's test
// vectors); the openssl tests in this package check that independently.
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
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/internal/emulator/idempotency"
)

// Name is the provider id: the emulator's mount point and its profiles'
// provider.
const Name = "offblocks"

// envSandbox is the profile environment of a sandbox account [DOC: API keys
// "can be different for live and sandbox environments"].
const envSandbox = "sandbox"

// The emulator's fixed credentials (docs/architecture.md, sandbox), listed in `hookctl sandbox
// serve --help`. The API key is a UUID [DOC].
const (
	SandboxAPIKey    = "00000000-0000-4000-8000-000000000000"
	SandboxAPISecret = "sandbox-secret"
)

// Paths [DOC] except the verification key's, which docs/providers/offblocks.md infers
// [INF: "Retrieve Webhook Verification Key" shows no path].
const (
	tokenPath           = "/v1/auth/token"
	signingPath         = "/v1/auth/signing"
	webhooksPath        = "/v1/webhooks"
	verificationKeyPath = "/v1/webhooks/verification-key"
)

// Wire is what the emulator expects where OffBlocks' pages are silent
// (the inferences beside signingPath, keyUpload, verificationKeyPath,
// requiredComponents and checkDigest). The zero value is those
// inferences; a test sets fields to emulate an account whose API differs,
// as the client's profile settings of the same names allow.
type Wire struct {
	SigningPath         string   // default signingPath
	SigningKeyField     string   // default "publicKey"
	VerificationKeyPath string   // default verificationKeyPath
	RequiredComponents  []string // covered in addition to requiredComponents' (headers: when sent)
	DigestAlgorithm     string   // "": sha-256 or sha-512; else only this one
}

func (w Wire) withDefaults() Wire {
	w.SigningPath = cmp.Or(w.SigningPath, signingPath)
	w.SigningKeyField = cmp.Or(w.SigningKeyField, "publicKey")
	w.VerificationKeyPath = cmp.Or(w.VerificationKeyPath, verificationKeyPath)
	return w
}

// algorithm is the only signature algorithm OffBlocks supports: ECDSA
// P-384 with SHA-384 [DOC], by its RFC 9421 registry name.
const algorithm = "ecdsa-p384-sha384"

// Emulator limits. Tags say where each comes from.
const (
	maxRequestBody      = 1 << 20
	TokenLifetime       = time.Hour // [INF] the docs show expiresAt but no lifetime
	idempotencyRetained = time.Hour // [DOC] an Idempotency-Key is valid for 1 hour
	// maxSignatureAge bounds replays of a signed request [closest: the
	// five-minute tolerance hookctl verify and RFC 9421 implementations
	// use; OffBlocks publishes none].
	maxSignatureAge = 5 * time.Minute
	// maxClockAhead is the clock skew allowed on a created in the future
	// [closest]; anything later cannot have been signed yet.
	maxClockAhead = time.Minute
)

// Entry is the OffBlocks emulator as internal/sandbox registers it.
func Entry() emulator.Entry {
	return emulator.Entry{
		Name: Name,
		New:  func(o emulator.Options) emulator.Emulator { return New(o) },
		Help: "API key " + SandboxAPIKey + " / secret " + SandboxAPISecret,
		Demo: &emulator.Demo{
			Env:       map[string]string{"HOOKCTL_API_KEY": SandboxAPIKey, "HOOKCTL_API_SECRET": SandboxAPISecret},
			Setup:     [][]string{{"keys", "generate"}, {"keys", "upload"}},
			Register:  []string{"--url", "https://hooks.example.com/offblocks", "--event", "customer.updated", "--event", "card.updated"},
			UpdateURL: "https://hooks.example.com/offblocks/v2",
			Event:     "card.updated",
			Rotate:    false, // no webhook secret: deliveries are signed with OffBlocks' key [DOC]
		},
		// The client sends a sha-256 Content-Digest; under this quirk the
		// emulator takes sha-512 only.
		CredentialsQuirk: map[string]string{"digest-algorithm": "sha-512"},
	}
}

// hookRecord is one stored webhook.
type hookRecord struct {
	Seq         int64     `json:"seq"`
	ID          string    `json:"id"`
	CallbackURL string    `json:"callback_url"`
	Types       []string  `json:"types"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func (h *hookRecord) json() webhookJSON {
	types := slices.Clone(h.Types)
	if types == nil {
		types = []string{}
	}
	return webhookJSON{ID: h.ID, CallbackURL: h.CallbackURL, Types: types, CreatedAt: isoTime(h.CreatedAt), UpdatedAt: isoTime(h.UpdatedAt)}
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

	// wire are the details expected where OffBlocks' pages are silent
	// (defaults filled in) and mux the routes built from them; SetQuirks
	// replaces both under quirkMu's write lock, every request holds its
	// read lock.
	wire    Wire
	quirkMu sync.RWMutex

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

var _ emulator.Emulator = (*Sandbox)(nil)

// New builds an empty emulator with a new verification key pair. It sends
// nothing itself (Delivery only builds requests), so o.HTTP is not used.
func New(o emulator.Options) *Sandbox { return NewWithWire(o, Wire{}) }

// NewWithWire is New expecting the wire details w instead of the inferred ones.
func NewWithWire(o emulator.Options, w Wire) *Sandbox {
	s := &Sandbox{base: strings.TrimSuffix(o.BaseURL, "/"), now: o.Now, wire: w.withDefaults(),
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
	s.mux = s.routes()
	return s
}

// routes are the API's routes at the paths of s.wire.
func (s *Sandbox) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST "+tokenPath, s.issueToken)
	m.HandleFunc("PUT "+s.wire.SigningPath, s.uploadKey)
	m.HandleFunc("DELETE "+s.wire.SigningPath, s.deleteKey)
	m.HandleFunc("PUT "+webhooksPath, s.putWebhook)
	m.HandleFunc("GET "+webhooksPath, s.list)
	m.HandleFunc("GET "+s.wire.VerificationKeyPath, s.verificationKey)
	if s.wire.VerificationKeyPath != verificationKeyPath {
		// Moved (QuirkVerificationKeyPath): the inferred path is not an
		// endpoint of this account, not a webhook id.
		m.HandleFunc("GET "+verificationKeyPath, func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
		})
	}
	m.HandleFunc("GET "+webhooksPath+"/{id}", s.get)
	m.HandleFunc("DELETE "+webhooksPath+"/{id}", s.delete)
	return m
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

// ProfileArgs point `hookctl profile add` at this emulator: a sandbox
// profile needs --base-url, as OffBlocks publishes no sandbox host [UNKNOWN].
func (s *Sandbox) ProfileArgs() []string {
	return []string{"--provider", Name, "--environment", envSandbox, "--base-url", s.base}
}

// patternToken is the route the pipeline lets through unsigned.
const patternToken = "POST " + tokenPath

// knownPath matches the emulated paths, to tell 405 from 404.
var knownPath = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^/v1/(auth/token|auth/signing|webhooks(/[^/]+)?)$`) })

// ServeHTTP runs every request through the checks OffBlocks documents, in
// this order: route, Content-Digest (400), bearer token (401), signature
// (401), Idempotency-Key on writes (400, then 409/422 or a replay), and
// only then the operation.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.quirkMu.RLock()
	defer s.quirkMu.RUnlock()
	_, pattern := s.mux.Handler(r)
	if pattern == "" {
		if knownPath().MatchString(r.URL.Path) {
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
	if msg := checkDigest(r.Header, body, s.wire.DigestAlgorithm); msg != "" {
		writeError(w, http.StatusBadRequest, "Invalid request: "+msg)
		return
	}
	// The login is how a client gets its first bearer, before any key
	// exists [INF]; no Idempotency-Key is asked for on it.
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
	// The fingerprint is method, path and body, not the signature: a
	// client that re-signs a retry is the same request.
	s.idem.Serve(w, r, SandboxAPIKey+"|"+key, body, s.mux)
}

// checkBearer accepts a token the emulator issued and that has not expired.
func (s *Sandbox) checkBearer(r *http.Request) string {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return "an Authorization: Bearer token from POST " + tokenPath + " is required"
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

func writeError(w http.ResponseWriter, status int, msg string) {
	emulator.WriteJSON(w, status, errorJSON{Message: msg})
}

// --- state -----------------------------------------------------------------

// State is every webhook, the uploaded signing key and the emulator's own
// verification key pair (so deliveries verify across restarts).
func (s *Sandbox) State() (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return json.Marshal(sandboxState{Seq: s.seq, Webhooks: s.sortedHooks(), SigningKey: s.signing, VerificationKey: s.verify})
}

// LoadState replaces the emulator's data.
func (s *Sandbox) LoadState(raw json.RawMessage) error {
	var st sandboxState
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("offblocks sandbox state: %w", err)
	}
	hooks, seq, err := emulator.Index(st.Webhooks, st.Seq, "offblocks sandbox state", "webhook", func(h *hookRecord) error {
		if h == nil || h.ID == "" {
			return errors.New("a webhook without id")
		}
		return nil
	})
	if err != nil {
		return err
	}
	st.Seq = seq
	if sk := st.SigningKey; sk != nil {
		pub, err := pemPublicKey([]byte(sk.PublicKey))
		if err != nil || sk.ID == "" {
			return errors.New("offblocks sandbox state: the signing key is not an ECDSA P-384 public key with an id")
		}
		sk.pub = pub
	}
	v := st.VerificationKey
	if v == nil {
		return errors.New("offblocks sandbox state: no verification key")
	}
	k, err := pemPrivateKey([]byte(v.PrivateKey))
	if err != nil || v.ID == "" {
		return errors.New("offblocks sandbox state: the verification key is not an ECDSA P-384 private key with an id")
	}
	v.key = k
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks, s.seq, s.signing, s.verify = hooks, st.Seq, st.SigningKey, v
	return nil
}

// pemPublicKey reads a PEM SubjectPublicKeyInfo holding an ECDSA P-384 key
// (the form uploadKey stores).
func pemPublicKey(p []byte) (*ecdsa.PublicKey, error) {
	b, _ := pem.Decode(p)
	if b == nil || b.Type != "PUBLIC KEY" {
		return nil, errors.New("not a PEM PUBLIC KEY")
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	ec, ok := k.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P384() {
		return nil, errNotP384
	}
	return ec, nil
}

var errNotP384 = errors.New("not an ECDSA P-384 key")

// pemPrivateKey reads the verification key: PKCS#8 PEM as State writes it
// (or SEC 1 "EC PRIVATE KEY", openssl's other form, for a hand-made state).
func pemPrivateKey(p []byte) (*ecdsa.PrivateKey, error) {
	b, _ := pem.Decode(p)
	if b == nil {
		return nil, errors.New("no PEM block")
	}
	var k any
	var err error
	switch b.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(b.Bytes)
	default:
		err = errors.New("PEM block " + b.Type + " is not a private key")
	}
	if err != nil {
		return nil, err
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P384() {
		return nil, errNotP384
	}
	return ec, nil
}

// --- test hooks ------------------------------------------------------------

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

// VerificationKey is the id and public half of the key deliveries are
// signed with now.
func (s *Sandbox) VerificationKey() (string, *ecdsa.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.verify.ID, &s.verify.key.PublicKey
}

// SigningKeyID is the id of the uploaded request-signing key ("" when none
// is registered).
func (s *Sandbox) SigningKeyID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.signing == nil {
		return ""
	}
	return s.signing.ID
}

// WebhookIDs are the ids of the stored webhooks, oldest first.
func (s *Sandbox) WebhookIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	recs := s.sortedHooks()
	ids := make([]string, len(recs))
	for i, h := range recs {
		ids[i] = h.ID
	}
	return ids
}

// ForgetTokens revokes every bearer token, as a restart does: the next
// request with a cached token gets a 401.
func (s *Sandbox) ForgetTokens() {
	s.mu.Lock()
	clear(s.tokens)
	s.mu.Unlock()
}

// sortedHooks are the webhooks oldest first; s.mu is held.
func (s *Sandbox) sortedHooks() []*hookRecord { return emulator.Sorted(s.hooks) }

func (h *hookRecord) RecordID() string { return h.ID }
func (h *hookRecord) RecordSeq() int64 { return h.Seq }
