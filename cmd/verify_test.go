package cmd

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	offblocksemu "github.com/hookctl/hookctl/internal/emulator/offblocks"
	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/verify"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// syncBuffer is a bytes.Buffer safe for a command writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startListen runs `verify listen` in the background and returns its
// address once it is ready, and a func waiting for its exit.
func startListen(t *testing.T, cli *CLI, args ...string) (addr string, stdout *syncBuffer, wait func() error) {
	t.Helper()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	errc := make(chan error, 1)
	go func() {
		errc <- cli.Exec(ctx, "", stdout, stderr, append([]string{"verify", "listen", "--addr", "127.0.0.1:0"}, args...)...)
	}()
	re := regexp.MustCompile(`listening on http://(127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
			break
		}
		select {
		case err := <-errc:
			cancel()
			t.Fatalf("verify listen exited early: %v\n%s", err, stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("verify listen not ready: %s", stderr.String())
		}
	}
	return addr, stdout, func() error {
		defer cancel()
		select {
		case err := <-errc:
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("verify listen did not stop after --max deliveries")
			return nil
		}
	}
}

// TestVerifyKeyRefresh: after OffBlocks issues a new verification key, a
// delivery naming its keyid makes verify (and verify listen) fetch the key
// once, store it in the profile and verify with it, saying so in the
// steps; the next verification uses the stored key without a fetch.
// Every-provider forwarding is in testdata/script/verify_listen.txtar.
func TestVerifyKeyRefresh(t *testing.T) {
	t.Parallel()
	cli := NewCLI(t, "HOOKCTL_API_KEY", "00000000-0000-4000-8000-000000000000", "HOOKCTL_API_SECRET", "sandbox-secret")
	dir := cli.Dir
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	box := srv.Box("offblocks").(*offblocksemu.Sandbox)
	cli.OK(append([]string{"profile", "add", "ob"}, box.ProfileArgs()...)...)
	cli.OK("keys", "generate", "-p", "ob")
	cli.OK("keys", "upload", "-p", "ob")
	id := strings.TrimSpace(cli.OK("register", "-p", "ob", "--url", "https://hooks.example.com/ob", "--event", "card.updated", "-o", "json", "--jq", ".[0].id"))
	keyFetches := func() int {
		n := 0
		for _, r := range srv.Requests() {
			if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/verification-key") {
				n++
			}
		}
		return n
	}
	const fetchedStep = "was not stored: fetched that verification key from offblocks"

	// A listener started before the rotation picks the new key up.
	addr, stdout, wait := startListen(t, cli, "-p", "ob", "--id", id, "--max", "2", "-o", "json")
	cli.OK("update", "-p", "ob", id, "--url", "http://"+addr+"/ob")
	cli.OK("sandbox", "deliver", "-p", "ob", id, "--event", "card.updated")
	newID, err := box.RotateVerificationKey()
	if err != nil {
		t.Fatal(err)
	}
	before := keyFetches()
	cli.OK("sandbox", "deliver", "-p", "ob", id, "--event", "card.updated")
	if err := wait(); err != nil {
		t.Fatalf("listen: %v\n%s", err, stdout.String())
	}
	if n := keyFetches() - before; n != 1 {
		t.Errorf("the listener fetched the verification key %d times, want 1", n)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 || strings.Contains(lines[0], fetchedStep) || !strings.Contains(lines[1], `keyid \"`+newID+`\" `+fetchedStep) {
		t.Errorf("listen output:\n%s", stdout.String())
	}

	// The listener stored the key: verify needs no fetch.
	second := filepath.Join(dir, "second.http")
	cli.OK("sandbox", "deliver", "-p", "ob", id, "--event", "card.updated", "--out", second)
	before = keyFetches()
	if out := cli.OK("verify", "-p", "ob", "--id", id, "--request-file", second, "-o", "json"); !strings.Contains(out, `"valid": true`) || strings.Contains(out, fetchedStep) {
		t.Errorf("stored key:\n%s", out)
	}
	if n := keyFetches() - before; n != 0 {
		t.Errorf("verify fetched the stored key %d times", n)
	}

	// Another rotation: verify fetches once, says so, and stores the key.
	thirdID, err := box.RotateVerificationKey()
	if err != nil {
		t.Fatal(err)
	}
	third := filepath.Join(dir, "third.http")
	cli.OK("sandbox", "deliver", "-p", "ob", id, "--event", "card.updated", "--out", third)
	before = keyFetches()
	out := cli.OK("verify", "-p", "ob", "--id", id, "--request-file", third)
	if want := "key\tok\tkeyid \"" + thirdID + "\" " + fetchedStep + " and stored it in the profile\n"; !strings.Contains(out, want) {
		t.Errorf("table output lacks %q:\n%s", want, out)
	}
	cli.OK("verify", "-p", "ob", "--id", id, "--request-file", third)
	if n := keyFetches() - before; n != 1 {
		t.Errorf("two verifications fetched the key %d times, want 1", n)
	}

	// A delivery signed with the replaced key: fetched again, but the API
	// serves the newest key only, so it fails (exit 3) and says why.
	var buf bytes.Buffer
	err = cli.Exec(context.Background(), "", &buf, io.Discard, "verify", "-p", "ob", "--id", id, "--request-file", second, "-o", "json")
	if webhook.KindOf(err) != webhook.KindVerify || !strings.Contains(buf.String(), `offblocks serves verification key \"`+thirdID+`\" instead`) {
		t.Errorf("old key: %v\n%s", err, buf.String())
	}
}

