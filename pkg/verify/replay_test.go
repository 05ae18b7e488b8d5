package verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dunglas/httpsfv"

	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/webhook"
)

var (
	current  = signature.Key{Name: "current", Secret: []byte("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")}
	previous = signature.Key{Name: "previous", Secret: []byte("an older secret, still in its overlap")}
)

// delivery is a delivery signed with keys by scheme at now.
func delivery(t testing.TB, s signature.Scheme, keys []signature.Key, body string, now time.Time) *signature.Request {
	t.Helper()
	u, _ := url.Parse("https://hooks.example.com/in")
	req := &signature.Request{Method: http.MethodPost, URL: u, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}
	if err := s.Sign(req, keys, now); err != nil {
		t.Fatal(err)
	}
	return req
}

// clone copies req's headers, so a variant leaves the original alone.
func clone(req *signature.Request) *signature.Request {
	c := *req
	c.Header = req.Header.Clone()
	return &c
}

func newStore(t testing.TB) *Store {
	t.Helper()
	s, err := OpenStore(filepath.Join(t.TempDir(), "seen.db"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// reencode rewrites the MAC after prefix in v ("sha1=<hex>", "v1=<HEX>",
// "v1,<hex>") with what f makes of its bytes.
func reencode(t testing.TB, v, prefix string, f func([]byte) string) string {
	t.Helper()
	rest, ok := strings.CutPrefix(v, prefix)
	if !ok {
		t.Fatalf("%q does not start with %q", v, prefix)
	}
	mac, err := hex.DecodeString(rest)
	if err != nil {
		mac, err = base64.StdEncoding.DecodeString(rest)
	}
	if err != nil {
		t.Fatalf("%q: %v", v, err)
	}
	return prefix + f(mac)
}

var (
	upperHex = func(m []byte) string { return strings.ToUpper(hex.EncodeToString(m)) }
	lowerHex = hex.EncodeToString
	b64      = base64.StdEncoding.EncodeToString
)

// dropMember removes one labelled signature from Signature-Input and
// Signature, as a man in the middle could.
func dropMember(t testing.TB, h http.Header, label string) {
	t.Helper()
	for _, f := range []string{"Signature-Input", "Signature"} {
		d, err := httpsfv.UnmarshalDictionary(h.Values(f))
		if err != nil {
			t.Fatal(err)
		}
		d.Del(label)
		v, err := httpsfv.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		h.Set(f, v)
	}
}

// relabel renames every signature label from old to new.
func relabel(t testing.TB, h http.Header, old, new string) {
	t.Helper()
	for _, f := range []string{"Signature-Input", "Signature"} {
		d, err := httpsfv.UnmarshalDictionary(h.Values(f))
		if err != nil {
			t.Fatal(err)
		}
		v, _ := d.Get(old)
		d.Del(old)
		d.Add(new, v)
		s, err := httpsfv.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		h.Set(f, s)
	}
}

// negateS turns an ECDSA r||s signature into r||(n-s): another valid
// signature of the same base, made without the key.
func negateS(t testing.TB, h http.Header, label string, curve elliptic.Curve) {
	t.Helper()
	d, err := httpsfv.UnmarshalDictionary(h.Values("Signature"))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := d.Get(label)
	sig := m.(httpsfv.Item).Value.([]byte)
	size := len(sig) / 2
	s := new(big.Int).SetBytes(sig[size:])
	s.Sub(curve.Params().N, s)
	out := append(append([]byte(nil), sig[:size]...), s.FillBytes(make([]byte, size))...)
	d.Add(label, httpsfv.NewItem(out))
	v, err := httpsfv.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Signature", v)
}

// TestStoreReplayVariants: a captured delivery, changed only where its
// signatures do not reach (unsigned headers, the case or encoding of a MAC,
// other or duplicated signatures, a label) still verifies, and is refused
// as a replay once the original was accepted, for every
// scheme.
func TestStoreReplayVariants(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384b, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	obSign := []signature.Key{{Name: "a", Private: p384, KeyID: "a"}, {Name: "b", Private: p384b, KeyID: "b"}}
	obVerify := []signature.Key{{Name: "a", Public: &p384.PublicKey, KeyID: "a"}, {Name: "b", Public: &p384b.PublicKey, KeyID: "b"}}
	both := []signature.Key{current, previous}
	const hub, sol, sw = "X-Hub-Signature", "X-Payload-Signature", "Webhook-Signature"
	junk := strings.Repeat("ab", 32)
	tests := []struct {
		name   string
		scheme signature.Scheme
		sign   []signature.Key // default: current
		verify []signature.Key // default: current
		alter  func(t *testing.T, h http.Header)
	}{
		{"hub new X-Webhook-Delivery", signature.HubSignature{}, nil, nil, func(t *testing.T, h http.Header) {
			h.Set("X-Webhook-Delivery", strings.Repeat("0", 32))
		}},
		{"hub without X-Webhook-Delivery", signature.HubSignature{}, nil, nil, func(t *testing.T, h http.Header) { h.Del("X-Webhook-Delivery") }},
		{"hub hex upper-cased", signature.HubSignature{}, nil, nil, func(t *testing.T, h http.Header) {
			h.Set(hub, reencode(t, h.Get(hub), "sha1=", upperHex))
		}},
		{"hub base64", signature.HubSignature{}, nil, nil, func(t *testing.T, h http.Header) {
			h.Set(hub, reencode(t, h.Get(hub), "sha1=", b64))
		}},
		{"hub bare value, no prefix", signature.HubSignature{}, nil, nil, func(t *testing.T, h http.Header) {
			h.Set(hub, strings.TrimPrefix(h.Get(hub), "sha1="))
		}},
		{"hub as X-Hub-Signature-256", signature.HubSignature{}, nil, nil, func(t *testing.T, h http.Header) {
			h.Set("X-Hub-Signature-256", "sha256="+strings.TrimPrefix(h.Get(hub), "sha1="))
			h.Del(hub)
		}},
		{"solvimon lower-case hex", signature.Solvimon{}, nil, nil, func(t *testing.T, h http.Header) {
			h.Set(sol, reencode(t, h.Get(sol), "v1=", lowerHex))
		}},
		{"solvimon extra junk v1= pair", signature.Solvimon{}, nil, nil, func(t *testing.T, h http.Header) { h.Set(sol, h.Get(sol)+",v1="+junk) }},
		{"solvimon duplicated pair", signature.Solvimon{}, nil, nil, func(t *testing.T, h http.Header) { h.Set(sol, h.Get(sol)+","+h.Get(sol)) }},
		{"solvimon trailing space comma", signature.Solvimon{}, nil, nil, func(t *testing.T, h http.Header) { h.Set(sol, h.Get(sol)+" ,") }},
		{"solvimon base64", signature.Solvimon{}, nil, nil, func(t *testing.T, h http.Header) {
			h.Set(sol, reencode(t, h.Get(sol), "v1=", b64))
		}},
		{"solvimon pair split over two header lines", signature.Solvimon{}, nil, nil, func(t *testing.T, h http.Header) {
			v := h.Get(sol)
			h.Set(sol, "v1="+junk)
			h.Add(sol, v)
		}},
		{"solvimon roll overlap, current's pair dropped", signature.Solvimon{}, both, both, func(t *testing.T, h http.Header) {
			_, prev, _ := strings.Cut(h.Get(sol), ",")
			h.Set(sol, prev)
		}},
		{"standard-webhooks hex to base64", signature.StandardWebhooks{}, []signature.Key{previous}, []signature.Key{previous}, func(t *testing.T, h http.Header) {
			h.Set(sw, reencode(t, h.Get(sw), "v1,", b64))
		}},
		{"standard-webhooks extra entries", signature.StandardWebhooks{}, nil, nil, func(t *testing.T, h http.Header) {
			h.Set(sw, "v1a,"+junk+" "+h.Get(sw)+" v1,"+b64([]byte(junk[:32])))
		}},
		{"standard-webhooks rotation overlap, first signature dropped", signature.StandardWebhooks{}, both, both, func(t *testing.T, h http.Header) {
			_, second, _ := strings.Cut(h.Get(sw), " ")
			h.Set(sw, second)
		}},
		{"http-message-signatures relabelled", signature.HTTPMessageSignatures{}, obSign[:1], obVerify, func(t *testing.T, h http.Header) {
			relabel(t, h, "sig1", "replayed")
		}},
		{"http-message-signatures ECDSA s negated", signature.HTTPMessageSignatures{}, obSign[:1], obVerify, func(t *testing.T, h http.Header) {
			negateS(t, h, "sig1", elliptic.P384())
		}},
		{"http-message-signatures first of two dropped", signature.HTTPMessageSignatures{}, obSign, obVerify, func(t *testing.T, h http.Header) {
			dropMember(t, h, "sig1")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			signKeys, verifyKeys := tc.sign, tc.verify
			if signKeys == nil {
				signKeys = []signature.Key{current}
			}
			if verifyKeys == nil {
				verifyKeys = []signature.Key{current}
			}
			now := time.Now()
			opts := signature.Options{Now: now}
			orig := delivery(t, tc.scheme, signKeys, `{"event":"INVOICE.CREATED","n":1}`, now)
			store := newStore(t)
			res := tc.scheme.Verify(orig, verifyKeys, opts)
			if !res.Valid {
				t.Fatalf("original does not verify: %+v", res.Steps)
			}
			if res, claim, err := store.Check(res, now, time.Minute); err != nil || claim == nil || !res.Valid {
				t.Fatalf("original: claim %v, err %v, steps %+v", claim, err, res.Steps)
			}
			replay := clone(orig)
			tc.alter(t, replay.Header)
			res = tc.scheme.Verify(replay, verifyKeys, opts)
			if !res.Valid {
				t.Fatalf("the variant does not even verify (no replay to refuse): %+v", res.Steps)
			}
			res, claim, err := store.Check(res, now, time.Minute)
			if err != nil || claim != nil || res.Valid || res.FailedStep != signature.StepReplay {
				t.Fatalf("variant accepted: claim %v, err %v, steps %+v", claim, err, res.Steps)
			}
			if last := res.Steps[len(res.Steps)-1]; !strings.Contains(last.Detail, "already accepted") {
				t.Errorf("replay step: %+v", last)
			}
			// Another delivery is still new.
			other := delivery(t, tc.scheme, signKeys, `{"event":"INVOICE.CREATED","n":2}`, now)
			if _, claim, err := store.Check(tc.scheme.Verify(other, verifyKeys, opts), now, time.Minute); err != nil || claim == nil {
				t.Errorf("a different delivery: claim %v, err %v", claim, err)
			}
		})
	}
}

// TestStoreSharedHandles: two handles on one file, as two listener
// processes have, given the same delivery at the same moment, round after
// round: exactly one claims it.
func TestStoreSharedHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seen.db")
	var stores [2]*Store
	for i := range stores {
		s, err := OpenStore(path)
		if err != nil {
			t.Fatal(err)
		}
		stores[i] = s
	}
	for round := range 50 {
		now := time.Now()
		req := delivery(t, signature.Solvimon{}, []signature.Key{current}, `{"round":`+strconv.Itoa(round)+`}`, now)
		res := signature.Solvimon{}.Verify(req, []signature.Key{current}, signature.Options{Now: now})
		var wg sync.WaitGroup
		var claims [2]*Claim
		var errs [2]error
		start := make(chan struct{})
		for i, s := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, claims[i], errs[i] = s.Check(res, now, time.Minute)
			}()
		}
		close(start)
		wg.Wait()
		if errs[0] != nil || errs[1] != nil || (claims[0] == nil) == (claims[1] == nil) {
			t.Fatalf("round %d: claims %v, errors %v: want exactly one claim", round, claims, errs)
		}
	}
}

