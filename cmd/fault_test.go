package cmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/signature"
)

// The fault matrix (docs/reliability.md): every fault the sandbox can inject, against
// every command, asserting the exit code, the message, the attempts the
// sandbox saw and, for creates, that a retried request registered nothing
// twice. docs/reliability.md is the table of these cells.
//
// Each cell runs the real hookctl process (the test binary that
// testscript's TestMain puts on PATH) against its own sandbox, so cells are
// isolated and run concurrently: most of their time is spent in backoff
// sleeps, which would add up to minutes one after the other.

// faultTimeout is --timeout in every cell; the slow fault (fSlow) holds
// its answer for 5 s, well past it. 300 ms was too little for the
// read-back that follows a slow answer when a dozen -race processes share
// 2 cores (a slow rotate-secret cell failed on its own).
const faultTimeout = "1s"

// what a cell runs, by command; ID is replaced by a seeded registration.
var faultCommands = map[string][]string{
	"list":          {"list", "-o", "json"},
	"get":           {"get", "ID", "-o", "json"},
	"register":      {"register", "--url", "https://hooks.example.com/fault", "--event", "INVOICE.CREATED", "--name", "fault", "--reference", "fault-ref", "-o", "json"},
	"update":        {"update", "ID", "--url", "https://hooks.example.com/moved"},
	"delete":        {"delete", "ID", "--yes"},
	"rotate-secret": {"rotate-secret", "ID", "-o", "json"},
}

// the request of each command that the fault targets (method, path prefix).
var faultTargets = map[string][2]string{
	"list":          {"GET", "/v1/webhooks"},
	"get":           {"GET", "/v1/webhooks/ID"},
	"register":      {"POST", "/v1/webhooks"},
	"update":        {"PATCH", "/v1/webhooks/ID"},
	"delete":        {"DELETE", "/v1/webhooks/ID"},
	"rotate-secret": {"PATCH", "/v1/webhooks/ID/secret-key"},
}

type faultCell struct {
	fault string // plan JSON without provider/method/path
	cmd   string
	code  int
	msg   string // regexp stderr must match ("" when code is 0)
	// attempts is how many target requests the sandbox must log.
	attempts int
	// regs, when >= 0, is how many registrations must exist afterwards.
	regs int
	// applied: the change must be visible afterwards (update's URL moved,
	// delete's registration gone) or, with false, must not be.
	applied *bool
	// noCreds: the other host of a redirect must have seen the request
	// without any credential header.
	noCreds bool
	// gap, when set, is the least time between consecutive attempts in
	// the sandbox's log: the Retry-After the fault sends. The log entry
	// of an attempt is written before its answer leaves the server, so a
	// client that waits Retry-After can never be logged sooner.
	gap time.Duration
}

var (
	yes = func() *bool { b := true; return &b }()
	no  = func() *bool { b := false; return &b }()
)

const (
	f503Burst      = `{"kind":"status","status":503,"count":2}`
	f503Persistent = `{"kind":"status","status":503,"retry_after":1,"count":100}`
	f500           = `{"kind":"status","status":500,"count":1}`
	f429RA         = `{"status":429,"retry_after":1,"count":1}`
	f429NoRA       = `{"status":429,"count":1}`
	f429Persistent = `{"status":429,"retry_after":1,"count":100}`
	f429Long       = `{"status":429,"retry_after":120,"count":1}`
	fSlow          = `{"kind":"slow","delay_ms":5000,"count":1}`
	fReset         = `{"kind":"reset","count":1}`
	fTruncated     = `{"kind":"truncated-json","count":1}`
	fMalformed     = `{"kind":"malformed-json","count":1}`
	fOversized     = `{"kind":"oversized","count":1}`
	fOversizedCL   = `{"kind":"oversized","announce_length":true,"count":1}`
	fHTML          = `{"kind":"wrong-content-type","count":1}`
	fRedirect      = `{"kind":"redirect","count":1}`
	fRedirectSame  = `{"kind":"redirect","same_host":true,"count":1}`
)

