package pwc

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/internal/testkit/providertest"
	"github.com/hookctl/hookctl/pkg/httpclient"
)

// The emulator's tests speak to it over HTTP with their own requests and
// read its answers with their own types: no client code is involved.

var ctx = context.Background()

// fixedKeyPEM is a throwaway test key and fixedKeyXML its public half in
// .NET form, made with openssl (testdata/README.md); using them keeps tests
// from generating RSA keys on a shared CPU.
var (
	//go:embed testdata/fixed-rsa-2048.pem
	fixedKeyPEM string
	//go:embed testdata/fixed-rsa-2048.xml
	fixedKeyXML string
)

// testSecret is a valid secret (Base64, at least 8 characters).
const testSecret = "c2FuZGJveC10ZXN0LXNlY3JldA=="

type env struct {
	t     *testing.T
	clock *providertest.Clock
	box   *Emulator
	base  string
}

// newEnv serves the emulator as internal/sandbox does: under /pwc/, prefix
// stripped.
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: providertest.NewClock()}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.base = srv.URL + "/pwc"
	e.box = New(emulator.Options{BaseURL: e.base, Now: e.clock.Now,
		HTTP: httpclient.New(httpclient.Options{AllowHTTP: true, MaxRetries: -1, Timeout: 5 * time.Second})})
	mux.Handle("/pwc/", http.StripPrefix("/pwc", e.box))
	return e
}

// raw sends one request with a bearer token ("" for none) and returns the
// status and the body.
func (e *env) raw(method, path, token string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// login is a successful credentials login's answer.
type login struct {
	BearerToken, RefreshToken, SessionID string
}

func (e *env) bearer() string {
	e.t.Helper()
	status, body := e.raw(http.MethodPost, "/auth/credentials", "", map[string]string{"username": SandboxUsername, "password": SandboxPassword})
	var l login
	if status != http.StatusOK || json.Unmarshal(body, &l) != nil || l.BearerToken == "" {
		e.t.Fatalf("login: %d %s", status, body)
	}
	return l.BearerToken
}

// gotSub is a SubscriptionResponse as a test reads it.
type gotSub struct {
	Subscription struct {
		ID, Name, Event string
		IsActive        bool
		Config          struct{ URL, ContentType, Secret string }
	}
	History []struct {
		StatusCode        any
		StatusDescription string
		EventID           string
	}
	ResponseStatus *responseStatus
}

// create subscribes the sandbox account to events with testSecret and the
// fixed key, and returns the new ids in order.
func (e *env) create(url string, events ...string) []string {
	e.t.Helper()
	status, body := e.raw(http.MethodPost, "/sync/webhooks/subscriptions/create", e.bearer(), map[string]any{
		"name": "test hooks", "authSteuernummer": SandboxTaxNumber, "accountId": SandboxAccountID,
		"events": events, "url": url, "secret": testSecret, "publicKeyXml": fixedKeyXML,
	})
	var subs []gotSub
	if status != http.StatusOK || json.Unmarshal(body, &subs) != nil || len(subs) != len(events) {
		e.t.Fatalf("create %v: %d %s", events, status, body)
	}
	var ids []string
	for _, s := range subs {
		ids = append(ids, s.Subscription.ID)
	}
	return ids
}

func (e *env) get(id string) gotSub {
	e.t.Helper()
	status, body := e.raw(http.MethodGet, "/sync/webhooks/subscriptions/"+id, e.bearer(), nil)
	var g gotSub
	if status != http.StatusOK || json.Unmarshal(body, &g) != nil {
		e.t.Fatalf("get %s: %d %s", id, status, body)
	}
	return g
}

// decrypt opens an answer's config.secret with the fixed key (RSA-OAEP,
// SHA-256), as the docs tell a caller to.
func decrypt(t *testing.T, enc string) string {
	t.Helper()
	block, _ := pem.Decode([]byte(fixedKeyPEM))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		t.Fatalf("secret %q is not standard base64", enc)
	}
	pt, err := rsa.DecryptOAEP(sha256.New(), nil, k.(*rsa.PrivateKey), ct, nil)
	if err != nil {
		t.Fatalf("secret does not decrypt: %v", err)
	}
	return string(pt)
}

// responseStatusOf decodes an error answer.
func responseStatusOf(t *testing.T, b []byte) *responseStatus {
	t.Helper()
	var eb errorBody
	if err := json.Unmarshal(b, &eb); err != nil || eb.ResponseStatus == nil {
		t.Fatalf("not a responseStatus answer: %s (%v)", b, err)
	}
	return eb.ResponseStatus
}