// TestStoreRelease: a released claim (the forward failed) lets the
// sender's retry of the same delivery in.
func TestStoreRelease(t *testing.T) {
	store := newStore(t)
	now := time.Now()
	req := delivery(t, signature.HubSignature{}, []signature.Key{current}, `{"a":1}`, now)
	res := signature.HubSignature{}.Verify(req, []signature.Key{current}, signature.Options{Now: now})
	_, claim, err := store.Check(res, now, time.Minute)
	if err != nil || claim == nil {
		t.Fatal(claim, err)
	}
	if err := claim.Release(); err != nil {
		t.Fatal(err)
	}
	if _, claim, err = store.Check(res, now, time.Minute); err != nil || claim == nil {
		t.Fatalf("after release: claim %v, err %v", claim, err)
	}
	if got, claim, _ := store.Check(res, now, time.Minute); claim != nil || got.FailedStep != signature.StepReplay {
		t.Errorf("third time: %+v", got.Steps)
	}
}

// TestStorePrune: timed entries are forgotten once older than the largest
// tolerance any user of the store gave, and not before.
func TestStorePrune(t *testing.T) {
	store := newStore(t)
	wall := time.Now()
	sw := signature.StandardWebhooks{}
	signed := func(at time.Time, n int) *signature.Request {
		return delivery(t, sw, []signature.Key{current}, `{"n":`+strconv.Itoa(n)+`}`, at)
	}
	// check verifies req as of at (a --now) with tolerance tol, and
	// records it.
	check := func(req *signature.Request, at time.Time, tol time.Duration) (*Claim, signature.Result) {
		t.Helper()
		res := sw.Verify(req, []signature.Key{current}, signature.Options{Now: at, Tolerance: tol})
		if !res.Valid {
			t.Fatalf("%+v", res.Steps)
		}
		res, claim, err := store.Check(res, at, tol)
		if err != nil {
			t.Fatal(err)
		}
		return claim, res
	}
	old, recent := wall.Add(-2*time.Hour), wall.Add(-30*time.Minute)
	oldReq, recentReq := signed(old, 1), signed(recent, 2)
	if c, _ := check(oldReq, old, 5*time.Minute); c == nil {
		t.Fatal("old delivery not recorded")
	}
	// Recorded by a process with a 1 h tolerance; its check forgets the
	// 2 h old entry.
	if c, _ := check(recentReq, recent, time.Hour); c == nil {
		t.Fatal("recent delivery not recorded")
	}
	// A check now with a 5 min tolerance keeps the 30 min old entry: the
	// store remembers the 1 h tolerance.
	if c, _ := check(signed(wall, 3), wall, 5*time.Minute); c == nil {
		t.Fatal("new delivery not recorded")
	}
	if c, res := check(recentReq, wall, time.Hour); c != nil || res.FailedStep != signature.StepReplay {
		t.Errorf("30 min old entry was forgotten within the 1 h tolerance: %+v", res.Steps)
	}
	if c, _ := check(oldReq, old, 5*time.Minute); c == nil {
		t.Error("2 h old entry was kept past every tolerance")
	}
}

