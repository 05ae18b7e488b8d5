//go:build linux

package cmd_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/providers/pwc"
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
	secrets  map[string]string
	exe      string // the hookctl binary, as /proc/PID/exe shows it
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
	s.noteCommand(args)
	s.snapshotStore()
	return out.String()
}

// noteCommand records which command path args select.
func (s *leakScan) noteCommand(args []string) {
	io, _, _, _ := output.Test()
	root := cmd.NewCmdRoot(cmd.NewFactory(io, os.Getenv, "test"))
	if args[0] == "__complete" {
		s.commands["hookctl __complete"] = true
		return
	}
	if c, _, err := root.Find(args); err == nil {
		s.commands[c.CommandPath()] = true
	}
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
				argv, err1 := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", c))
				env, err2 := os.ReadFile(fmt.Sprintf("/proc/%d/environ", c))
				// Between fork and exec a child is still hookctl, with
				// hookctl's own environment (which may hold HOOKCTL_API_KEY
				// by the user's choice): only its argv counts then.
				if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", c)); err == nil && exe == s.exe {
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
// stdout or stderr, in a child process's argv or environment, or in a file
// it wrote other than the 0600 stores meant to hold secrets; directories it
// creates must be 0700 (issue 9, "done when" 2).
func TestLeakScanEveryCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary ~60 times")
	}
	dir := isolate(t)
	t.Setenv("HOOKCTL_STORAGE", "file")
	s := &leakScan{t: t, dir: dir, children: map[string][]byte{}, commands: map[string]bool{}, secrets: map[string]string{}}
	if bin, err := exec.LookPath("hookctl"); err == nil {
		s.exe, _ = filepath.EvalSymlinks(bin)
	}
	if s.exe == "" {
		t.Fatal("hookctl is not on PATH (TestMain puts it there)")
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOOKCTL_") || strings.HasPrefix(kv, "HOOKCTL_STORAGE=") || strings.HasPrefix(kv, "HOOKCTL_CONFIG=") {
			s.env = append(s.env, kv)
		}
	}
	// Solvimon's key comes from the environment (as in CI); every other
	// provider's login goes through `auth login --stdin`.
	solvimonEnv := []string{"HOOKCTL_API_KEY=sandbox-api-key"}

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
	profileAdd := map[string][]string{}
	sc := bufio.NewScanner(serveOut)
	for len(profileAdd) < 4 && sc.Scan() {
		f := strings.Fields(sc.Text())
		profileAdd[f[0]] = f[5:] // "<provider> hookctl profile add sandbox-<provider> FLAGS..."
	}
	if len(profileAdd) < 4 {
		t.Fatalf("sandbox serve printed %v; stderr: %s", profileAdd, serveErr.String())
	}
	s.commands["hookctl sandbox serve"] = true

	s.run(0, "", "version")
	s.run(0, "", "help", "exit-codes")
	s.run(0, "", "help", "environment")
	s.run(0, "", "help", "credentials")
	// Every command group refuses a subcommand it does not have.
	for _, group := range []string{"auth", "profile", "keys", "sandbox", "penalty-box"} {
		s.run(2, "", group, "no-such-command")
	}

	ids := map[string]string{}
	register := map[string][]string{
		"solvimon":  {"--url", "https://hooks.example.com/s", "--event", "INVOICE.CREATED", "--name", "n", "--reference", "r"},
		"pexa":      {"--url", "https://hooks.example.com/p", "--event", "SECRET_EXPIRY", "--event", "WORKSPACE_CLOSED"},
		"pwc":       {"--url", "https://hooks.example.com/w", "--event", "ReportFiled", "--name", "leak"},
		"offblocks": {"--url", "https://hooks.example.com/o", "--event", "card.updated"},
	}
	logins := map[string]string{"pexa": "sandbox-secret\n", "pwc": "sandbox\n" + pwc.SandboxPassword + "\n", "offblocks": "00000000-0000-4000-8000-000000000000\nsandbox-secret\n"}
	for _, prov := range []string{"solvimon", "pexa", "pwc", "offblocks"} {
		p := "scan-" + prov
		s.run(0, "", append([]string{"profile", "add", p}, profileAdd[prov]...)...)
		if in, ok := logins[prov]; ok {
			s.run(0, in, "auth", "login", "-p", p, "--stdin")
		} else {
			s.extra = solvimonEnv
		}
		switch prov {
		case "pwc":
			s.run(0, "", "keys", "generate", "-p", p)
			s.run(0, "", "keys", "show", "-p", p)
		case "offblocks":
			// No signing key yet: a missing credential, exit 4.
			s.run(4, "", "auth", "status", "-p", p)
			s.run(0, "", "keys", "generate", "-p", p)
			s.run(0, "", "keys", "upload", "-p", p)
		}
		s.run(0, "", "auth", "status", "-p", p)
		s.run(0, "", "events", "-p", p)
		out := s.run(0, "", append([]string{"register", "-p", p, "-o", "json", "--jq", ".[0].id"}, register[prov]...)...)
		id := strings.TrimSpace(out)
		if id == "" {
			t.Fatalf("%s register printed no id", prov)
		}
		ids[prov] = id
		s.run(0, "", "list", "-p", p, "-o", "json")
		s.run(0, "", "__complete", "get", "-p", p, "")
		s.run(0, "", "get", id, "-p", p, "-o", "yaml")
		s.run(0, "", "update", id, "-p", p, "--url", "https://hooks.example.com/moved")
		if prov == "offblocks" {
			s.run(2, "", "rotate-secret", id, "-p", p)
		} else {
			s.run(0, "", "rotate-secret", id, "-p", p, "-o", "json")
		}
		file := prov + ".http"
		event := register[prov][3]
		s.run(0, "", "sandbox", "deliver", id, "-p", p, "--event", event, "--out", file)
		s.run(0, "", "verify", "-p", p, "--id", id, "--request-file", file, "--seen-db", "seen.db", "-o", "json")
		s.run(0, "", "verify", "-p", p, "--id", id, "--request-file", file)
		if prov == "solvimon" {
			// The emulator really delivers: hooks.example.com does not
			// resolve here, so the test fails and parks the endpoint.
			s.run(1, "", "send-test", id, "-p", p)
			s.run(0, "", "penalty-box", "list", "-p", p)
			s.run(1, "", "penalty-box", "resend", id, "-p", p)
			// Bulk rotation with both sinks: --exec children are sampled from
			// /proc, and they dump their own argv and environment too.
			s.run(0, "", "rotate-secret", "-p", p, "--all", "--rate", "0", "--secret-out", "secrets.jsonl",
				"--exec", `cat >/dev/null; cat /proc/$$/cmdline /proc/$$/environ > exec-$HOOKCTL_ID.dump; sleep 0.05`, "-o", "json")
			s.run(0, "", "rotate-secret", "-p", p, "--all", "--dry-run")
			s.extra = nil
		}
		s.run(0, "", "profile", "show", p)
	}
	s.run(0, "", "profile", "list")
	s.run(0, "", "profile", "use", "scan-pexa")
	// verify listen, fed by sandbox deliver, stopping after one delivery.
	s.verifyListen(ids["pexa"])
	s.run(0, "", "sandbox", "demo")
	for prov, id := range ids {
		s.extra = nil
		if prov == "solvimon" {
			s.extra = solvimonEnv
		}
		s.run(0, "", "delete", id, "-p", "scan-"+prov, "--yes")
	}
	s.extra = nil
	s.run(0, "", "auth", "logout", "-p", "scan-pexa")
	s.run(0, "", "profile", "remove", "scan-pwc", "--yes")

	serve.Process.Signal(os.Interrupt)
	if err := serve.Wait(); err != nil {
		t.Errorf("sandbox serve: %v\n%s", err, serveErr.String())
	}
	s.streams.WriteString(serveErr.String())

	s.checkCoverage()
	s.checkSecrets()
}

