package rotation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	pexaemu "github.com/hookctl/hookctl/internal/emulator/pexa"
	pwcemu "github.com/hookctl/hookctl/internal/emulator/pwc"
	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/signature"
)

// The tests in this package that run hookctl as a real process share one
// binary, built once.
var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func hookctlBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "hookctl-rotation-test"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "hookctl")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/hookctl/hookctl").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("building hookctl: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// cliEnv is an isolated hookctl environment: its own HOME and XDG dirs,
// pointed at an in-test sandbox. With the file store (the default) secrets
// go to a 0600 file; with keyring it uses the Secret Service of the test's
// D-Bus session (scripts/with-keyring.sh).
type cliEnv struct {
	bin     string
	dir     string
	env     []string
	srv     *sandbox.Server
	keyring bool
}

type cliOptions struct {
	Latency time.Duration
	Keyring bool
}

func newCLIEnv(t *testing.T, o cliOptions) *cliEnv {
	t.Helper()
	dir := t.TempDir()
	srv, err := sandbox.Start(sandbox.Options{Latency: o.Latency})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "HOOKCTL_") || strings.HasPrefix(k, "XDG_") || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+dir,
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_STATE_HOME="+filepath.Join(dir, "state"),
		"XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
		"HOOKCTL_CONFIG="+filepath.Join(dir, "config", "hookctl", "config.yaml"),
		"HOOKCTL_API_KEY=sandbox-api-key",
		"HOOKCTL_USERNAME="+pwcemu.SandboxUsername,
		"HOOKCTL_PASSWORD="+pwcemu.SandboxPassword,
		"HOOKCTL_CLIENT_SECRET="+pexaemu.SandboxClientSecret,
		"GORACE=atexit_sleep_ms=0",
		"NO_COLOR=1")
	if !o.Keyring {
		env = append(env, "HOOKCTL_STORAGE=file")
	}
	return &cliEnv{bin: hookctlBinary(t), dir: dir, env: env, srv: srv, keyring: o.Keyring}
}

func (c *cliEnv) stateDir() string { return filepath.Join(c.dir, "state", "hookctl") }

// store opens the credential store hookctl uses in this environment: the
// keyring or the credentials file, and the secret db in the state dir.
func (c *cliEnv) store() *credentials.Store {
	storage := credentials.StorageFile
	if c.keyring {
		storage = credentials.StorageKeyring
	}
	s, err := credentials.OpenIn(storage, c.stateDir())
	if err != nil {
		panic(err) // OpenIn contacts nothing: only a bad storage name fails
	}
	return s
}

func (c *cliEnv) command(ctx context.Context, extraEnv []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = append(append([]string{}, c.env...), extraEnv...)
	cmd.Dir = c.dir
	return cmd
}

// result is one finished hookctl process.
type result struct {
	stdout, stderr string
	code           int
}

// exec runs hookctl to completion with extra environment variables.
func (c *cliEnv) exec(t *testing.T, extraEnv []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := c.command(ctx, extraEnv, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("hookctl %s: %v", strings.Join(args, " "), err)
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: cmd.ProcessState.ExitCode()}
}

// run runs hookctl, which must succeed, and returns stdout.
func (c *cliEnv) run(t *testing.T, args ...string) []byte {
	t.Helper()
	r := c.exec(t, nil, args...)
	if r.code != 0 {
		t.Fatalf("hookctl %s: exit %d\nstderr:\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return []byte(r.stdout)
}

// addProfile adds a profile pointed at the sandbox's emulator of prov.
func (c *cliEnv) addProfile(t *testing.T, name, prov string) {
	t.Helper()
	c.run(t, append([]string{"profile", "add", name}, c.srv.Box(prov).ProfileArgs()...)...)
	if prov == "pwc" {
		c.run(t, "keys", "generate", "-p", name)
	}
}

// registerSolvimon creates n Solvimon webhooks and returns their ids.
func (c *cliEnv) registerSolvimon(t *testing.T, profile string, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		out := c.run(t, "register", "-p", profile, "-o", "json", "--url", fmt.Sprintf("https://hooks.example.com/%s/%d", profile, i),
			"--event", "INVOICE.CREATED", "--name", fmt.Sprintf("%s-%d", profile, i), "--reference", fmt.Sprintf("ref-%s-%d", profile, i))
		ids = append(ids, registeredIDs(t, out)...)
	}
	return ids
}

func registeredIDs(t *testing.T, out []byte) []string {
	t.Helper()
	var regs []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(out, &regs); err != nil {
		t.Fatalf("register output: %v\n%s", err, out)
	}
	var ids []string
	for _, r := range regs {
		ids = append(ids, r.ID)
	}
	return ids
}

// rotateRow is one row of `rotate-secret -o json`.
type rotateRow struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Reason    string `json:"reason"`
	Recovered bool   `json:"recovered"`
	Error     string `json:"error"`
}

