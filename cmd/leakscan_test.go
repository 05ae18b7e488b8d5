//go:build linux

package cmd_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/internal/testkit/providertest"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/providers"
)

// leakScan runs the real hookctl binary (the test binary under the name
// hookctl, see TestMain) and records everything a secret could escape
// through: stdout, stderr, the argv and environment of every child
// process (read from /proc while it runs), and the files left behind.
type leakScan struct {
	t       *testing.T
	dir     string
	env     []string
	extra   []string // added to env for the next commands
	mu      sync.Mutex
	streams strings.Builder
	// children maps "pid argv" to the child's /proc cmdline and environ.
	children map[string][]byte
	commands map[string]bool // command paths run, e.g. "hookctl rotate-secret"
	// covered maps a command path and a provider to the exit codes of its
	// runs with a scan-<provider> profile.
	covered map[string]map[string][]int
	secrets map[string]string
	// received are the deliveries the test's receiver got, as raw headers
	// and body: what the sandbox sends on hookctl's behalf.
	received []byte
	exe      string // the hookctl binary, as /proc/PID/exe shows it
	procs    int    // hookctl processes run
	plans    []*scanPlan
}

// run executes hookctl with --debug and stdin, checks the exit code and
// returns stdout. Children are sampled from /proc every millisecond.
func (s *leakScan) run(want int, stdin string, args ...string) string {
	s.t.Helper()
	if !strings.HasPrefix(args[0], "__") {
		args = append(args, "--debug")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, "hookctl", args...)
	c.Dir, c.Env = s.dir, append(append([]string{}, s.env...), s.extra...)
	c.Stdin = strings.NewReader(stdin)
	s.procs++
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	if err := c.Start(); err != nil {
		s.t.Fatalf("hookctl %s: %v", strings.Join(args, " "), err)
	}
	done := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Add(1)
	go func() {
		defer sampler.Done()
		for {
			s.sampleChildren(c.Process.Pid)
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	err := c.Wait()
	close(done)
	sampler.Wait()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			s.t.Fatalf("hookctl %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	s.mu.Lock()
	s.streams.Write(out.Bytes())
	s.streams.Write(errOut.Bytes())
	s.mu.Unlock()
	if code != want {
		s.t.Fatalf("hookctl %s: exit %d, want %d\nstderr: %s", strings.Join(args, " "), code, want, errOut.String())
	}
	s.noteCommand(args, code)
	s.snapshotStore()
	return out.String()
}

// noteCommand records which command path args select, and for which
// provider (the scan-<provider> profile they name) with what exit code.
func (s *leakScan) noteCommand(args []string, code int) {
	io, _, _, _ := output.Test()
	root := cmd.NewCmdRoot(cmd.NewFactory(io, os.Getenv, "test"))
	path := "hookctl __complete"
	if args[0] != "__complete" {
		c, _, err := root.Find(args)
		if err != nil {
			return
		}
		path = c.CommandPath()
	}
	s.commands[path] = true
	for _, a := range args {
		if prov, ok := strings.CutPrefix(a, "scan-"); ok && s.plan(prov) != nil {
			if s.covered[path] == nil {
				s.covered[path] = map[string][]int{}
			}
			s.covered[path][prov] = append(s.covered[path][prov], code)
			return
		}
	}
}

// refuse runs, in-process, every command p lacks (scanPlan.unsupported)
// with --debug: each must exit 2 saying it is not supported by prov. Its
// output joins what is scanned; no request is sent and no child started,
// so a real process would add nothing but time.
func (s *leakScan) refuse(p *scanPlan, id string) {
	s.t.Helper()
	prov := p.prov
	for _, line := range p.unsupported() {
		args := append(strings.Fields(strings.ReplaceAll(line, "ID", id)), "-p", "scan-"+prov, "--debug")
		io, _, out, errOut := output.Test()
		code := cmd.Main(args, io)
		s.streams.Write(out.Bytes())
		s.streams.Write(errOut.Bytes())
		if want := "not supported by " + prov; code != 2 || !strings.Contains(errOut.String(), want) {
			s.t.Errorf("hookctl %s: exit %d, want 2 and %q\n%s", strings.Join(args, " "), code, want, errOut.String())
		}
		s.noteCommand(args, code)
	}
}

// providerFree are the commands that use no provider's profile, and the
// command groups (which only refuse an unknown subcommand).
var providerFree = map[string]bool{
	"hookctl version": true, "hookctl profile list": true, "hookctl profile use": true,
	"hookctl sandbox serve": true, "hookctl sandbox demo": true,
	"hookctl auth": true, "hookctl keys": true, "hookctl penalty-box": true, "hookctl profile": true, "hookctl sandbox": true,
	"hookctl secrets": true, "hookctl deliveries": true, "hookctl": true,
}

// sampleChildren reads cmdline and environ of every descendant of pid,
// found through /proc/PID/task/TID/children (any thread may fork).
func (s *leakScan) sampleChildren(pid int) {
	seen := map[int]bool{pid: true}
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		lists, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", p))
		for _, l := range lists {
			b, err := os.ReadFile(l)
			if err != nil {
				continue
			}
			for _, f := range strings.Fields(string(b)) {
				c, err := strconv.Atoi(f)
				if err != nil || seen[c] {
					continue
				}
				seen[c] = true
				queue = append(queue, c)
				// Between fork and exec a child is still hookctl, with
				// hookctl's own environment (which may hold HOOKCTL_API_KEY
				// by the user's choice): only its argv counts then. The
				// exec can land between two of these reads, so the binary
				// is read before and after: hookctl at either end means
				// the environment may be hookctl's.
				exe1, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", c))
				argv, err1 := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", c))
				env, err2 := os.ReadFile(fmt.Sprintf("/proc/%d/environ", c))
				exe2, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", c))
				if exe1 == s.exe || exe2 == s.exe {
					env = nil
				}
				if err1 == nil && err2 == nil && len(argv) > 0 {
					s.mu.Lock()
					s.children[fmt.Sprintf("%d %q", c, bytes.ReplaceAll(argv, []byte{0}, []byte{' '}))] = append(append(argv, '\n'), env...)
					s.mu.Unlock()
				}
			}
		}
	}
}

// snapshotStore adds every value of the file credential store to the
// secrets scanned for, before a later delete or rotation forgets it.
func (s *leakScan) snapshotStore() {
	raw, err := os.ReadFile(filepath.Join(s.dir, "state", "hookctl", "credentials.json"))
	if err == nil {
		collectSecrets(s.t, raw, s.secrets)
	}
}

// TestLeakScanEveryCommand runs every hookctl command with --debug against
// a sandbox served by hookctl itself and fails on any secret value found in
// stdout or stderr, in a child process's argv or environment, in a
// delivery the sandbox sent, or in a file it wrote other than the 0600
// stores meant to hold secrets; directories it creates must be 0700.
// Secrets are looked for in every encoded form
// and by any 12-byte run (leakIndex), and every command that works on a
// profile runs for every provider: successfully where the provider has
// it, send-test and the penalty box included, refused where it does not.
func TestLeakScanEveryCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary ~100 times")
	}
	// refuse runs cmd.Main in-process, which reads the process environment.
	cli := cmd.NewCLI(t)
	cli.SetProcessEnv()
	dir := cli.Dir
	s := &leakScan{t: t, dir: dir, children: map[string][]byte{}, commands: map[string]bool{},
		covered: map[string]map[string][]int{}, secrets: map[string]string{}}
	if bin, err := exec.LookPath("hookctl"); err == nil {
		s.exe, _ = filepath.EvalSymlinks(bin)
	}
	if s.exe == "" {
		t.Fatal("hookctl is not on PATH (TestMain puts it there)")
	}
	// The children get the process environment without any HOOKCTL_ or
	// directory variable of the caller's, then the isolated ones.
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if _, own := cli.Env[name]; !own && !strings.HasPrefix(name, "HOOKCTL_") {
			s.env = append(s.env, kv)
		}
	}
	for k, v := range cli.Env {
		s.env = append(s.env, k+"="+v)
	}
	// Every provider of the registries is scanned, from what they say.
	for _, spec := range providers.All() {
		s.plans = append(s.plans, newScanPlan(t, spec))
	}

	// The sandbox is hookctl's own `sandbox serve`, scanned like the rest.
	state := filepath.Join(dir, "sandbox-state.json")
	serve := exec.Command("hookctl", "sandbox", "serve", "--addr", "127.0.0.1:0", "--state", state, "--debug")
	serve.Dir, serve.Env = dir, s.env
	var serveErr bytes.Buffer
	serve.Stderr = &serveErr
	serveOut, err := serve.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// A failed step ends the test before the interrupt below: never
		// leave the server running.
		if serve.ProcessState == nil {
			serve.Process.Kill()
			serve.Wait()
		}
	})
	profileAdd := map[string][]string{}
	sc := bufio.NewScanner(serveOut)
	for len(profileAdd) < len(s.plans) && sc.Scan() {
		f := strings.Fields(sc.Text())
		profileAdd[f[0]] = f[5:] // "<provider> hookctl profile add sandbox-<provider> FLAGS..."
	}
	if len(profileAdd) < len(s.plans) {
		t.Fatalf("sandbox serve printed %v; stderr: %s", profileAdd, serveErr.String())
	}
	s.commands["hookctl sandbox serve"] = true

	s.run(0, "", "version")
	s.run(0, "", "help", "exit-codes")
	s.run(0, "", "help", "environment")
	s.run(0, "", "help", "credentials")
	// Every command group refuses a subcommand it does not have.
	s.run(2, "", "no-such-command")
	for _, group := range []string{"auth", "profile", "keys", "sandbox", "penalty-box", "secrets", "deliveries"} {
		s.run(2, "", group, "no-such-command")
	}

	// A receiver for test deliveries, so that send-test and
	// the penalty box run their success paths too.
	recv := providertest.NewReceiver(t)
	// pings go to a receiver of their own (penaltyBox counts recv's).
	pings := providertest.NewReceiver(t)

	ids := map[string]string{}
	for _, pl := range s.plans {
		ids[pl.prov] = s.scanProvider(pl, profileAdd[pl.prov], recv, pings)
	}
	s.run(0, "", "profile", "list")
	s.run(0, "", "profile", "use", s.plans[0].profile)
	s.run(0, "", "sandbox", "demo")
	for _, pl := range s.plans {
		s.extra = pl.env
		s.run(0, "", "delete", ids[pl.prov], "-p", pl.profile, "--yes")
	}
	// The main runs took the logins from the profiles' own variables (as
	// in CI), which --exec children must not get; they go through auth
	// login as well, and are used from the store.
	s.extra = nil
	for _, pl := range s.plans {
		s.run(0, pl.login, "auth", "login", "-p", pl.profile, "--stdin")
		s.run(0, "", "auth", "status", "-p", pl.profile)
		s.run(0, "", "auth", "logout", "-p", pl.profile, "--yes")
		s.run(0, "", "profile", "remove", pl.profile, "--yes")
	}

	serve.Process.Signal(os.Interrupt)
	if err := serve.Wait(); err != nil {
		t.Errorf("sandbox serve: %v\n%s", err, serveErr.String())
	}
	s.streams.WriteString(serveErr.String())
	for _, d := range append(recv.Deliveries(), pings.Deliveries()...) {
		var b bytes.Buffer
		d.Header.Write(&b)
		b.Write(d.Body)
		s.received = append(s.received, b.Bytes()...)
	}

	s.checkCoverage()
	s.checkSecrets()
}