// TestOpenStoreRefuses: state files are hostile input.
func TestOpenStoreRefuses(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.db")
	if _, err := OpenStore(real); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.db")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(dir, "open.db")
	if _, err := OpenStore(open); err != nil {
		t.Fatal(err)
	}
	os.Chmod(open, 0o644)
	old := filepath.Join(dir, "old.db")
	os.WriteFile(old, []byte("standard-webhooks:msg_1\nsha256:ab12\n"), 0o600)
	shared := filepath.Join(dir, "shared")
	os.Mkdir(shared, 0o777)
	os.Chmod(shared, 0o777)
	tests := []struct{ path, want string }{
		{link, "symbolic link"},
		{open, "too open (want 0600)"},
		{old, "format of an earlier hookctl"},
		{filepath.Join(shared, "seen.db"), "writable by others"},
	}
	if os.Geteuid() == 0 {
		other := filepath.Join(dir, "other.db")
		if _, err := OpenStore(other); err != nil {
			t.Fatal(err)
		}
		os.Chown(other, 4242, 4242)
		tests = append(tests, struct{ path, want string }{other, "belongs to uid 4242"})
	}
	for _, tc := range tests {
		_, err := OpenStore(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || webhook.KindOf(err) != webhook.KindUsage {
			t.Errorf("%s: err = %v (kind %v), want a usage error with %q", filepath.Base(tc.path), err, webhook.KindOf(err), tc.want)
		}
	}
	// A sticky shared directory (as /tmp) is fine.
	os.Chmod(shared, 0o777|os.ModeSticky)
	if _, err := OpenStore(filepath.Join(shared, "seen.db")); err != nil {
		t.Errorf("sticky directory: %v", err)
	}
	if b, _ := os.ReadFile(old); string(b) != "standard-webhooks:msg_1\nsha256:ab12\n" {
		t.Errorf("the refused old file was changed: %q", b)
	}
}