func rotateRows(t *testing.T, out string) []rotateRow {
	t.Helper()
	var rows []rotateRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("rotate-secret output: %v\n%s", err, out)
	}
	return rows
}

// writes counts the sandbox's logged requests of method whose path has
// the given suffix.
func (c *cliEnv) writes(method, suffix string) int {
	n := 0
	for _, r := range c.srv.Requests() {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

// providerSecrets reads every registration's current secret from the
// emulator's state: Solvimon's secret_key, PwC's secret, PEXA's
// shared_secret.
func providerSecrets(srv *sandbox.Server, prov string) (map[string]string, error) {
	st, err := providerState(srv, prov)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for id, r := range st {
		out[id] = r.secret
	}
	return out, nil
}

type providerReg struct{ secret, event string }

// providerState reads every registration's secret and first event.
func providerState(srv *sandbox.Server, prov string) (map[string]providerReg, error) {
	raw, err := srv.Box(prov).State()
	if err != nil {
		return nil, err
	}
	var st struct {
		Webhooks []struct {
			ID        string `json:"id"`
			SecretKey string `json:"secret_key"`
		} `json:"webhooks"`
		Subscriptions []struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
			Event  string `json:"event"`
		} `json:"subscriptions"`
		Registrations []struct {
			ID           string   `json:"id"`
			SharedSecret string   `json:"shared_secret"`
			EventTypes   []string `json:"event_types"`
		} `json:"registrations"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, err
	}
	out := map[string]providerReg{}
	for _, w := range st.Webhooks {
		out[w.ID] = providerReg{secret: w.SecretKey, event: "INVOICE.CREATED"}
	}
	for _, s := range st.Subscriptions {
		out[s.ID] = providerReg{secret: s.Secret, event: s.Event}
	}
	for _, r := range st.Registrations {
		out[r.ID] = providerReg{secret: r.SharedSecret, event: r.EventTypes[len(r.EventTypes)-1]}
	}
	return out, nil
}

// lostSecrets compares, for every registration the provider has, the
// stored current secret with the provider's, and verifies a freshly signed
// delivery with the stored current key alone. It returns one line per
// registration whose secret hookctl does not hold.
func lostSecrets(ctx context.Context, srv *sandbox.Server, store *credentials.Store, prov, profile string) ([]string, error) {
	want, err := providerState(srv, prov)
	if err != nil {
		return nil, err
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("the sandbox has no %s registrations", prov)
	}
	var lost []string
	for id, reg := range want {
		secret := reg.secret
		ws, err := store.WebhookSecrets(profile, id)
		if err != nil {
			lost = append(lost, fmt.Sprintf("%s: reading stored secrets: %v", id, err))
			continue
		}
		if ws.Current == nil {
			lost = append(lost, id+": no current secret stored")
			continue
		}
		if ws.Current.Value != secret {
			lost = append(lost, id+": stored current secret differs from the provider's")
			continue
		}
		d, err := srv.Deliver(ctx, prov, id, reg.event)
		if err != nil {
			return nil, fmt.Errorf("deliver %s: %w", id, err)
		}
		u, err := url.Parse(d.URL)
		if err != nil {
			return nil, err
		}
		scheme, err := signature.Detect(d.Header)
		if err != nil {
			return nil, err
		}
		keys := []signature.Key{{Name: "current", Secret: []byte(ws.Current.Value)}}
		res := scheme.Verify(&signature.Request{Method: d.Method, URL: u, Header: d.Header, Body: d.Body}, keys, signature.Options{Now: time.Now()})
		if !res.Valid {
			lost = append(lost, fmt.Sprintf("%s: a fresh delivery does not verify with the stored secret (failed step %q)", id, res.FailedStep))
		}
	}
	return lost, nil
}

// killed reports whether the process ended by SIGKILL.
func killed(cmd *exec.Cmd) bool {
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled()
}

func newRequest(method, u string, body []byte) (*http.Request, error) {
	return http.NewRequest(method, u, bytes.NewReader(body))
}

// httpDo sends req and returns the status.
func httpDo(req *http.Request) (int, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