// manifest runs export, diff and apply for prov: the export, diffed
// with and without --exit-code, then a manifest adding one registration
// (applied, its secret stored and written to a sink) and the export
// again with --prune (deleting it).
func (s *leakScan) manifest(pl *scanPlan) {
	s.t.Helper()
	prov, p := pl.prov, pl.profile
	base := s.run(0, "", "export", "-p", p)
	s.run(0, "", "export", "-p", p, "--pin-ids", "-o", "json")
	write := func(name, text string) string {
		if err := os.WriteFile(filepath.Join(s.dir, name), []byte(text), 0o600); err != nil {
			s.t.Fatal(err)
		}
		return name
	}
	baseFile := write(prov+"-manifest.yaml", base)
	s.run(0, "", "diff", "-f", baseFile, "-p", p, "--exit-code")
	added := "  - provider: " + prov + "\n    profile: " + p + "\n    url: https://hooks.example.com/manifest-" + prov + "\n    events:\n"
	events := pl.events
	if pl.spare != "" {
		// One registration per event and account: the new one gets the
		// event the scan's registration does not have.
		events = []string{pl.spare}
	}
	for _, e := range events {
		added += "      - " + e + "\n"
	}
	params := map[string]bool{}
	for _, f := range pl.spec.Params {
		params["--"+f.Name] = true
	}
	var set []string
	for _, f := range pl.flags {
		switch {
		case f[0] == "--name":
			added += "    name: manifest-scan\n"
		case params[f[0]]:
			set = append(set, strings.TrimPrefix(f[0], "--")+": manifest-scan")
		}
	}
	if len(set) > 0 {
		added += "    params: {" + strings.Join(set, ", ") + "}\n"
	}
	plusFile := write(prov+"-manifest-plus.yaml", base+added)
	s.run(8, "", "diff", "-f", plusFile, "-p", p, "--exit-code", "-o", "json")
	s.run(0, "", "apply", "-f", plusFile, "-p", p, "--dry-run")
	s.run(0, "", "apply", "-f", plusFile, "-p", p, "--yes", "--rate", "0", "--secret-out", "secrets.jsonl", "-o", "json")
	s.run(0, "", "apply", "-f", baseFile, "-p", p, "--prune", "--yes", "--rate", "0")
}

