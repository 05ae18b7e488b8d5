package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func startTest(t *testing.T) *Server {
	t.Helper()
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func putFault(t *testing.T, s *Server, plan string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, s.BaseURL+"/_sandbox/faults", strings.NewReader(plan))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// listHooks is an authenticated Solvimon list, whose real answer is JSON.
func listHooks(t *testing.T, s *Server, c *http.Client) (*http.Response, []byte, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.BaseURL+"/solvimon/v1/webhooks", nil)
	req.Header.Set("X-API-KEY", "sandbox-api-key")
	if c == nil {
		// No keep-alive: Quiesce waits for provider connections to close.
		c = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestFaultStatusBackwardsCompatible(t *testing.T) {
	s := startTest(t)
	if code := putFault(t, s, `{"provider":"solvimon","method":"GET","status":429,"retry_after":1,"count":1}`); code != http.StatusNoContent {
		t.Fatalf("PUT faults: %d", code)
	}
	resp, _, err := listHooks(t, s, nil)
	if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("first: %v %v", resp, err)
	}
	resp, b, err := listHooks(t, s, nil)
	if err != nil || resp.StatusCode != 200 || !json.Valid(b) {
		t.Fatalf("second (fault used up): %v %v %s", resp, err, b)
	}
	log := s.Requests()
	if len(log) != 2 || log[0].Fault != FaultStatus || log[1].Fault != "" {
		t.Fatalf("log %+v", log)
	}
}

func TestFaultPlanValidation(t *testing.T) {
	s := startTest(t)
	for _, plan := range []string{`{"kind":"nonsense","count":1}`, `{"kind":"slow","count":1}`, `{"kind":"redirect","status":200,"count":1}`, `{"status":0,"count":1}`, `not json`} {
		if code := putFault(t, s, plan); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", plan, code)
		}
	}
}

func TestFaultPathAndMethodMatch(t *testing.T) {
	s := startTest(t)
	putFault(t, s, `{"provider":"solvimon","method":"GET","path":"/v1/webhooks/x","status":503,"count":1}`)
	if resp, _, _ := listHooks(t, s, nil); resp.StatusCode != 200 {
		t.Fatalf("path /v1/webhooks does not start with the plan's path but got %d", resp.StatusCode)
	}
}

func TestFaultSlow(t *testing.T) {
	s := startTest(t)
	putFault(t, s, `{"kind":"slow","delay_ms":300,"count":1}`)
	start := time.Now()
	resp, b, err := listHooks(t, s, nil)
	if err != nil || resp.StatusCode != 200 || !json.Valid(b) {
		t.Fatalf("%v %v %s", resp, err, b)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("answered after %s, want >= 300ms", d)
	}
	// A client that gives up gets nothing, and the log still has the try.
	putFault(t, s, `{"kind":"slow","delay_ms":5000,"count":1}`)
	c := &http.Client{Timeout: 100 * time.Millisecond}
	if _, _, err := listHooks(t, s, c); err == nil {
		t.Fatal("a 5s answer arrived within 100ms")
	}
	s.Quiesce() // the abandoned answer is logged when its handler ends
	if log := s.Requests(); len(log) != 2 || log[1].Fault != FaultSlow {
		t.Fatalf("log %+v", log)
	}
}

func TestFaultReset(t *testing.T) {
	s := startTest(t)
	putFault(t, s, `{"kind":"reset","count":1}`)
	resp, b, err := listHooks(t, s, nil)
	if err == nil {
		t.Fatalf("read the whole body of a reset answer: %s", b)
	}
	if resp == nil {
		// the error came with the headers: still a failure, but check the
		// body read is what fails on this platform
		t.Logf("reset before headers: %v", err)
	} else if resp.StatusCode != 200 || !errors.Is(err, io.ErrUnexpectedEOF) && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("status %d, err %v", resp.StatusCode, err)
	}
	s.Quiesce() // the reset answer is logged after the connection is cut
	if log := s.Requests(); len(log) != 1 || log[0].Fault != FaultReset || log[0].Status != 200 {
		t.Fatalf("log %+v", log)
	}
}

func TestFaultTruncatedAndMalformedJSON(t *testing.T) {
	s := startTest(t)
	_, full, _ := listHooks(t, s, nil)
	putFault(t, s, `{"kind":"truncated-json","count":1}`)
	resp, b, err := listHooks(t, s, nil)
	if err != nil || resp.StatusCode != 200 || len(b) != len(full)/2 || json.Valid(b) || string(full[:len(b)]) != string(b) {
		t.Fatalf("truncated: %v %v %q (full %q)", resp, err, b, full)
	}
	putFault(t, s, `{"kind":"malformed-json","count":1}`)
	resp, b, err = listHooks(t, s, nil)
	if err != nil || resp.StatusCode != 200 || json.Valid(b) || !strings.Contains(resp.Header.Get("Content-Type"), "json") {
		t.Fatalf("malformed: %v %v %q", resp, err, b)
	}
}

