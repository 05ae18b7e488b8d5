package offblocks

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/dunglas/httpsfv"
	"github.com/google/uuid"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// libraryServer is an outside oracle: a server that verifies requests the
// way OffBlocks' own Go library (github.com/OffBlocks/httpsig, RFC 9421
// draft-19) does in its server middleware, written here from what that
// library was seen to do (docs/providers/offblocks.md, outside
// references), not from pkg/signature/httpsig (the package the client
// signs with) nor from hookctl's emulator:
//
//   - the message is the *http.Request as a Go server receives it:
//     @target-uri is r.URL.String(), which on a server is path and query
//     only; @authority is r.Host, @path r.URL's path, @query "?" + query;
//   - keyid is dereferenced unconditionally: a signature without one
//     crashes the verifier (a 500 and nothing done, here);
//   - Content-Digest is checked for sha-256 only (the library's default):
//     a header with only sha-512 passes, vacuously;
//   - a signature it refuses is answered 400 "invalid required signature";
//   - no freshness window (the library's default tolerance is 0).
//
// Behind the middleware it keeps just enough state to answer the client.
type libraryServer struct {
	t    *testing.T
	mu   sync.Mutex
	keys map[string]*ecdsa.PublicKey // keyid → uploaded key
	subs map[string]map[string]any   // webhook id → webhook
	// refused and crashed record what the middleware turned away.
	refused, crashed []string
}

func newLibraryServer(t *testing.T) (*libraryServer, *httptest.Server) {
	ls := &libraryServer{t: t, keys: map[string]*ecdsa.PublicKey{}, subs: map[string]map[string]any{}}
	srv := httptest.NewServer(ls)
	t.Cleanup(srv.Close)
	return ls, srv
}

func (ls *libraryServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Method == http.MethodPost && r.URL.Path == "/v1/auth/token" {
		writeOracleJSON(w, map[string]any{"token": "oracle-token", "expiresAt": 4102444800, "tokenType": "Bearer"})
		return
	}
	what := r.Method + " " + r.URL.Path
	if err := ls.verify(r, body); err != nil {
		ls.mu.Lock()
		if errors.Is(err, errNilKeyID) {
			ls.crashed = append(ls.crashed, what)
		} else {
			ls.refused = append(ls.refused, what+": "+err.Error())
		}
		ls.mu.Unlock()
		if errors.Is(err, errNilKeyID) {
			http.Error(w, "runtime error: invalid memory address or nil pointer dereference", http.StatusInternalServerError)
			return
		}
		http.Error(w, "invalid required signature", http.StatusBadRequest) // plain text, as the middleware answers
		return
	}
	ls.serve(w, r, body)
}

var errNilKeyID = errors.New("keyid is nil")

// verify is the middleware: digest, then signature.
func (ls *libraryServer) verify(r *http.Request, body []byte) error {
	if v := r.Header.Get("Content-Digest"); v != "" {
		d, err := httpsfv.UnmarshalDictionary(r.Header.Values("Content-Digest"))
		if err != nil {
			return err
		}
		if m, ok := d.Get("sha-256"); ok {
			sum := sha256.Sum256(body)
			if got, _ := m.(httpsfv.Item).Value.([]byte); string(got) != string(sum[:]) {
				return errors.New("content digest mismatch")
			}
		}
	}
	in, err := httpsfv.UnmarshalDictionary(r.Header.Values("Signature-Input"))
	if err != nil || len(in.Names()) == 0 {
		return errors.New("no signature")
	}
	sigs, err := httpsfv.UnmarshalDictionary(r.Header.Values("Signature"))
	if err != nil {
		return err
	}
	label := in.Names()[0]
	m, _ := in.Get(label)
	il, ok := m.(httpsfv.InnerList)
	if !ok {
		return errors.New("signature input is not an inner list")
	}
	kid, ok := il.Params.Get("keyid")
	if !ok {
		return errNilKeyID
	}
	pub, err := ls.keyFor(r, body, kid.(string))
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, it := range il.Items {
		name := it.Value.(string)
		var v string
		switch name {
		case "@method":
			v = r.Method
		case "@target-uri":
			v = r.URL.String() // what the library reads: path and query on a server
		case "@authority":
			v = strings.ToLower(r.Host)
		case "@path":
			v = r.URL.EscapedPath()
		case "@query":
			v = "?" + r.URL.RawQuery
		default:
			v = strings.Join(r.Header.Values(name), ", ")
		}
		b.WriteString(strconv.Quote(name) + ": " + v + "\n")
	}
	params, err := httpsfv.Marshal(il)
	if err != nil {
		return err
	}
	b.WriteString(`"@signature-params": ` + params)
	sm, ok := sigs.Get(label)
	if !ok {
		return errors.New("no signature value")
	}
	sig, _ := sm.(httpsfv.Item).Value.([]byte)
	sum := sha512.Sum384([]byte(b.String()))
	if len(sig) != 96 || !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:48]), new(big.Int).SetBytes(sig[48:])) {
		return errors.New("invalid signature")
	}
	return nil
}