// solvimonMatrix is the full matrix on Solvimon: GETs and POSTs (which
// carry an Idempotency-Key) are retried; PATCH and DELETE are not; a
// rotation reads the webhook back after any unclear failure.
var solvimonMatrix = []faultCell{
	// 5xx burst: retried where safe, a clear error otherwise.
	{fault: f503Burst, cmd: "list", code: 0, attempts: 3, regs: -1},
	{fault: f503Burst, cmd: "get", code: 0, attempts: 3, regs: -1},
	{fault: f503Burst, cmd: "register", code: 0, attempts: 3, regs: 2},
	{fault: f503Burst, cmd: "update", code: 1, msg: `HTTP 503`, attempts: 1, regs: -1, applied: no},
	{fault: f503Burst, cmd: "delete", code: 1, msg: `HTTP 503`, attempts: 1, regs: 1},
	{fault: f503Burst, cmd: "rotate-secret", code: 0, attempts: 3, regs: -1},
	// 5xx that does not end: five attempts, then exit 1.
	{fault: f503Persistent, cmd: "list", code: 1, msg: `HTTP 503`, attempts: 5, regs: -1, gap: time.Second},
	{fault: f503Persistent, cmd: "register", code: 1, msg: `HTTP 503`, attempts: 5, regs: 1, gap: time.Second},
	// 500 is not retried even for a GET: the server says it failed, not
	// that it was too busy.
	{fault: f500, cmd: "list", code: 1, msg: `HTTP 500`, attempts: 1, regs: -1},
	// 429 with Retry-After: waited out where safe; exit 7 otherwise.
	{fault: f429RA, cmd: "list", code: 0, attempts: 2, regs: -1, gap: time.Second},
	{fault: f429RA, cmd: "get", code: 0, attempts: 2, regs: -1, gap: time.Second},
	{fault: f429RA, cmd: "register", code: 0, attempts: 2, regs: 2, gap: time.Second},
	{fault: f429RA, cmd: "update", code: 7, msg: `rate limited.*retry after 1s`, attempts: 1, regs: -1, applied: no},
	{fault: f429RA, cmd: "delete", code: 7, msg: `rate limited`, attempts: 1, regs: 1},
	{fault: f429RA, cmd: "rotate-secret", code: 0, attempts: 2, regs: -1, gap: time.Second},
	// 429 without Retry-After: the client's own backoff.
	{fault: f429NoRA, cmd: "list", code: 0, attempts: 2, regs: -1},
	{fault: f429NoRA, cmd: "register", code: 0, attempts: 2, regs: 2},
	{fault: f429NoRA, cmd: "update", code: 7, msg: `rate limited`, attempts: 1, regs: -1, applied: no},
	// 429 for good, or asking for longer than hookctl waits.
	{fault: f429Persistent, cmd: "list", code: 7, msg: `rate limited by the provider after 5 attempt`, attempts: 5, regs: -1, gap: time.Second},
	{fault: f429Long, cmd: "get", code: 7, msg: `retry after 2m0s`, attempts: 1, regs: -1},
	// Slow: the work is done, the answer comes after --timeout.
	{fault: fSlow, cmd: "list", code: 0, attempts: 2, regs: -1},
	{fault: fSlow, cmd: "get", code: 0, attempts: 2, regs: -1},
	{fault: fSlow, cmd: "register", code: 0, attempts: 2, regs: 2},
	{fault: fSlow, cmd: "update", code: 1, msg: `no answer within 1s.*may have taken effect`, attempts: 1, regs: -1, applied: yes},
	{fault: fSlow, cmd: "delete", code: 1, msg: `no answer within 1s.*may have taken effect`, attempts: 1, regs: 0, applied: yes},
	{fault: fSlow, cmd: "rotate-secret", code: 0, attempts: 1, regs: -1},
	// Reset mid-body: the work is done, the answer is cut.
	{fault: fReset, cmd: "list", code: 0, attempts: 2, regs: -1},
	{fault: fReset, cmd: "get", code: 0, attempts: 2, regs: -1},
	{fault: fReset, cmd: "register", code: 0, attempts: 2, regs: 2},
	{fault: fReset, cmd: "update", code: 1, msg: `connection lost while reading the answer.*may have taken effect`, attempts: 1, regs: -1, applied: yes},
	{fault: fReset, cmd: "delete", code: 1, msg: `connection lost while reading the answer.*may have taken effect`, attempts: 1, regs: 0, applied: yes},
	{fault: fReset, cmd: "rotate-secret", code: 0, attempts: 1, regs: -1},
	// Truncated JSON: complete HTTP, cut-off document; never retried.
	{fault: fTruncated, cmd: "list", code: 1, msg: `truncated JSON answer`, attempts: 1, regs: -1},
	{fault: fTruncated, cmd: "get", code: 1, msg: `truncated JSON answer`, attempts: 1, regs: -1},
	{fault: fTruncated, cmd: "register", code: 1, msg: `truncated JSON answer.*may have taken effect`, attempts: 1, regs: 2},
	{fault: fTruncated, cmd: "update", code: 1, msg: `truncated JSON answer.*may have taken effect`, attempts: 1, regs: -1, applied: yes},
	{fault: fTruncated, cmd: "delete", code: 0, attempts: 1, regs: 0, applied: yes}, // the answer is not needed
	{fault: fTruncated, cmd: "rotate-secret", code: 0, attempts: 1, regs: -1},
	// Malformed JSON.
	{fault: fMalformed, cmd: "list", code: 1, msg: `malformed JSON answer`, attempts: 1, regs: -1},
	{fault: fMalformed, cmd: "get", code: 1, msg: `malformed JSON answer`, attempts: 1, regs: -1},
	{fault: fMalformed, cmd: "register", code: 1, msg: `malformed JSON answer.*may have taken effect`, attempts: 1, regs: 2},
	{fault: fMalformed, cmd: "update", code: 1, msg: `malformed JSON answer`, attempts: 1, regs: -1, applied: yes},
	{fault: fMalformed, cmd: "delete", code: 0, attempts: 1, regs: 0, applied: yes},
	{fault: fMalformed, cmd: "rotate-secret", code: 0, attempts: 1, regs: -1},
	// Oversized (11 MiB, limit 10 MiB): refused, not retried.
	{fault: fOversized, cmd: "list", code: 1, msg: `exceeds the size limit`, attempts: 1, regs: -1},
	{fault: fOversized, cmd: "get", code: 1, msg: `exceeds the size limit`, attempts: 1, regs: -1},
	{fault: fOversized, cmd: "register", code: 1, msg: `exceeds the size limit`, attempts: 1, regs: 1},
	{fault: fOversized, cmd: "update", code: 1, msg: `exceeds the size limit`, attempts: 1, regs: -1, applied: no},
	{fault: fOversized, cmd: "delete", code: 1, msg: `exceeds the size limit`, attempts: 1, regs: 1, applied: no},
	{fault: fOversized, cmd: "rotate-secret", code: 1, msg: `exceeds the size limit`, attempts: 1, regs: -1},
	{fault: fOversizedCL, cmd: "list", code: 1, msg: `exceeds the size limit \(11534336 bytes announced`, attempts: 1, regs: -1},
	// Wrong content type (a 200 HTML page): the provider never saw it.
	{fault: fHTML, cmd: "list", code: 1, msg: `unexpected content type .{0,2}text/html`, attempts: 1, regs: -1},
	{fault: fHTML, cmd: "get", code: 1, msg: `unexpected content type .{0,2}text/html`, attempts: 1, regs: -1},
	{fault: fHTML, cmd: "register", code: 1, msg: `unexpected content type .{0,2}text/html`, attempts: 1, regs: 1},
	{fault: fHTML, cmd: "update", code: 1, msg: `unexpected content type .{0,2}text/html`, attempts: 1, regs: -1, applied: no},
	{fault: fHTML, cmd: "delete", code: 1, msg: `unexpected content type .{0,2}text/html`, attempts: 1, regs: 1, applied: no},
	{fault: fHTML, cmd: "rotate-secret", code: 1, msg: `unexpected content type .{0,2}text/html`, attempts: 1, regs: -1},
	// Redirect to another host: followed without credentials, which that
	// host refuses (401, exit 4).
	{fault: fRedirect, cmd: "list", code: 4, msg: `redirected to http://\S+ which answered HTTP 401`, attempts: 1, regs: -1, noCreds: true},
	{fault: fRedirect, cmd: "get", code: 4, msg: `redirected to http://\S+ which answered HTTP 401`, attempts: 1, regs: -1, noCreds: true},
	{fault: fRedirect, cmd: "register", code: 4, msg: `redirected to http://\S+ which answered HTTP 401`, attempts: 1, regs: 1, noCreds: true},
	{fault: fRedirect, cmd: "update", code: 4, msg: `redirected to http://\S+ which answered HTTP 401`, attempts: 1, regs: -1, applied: no, noCreds: true},
	{fault: fRedirect, cmd: "delete", code: 4, msg: `redirected to http://\S+ which answered HTTP 401`, attempts: 1, regs: 1, applied: no, noCreds: true},
	{fault: fRedirect, cmd: "rotate-secret", code: 4, msg: `redirected to http://\S+ which answered HTTP 401`, attempts: 1, regs: -1, noCreds: true},
	// Redirect to the same host keeps the credentials: it just works.
	{fault: fRedirectSame, cmd: "list", code: 0, attempts: 2, regs: -1},
	{fault: fRedirectSame, cmd: "register", code: 0, attempts: 2, regs: 2},
}