// penaltyBox runs send-test and the penalty box against recv: a test
// delivery accepted (exit 0), one refused (exit 1, the webhook parked),
// a resend refused (exit 1) and one accepted (exit 0).
func (s *leakScan) penaltyBox(pl *scanPlan, recv *providertest.Receiver) {
	s.t.Helper()
	for _, c := range []string{"send-test", "test-connection", "deliveries", "resend"} {
		if !pl.has(c) {
			s.t.Fatalf("%s has a penalty box but not %s, which the scan's penalty-box run needs", pl.prov, c)
		}
	}
	p := pl.profile
	out := s.run(0, "", append([]string{"register", "-p", p, "-o", "json", "--jq", ".[0].id", "--test-first"},
		pl.registerArgs(recv.URL+"/hook", "-receiver", "")...)...)
	id := strings.TrimSpace(out)
	s.run(0, "", "send-test", id, "-p", p)
	recv.SetStatus(http.StatusServiceUnavailable)
	s.run(1, "", "send-test", id, "-p", p)
	if out := s.run(0, "", "penalty-box", "list", "-p", p); !strings.Contains(out, id) {
		s.t.Errorf("penalty-box list does not show %s:\n%s", id, out)
	}
	s.run(1, "", "penalty-box", "resend", id, "-p", p)
	recv.SetStatus(http.StatusOK)
	s.run(0, "", "penalty-box", "resend", id, "-p", p)
	if n := len(recv.Deliveries()); n != 5 {
		s.t.Errorf("the receiver got %d deliveries, want 5 (a connection test, two tests, two resends)", n)
	}
	// The delivery log: a sandbox delivery logged, listed and resent, one
	// and in bulk; a ping to the registered URL.
	s.run(0, "", "sandbox", "deliver", id, "-p", p, "--event", pl.demo.Event)
	did := strings.TrimSpace(s.run(0, "", "deliveries", "list", id, "-p", p, "-o", "json", "--jq", ".[0].id"))
	s.run(0, "", "deliveries", "list", id, "-p", p, "--since", "1h")
	s.run(0, "", "deliveries", "resend", did, "-p", p)
	s.run(0, "", "deliveries", "resend", "-p", p, "--status", "succeeded", "--since", "1h", "--id", id, "--dry-run")
	s.run(0, "", "deliveries", "resend", "-p", p, "--status", "succeeded", "--since", "1h", "--id", id, "--yes", "-o", "json")
	s.run(0, "", "ping", id, "-p", p)
	s.run(0, "", "delete", id, "-p", p, "--yes")
}

