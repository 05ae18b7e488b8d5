// Command proc benchmarks hookctl as whole processes beside floors: a
// hello-world Go binary for start-up, a one-shot Go GET for API commands,
// and for `verify --batch` the cost of the HMAC it cannot avoid. It prints
// medians, ratios and peak RSS; it asserts nothing (targets are aims, not
// tests that fail on a slow machine).
package main

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hookctl/hookctl/pkg/signature"
)

func main() {
	runs := flag.Int("runs", 40, "runs per command")
	bin := flag.String("bin", "bin", "directory with hookctl, hello, get and required binaries")
	batch := flag.Int("batch", 100_000, "deliveries in the verify --batch file (0: skip that row)")
	batchRuns := flag.Int("batch-runs", 7, "runs of verify --batch")
	flag.Parse()
	if err := run(*bin, *runs, *batch, *batchRuns); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type result struct {
	name   string
	median time.Duration
	mean   time.Duration
	cpu    time.Duration // median user+sys time
	rss    int64         // median peak RSS, bytes
}

// spec is one command measured by measureAll.
type spec struct {
	name string
	env  []string
	argv []string
}

// measureAll runs every command n times (after 3 warm-ups each),
// round-robin: one run of each command, then the next round, so a burst
// of load on a shared machine hits a command and its floor alike instead
// of one block of runs. stdout goes to /dev/null. It returns each
// command's median and mean wall time, median CPU time (user+sys) and the
// median peak RSS of rssRuns more runs (see peakRSS).
func measureAll(specs []spec, n int) ([]result, error) {
	walls := make([][]time.Duration, len(specs))
	cpus := make([][]time.Duration, len(specs))
	for round := 0; round < n+3; round++ {
		for i, sp := range specs {
			c := exec.Command(sp.argv[0], sp.argv[1:]...)
			c.Env = sp.env
			var errOut bytes.Buffer
			c.Stderr = &errOut
			start := time.Now()
			err := c.Run()
			d := time.Since(start)
			if err != nil {
				return nil, fmt.Errorf("%s: %v: %.2000s", sp.name, err, errOut.Bytes())
			}
			if round >= 3 {
				walls[i] = append(walls[i], d)
				cpus[i] = append(cpus[i], c.ProcessState.UserTime()+c.ProcessState.SystemTime())
			}
		}
	}
	out := make([]result, len(specs))
	for i, sp := range specs {
		var sum time.Duration
		for _, d := range walls[i] {
			sum += d
		}
		r := result{name: sp.name, median: median(walls[i]), mean: sum / time.Duration(len(walls[i])), cpu: median(cpus[i])}
		var rss []int64
		for range rssRuns {
			m, err := peakRSS(sp.env, sp.argv...)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", sp.name, err)
			}
			rss = append(rss, m)
		}
		r.rss = median(rss)
		out[i] = r
	}
	return out, nil
}

const rssRuns = 5

// gnuTime is GNU time, which forks (no vfork) before exec, so the maxrss it
// reports is the command's own. A Go parent starts children with
// CLONE_VFORK|CLONE_VM, and Linux carries the parent's peak RSS into the
// child's maxrss at exec: rusage from os/exec reads at least this
// benchmark's own peak (about 6 MiB, and far more once the batch file has
// been built).
var gnuTime, _ = exec.LookPath("/usr/bin/time")

