// Command proc benchmarks hookctl as whole processes beside floors: a
// hello-world Go binary for start-up, a one-shot Go GET for API commands.
// It prints figures and ratios; it asserts nothing (targets are aims, not
// tests that fail on a slow machine).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func main() {
	runs := flag.Int("runs", 40, "runs per command")
	bin := flag.String("bin", "bin", "directory with hookctl, hello and get binaries")
	flag.Parse()
	if err := run(*bin, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type result struct {
	name   string
	median time.Duration
	mean   time.Duration
}

// measure runs cmd n times (after 3 warm-ups) and returns median and mean.
func measure(name string, n int, env []string, argv ...string) (result, error) {
	var ds []time.Duration
	for i := 0; i < n+3; i++ {
		c := exec.Command(argv[0], argv[1:]...)
		c.Env = env
		start := time.Now()
		out, err := c.CombinedOutput()
		d := time.Since(start)
		if err != nil {
			return result{}, fmt.Errorf("%s: %v: %s", name, err, out)
		}
		if i >= 3 {
			ds = append(ds, d)
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return result{name: name, median: ds[len(ds)/2], mean: sum / time.Duration(len(ds))}, nil
}

func run(bin string, n int) error {
	hookctl := filepath.Join(bin, "hookctl")
	tmp, err := os.MkdirTemp("", "hookctl-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	env := append(os.Environ(), "HOOKCTL_CONFIG="+filepath.Join(tmp, "config.yaml"), "XDG_STATE_HOME="+tmp,
		"HOOKCTL_STORAGE=file", "HOOKCTL_API_KEY=sandbox-api-key")

	serve := exec.Command(hookctl, "sandbox", "serve", "--addr", "127.0.0.1:0")
	serve.Env = env
	stdout, err := serve.StdoutPipe()
	if err != nil {
		return err
	}
	if err := serve.Start(); err != nil {
		return err
	}
	defer serve.Process.Kill()
	buf := make([]byte, 8192)
	var lines string
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(lines, "solvimon ") && time.Now().Before(deadline) {
		k, err := stdout.Read(buf)
		if err != nil {
			return fmt.Errorf("sandbox: %v", err)
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
		return fmt.Errorf("sandbox printed no solvimon profile line: %q", lines)
	}
	base := add[len(add)-1]
	if out, err := runCmd(env, append([]string{hookctl}, add...)...); err != nil {
		return fmt.Errorf("profile add: %v: %s", err, out)
	}
	for i := 0; i < 3; i++ {
		if out, err := runCmd(env, hookctl, "register", "--url", fmt.Sprintf("https://hooks.example.com/%d", i), "--event", "INVOICE.CREATED", "--name", "bench", "--reference", fmt.Sprintf("bench-%d", i)); err != nil {
			return fmt.Errorf("register: %v: %s", err, out)
		}
	}
	// One captured delivery (1 KiB body class: the sandbox's INVOICE.CREATED)
	// and its secret, for single verifications as whole processes.
	id, err := stdoutOf(env, hookctl, "list", "-o", "json", "--jq", ".[0].id")
	if err != nil {
		return fmt.Errorf("list: %v: %s", err, id)
	}
	reg := strings.TrimSpace(string(id))
	delivery := filepath.Join(tmp, "delivery.http")
	if out, err := runCmd(env, hookctl, "sandbox", "deliver", reg, "--event", "INVOICE.CREATED", "--out", delivery); err != nil {
		return fmt.Errorf("sandbox deliver: %v: %s", err, out)
	}
	secret, err := stdoutOf(env, hookctl, "get", reg, "--show-secret", "-o", "json", "--jq", ".secret")
	if err != nil {
		return fmt.Errorf("get --show-secret: %v: %s", err, secret)
	}
	verifyEnv := append(env, "BENCH_SECRET="+strings.TrimSpace(string(secret)))

	hello := []string{filepath.Join(bin, "hello")}
	get := []string{filepath.Join(bin, "get"), base + "/v1/webhooks?limit=50&page=1", "X-API-KEY", "sandbox-api-key"}
	rows := []struct {
		name, floor string
		argv        []string
		env         []string
		aim         float64
	}{
		{"floor: hello-world", "", hello, env, 0},
		{"floor: one-shot GET", "", get, env, 0},
		{"hookctl --version", "floor: hello-world", []string{hookctl, "--version"}, env, 1.6},
		{"hookctl verify (HMAC)", "floor: hello-world", []string{hookctl, "verify", "--secret-env", "BENCH_SECRET", "--request-file", delivery}, verifyEnv, 1.5},
		{"hookctl verify --id", "floor: hello-world", []string{hookctl, "verify", "--id", reg, "--request-file", delivery}, env, 1.5},
		{"hookctl list", "floor: one-shot GET", []string{hookctl, "list"}, env, 1.3},
	}
	medians := map[string]time.Duration{}
	fmt.Printf("%-24s %10s %10s %8s %6s  %s\n", "command", "median", "mean", "ratio", "aim", "floor")
	for _, c := range rows {
		r, err := measure(c.name, n, c.env, c.argv...)
		if err != nil {
			return err
		}
		medians[c.name] = r.median
		ratio, aim := "", ""
		if c.floor != "" {
			ratio = fmt.Sprintf("%.2fx", float64(r.median)/float64(medians[c.floor]))
			aim = fmt.Sprintf("%.1fx", c.aim)
		}
		fmt.Printf("%-24s %10s %10s %8s %6s  %s\n", r.name, r.median.Round(10*time.Microsecond), r.mean.Round(10*time.Microsecond), ratio, aim, c.floor)
	}
	fmt.Println("ratios are of medians; aims are aims, not asserted")
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