// faultKindName names a plan for subtest names and the docs.
func faultKindName(plan string) string {
	switch plan {
	case f503Burst:
		return "503x2"
	case f503Persistent:
		return "503-persistent"
	case f500:
		return "500"
	case f429RA:
		return "429-retry-after"
	case f429NoRA:
		return "429-no-retry-after"
	case f429Persistent:
		return "429-persistent"
	case f429Long:
		return "429-retry-after-120s"
	case fSlow:
		return "slow"
	case fReset:
		return "reset"
	case fTruncated:
		return "truncated-json"
	case fMalformed:
		return "malformed-json"
	case fOversized:
		return "oversized"
	case fOversizedCL:
		return "oversized-announced"
	case fHTML:
		return "wrong-content-type"
	case fRedirect:
		return "redirect-other-host"
	case fRedirectSame:
		return "redirect-same-host"
	}
	return "custom"
}

// TestFaultMatrix runs the Solvimon matrix, every cell concurrently.
func TestFaultMatrix(t *testing.T) {
	bin := hookctlBin(t)
	sem := make(chan struct{}, 12)
	var wg sync.WaitGroup
	start := time.Now()
	for _, c := range solvimonMatrix {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t.Run(faultKindName(c.fault)+"/"+c.cmd, func(t *testing.T) { runSolvimonCell(t, bin, c) })
		}()
	}
	wg.Wait()
	t.Logf("%d cells in %s", len(solvimonMatrix), time.Since(start).Round(time.Millisecond))
}