func TestVerifyListenFlags(t *testing.T) {
	t.Parallel()
	cli := NewCLI(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "0.0.0.0:8080", "--secret-env", "X"}, "only loopback"},
		{[]string{"--addr", "example.com:80", "--secret-env", "X"}, "only loopback"},
		{[]string{"--addr", "127.0.0.1", "--secret-env", "X"}, "HOST:PORT"},
		{[]string{"--addr", "127.0.0.1:0"}, "exactly one key source"},
		{[]string{"--addr", "127.0.0.1:0", "--secret-env", "X", "--forward-to", "ftp://x"}, "--forward-to"},
		{[]string{"--addr", "127.0.0.1:0", "--secret-env", "X", "--max", "-1"}, "--max"},
		{[]string{"--addr", "127.0.0.1:0", "--secret-env", "X", "--forward-timeout", "0s"}, "--forward-timeout"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			err := cli.Exec(context.Background(), "", io.Discard, io.Discard, append([]string{"verify", "listen"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || webhook.KindOf(err) != webhook.KindUsage {
				t.Errorf("err = %v (kind %v), want a usage error containing %q", err, webhook.KindOf(err), tc.want)
			}
		})
	}
}

// TestVerifyListenReplayAndMalformed: with --seen-db a repeated delivery is
// answered 409 and not forwarded; no signature headers is a 400.
func TestVerifyListenReplayAndMalformed(t *testing.T) {
	t.Parallel()
	cli := NewCLI(t)
	dir := cli.Dir
	secretFile := filepath.Join(dir, "secret")
	os.WriteFile(secretFile, []byte("c2VjcmV0c2VjcmV0\n"), 0o600)
	var forwarded int
	var mu sync.Mutex
	fwd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		forwarded++
		mu.Unlock()
	}))
	defer fwd.Close()
	addr, stdout, wait := startListen(t, cli, "--secret-file", secretFile, "--seen-db", filepath.Join(dir, "seen"), "--forward-to", fwd.URL, "--max", "3")
	req := &signature.Request{Method: "POST", Header: http.Header{}, Body: []byte(`{"a":1}`)}
	if err := (signature.HubSignature{}).Sign(req, []signature.Key{{Secret: []byte("c2VjcmV0c2VjcmV0")}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	send := func(h http.Header) int {
		hr, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/", bytes.NewReader(req.Body))
		hr.Header = h
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i, want := range []int{200, 409, 400} {
		h := req.Header
		if i == 2 {
			h = http.Header{"Content-Type": {"application/json"}}
		}
		if got := send(h); got != want {
			t.Errorf("delivery %d: HTTP %d, want %d", i, got, want)
		}
	}
	if err := wait(); webhook.KindOf(err) != webhook.KindVerify {
		t.Errorf("exit: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if forwarded != 1 {
		t.Errorf("forwarded %d, want 1", forwarded)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "\treplay\t") || !strings.Contains(lines[2], "\theaders\t") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
}

// signedRequest returns a raw HTTP request signed with scheme.
func signedRequest(t testing.TB, s signature.Scheme, secret string, body string) *signature.Request {
	t.Helper()
	req := &signature.Request{Method: "POST", Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}
	if err := s.Sign(req, []signature.Key{{Name: "current", Secret: []byte(secret)}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

func rawHTTP(req *signature.Request) string {
	var b bytes.Buffer
	b.WriteString("POST /hook HTTP/1.1\r\nHost: receiver.example.com\r\n")
	req.Header.Write(&b)
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(req.Body))
	b.Write(req.Body)
	return b.String()
}

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// TestVerifySeenDB: the second verification of the same delivery fails as
// a replay (exit 3), for schemes with and without a delivery id.
func TestVerifySeenDB(t *testing.T) {
	cli := NewCLI(t, "WH_SECRET", testSecret)
	for _, s := range []signature.Scheme{signature.StandardWebhooks{}, signature.Solvimon{}, signature.HubSignature{}} {
		t.Run(s.Name(), func(t *testing.T) {
			dir := t.TempDir()
			file, db := filepath.Join(dir, "d.http"), filepath.Join(dir, "seen.db")
			os.WriteFile(file, []byte(rawHTTP(signedRequest(t, s, testSecret, `{"n":1}`))), 0o600)
			args := []string{"verify", "--secret-env", "WH_SECRET", "--request-file", file, "--seen-db", db, "-o", "json"}
			var out bytes.Buffer
			if err := cli.Exec(context.Background(), "", &out, io.Discard, args...); err != nil {
				t.Fatalf("first: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), `"name": "replay",`) {
				t.Errorf("no replay step: %s", out.String())
			}
			st, err := os.Stat(db)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("seen db: %v %v", err, st)
			}
			out.Reset()
			err = cli.Exec(context.Background(), "", &out, io.Discard, args...)
			if webhook.KindOf(err) != webhook.KindVerify || !strings.Contains(out.String(), `"failed_step": "replay"`) {
				t.Errorf("second: %v\n%s", err, out.String())
			}
			// A different delivery is still accepted.
			os.WriteFile(file, []byte(rawHTTP(signedRequest(t, s, testSecret, `{"n":2}`))), 0o600)
			if err := cli.Exec(context.Background(), "", io.Discard, io.Discard, args...); err != nil {
				t.Errorf("another delivery: %v", err)
			}
		})
	}
}

func batchLineOf(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestVerifyBatch(t *testing.T) {
	cli := NewCLI(t, "WH_SECRET", testSecret)
	hub := signedRequest(t, signature.HubSignature{}, testSecret, `{"a":1}`)
	sol := signedRequest(t, signature.Solvimon{}, testSecret, `{"b":2}`)
	sw := signedRequest(t, signature.StandardWebhooks{}, testSecret, `{"c":3}`)
	valid := []string{
		batchLineOf(t, map[string]any{"request": rawHTTP(hub)}),
		batchLineOf(t, map[string]any{"headers": sol.Header, "body": string(sol.Body)}),
		batchLineOf(t, map[string]any{"headers": map[string]string{
			"webhook-id": sw.Header.Get("Webhook-Id"), "webhook-timestamp": sw.Header.Get("Webhook-Timestamp"),
			"webhook-signature": sw.Header.Get("Webhook-Signature")}, "body": string(sw.Body)}),
	}
	tests := []struct {
		name     string
		lines    []string
		valid    []bool
		failKind webhook.Kind
	}{
		{"all valid", valid, []bool{true, true, true}, webhook.KindError},
		{"one tampered, one malformed", append(append([]string{}, valid...),
			batchLineOf(t, map[string]any{"headers": hub.Header, "body": `{"a":2}`}), `{"request": 1}`),
			[]bool{true, true, true, false, false}, webhook.KindVerify},
		// An entry that could not be checked is an input error, exit 2,
		// not a verification failure.
		{"one malformed", append(append([]string{}, valid...), `{"request": 1}`),
			[]bool{true, true, true, false}, webhook.KindUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := cli.Exec(context.Background(), strings.Join(tc.lines, "\n")+"\n", &out, io.Discard,
				"verify", "--batch", "-", "--secret-env", "WH_SECRET", "-o", "json")
			if tc.failKind == webhook.KindError && err != nil || tc.failKind != webhook.KindError && webhook.KindOf(err) != tc.failKind {
				t.Errorf("err = %v", err)
			}
			dec := json.NewDecoder(&out)
			for i, want := range tc.valid {
				var bl verify.BatchLine
				if err := dec.Decode(&bl); err != nil {
					t.Fatalf("result %d: %v", i, err)
				}
				if bl.Valid != want || bl.Line != i+1 {
					t.Errorf("result %d: line %d valid %v, want line %d valid %v (%+v)", i, bl.Line, bl.Valid, i+1, want, bl)
				}
			}
			if dec.More() {
				t.Error("more results than entries")
			}
		})
	}
}

// TestVerifyBatchNoKey: a batch entry with no key (no "id", no key flag)
// is an input error of that entry, exit 2, its step "input" and its steps
// [] rather than null.
func TestVerifyBatchNoKey(t *testing.T) {
	t.Parallel()
	cli := NewCLI(t)
	hub := signedRequest(t, signature.HubSignature{}, testSecret, `{"a":1}`)
	var out bytes.Buffer
	err := cli.Exec(context.Background(), batchLineOf(t, map[string]any{"request": rawHTTP(hub)})+"\n", &out, io.Discard,
		"verify", "--batch", "-", "-o", "json")
	if webhook.KindOf(err) != webhook.KindUsage {
		t.Errorf("err = %v (kind %v), want a usage error", err, webhook.KindOf(err))
	}
	if got := out.String(); !strings.Contains(got, `"failed_step":"input"`) || !strings.Contains(got, `"steps":[]`) || !strings.Contains(got, "no key for this entry") {
		t.Errorf("line: %s", got)
	}
}

func TestVerifyHAR(t *testing.T) {
	req := signedRequest(t, signature.Solvimon{}, testSecret, `{"event":"INVOICE.CREATED"}`)
	type hv struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	var hs []hv
	for k, v := range req.Header {
		hs = append(hs, hv{k, v[0]})
	}
	har := map[string]any{"log": map[string]any{"version": "1.2", "entries": []any{
		map[string]any{"request": map[string]any{"method": "GET", "url": "https://example.com/", "headers": []hv{}}},
		map[string]any{"request": map[string]any{"method": "POST", "url": "https://receiver.example.com/hook",
			"headers": hs, "postData": map[string]any{"mimeType": "application/json", "text": string(req.Body)}}},
	}}}
	file := filepath.Join(t.TempDir(), "capture.har")
	os.WriteFile(file, []byte(batchLineOf(t, har)), 0o600)
	cli := NewCLI(t, "WH_SECRET", testSecret)
	if out := cli.OK("verify", "--har", file, "--entry", "1", "--secret-env", "WH_SECRET", "-o", "json"); !strings.Contains(out, `"valid": true`) {
		t.Errorf("entry 1: %s", out)
	}
	err := cli.Exec(context.Background(), "", io.Discard, io.Discard, "verify", "--har", file, "--entry", "0", "--secret-env", "WH_SECRET")
	if webhook.KindOf(err) != webhook.KindVerify {
		t.Errorf("entry 0 (no signature): %v", err)
	}
	err = cli.Exec(context.Background(), "", io.Discard, io.Discard, "verify", "--har", file, "--entry", "5", "--secret-env", "WH_SECRET")
	if webhook.KindOf(err) != webhook.KindUsage || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("entry 5: %v", err)
	}
	// Without --entry: the first entry that carries signature headers
	// (here 1, after a page load), not entry 0.
	if out := cli.OK("verify", "--har", file, "--secret-env", "WH_SECRET", "-o", "json"); !strings.Contains(out, `"valid": true`) {
		t.Errorf("no --entry: %s", out)
	}
	unsigned := filepath.Join(t.TempDir(), "unsigned.har")
	os.WriteFile(unsigned, []byte(batchLineOf(t, map[string]any{"log": map[string]any{"version": "1.2", "entries": []any{
		map[string]any{"request": map[string]any{"method": "GET", "url": "https://example.com/", "headers": []hv{}}}}}})), 0o600)
	err = cli.Exec(context.Background(), "", io.Discard, io.Discard, "verify", "--har", unsigned, "--secret-env", "WH_SECRET")
	if webhook.KindOf(err) != webhook.KindUsage || !strings.Contains(err.Error(), "none of the 1 entries carries signature headers") {
		t.Errorf("no signed entry: %v", err)
	}
}

// TestVerifyExitCodes runs `hookctl verify --request-file` on every scheme's
// valid, tampered, stale, future, wrong-key, duplicated and malformed
// deliveries: each exits 0 or 3 and names the step that failed. (The step
// logic itself is pinned by pkg/signature's table tests.)
func TestVerifyExitCodes(t *testing.T) {
	dir := t.TempDir()
	ecKey := func(name string) (*ecdsa.PrivateKey, string) {
		k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKIXPublicKey(k.Public())
		file := filepath.Join(dir, name)
		os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600)
		return k, file
	}
	priv, pubFile := ecKey("pub.pem")
	_, otherFile := ecKey("other.pem")
	cli := NewCLI(t, "WH_SECRET", testSecret, "WH_OTHER", "whsec_c29tZXRoaW5nIGVsc2UgZW50aXJlbHk=")
	signedAt := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	type mutation struct{ name, value string }
	schemes := []struct {
		scheme          signature.Scheme
		key             signature.Key
		keyArgs, wrong  []string
		timestamped     bool
		tamperStep      string
		duplicated, bad mutation
	}{
		{signature.StandardWebhooks{}, signature.Key{Secret: []byte(testSecret)}, []string{"--secret-env", "WH_SECRET"}, []string{"--secret-env", "WH_OTHER"},
			true, "signature", mutation{"Webhook-Id", "msg_other"}, mutation{"Webhook-Signature", "v1;abc v2,zzz"}},
		{signature.Solvimon{}, signature.Key{Secret: []byte(testSecret)}, []string{"--secret-env", "WH_SECRET"}, []string{"--secret-env", "WH_OTHER"},
			true, "signature", mutation{"X-Payload-Signature-Timestamp", "2026-03-01T12:00:00Z"}, mutation{"X-Payload-Signature", "v1:ABCDEF"}},
		{signature.HubSignature{}, signature.Key{Secret: []byte(testSecret)}, []string{"--secret-env", "WH_SECRET"}, []string{"--secret-env", "WH_OTHER"},
			false, "signature", mutation{"X-Hub-Signature", "sha1=00"}, mutation{"X-Hub-Signature", "sha1=not-hex!"}},
		{signature.HTTPMessageSignatures{}, signature.Key{Private: priv, KeyID: "k1"}, []string{"--public-key-file", pubFile}, []string{"--public-key-file", otherFile},
			true, "digest", mutation{"Signature-Input", `sig9=("@method");created=1`}, mutation{"Signature-Input", `sig1=("@method"`}},
	}
	for _, sc := range schemes {
		req := &signature.Request{Method: "POST", Header: http.Header{"Content-Type": {"application/json"}, "Host": {"receiver.example.com"}},
			Body: []byte(`{"eventId":"ev-1","type":"card.updated"}`)}
		req.URL, _ = url.Parse("https://receiver.example.com/hook")
		if err := sc.scheme.Sign(req, []signature.Key{sc.key}, signedAt); err != nil {
			t.Fatal(err)
		}
		ts := func(d time.Duration) string { return signedAt.Add(d).Format(time.RFC3339) }
		staleFail, staleCode := "", 0 // X-Hub-Signature has no timestamp
		if sc.timestamped {
			staleFail, staleCode = "timestamp", 3
		}
		cases := []struct {
			name   string
			mutate func(h http.Header, body []byte) []byte
			now    string
			keys   []string
			code   int
			failed string
		}{
			{"valid", nil, ts(30 * time.Second), sc.keyArgs, 0, ""},
			{"tampered", func(h http.Header, b []byte) []byte { return bytes.Replace(b, []byte("updated"), []byte("deleted"), 1) }, ts(30 * time.Second), sc.keyArgs, 3, sc.tamperStep},
			{"stale", nil, ts(10 * time.Minute), sc.keyArgs, staleCode, staleFail},
			{"future", nil, ts(-10 * time.Minute), sc.keyArgs, staleCode, staleFail},
			{"wrong key", nil, ts(30 * time.Second), sc.wrong, 3, "signature"},
			{"duplicated", func(h http.Header, b []byte) []byte { h.Add(sc.duplicated.name, sc.duplicated.value); return b }, ts(30 * time.Second), sc.keyArgs, 3, "headers"},
			{"malformed", func(h http.Header, b []byte) []byte { h.Set(sc.bad.name, sc.bad.value); return b }, ts(30 * time.Second), sc.keyArgs, 3, "headers"},
		}
		for _, tc := range cases {
			t.Run(sc.scheme.Name()+"/"+tc.name, func(t *testing.T) {
				h, body := req.Header.Clone(), req.Body
				if tc.mutate != nil {
					body = tc.mutate(h, bytes.Clone(body))
				}
				h.Del("Host")
				file := filepath.Join(t.TempDir(), "d.http")
				os.WriteFile(file, []byte(rawHTTP(&signature.Request{Header: h, Body: body})), 0o600)
				var out, errOut bytes.Buffer
				args := append([]string{"verify", "--request-file", file, "--now", tc.now, "-o", "json"}, tc.keys...)
				err := cli.Exec(context.Background(), "", &out, &errOut, args...)
				code := 0
				if err != nil {
					code = webhook.KindOf(err).ExitCode()
				}
				var res signature.Result
				if jerr := json.Unmarshal(out.Bytes(), &res); jerr != nil {
					t.Fatalf("exit %d (%v): %v\n%s", code, err, jerr, out.String())
				}
				if code != tc.code || res.FailedStep != tc.failed || res.Valid != (tc.code == 0) {
					t.Errorf("exit %d, failed step %q, valid %v; want exit %d, failed step %q\n%s", code, res.FailedStep, res.Valid, tc.code, tc.failed, out.String())
				}
			})
		}
	}
}

// BenchmarkVerifyBatchRun measures `verify --batch - -o json` in-process
// over 10,000 Solvimon deliveries with 1 KiB bodies (the whole-process
// figure of bench/proc without start-up): reading, decoding, checking,
// writing the results, and the garbage collection all of that causes.
func BenchmarkVerifyBatchRun(b *testing.B) {
	const n = 10_000
	var in strings.Builder
	for i := range n {
		pad := fmt.Sprintf(`{"event":"INVOICE.CREATED","seq":%d,"data":"`, i)
		body := pad + strings.Repeat("x", 1024-len(pad)-2) + `"}`
		req := signedRequest(b, signature.Solvimon{}, testSecret, body)
		in.WriteString(batchLineOf(b, map[string]any{"headers": req.Header, "body": body}))
		in.WriteByte('\n')
	}
	input := in.String()
	cli := NewCLI(b, "WH_SECRET", testSecret)
	b.ReportAllocs()
	for b.Loop() {
		if err := cli.Exec(context.Background(), input, io.Discard, io.Discard,
			"verify", "--batch", "-", "--secret-env", "WH_SECRET", "-o", "json"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "deliveries/s")
}