// keyFor is the library's key fetcher: the upload proves possession of
// the key it carries; every other request names an uploaded key's id.
func (ls *libraryServer) keyFor(r *http.Request, body []byte, kid string) (*ecdsa.PublicKey, error) {
	if r.Method == http.MethodPut && r.URL.Path == "/v1/auth/signing" {
		var up map[string]string
		if err := json.Unmarshal(body, &up); err != nil {
			return nil, err
		}
		p, err := base64.StdEncoding.DecodeString(up["publicKey"])
		if err != nil {
			return nil, err
		}
		blk, _ := pem.Decode(p)
		if blk == nil {
			return nil, errors.New("no PEM")
		}
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, err
		}
		ec, ok := k.(*ecdsa.PublicKey)
		if !ok {
			return nil, errors.New("not ECDSA")
		}
		return ec, nil
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if k := ls.keys[kid]; k != nil {
		return k, nil
	}
	return nil, errors.New("unknown keyid")
}

// serve answers what the client needs, after the middleware passed.
func (ls *libraryServer) serve(w http.ResponseWriter, r *http.Request, body []byte) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	id := strings.TrimPrefix(r.URL.Path, "/v1/webhooks/")
	switch {
	case r.Method == http.MethodPut && r.URL.Path == "/v1/auth/signing":
		pub, _ := ls.keyFor(r, body, "")
		kid := uuid.NewString()
		ls.keys[kid] = pub
		writeOracleJSON(w, map[string]string{"id": kid})
	case r.Method == http.MethodPut && r.URL.Path == "/v1/webhooks":
		var in map[string]any
		if err := json.Unmarshal(body, &in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		hid, _ := in["id"].(string)
		if hid == "" {
			hid = uuid.NewString()
		}
		in["id"] = hid
		ls.subs[hid] = in
		writeOracleJSON(w, in)
	case r.Method == http.MethodGet && r.URL.Path == "/v1/webhooks":
		out := []map[string]any{}
		for _, s := range ls.subs {
			out = append(out, s)
		}
		writeOracleJSON(w, out)
	case r.Method == http.MethodGet && ls.subs[id] != nil:
		writeOracleJSON(w, ls.subs[id])
	case r.Method == http.MethodDelete && ls.subs[id] != nil:
		delete(ls.subs, id)
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, `{"message":"Webhook not found"}`, http.StatusNotFound)
	}
}

func writeOracleJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// oracleClient is a client of the oracle server with settings.
func oracleClient(t *testing.T, base string, settings map[string]string) *Client {
	t.Helper()
	vars := map[string]string{"HOOKCTL_API_KEY": uuid.NewString(), "HOOKCTL_API_SECRET": "oracle-secret"}
	store := credentials.New(credentials.NewMemory(), func(k string) string { return vars[k] })
	p := config.Profile{Name: "oracle", Provider: Name, Environment: EnvSandbox, BaseURL: base, Settings: settings}
	c, err := New(provider.Deps{Profile: p, Creds: store, HTTP: httpclient.New(httpclient.Options{AllowHTTP: true, MaxRetries: -1})})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// coreLoop runs every request hookctl makes on OffBlocks' API: keys
// upload, register, list, get, update, delete. It returns the first
// error.
func coreLoop(ctx context.Context, c *Client) error {
	if _, err := c.GenerateKey(ctx, false); err != nil {
		return err
	}
	if _, err := c.UploadKey(ctx); err != nil {
		return err
	}
	regs, err := c.Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/ob?tenant=7", Events: []string{"card.updated"}})
	if err != nil {
		return err
	}
	id := regs[0].ID
	if _, err := c.List(ctx, webhook.ListOptions{}); err != nil {
		return err
	}
	if _, err := c.Get(ctx, id); err != nil {
		return err
	}
	u := "https://hooks.example.com/ob/v2"
	if _, err := c.Update(ctx, id, webhook.UpdateRequest{URL: &u}); err != nil {
		return err
	}
	return c.Delete(ctx, id)
}

// TestOffBlocksLibraryOracle: every request hookctl sends OffBlocks passes
// a server that verifies as OffBlocks' own library does. Signed as hookctl
// did before (the absolute @target-uri, the upload without keyid), the
// same requests fail there: the upload crashes the verifier and every
// other request is refused.
func TestOffBlocksLibraryOracle(t *testing.T) {
	ctx := context.Background()
	ls, srv := newLibraryServer(t)
	if err := coreLoop(ctx, oracleClient(t, srv.URL, nil)); err != nil {
		t.Fatalf("hookctl's default requests against OffBlocks' library: %v\nrefused: %v\ncrashed: %v", err, ls.refused, ls.crashed)
	}
	if len(ls.refused)+len(ls.crashed) != 0 {
		t.Fatalf("refused %v, crashed %v", ls.refused, ls.crashed)
	}

	// The former default components: the first signed request, the
	// upload, is refused for the absolute @target-uri (and so would be
	// every one after it).
	ls, srv = newLibraryServer(t)
	old := map[string]string{FieldSignedComponents: "@method,@target-uri,authorization,content-digest,content-type,idempotency-key", FieldDigestAlgorithm: "sha-512"}
	err := coreLoop(ctx, oracleClient(t, srv.URL, old))
	if webhook.KindOf(err) != webhook.KindAuth || !strings.Contains(err.Error(), "invalid required signature") || len(ls.refused) != 1 || !strings.HasPrefix(ls.refused[0], "PUT /v1/auth/signing: invalid signature") {
		t.Fatalf("the absolute @target-uri against OffBlocks' library: %v (refused %v)", err, ls.refused)
	}
	if !strings.Contains(err.Error(), "hookctl keys upload") {
		t.Errorf("a 400 naming the signature has no signing-key hint: %v", err)
	}
}