func runSolvimonCell(t *testing.T, bin string, c faultCell) {
	e := newFaultEnv(t, bin, "solvimon", "HOOKCTL_API_KEY=sandbox-api-key")
	id := e.mustRegister("--url", "https://hooks.example.com/seed", "--event", "INVOICE.CREATED", "--name", "seed", "--reference", "seed-ref", "-o", "json")
	args := append([]string(nil), faultCommands[c.cmd]...)
	if c.fault == fOversized {
		// Reading 10 MiB before refusing must not hit the 1s timeout
		// on a loaded machine (that would be a retried timeout instead).
		args = append(args, "--timeout", "10s")
	}
	for i, a := range args {
		if a == "ID" {
			args[i] = id
		}
	}
	target := faultTargets[c.cmd]
	path := strings.Replace(target[1], "ID", id, 1)
	e.clearLog()
	e.fault(c.fault, target[0], path)

	code, stdout, stderr := e.hookctl(args...)
	if code != c.code {
		t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, c.code, stdout, stderr)
	}
	if c.msg != "" && !regexp.MustCompile(c.msg).MatchString(strings.ReplaceAll(stderr, "\n", " ")) {
		t.Errorf("stderr does not match %q:\n%s", c.msg, stderr)
	}
	if c.code == 0 && (c.cmd == "list" || c.cmd == "get") && !strings.Contains(stdout, id) {
		t.Errorf("%s succeeded without showing %s:\n%s", c.cmd, id, stdout)
	}
	if c.code == 0 && c.cmd == "rotate-secret" && !strings.Contains(stdout, `"status": "ok"`) {
		t.Errorf("rotation not ok:\n%s", stdout)
	}
	if got := e.attempts(target[0], path, c.cmd == "list"); got != c.attempts {
		t.Errorf("sandbox saw %d %s %s attempt(s), want %d: %v", got, target[0], path, c.attempts, e.srv.Requests())
	}
	if c.gap > 0 {
		e.assertGaps(target[0], path, c.cmd == "list", c.gap)
	}
	if c.regs >= 0 {
		if n := len(e.registrations()); n != c.regs {
			t.Errorf("%d registration(s) afterwards, want %d", n, c.regs)
		}
	}
	if c.applied != nil {
		var applied bool
		switch c.cmd {
		case "update":
			applied = e.registrationURL(id) == "https://hooks.example.com/moved"
		case "delete":
			applied = e.registrationURL(id) == ""
		}
		if applied != *c.applied {
			t.Errorf("%s applied at the provider: %v, want %v", c.cmd, applied, *c.applied)
		}
	}
	if c.noCreds {
		e.assertNoCredsRedirected(1)
	}
	if c.cmd == "rotate-secret" {
		// Whatever the fault did, hookctl holds the secret the provider
		// signs with, and a fresh delivery verifies with it.
		e.srv.Quiesce()
		e.assertSecretKnown(id)
	}
}

