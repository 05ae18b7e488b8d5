package offblocks

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/internal/testkit/providertest"
	"github.com/hookctl/hookctl/pkg/signature/httpsig"
)

// env is the emulator on a real HTTP server, mounted as internal/sandbox does
// (under /offblocks/, prefix stripped). Its tests talk to it with
// hand-made requests (client below), never with hookctl's client: what
// they check is the emulator against docs/providers/offblocks.md.
type env struct {
	t     *testing.T
	clock *providertest.Clock
	srv   *httptest.Server
	base  string

	mu  sync.Mutex
	box *Sandbox
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: providertest.NewClock()}
	mux := http.NewServeMux()
	// The emulator is looked up per request so a test can swap in a
	// restarted one.
	mux.Handle("/offblocks/", http.StripPrefix("/offblocks", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		box := e.box
		e.mu.Unlock()
		box.ServeHTTP(w, r)
	})))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.base = e.srv.URL + "/offblocks"
	e.box = New(emulator.Options{BaseURL: e.base, Now: e.clock.Now})
	return e
}

// raw sends a request as given and returns the status, the error message
// (or the whole body when there is none) and the answer's header.
func (e *env) raw(method, path string, h http.Header, body []byte) (int, string, http.Header) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.base+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m struct {
		Message string `json:"message"`
	}
	json.Unmarshal(b, &m)
	if m.Message == "" {
		m.Message = string(b)
	}
	return resp.StatusCode, m.Message, resp.Header
}

// login gets a bearer token with the sandbox credentials.
func (e *env) login() string {
	e.t.Helper()
	b, _ := json.Marshal(tokenRequest{APIKey: SandboxAPIKey, APISecret: SandboxAPISecret})
	h := http.Header{"Content-Type": {"application/json"}, "Content-Digest": {httpsig.ContentDigest(b, httpsig.DigestSHA512)}}
	s, m, _ := e.raw(http.MethodPost, tokenPath, h, b)
	var tok tokenResponse
	if s != http.StatusOK || json.Unmarshal([]byte(m), &tok) != nil || tok.Token == "" || tok.TokenType != "Bearer" {
		e.t.Fatalf("login: %d %s", s, m)
	}
	return tok.Token
}

// client is a minimal OffBlocks client written from docs/providers/offblocks.md §3.3 for
// these tests: a P-384 key, a bearer token and, once uploaded, a keyid.
type client struct {
	e     *env
	key   *ecdsa.PrivateKey
	token string
	keyID string
	now   func() time.Time
}

// newClient logs in with a new key that is not uploaded yet.
func (e *env) newClient() *client {
	e.t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	return &client{e: e, key: k, token: e.login(), now: e.clock.Now}
}

// ready is a logged-in client whose key is uploaded.
func (e *env) ready() *client {
	e.t.Helper()
	c := e.newClient()
	c.upload()
	return c
}

// uploadBody is PUT /v1/auth/signing's body for pub: base64 of the PEM
// [DOC].
func uploadBody(t *testing.T, pub *ecdsa.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(keyUpload{PublicKey: base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))})
	return b
}

// upload registers the client's key, signed by it without a keyid.
func (c *client) upload() {
	t := c.e.t
	t.Helper()
	b := uploadBody(t, &c.key.PublicKey)
	s, m, _ := c.e.raw(http.MethodPut, signingPath, c.signed(http.MethodPut, signingPath, uuid.NewString(), b), b)
	var up keyUploaded
	if s != http.StatusOK || json.Unmarshal([]byte(m), &up) != nil || up.ID == "" {
		t.Fatalf("upload: %d %s", s, m)
	}
	c.keyID = up.ID
}

// signed returns the headers of a request as docs/providers/offblocks.md §3.3 describes
// it, signature included, so tests can send, replay or break them.
func (c *client) signed(method, path, idem string, body []byte) http.Header {
	c.e.t.Helper()
	r, _ := http.NewRequest(method, c.e.base+path, nil)
	r.Header.Set("Authorization", "Bearer "+c.token)
	comps := []string{"@method", "@target-uri", "authorization"}
	if len(body) > 0 {
		r.Header.Set("Content-Type", "application/json")
		comps = append(comps, "content-digest", "content-type")
	}
	if idem != "" {
		r.Header.Set("Idempotency-Key", idem)
		comps = append(comps, "idempotency-key")
	}
	kid := c.keyID
	if kid == "" {
		kid = "pending-upload" // the upload: OffBlocks has issued no id yet, and keyid is required
	}
	err := httpsig.SignRequest(r, body, httpsig.SignOptions{Key: c.key, KeyID: kid, Algorithm: algorithm,
		Label: "sig1", Components: comps, DigestAlgorithm: httpsig.DigestSHA512, Created: c.now()})
	if err != nil {
		c.e.t.Fatal(err)
	}
	return r.Header
}

// do sends a signed request (with a new Idempotency-Key on a write).
func (c *client) do(method, path string, body []byte) (int, string) {
	c.e.t.Helper()
	idem := ""
	if method != http.MethodGet {
		idem = uuid.NewString()
	}
	s, m, _ := c.e.raw(method, path, c.signed(method, path, idem, body), body)
	return s, m
}

// create registers a webhook and returns it.
func (c *client) create(callback string, types ...string) webhookJSON {
	c.e.t.Helper()
	b, _ := json.Marshal(map[string]any{"callbackUrl": callback, "types": types})
	s, m := c.do(http.MethodPut, webhooksPath, b)
	var w webhookJSON
	if s != http.StatusOK || json.Unmarshal([]byte(m), &w) != nil || w.ID == "" {
		c.e.t.Fatalf("create: %d %s", s, m)
	}
	return w
}

// verificationKey fetches GET /v1/webhooks/verification-key and decodes
// the key (base64 of the PEM).
func (c *client) verificationKey() (string, *ecdsa.PublicKey) {
	t := c.e.t
	t.Helper()
	s, m := c.do(http.MethodGet, verificationKeyPath, nil)
	var vk verificationKeyJSON
	if s != http.StatusOK || json.Unmarshal([]byte(m), &vk) != nil || vk.ID == "" {
		t.Fatalf("verification key: %d %s", s, m)
	}
	p, err := base64.StdEncoding.DecodeString(vk.Key)
	if err != nil {
		t.Fatalf("verification key is not base64: %v", err)
	}
	pub, err := pemPublicKey(p)
	if err != nil {
		t.Fatalf("verification key: %v", err)
	}
	return vk.ID, pub
}

// verifyDelivery checks a delivery's signature with pub over what a
// delivery must cover.
func verifyDelivery(t *testing.T, req *http.Request, pub *ecdsa.PublicKey, keyID string, now time.Time) error {
	t.Helper()
	body := readBody(t, req)
	_, err := httpsig.VerifyRequest(req, body, httpsig.VerifyOptions{Key: pub, KeyID: keyID, Algorithm: algorithm,
		Required: deliveryComponents, Now: now, Tolerance: time.Minute, MaxAge: 5 * time.Minute})
	return err
}

func readBody(t *testing.T, r *http.Request) []byte {
	t.Helper()
	if r.GetBody == nil {
		t.Fatal("the delivery has no body")
	}
	rc, err := r.GetBody()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