// peakRSS runs argv once and returns its peak RSS in bytes: from GNU time
// where installed (Debian package "time"), else the child's rusage, an
// upper bound (see gnuTime).
func peakRSS(env []string, argv ...string) (int64, error) {
	if gnuTime == "" {
		c := exec.Command(argv[0], argv[1:]...)
		c.Env = env
		if out, err := c.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("%v: %.2000s", err, out)
		}
		ru, _ := c.ProcessState.SysUsage().(*syscall.Rusage)
		if ru == nil {
			return 0, nil
		}
		return ru.Maxrss * 1024, nil // KiB on Linux
	}
	f, err := os.CreateTemp("", "hookctl-bench-rss-")
	if err != nil {
		return 0, err
	}
	f.Close()
	defer os.Remove(f.Name())
	c := exec.Command(gnuTime, append([]string{"-f", "%M", "-o", f.Name(), "--"}, argv...)...)
	c.Env = env
	var errOut bytes.Buffer
	c.Stderr = &errOut
	if err := c.Run(); err != nil {
		return 0, fmt.Errorf("%v: %.2000s", err, errOut.Bytes())
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		return 0, err
	}
	lines := strings.Fields(string(b))
	if len(lines) == 0 {
		return 0, fmt.Errorf("GNU time wrote nothing")
	}
	kib, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	return kib * 1024, err
}