// TestFaultProviders covers the clients that differ from Solvimon's:
// PEXA's OAuth2 token fetch and non-idempotent create, PwC's login, and
// OffBlocks' Idempotency-Key on every write.
func TestFaultProviders(t *testing.T) {
	bin := hookctlBin(t)
	pexaEnv := []string{"HOOKCTL_CLIENT_SECRET=sandbox-secret"}
	pexaReg := []string{"--url", "https://hooks.example.com/p", "--event", "SECRET_EXPIRY", "--event", "WORKSPACE_CLOSED", "-o", "json"}
	offEnv := []string{"HOOKCTL_API_KEY=00000000-0000-4000-8000-000000000000", "HOOKCTL_API_SECRET=sandbox-secret"}
	offReg := []string{"--url", "https://hooks.example.com/ob", "--event", "customer.updated", "-o", "json"}
	cells := []struct {
		name, prov string
		env        []string
		setup      [][]string
		args       []string
		fault      string
		method     string
		path       string
		code       int
		msg        string
		attempts   int
		regs       int
	}{
		// The token request is safe to repeat (SafeToRetry).
		{name: "pexa/token-503x2/list", prov: "pexa", env: pexaEnv, args: []string{"list", "-o", "json"},
			fault: f503Burst, method: "POST", path: "/uk/oauth/token", code: 0, attempts: 3, regs: -1},
		{name: "pexa/token-slow/list", prov: "pexa", env: pexaEnv, args: []string{"list", "-o", "json"},
			fault: fSlow, method: "POST", path: "/uk/oauth/token", code: 0, attempts: 2, regs: -1},
		// PEXA documents no idempotency: a create is never resent.
		{name: "pexa/create-503x2/register", prov: "pexa", env: pexaEnv, args: append([]string{"register"}, pexaReg...),
			fault: f503Burst, method: "POST", path: "/uk/partner/api/notification/v1/notification-registrations", code: 1, msg: `503`, attempts: 1, regs: 0},
		{name: "pexa/create-slow/register", prov: "pexa", env: pexaEnv, args: append([]string{"register"}, pexaReg...),
			fault: fSlow, method: "POST", path: "/uk/partner/api/notification/v1/notification-registrations", code: 1, msg: `no answer within 1s.*may have taken effect`, attempts: 1, regs: 1},
		// PwC's credentials login is safe to repeat.
		{name: "pwc/login-503x2/list", prov: "pwc", env: []string{"HOOKCTL_USERNAME=sandbox", "HOOKCTL_PASSWORD=pwc-pass-7c41e9b2d05a3f"},
			setup: [][]string{{"keys", "generate"}}, args: []string{"list", "-o", "json"},
			fault: f503Burst, method: "POST", path: "/auth", code: 0, attempts: 3, regs: -1},
		// OffBlocks writes carry an Idempotency-Key: a create whose answer
		// was lost is resent and replayed, never registered twice.
		{name: "offblocks/create-503x2/register", prov: "offblocks", env: offEnv, setup: [][]string{{"keys", "generate"}, {"keys", "upload"}},
			args: append([]string{"register"}, offReg...), fault: f503Burst, method: "PUT", path: "/v1/webhooks", code: 0, attempts: 3, regs: 1},
		{name: "offblocks/create-slow/register", prov: "offblocks", env: offEnv, setup: [][]string{{"keys", "generate"}, {"keys", "upload"}},
			args: append([]string{"register"}, offReg...), fault: fSlow, method: "PUT", path: "/v1/webhooks", code: 0, attempts: 2, regs: 1},
		{name: "offblocks/create-reset/register", prov: "offblocks", env: offEnv, setup: [][]string{{"keys", "generate"}, {"keys", "upload"}},
			args: append([]string{"register"}, offReg...), fault: fReset, method: "PUT", path: "/v1/webhooks", code: 0, attempts: 2, regs: 1},
		{name: "offblocks/redirect/list", prov: "offblocks", env: offEnv, setup: [][]string{{"keys", "generate"}, {"keys", "upload"}},
			args: []string{"list"}, fault: fRedirect, method: "GET", path: "/v1/webhooks", code: 4, msg: `redirected to .*HTTP 401; credentials never follow`, attempts: 1, regs: -1},
	}
	var wg sync.WaitGroup
	for _, c := range cells {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(c.name, func(t *testing.T) {
				e := newFaultEnv(t, bin, c.prov, c.env...)
				for _, s := range c.setup {
					if code, _, stderr := e.hookctl(s...); code != 0 {
						t.Fatalf("%v: exit %d: %s", s, code, stderr)
					}
				}
				e.clearLog()
				e.fault(c.fault, c.method, c.path)
				code, stdout, stderr := e.hookctl(c.args...)
				if code != c.code {
					t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, c.code, stdout, stderr)
				}
				if c.msg != "" && !regexp.MustCompile(c.msg).MatchString(strings.ReplaceAll(stderr, "\n", " ")) {
					t.Errorf("stderr does not match %q:\n%s", c.msg, stderr)
				}
				if got := e.attempts(c.method, c.path, false); got != c.attempts {
					t.Errorf("sandbox saw %d %s %s attempt(s), want %d: %v", got, c.method, c.path, c.attempts, e.srv.Requests())
				}
				if c.regs >= 0 {
					e.clearFaults()
					if code, out, stderr := e.hookctl("list", "--all", "-o", "json", "--jq", "length"); code != 0 || strings.TrimSpace(out) != itoa(c.regs) {
						t.Errorf("registrations afterwards: %q (exit %d, %s), want %d", out, code, stderr, c.regs)
					}
				}
				if c.fault == fRedirect {
					e.assertNoCredsRedirected(1)
				}
			})
		}()
	}
	wg.Wait()
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// hookctlBin is the hookctl binary TestMain built and put on PATH
// (see script_test.go).
func hookctlBin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("hookctl")
	if err != nil || p != hookctlPath {
		t.Fatalf("hookctl on PATH is %q (%v), want the binary TestMain built, %s", p, err, hookctlPath)
	}
	return p
}