// verifyListen runs `verify listen --max 1` and one delivery into it.
func (s *leakScan) verifyListen(id string) {
	s.t.Helper()
	c := exec.Command("hookctl", "verify", "listen", "--addr", "127.0.0.1:0", "-p", "scan-pexa", "--id", id, "--max", "1", "--debug")
	c.Dir, c.Env = s.dir, s.env
	var out bytes.Buffer
	c.Stdout = &out
	errPipe, err := c.StderrPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		s.t.Fatal(err)
	}
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
		c.Process.Kill()
		c.Wait()
		s.t.Fatalf("verify listen: no address; stderr: %s", stderr.String())
	}
	rest := make(chan string)
	go func() {
		var b strings.Builder
		for sc.Scan() {
			b.WriteString(sc.Text() + "\n")
		}
		rest <- b.String()
	}()
	s.run(0, "", "sandbox", "deliver", id, "-p", "scan-pexa", "--event", "SECRET_EXPIRY", "--to", addr+"/hook")
	if err := c.Wait(); err != nil {
		s.t.Errorf("verify listen: %v", err)
	}
	stderr.WriteString(<-rest)
	if !strings.Contains(out.String(), "ok") && !strings.Contains(out.String(), "valid") {
		s.t.Errorf("verify listen printed no verified delivery: %q", out.String())
	}
	s.streams.WriteString(out.String())
	s.streams.WriteString(stderr.String())
	s.commands["hookctl verify listen"] = true
}

// checkCoverage fails when a runnable command was never run, so a new
// command cannot escape the scan.
func (s *leakScan) checkCoverage() {
	io, _, _, _ := output.Test()
	root := cmd.NewCmdRoot(cmd.NewFactory(io, os.Getenv, "test"))
	var missing []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && !c.Hidden && c.Name() != "help" && c.Name() != "completion" && !s.commands[c.CommandPath()] {
			missing = append(missing, c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if len(missing) > 0 {
		s.t.Errorf("the leak scan never ran: %s", strings.Join(missing, ", "))
	}
	if len(s.commands) < 25 {
		s.t.Errorf("only %d commands ran", len(s.commands))
	}
}

func (s *leakScan) checkSecrets() {
	t := s.t
	// The sandbox's fixed logins are short words: "sandbox" is also in URLs
	// and profile names, so it is checked in its JSON body form below.
	for k, v := range map[string]string{"solvimon-api-key": "sandbox-api-key", "secret": "sandbox-secret", "offblocks-api-key": "00000000-0000-4000-8000-000000000000"} {
		s.secrets[k] = v
	}
	var names []string
	for name, v := range s.secrets {
		if name == "HOOKCTL_USERNAME" || name == "HOOKCTL_PASSWORD" || len(v) < 8 || strings.Contains(name, "token_url") || strings.Contains(name, "/username") || strings.Contains(name, "/password") {
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
	hits := func(where string, b []byte) {
		t.Helper()
		for _, name := range names {
			if bytes.Contains(b, []byte(s.secrets[name])) {
				t.Errorf("secret %s found in %s", name, where)
			}
		}
	}
	all := s.streams.String()
	hits("stdout/stderr", []byte(all))
	if strings.Contains(all, `"password":"sandbox"`) || strings.Contains(all, `"Password":"sandbox"`) {
		t.Errorf("the PwC password reached stdout/stderr")
	}
	if !strings.Contains(all, "[REDACTED]") {
		t.Errorf("no redaction in the --debug traces; is the trace on?")
	}

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
	t.Logf("%d files, %d child processes and %d bytes of output scanned", files, len(s.children), len(all))
}
