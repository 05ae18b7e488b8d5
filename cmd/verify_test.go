package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/sandbox"
	"github.com/hookctl/hookctl/pkg/signature"
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

// hookctl runs the CLI in-process with stdin in and returns stdout, stderr, error.
func hookctl(ctx context.Context, in string, out, errOut io.Writer, getenv func(string) string, args ...string) error {
	ios := &output.IOStreams{In: strings.NewReader(in), Out: out, ErrOut: errOut}
	root := NewCmdRoot(NewFactory(ios, getenv, "test"))
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hookctl(ctx, "", &out, &errOut, os.Getenv, args...); err != nil {
		t.Fatalf("hookctl %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

func isolateVerify(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("HOOKCTL_CONFIG", filepath.Join(dir, "config", "hookctl", "config.yaml"))
	t.Setenv("HOOKCTL_STORAGE", "file")
	return dir
}

// startListen runs `verify listen` in the background and returns its
// address once it is ready, and a func waiting for its exit.
func startListen(t *testing.T, args ...string) (addr string, stdout *syncBuffer, wait func() error) {
	t.Helper()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	errc := make(chan error, 1)
	go func() {
		errc <- hookctl(ctx, "", stdout, stderr, os.Getenv, append([]string{"verify", "listen", "--addr", "127.0.0.1:0"}, args...)...)
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

type recorded struct {
	header http.Header
	body   []byte
}

// TestVerifyListenSandbox: every provider's sandbox delivery is received,
// verified and forwarded with its headers and body intact; a tampered one
// is answered 401 and not forwarded.
func TestVerifyListenSandbox(t *testing.T) {
	dir := isolateVerify(t)
	for k, v := range map[string]string{"HOOKCTL_API_KEY": "sandbox-api-key", "HOOKCTL_CLIENT_SECRET": "sandbox-secret",
		"HOOKCTL_USERNAME": "sandbox", "HOOKCTL_PASSWORD": "sandbox"} {
		t.Setenv(k, v)
	}
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tests := []struct {
		prov, event, scheme string
		reg                 []string
	}{
		{"solvimon", "INVOICE.CREATED", "solvimon", []string{"--url", "https://hooks.example.com/s", "--event", "INVOICE.CREATED", "--name", "n", "--reference", "r"}},
		{"pexa", "WORKSPACE_CLOSED", "standard-webhooks", []string{"--url", "https://hooks.example.com/p", "--event", "SECRET_EXPIRY", "--event", "WORKSPACE_CLOSED"}},
		{"pwc", "ReportFiled", "hub-signature", []string{"--url", "https://hooks.example.com/w", "--event", "ReportFiled", "--name", "listen demo"}},
	}
	for _, tc := range tests {
		t.Run(tc.prov, func(t *testing.T) {
			profile := "listen-" + tc.prov
			runOK(t, append([]string{"profile", "add", profile}, srv.Box(tc.prov).ProfileArgs()...)...)
			if tc.prov == "pwc" {
				runOK(t, "keys", "generate", "-p", profile)
			}
			var regs []struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal([]byte(runOK(t, append([]string{"register", "-p", profile, "-o", "json"}, tc.reg...)...)), &regs); err != nil || len(regs) == 0 {
				t.Fatalf("register: %v", err)
			}
			id := regs[0].ID

			var mu sync.Mutex
			var got []recorded
			fwd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				got = append(got, recorded{r.Header.Clone(), b})
				mu.Unlock()
				w.WriteHeader(http.StatusAccepted)
			}))
			defer fwd.Close()

			addr, stdout, wait := startListen(t, "-p", profile, "--id", id, "--forward-to", fwd.URL+"/in", "--max", "2", "-o", "json")

			// A valid delivery straight from the sandbox.
			runOK(t, "sandbox", "deliver", id, "-p", profile, "--event", tc.event, "--to", "http://"+addr+"/hook")

			// A tampered one: captured, body changed, sent by hand.
			file := filepath.Join(dir, tc.prov+".http")
			runOK(t, "sandbox", "deliver", id, "-p", profile, "--event", tc.event, "--out", file)
			fh, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			req, err := signature.ParseRawRequest(fh, 1<<20)
			fh.Close()
			if err != nil {
				t.Fatal(err)
			}
			tampered := bytes.Replace(req.Body, []byte(tc.event), []byte(tc.event+"X"), 1)
			if bytes.Equal(tampered, req.Body) {
				t.Fatalf("event %s not in body %s", tc.event, req.Body)
			}
			hr, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/hook", bytes.NewReader(tampered))
			hr.Header = req.Header
			resp, err := http.DefaultClient.Do(hr)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("tampered delivery: HTTP %d, want 401", resp.StatusCode)
			}

			if err := wait(); webhook.KindOf(err) != webhook.KindVerify {
				t.Errorf("listen exit: %v (kind %v), want a verification failure (exit 3)", err, webhook.KindOf(err))
			}

			mu.Lock()
			defer mu.Unlock()
			if len(got) != 1 {
				t.Fatalf("forward target got %d requests, want exactly the valid one", len(got))
			}
			if !bytes.Contains(got[0].body, []byte(tc.event)) || bytes.Contains(got[0].body, []byte(tc.event+"X")) {
				t.Errorf("forwarded body %s", got[0].body)
			}
			// The forwarded request still verifies: headers and body intact.
			var raw bytes.Buffer
			raw.WriteString("POST /in HTTP/1.1\r\nHost: " + strings.TrimPrefix(fwd.URL, "http://") + "\r\n")
			got[0].header.Write(&raw)
			raw.WriteString("\r\n")
			raw.Write(got[0].body)
			fwdFile := filepath.Join(dir, tc.prov+"-fwd.http")
			if err := os.WriteFile(fwdFile, raw.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			out := runOK(t, "verify", "-p", profile, "--id", id, "--request-file", fwdFile, "-o", "json")
			if !strings.Contains(out, `"valid": true`) {
				t.Errorf("forwarded request no longer verifies:\n%s", out)
			}

			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			if len(lines) != 2 {
				t.Fatalf("stdout has %d lines, want 2:\n%s", len(lines), stdout.String())
			}
			want := []struct {
				valid          bool
				status, fwd    int
				failed, scheme string
			}{{true, 202, 202, "", tc.scheme}, {false, 401, 0, "signature", tc.scheme}}
			for i, l := range lines {
				var gotLine listenLine
				if err := json.Unmarshal([]byte(l), &gotLine); err != nil {
					t.Fatalf("line %d: %v: %s", i, err, l)
				}
				w := want[i]
				if gotLine.Valid != w.valid || gotLine.Status != w.status || gotLine.ForwardStatus != w.fwd ||
					gotLine.FailedStep != w.failed || gotLine.Scheme != w.scheme {
					t.Errorf("line %d = %s\nwant valid=%v status=%d forward=%d failed=%q scheme=%s", i, l, w.valid, w.status, w.fwd, w.failed, w.scheme)
				}
			}
		})
	}
}

func TestVerifyListenFlags(t *testing.T) {
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
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			err := hookctl(context.Background(), "", io.Discard, io.Discard, os.Getenv, append([]string{"verify", "listen"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || webhook.KindOf(err) != webhook.KindUsage {
				t.Errorf("err = %v (kind %v), want a usage error containing %q", err, webhook.KindOf(err), tc.want)
			}
		})
	}
}

// TestVerifyListenReplayAndMalformed: with --seen-db a repeated delivery is
// answered 409 and not forwarded; no signature headers is a 400.
func TestVerifyListenReplayAndMalformed(t *testing.T) {
	dir := t.TempDir()
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
	addr, stdout, wait := startListen(t, "--secret-file", secretFile, "--seen-db", filepath.Join(dir, "seen"), "--forward-to", fwd.URL, "--max", "3")
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
	getenv := func(k string) string {
		if k == "WH_SECRET" {
			return testSecret
		}
		return os.Getenv(k)
	}
	for _, s := range []signature.Scheme{signature.StandardWebhooks{}, signature.Solvimon{}, signature.HubSignature{}} {
		t.Run(s.Name(), func(t *testing.T) {
			dir := t.TempDir()
			file, db := filepath.Join(dir, "d.http"), filepath.Join(dir, "seen.db")
			os.WriteFile(file, []byte(rawHTTP(signedRequest(t, s, testSecret, `{"n":1}`))), 0o600)
			args := []string{"verify", "--secret-env", "WH_SECRET", "--request-file", file, "--seen-db", db, "-o", "json"}
			var out bytes.Buffer
			if err := hookctl(context.Background(), "", &out, io.Discard, getenv, args...); err != nil {
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
			err = hookctl(context.Background(), "", &out, io.Discard, getenv, args...)
			if webhook.KindOf(err) != webhook.KindVerify || !strings.Contains(out.String(), `"failed_step": "replay"`) {
				t.Errorf("second: %v\n%s", err, out.String())
			}
			// A different delivery is still accepted.
			os.WriteFile(file, []byte(rawHTTP(signedRequest(t, s, testSecret, `{"n":2}`))), 0o600)
			if err := hookctl(context.Background(), "", io.Discard, io.Discard, getenv, args...); err != nil {
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
	getenv := func(k string) string {
		if k == "WH_SECRET" {
			return testSecret
		}
		return os.Getenv(k)
	}
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
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := hookctl(context.Background(), strings.Join(tc.lines, "\n")+"\n", &out, io.Discard, getenv,
				"verify", "--batch", "-", "--secret-env", "WH_SECRET", "-o", "json")
			if tc.failKind == webhook.KindError && err != nil || tc.failKind != webhook.KindError && webhook.KindOf(err) != tc.failKind {
				t.Errorf("err = %v", err)
			}
			dec := json.NewDecoder(&out)
			for i, want := range tc.valid {
				var bl batchLine
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
	t.Setenv("WH_SECRET", testSecret)
	if out := runOK(t, "verify", "--har", file, "--entry", "1", "--secret-env", "WH_SECRET", "-o", "json"); !strings.Contains(out, `"valid": true`) {
		t.Errorf("entry 1: %s", out)
	}
	err := hookctl(context.Background(), "", io.Discard, io.Discard, os.Getenv, "verify", "--har", file, "--entry", "0", "--secret-env", "WH_SECRET")
	if webhook.KindOf(err) != webhook.KindVerify {
		t.Errorf("entry 0 (no signature): %v", err)
	}
	err = hookctl(context.Background(), "", io.Discard, io.Discard, os.Getenv, "verify", "--har", file, "--entry", "5", "--secret-env", "WH_SECRET")
	if webhook.KindOf(err) != webhook.KindUsage || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("entry 5: %v", err)
	}
}

// BenchmarkVerifyBatchHMAC1KiB measures one batch entry: JSON decode,
// scheme detection and HMAC verification of a 1 KiB body.
func BenchmarkVerifyBatchHMAC1KiB(b *testing.B) {
	body := `{"data":"` + strings.Repeat("x", 1024-11) + `"}`
	req := signedRequest(b, signature.HubSignature{}, testSecret, body)
	line := []byte(batchLineOf(b, map[string]any{"headers": req.Header, "body": body}))
	ios, _, _, _ := output.Test()
	f := NewFactory(ios, func(k string) string { return testSecret }, "test")
	bv, err := newBatchVerifier(context.Background(), &VerifyOptions{F: f, SecretEnv: "WH_SECRET", Tolerance: 5 * time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := bv.check(line)
		if err != nil || !res.Valid {
			b.Fatal(err, res)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
}