type faultEnv struct {
	t       *testing.T
	bin     string
	srv     *sandbox.Server
	env     []string
	profile string
	home    string
}

// newFaultEnv starts a sandbox and a profile "f" pointing at prov in it,
// with config, state and credentials in a fresh directory.
func newFaultEnv(t *testing.T, bin, prov string, env ...string) *faultEnv {
	t.Helper()
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	e := &faultEnv{t: t, bin: bin, srv: srv, profile: "f", home: dir}
	e.env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_STATE_HOME=" + filepath.Join(dir, "state"),
		"HOOKCTL_CONFIG=" + filepath.Join(dir, "config", "hookctl", "config.yaml"),
		"HOOKCTL_STORAGE=file",
		"HOOKCTL_PROFILE=f",
	}, env...)
	if code, _, stderr := e.hookctl(append([]string{"profile", "add", "f"}, srv.Box(prov).ProfileArgs()...)...); code != 0 {
		t.Fatalf("profile add: exit %d: %s", code, stderr)
	}
	return e
}

// hookctl runs the real binary with --timeout faultTimeout and returns its
// exit code and output.
func (e *faultEnv) hookctl(args ...string) (int, string, string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if !slices.Contains(args, "--timeout") {
		args = append(args, "--timeout", faultTimeout)
	}
	cmd := exec.CommandContext(ctx, e.bin, args...)
	cmd.Env = e.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String(), errOut.String()
	}
	if err != nil {
		e.t.Fatalf("hookctl %v: %v", args, err)
	}
	return 0, out.String(), errOut.String()
}