// verifyListen runs `verify listen --max 1` for pl's registration id
// and one delivery of its demo event into it.
func (s *leakScan) verifyListen(pl *scanPlan, id string) {
	s.t.Helper()
	prov, event := pl.prov, pl.demo.Event
	args := []string{"verify", "listen", "--addr", "127.0.0.1:0", "-p", "scan-" + prov, "--id", id, "--max", "1", "--debug"}
	c := exec.Command("hookctl", args...)
	s.procs++
	c.Dir, c.Env = s.dir, append(append([]string{}, s.env...), s.extra...)
	var out bytes.Buffer
	c.Stdout = &out
	errPipe, err := c.StderrPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		s.t.Fatal(err)
	}
	defer func() { // after a failed step, too
		if c.ProcessState == nil {
			c.Process.Kill()
			c.Wait()
		}
	}()
	re := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	var stderr strings.Builder
	sc := bufio.NewScanner(errPipe)
	addr := ""
	for addr == "" && sc.Scan() {
		stderr.WriteString(sc.Text() + "\n")
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		s.t.Fatalf("verify listen: no address; stderr: %s", stderr.String())
	}
	rest := make(chan string, 1)
	go func() {
		var b strings.Builder
		for sc.Scan() {
			b.WriteString(sc.Text() + "\n")
		}
		rest <- b.String()
	}()
	deliver := []string{"sandbox", "deliver", id, "-p", "scan-" + prov, "--event", event, "--to", addr + "/hook"}
	if pl.signsTargetURI() {
		// The signature covers the target URI: the delivery must go where
		// the registration points.
		s.run(0, "", "update", id, "-p", "scan-"+prov, "--url", addr+"/hook")
		deliver = deliver[:len(deliver)-2]
	}
	s.run(0, "", deliver...)
	stderr.WriteString(<-rest) // the listener exits after one delivery
	code := 0
	if err := c.Wait(); err != nil {
		s.t.Errorf("verify listen: %v", err)
		code = -1
	}
	if !regexp.MustCompile(`(?m)\t200\t[a-z-]+\ttrue\t`).MatchString(out.String()) {
		s.t.Errorf("verify listen printed no verified delivery: %q", out.String())
	}
	s.streams.WriteString(out.String())
	s.streams.WriteString(stderr.String())
	s.noteCommand(args, code)
}