func median[T int64 | time.Duration](xs []T) T {
	s := append([]T(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func run(bin string, n, batchN, batchRuns int) error {
	hookctl := filepath.Join(bin, "hookctl")
	tmp, err := os.MkdirTemp("", "hookctl-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	env := append(os.Environ(), "HOOKCTL_CONFIG="+filepath.Join(tmp, "config.yaml"), "XDG_STATE_HOME="+tmp,
		"HOOKCTL_STORAGE=file", "HOOKCTL_API_KEY=sandbox-api-key")

	serve, add, err := startSandbox(hookctl, env)
	if err != nil {
		return err
	}
	defer serve.Process.Kill()
	fx, err := seed(hookctl, tmp, env, add)
	if err != nil {
		return err
	}
	if err := measureCommands(bin, hookctl, add[len(add)-1], env, fx, n); err != nil {
		return err
	}
	if batchN > 0 {
		fmt.Println()
		return benchBatch(hookctl, tmp, env, batchN, batchRuns)
	}
	return nil
}

// startSandbox starts `hookctl sandbox serve` and returns it with the
// arguments of its solvimon `profile add` line (the base URL last).
func startSandbox(hookctl string, env []string) (*exec.Cmd, []string, error) {
	serve := exec.Command(hookctl, "sandbox", "serve", "--addr", "127.0.0.1:0")
	serve.Env = env
	stdout, err := serve.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := serve.Start(); err != nil {
		return nil, nil, err
	}
	add, err := profileLine(stdout)
	if err != nil {
		serve.Process.Kill()
		return nil, nil, err
	}
	return serve, add, nil
}

// profileLine reads the sandbox's output until its solvimon line and
// returns that line's `profile add` arguments.
func profileLine(stdout io.Reader) ([]string, error) {
	buf := make([]byte, 8192)
	var lines string
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(lines, "solvimon ") && time.Now().Before(deadline) {
		k, err := stdout.Read(buf)
		if err != nil {
			return nil, fmt.Errorf("sandbox: %v", err)
		}
		lines += string(buf[:k])
	}
	var add []string
	for _, l := range strings.Split(lines, "\n") {
		if strings.HasPrefix(l, "solvimon ") {
			add = strings.Fields(l)[2:] // drop "solvimon hookctl"
		}
	}
	if add == nil {
		return nil, fmt.Errorf("sandbox printed no solvimon profile line: %q", lines)
	}
	return add, nil
}

// fixture is what seed leaves in the sandbox for the commands measured.
type fixture struct {
	reg       string   // a registration
	delivery  string   // file of one captured delivery of reg
	verifyEnv []string // env with BENCH_SECRET, reg's secret
}

// seed adds the profile and 20 registrations (what `list` shows), and
// captures one delivery (1 KiB body class: the sandbox's INVOICE.CREATED)
// and its secret, for single verifications as whole processes.
func seed(hookctl, tmp string, env, add []string) (fixture, error) {
	if out, err := runCmd(env, append([]string{hookctl}, add...)...); err != nil {
		return fixture{}, fmt.Errorf("profile add: %v: %s", err, out)
	}
	for i := 0; i < 20; i++ {
		if out, err := runCmd(env, hookctl, "register", "--url", fmt.Sprintf("https://hooks.example.com/%d", i), "--event", "INVOICE.CREATED", "--name", "bench", "--reference", fmt.Sprintf("bench-%d", i)); err != nil {
			return fixture{}, fmt.Errorf("register: %v: %s", err, out)
		}
	}
	id, err := stdoutOf(env, hookctl, "list", "-o", "json", "--jq", ".[0].id")
	if err != nil {
		return fixture{}, fmt.Errorf("list: %v: %s", err, id)
	}
	fx := fixture{reg: strings.TrimSpace(string(id)), delivery: filepath.Join(tmp, "delivery.http")}
	if out, err := runCmd(env, hookctl, "sandbox", "deliver", fx.reg, "--event", "INVOICE.CREATED", "--out", fx.delivery); err != nil {
		return fixture{}, fmt.Errorf("sandbox deliver: %v: %s", err, out)
	}
	secret, err := stdoutOf(env, hookctl, "get", fx.reg, "--show-secret", "-o", "json", "--jq", ".secret")
	if err != nil {
		return fixture{}, fmt.Errorf("get --show-secret: %v: %s", err, secret)
	}
	fx.verifyEnv = append(env, "BENCH_SECRET="+strings.TrimSpace(string(secret)))
	return fx, nil
}

// row is one command measured, with the floor its ratio is to.
type row struct {
	name, floor string
	argv        []string
	env         []string
	aim         float64
}

// measureCommands times each command and its floor, round-robin, and
// prints the table.
func measureCommands(bin, hookctl, base string, env []string, fx fixture, n int) error {
	hello := []string{filepath.Join(bin, "hello")}
	get := []string{filepath.Join(bin, "get"), base + "/v1/webhooks?limit=50&page=1", "X-API-KEY", "sandbox-api-key"}
	rows := []row{
		{"floor: hello-world", "", hello, env, 0},
		{"floor: one-shot GET", "", get, env, 0},
		// What the required libraries alone cost to start (bench/floors/required):
		// no change inside hookctl goes below it.
		{"floor: required libs", "floor: hello-world", []string{filepath.Join(bin, "required")}, env, 0},
		{"hookctl --version", "floor: hello-world", []string{hookctl, "--version"}, env, 2.5},
		{"hookctl verify (HMAC)", "floor: hello-world", []string{hookctl, "verify", "--secret-env", "BENCH_SECRET", "--request-file", fx.delivery}, fx.verifyEnv, 1.5},
		{"hookctl verify --id", "floor: hello-world", []string{hookctl, "verify", "--id", fx.reg, "--request-file", fx.delivery}, env, 1.5},
		{"hookctl list (20)", "floor: one-shot GET", []string{hookctl, "list"}, env, 1.5},
	}
	specs := make([]spec, len(rows))
	for i, c := range rows {
		specs[i] = spec{name: c.name, env: c.env, argv: c.argv}
	}
	results, err := measureAll(specs, n)
	if err != nil {
		return err
	}
	printRows(rows, results)
	return nil
}

func printRows(rows []row, results []result) {
	medians := map[string]time.Duration{}
	fmt.Printf("%-24s %10s %10s %8s %6s %10s  %s\n", "command", "median", "mean", "ratio", "aim", "peak RSS", "floor")
	for i, c := range rows {
		r := results[i]
		medians[c.name] = r.median
		ratio, aim := "", ""
		if c.floor != "" {
			ratio = fmt.Sprintf("%.2fx", float64(r.median)/float64(medians[c.floor]))
		}
		if c.aim > 0 {
			aim = fmt.Sprintf("%.1fx", c.aim)
		}
		fmt.Printf("%-24s %10s %10s %8s %6s %7.1f MiB  %s\n", r.name, r.median.Round(10*time.Microsecond), r.mean.Round(10*time.Microsecond),
			ratio, aim, float64(r.rss)/(1<<20), c.floor)
	}
	rssFrom := "GNU time"
	if gnuTime == "" {
		rssFrom = "rusage (an upper bound: no /usr/bin/time)"
	}
	fmt.Printf("runs interleaved (one of each command per round); ratios are of medians; aims are aims, not asserted; peak RSS: median of %d runs, from %s (aim for list: <= 10 MiB)\n", rssRuns, rssFrom)
}

// benchBatch times `verify --batch FILE -o json` over n Solvimon-signed
// deliveries with 1 KiB bodies as a whole process, beside its bound: one
// HMAC-SHA256 over the timestamp and 1 KiB body per delivery, timed here
// in-process on the same machine in the same run.
func benchBatch(hookctl, tmp string, env []string, n, runs int) error {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	now := time.Now().UTC().Truncate(time.Second)
	file := filepath.Join(tmp, "batch.ndjson")
	fh, err := os.Create(file)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(fh)
	keys := []signature.Key{{Name: "current", Secret: []byte(secret)}}
	for i := range n {
		pad := fmt.Sprintf(`{"event":"INVOICE.CREATED","seq":%d,"data":"`, i)
		body := pad + strings.Repeat("x", 1024-len(pad)-2) + `"}`
		req := &signature.Request{Method: http.MethodPost, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}
		if err := (signature.Solvimon{}).Sign(req, keys, now); err != nil {
			return err
		}
		line, err := json.Marshal(map[string]any{"headers": req.Header, "body": body})
		if err != nil {
			return err
		}
		w.Write(line)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := fh.Close(); err != nil {
		return err
	}
	benv := append(env, "BENCH_SECRET="+secret)
	rs, err := measureAll([]spec{{name: "verify --batch", env: benv, argv: []string{hookctl, "verify", "--batch", file, "--secret-env", "BENCH_SECRET",
		"--now", now.Format(time.RFC3339), "-o", "json"}}}, runs)
	if err != nil {
		return err
	}
	r := rs[0]

	// The bound: HMAC-SHA256 (fresh key, as per delivery) of timestamp
	// and 1 KiB body, in thread CPU time so that other load on the machine
	// does not count; median of rounds.
	body := []byte(strings.Repeat("x", 1024))
	ts := []byte(now.Format(time.RFC3339) + ".")
	var per []time.Duration
	runtime.LockOSThread()
	for range 15 {
		const k = 20_000
		start := threadCPU()
		for range k {
			m := hmac.New(sha256.New, []byte(secret))
			m.Write(ts)
			m.Write(body)
			_ = m.Sum(nil)
		}
		per = append(per, (threadCPU()-start)/k)
	}
	runtime.UnlockOSThread()
	hm := median(per)
	bound := float64(time.Second) / float64(hm)
	wallRate := float64(n) / r.median.Seconds()
	cpuRate := float64(n) / r.cpu.Seconds()
	fmt.Printf("verify --batch: %d deliveries, 1 KiB bodies, solvimon HMAC, -o json, median of %d runs\n", n, runs)
	fmt.Printf("  wall %v, cpu (user+sys) %v, peak RSS %.1f MiB\n", r.median.Round(time.Millisecond), r.cpu.Round(time.Millisecond), float64(r.rss)/(1<<20))
	fmt.Printf("  deliveries/s (wall)        %9.0f\n", wallRate)
	fmt.Printf("  deliveries/s per cpu-second %8.0f   aim >= 200000 per core\n", cpuRate)
	fmt.Printf("  bound: HMAC-SHA256 of 1 KiB %v CPU in-process = %.0f/s per core; the process reaches %.0f%% of it per cpu-second\n",
		hm.Round(10*time.Nanosecond), bound, 100*cpuRate/bound)
	return nil
}

func runCmd(env []string, argv ...string) ([]byte, error) {
	c := exec.Command(argv[0], argv[1:]...)
	c.Env = env
	return c.CombinedOutput()
}

func stdoutOf(env []string, argv ...string) ([]byte, error) {
	c := exec.Command(argv[0], argv[1:]...)
	c.Env = env
	return c.Output()
}

// threadCPU is the calling thread's CPU time (user+sys).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD, Linux
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