func (e *faultEnv) mustRegister(args ...string) string {
	e.t.Helper()
	code, out, stderr := e.hookctl(append([]string{"register"}, args...)...)
	if code != 0 {
		e.t.Fatalf("register: exit %d: %s", code, stderr)
	}
	var regs []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &regs); err != nil || len(regs) != 1 {
		e.t.Fatalf("register: %v: %s", err, out)
	}
	return regs[0].ID
}

func (e *faultEnv) admin(method, path, body string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.BaseURL+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		e.t.Fatalf("%s %s %s: %s", method, path, body, resp.Status)
	}
}

// fault installs plan, restricted to method and path of the provider.
func (e *faultEnv) fault(plan, method, path string) {
	e.t.Helper()
	var p map[string]any
	if err := json.Unmarshal([]byte(plan), &p); err != nil {
		e.t.Fatal(err)
	}
	p["method"], p["path"] = method, path
	b, _ := json.Marshal(p)
	e.admin(http.MethodPut, "/_sandbox/faults", string(b))
}

func (e *faultEnv) clearFaults() { e.admin(http.MethodPut, "/_sandbox/faults", `{"count":0}`) }
func (e *faultEnv) clearLog()    { e.admin(http.MethodDelete, "/_sandbox/requests", "") }

// attempts counts the logged requests of method to path (a prefix unless
// exact). It first waits until the sandbox has logged every request of the
// finished hookctl process (Quiesce), so a late attempt is counted too;
// polling until the expected number showed up returned before it.
func (e *faultEnv) attempts(method, path string, exact bool) int {
	e.srv.Quiesce()
	n := 0
	for _, r := range e.srv.Requests() {
		if r.Method == method && (r.Path == path || (!exact && strings.HasPrefix(r.Path, path))) {
			n++
		}
	}
	return n
}