// checkCoverage fails when a runnable command was never run, so a new
// command cannot escape the scan; and when a command that works on a
// profile was not run successfully for every provider (or, where the
// provider lacks it, refused), so a provider cannot escape it either.
func (s *leakScan) checkCoverage() {
	io, _, _, _ := output.Test()
	root := cmd.NewCmdRoot(cmd.NewFactory(io, os.Getenv, "test"))
	var missing []string
	pairs := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		path := c.CommandPath()
		if c.Runnable() && !c.Hidden && c.Name() != "help" && c.Name() != "completion" {
			switch {
			case !s.commands[path]:
				missing = append(missing, path)
			case !providerFree[path]:
				for _, p := range s.plans {
					prov := p.prov
					pairs++
					codes := s.covered[path][prov]
					name := strings.TrimPrefix(path, "hookctl ")
					refused := slices.ContainsFunc(p.unsupported(), func(u string) bool { return strings.TrimSuffix(u, " ID") == name })
					switch {
					case refused && !slices.Contains(codes, 2):
						missing = append(missing, path+" (refused by "+prov+")")
					case refused && slices.Contains(codes, 0):
						s.t.Errorf("%s succeeded for %s, whose capabilities lack it", path, prov)
					case !refused && !slices.Contains(codes, 0):
						missing = append(missing, fmt.Sprintf("%s (%s: exit codes %v)", path, prov, codes))
					}
				}
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if len(missing) > 0 {
		s.t.Errorf("the leak scan never ran successfully: %s", strings.Join(missing, ", "))
	}
	if len(s.commands) < 25 || pairs < 70 {
		s.t.Errorf("only %d commands and %d command × provider pairs ran", len(s.commands), pairs)
	}
	s.t.Logf("coverage: %d commands, %d command × provider pairs", len(s.commands), pairs)
}

func (s *leakScan) checkSecrets() {
	t := s.t
	for _, p := range s.plans {
		for k, v := range p.secrets {
			s.secrets[k] = v
		}
	}
	var names []string
	for name, v := range s.secrets {
		if notSecret(name) || len(v) < 8 {
			delete(s.secrets, name)
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	t.Logf("%d secret values scanned for", len(names))
	if len(names) < 15 {
		t.Fatalf("expected webhook secrets, tokens, keys and logins; found only %d: %v", len(names), names)
	}
	ix := newLeakIndex(s.secrets)
	hits := func(where string, b []byte) {
		t.Helper()
		for _, h := range ix.find(b) {
			t.Errorf("secret %s found in %s", h, where)
		}
	}
	all := s.streams.String()
	hits("stdout/stderr", []byte(all))
	if !strings.Contains(all, "[REDACTED]") {
		t.Errorf("no redaction in the --debug traces; is the trace on?")
	}
	if len(s.received) == 0 {
		t.Fatalf("the receiver got no delivery")
	}
	hits("a delivery the sandbox sent", s.received)

	if len(s.children) == 0 {
		t.Fatalf("no child process was sampled: the /proc sampler is broken")
	}
	for who, b := range s.children {
		hits("child process "+who, b)
	}
	dumps, _ := filepath.Glob(filepath.Join(s.dir, "exec-*.dump"))
	if len(dumps) == 0 {
		t.Fatalf("no --exec child dumped its argv")
	}

	// Files: only the stores meant for secrets hold them, 0600; every
	// directory hookctl created is 0700.
	mayHold := map[string]bool{
		filepath.Join(s.dir, "state", "hookctl", "credentials.json"): true,
		filepath.Join(s.dir, "secrets.jsonl"):                        true,
		filepath.Join(s.dir, "sandbox-state.json"):                   true,
	}
	files := 0
	filepath.Walk(s.dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || p == s.dir {
			return nil
		}
		if info.IsDir() {
			if info.Mode().Perm() != 0o700 {
				t.Errorf("directory %s is %v, want 0700", p, info.Mode().Perm())
			}
			return nil
		}
		files++
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		if mayHold[p] {
			if info.Mode().Perm() != 0o600 {
				t.Errorf("%s holds secrets and is %v, want 0600", p, info.Mode().Perm())
			}
			return nil
		}
		hits("file "+strings.TrimPrefix(p, s.dir+"/"), b)
		return nil
	})
	for p := range mayHold {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("expected %s to be written: %v", p, err)
		}
	}
	t.Logf("%d hookctl processes; %d files, %d child processes and %d bytes of output scanned", s.procs, files, len(s.children), len(all))
}