func TestFaultOversized(t *testing.T) {
	s := startTest(t)
	putFault(t, s, `{"kind":"oversized","size":100000,"count":1}`)
	resp, b, err := listHooks(t, s, nil)
	if err != nil || resp.ContentLength != -1 || len(b) != 100000 || !json.Valid(b) {
		t.Fatalf("chunked: %v len %d cl %d", err, len(b), resp.ContentLength)
	}
	putFault(t, s, `{"kind":"oversized","size":100000,"announce_length":true,"count":1}`)
	resp, b, err = listHooks(t, s, nil)
	if err != nil || resp.ContentLength != 100000 || len(b) != 100000 {
		t.Fatalf("announced: %v len %d cl %d", err, len(b), resp.ContentLength)
	}
	putFault(t, s, `{"kind":"oversized","count":1}`)
	resp, b, err = listHooks(t, s, nil)
	if err != nil || len(b) != 11<<20 {
		t.Fatalf("default: %v len %d", err, len(b))
	}
}

func TestFaultWrongContentType(t *testing.T) {
	s := startTest(t)
	putFault(t, s, `{"kind":"wrong-content-type","count":1}`)
	resp, b, err := listHooks(t, s, nil)
	if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || json.Valid(b) {
		t.Fatalf("%v %v %s", resp, err, b)
	}
}

func TestFaultRedirect(t *testing.T) {
	s := startTest(t)
	putFault(t, s, `{"kind":"redirect","count":1}`)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _, err := listHooks(t, s, noFollow)
	if err != nil || resp.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("%v %v", resp, err)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	base, _ := url.Parse(s.BaseURL)
	if loc.Host == base.Host || loc.Hostname() != "127.0.0.1" || loc.Path != "/solvimon/v1/webhooks" {
		t.Fatalf("Location %s, want another loopback host:port with the same path", loc)
	}
}

func TestFaultRedirectOtherHostRecords(t *testing.T) {
	s := startTest(t)
	putFault(t, s, `{"kind":"redirect","count":1}`)
	resp, b, err := listHooks(t, s, &http.Client{})
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("%v %v %s", resp, err, b)
	}
	// Go's own client forwards X-API-KEY to another port: the other host
	// records it, which is what the CLI tests look for.
	got := s.Redirected()
	if len(got) != 1 || got[0].Path != "/solvimon/v1/webhooks" || got[0].Header.Get("X-Api-Key") != "sandbox-api-key" {
		t.Fatalf("other host recorded %+v", got)
	}
	// same_host: the sandbox itself, which then answers normally.
	putFault(t, s, `{"kind":"redirect","same_host":true,"count":1}`)
	resp, b, err = listHooks(t, s, &http.Client{})
	if err != nil || resp.StatusCode != 200 || !json.Valid(b) || len(s.Redirected()) != 1 {
		t.Fatalf("same host: %v %v %s", resp, err, b)
	}
}

func putQuirks(t *testing.T, s *Server, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, s.BaseURL+"/_sandbox/quirks", strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestQuirks: PUT /_sandbox/quirks reaches the named emulator, refuses
// an unknown provider, an emulator without quirks and an unknown quirk,
// and turns the spec wrapper off only while quirks are set.
func TestQuirks(t *testing.T) {
	var wrapped atomic.Int32
	s, err := Start(Options{Wrap: func(name string, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if name == "pexa" {
				wrapped.Add(1)
			}
			h.ServeHTTP(w, r)
		})
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, tc := range []struct {
		body   string
		status int
		says   string
	}{
		{`{"provider":"nope","quirks":{}}`, 400, "unknown provider"},
		{`{"provider":"pexa","quirks":{"no-such":"1"}}`, 400, "no quirk"},
		{`{"provider":"solvimon","quirks":{"x":"1"}}`, 400, "has no quirks"},
		{`{"provider":"pexa","quirks":{"uk-read-version":"1"}}`, 204, ""},
	} {
		if status, body := putQuirks(t, s, tc.body); status != tc.status || !strings.Contains(body, tc.says) {
			t.Errorf("PUT %s: %d %q, want %d with %q", tc.body, status, body, tc.status, tc.says)
		}
	}
	get := func() int {
		resp, err := http.Get(s.BaseURL + "/pexa/uk/partner/api/notification/v2/notification-registrations")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	get()
	if n := wrapped.Load(); n != 0 {
		t.Errorf("a request to an emulator with quirks went through the wrapper %d time(s)", n)
	}
	if status, body := putQuirks(t, s, `{"provider":"pexa","quirks":{}}`); status != 204 {
		t.Fatalf("clearing the quirks: %d %s", status, body)
	}
	get()
	if n := wrapped.Load(); n != 1 {
		t.Errorf("after clearing the quirks the wrapper ran %d time(s), want 1", n)
	}
}