// assertGaps checks that consecutive logged attempts of method on path
// (as in attempts) are at least min apart: a lower bound, which a slow
// machine only makes easier to meet.
func (e *faultEnv) assertGaps(method, path string, exact bool, min time.Duration) {
	e.t.Helper()
	var at []time.Time
	for _, r := range e.srv.Requests() {
		if r.Method == method && (r.Path == path || (!exact && strings.HasPrefix(r.Path, path))) {
			at = append(at, r.At)
		}
	}
	if len(at) < 2 {
		e.t.Fatalf("%d attempt(s) of %s %s logged, no gap to measure", len(at), method, path)
	}
	for i := 1; i < len(at); i++ {
		if d := at[i].Sub(at[i-1]); d < min {
			e.t.Errorf("attempt %d of %s %s came %s after the one before, want at least %s (Retry-After)", i+1, method, path, d.Round(time.Millisecond), min)
		}
	}
}

// registrations lists what the Solvimon sandbox holds, faults cleared.
func (e *faultEnv) registrations() []map[string]any {
	e.t.Helper()
	e.clearFaults()
	code, out, stderr := e.hookctl("list", "--all", "-o", "json")
	if code != 0 {
		e.t.Fatalf("list afterwards: exit %d: %s", code, stderr)
	}
	var regs []map[string]any
	if err := json.Unmarshal([]byte(out), &regs); err != nil {
		e.t.Fatal(err)
	}
	return regs
}

// assertSecretKnown checks that the stored current secret of Solvimon
// webhook id is the emulator's secret_key and verifies a delivery the
// emulator signs now.
func (e *faultEnv) assertSecretKnown(id string) {
	e.t.Helper()
	raw, err := e.srv.Box("solvimon").State()
	if err != nil {
		e.t.Fatal(err)
	}
	var st struct {
		Webhooks []struct {
			ID        string `json:"id"`
			SecretKey string `json:"secret_key"`
		} `json:"webhooks"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		e.t.Fatal(err)
	}
	want := ""
	for _, w := range st.Webhooks {
		if w.ID == id {
			want = w.SecretKey
		}
	}
	store, err := credentials.OpenIn(credentials.StorageFile, filepath.Join(e.home, "state", "hookctl"))
	if err != nil {
		e.t.Fatal(err)
	}
	ws, err := store.WebhookSecrets(e.profile, id)
	if err != nil || ws.Current == nil || want == "" || ws.Current.Value != want {
		e.t.Fatalf("the stored secret of %s is not the provider's (err %v, provider has one: %v)", id, err, want != "")
	}
	d, err := e.srv.Deliver(context.Background(), "solvimon", id, "INVOICE.CREATED")
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := url.Parse(d.URL)
	if err != nil {
		e.t.Fatal(err)
	}
	scheme, err := signature.Lookup("solvimon")
	if err != nil {
		e.t.Fatal(err)
	}
	res := scheme.Verify(&signature.Request{Method: d.Method, URL: u, Header: d.Header, Body: d.Body},
		[]signature.Key{{Name: "current", Secret: []byte(ws.Current.Value)}}, signature.Options{Now: time.Now()})
	if !res.Valid {
		e.t.Fatalf("a fresh delivery of %s does not verify with the stored secret (step %q)", id, res.FailedStep)
	}
}

// registrationURL is id's URL at the provider, "" when it is gone.
func (e *faultEnv) registrationURL(id string) string {
	for _, r := range e.registrations() {
		if r["id"] == id {
			u, _ := r["url"].(string)
			return u
		}
	}
	return ""
}

// assertNoCredsRedirected checks that the redirect's other host got n
// requests and none carried a credential.
func (e *faultEnv) assertNoCredsRedirected(n int) {
	e.t.Helper()
	got := e.srv.Redirected()
	if len(got) != n {
		e.t.Fatalf("the other host got %d request(s), want %d", len(got), n)
	}
	for _, r := range got {
		for _, h := range []string{"Authorization", "X-Api-Key", "X-Platform-Id", "Idempotency-Key", "Signature", "Signature-Input", "Cookie"} {
			if v := r.Header.Get(h); v != "" {
				e.t.Errorf("%s followed the redirect to another host: %q", h, v)
			}
		}
		if r.Header.Get("User-Agent") == "" {
			e.t.Errorf("the other host got no User-Agent: is this hookctl's request? %v", r.Header)
		}
	}
}
