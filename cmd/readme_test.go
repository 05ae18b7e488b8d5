//go:build linux || darwin

package cmd_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/pkg/output"
)

// readmeBlock is one ```sh block of README.md.
type readmeBlock struct {
	line   int
	text   string
	notRun string // the reason given in a readme-test comment, if any
}

func readmeBlocks(t *testing.T) []readmeBlock {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	skipRE := regexp.MustCompile(`^<!-- readme-test: not run \((.+)\) -->$`)
	var blocks []readmeBlock
	lines := strings.Split(string(raw), "\n")
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "```") {
			continue
		}
		lang := strings.TrimPrefix(lines[i], "```")
		b := readmeBlock{line: i + 1}
		if i > 0 {
			if m := skipRE.FindStringSubmatch(lines[i-1]); m != nil {
				b.notRun = m[1]
			}
		}
		var body []string
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			body = append(body, lines[i])
		}
		if lang != "sh" {
			t.Errorf("README.md:%d: a ```%s block; examples are ```sh so this test runs them", b.line, lang)
			continue
		}
		b.text = strings.Join(body, "\n") + "\n"
		blocks = append(blocks, b)
	}
	return blocks
}

// TestReadmeExamples runs every shell block of README.md: the
// one starting `hookctl sandbox serve ... &` first, on a free port, then
// each other block in its own bash with -eu -o pipefail, with hookctl on
// PATH. Blocks that cannot run here say why in a readme-test comment.
func TestReadmeExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the README's tours")
	}
	blocks := readmeBlocks(t)
	if len(blocks) < 6 {
		t.Fatalf("found %d shell blocks in README.md", len(blocks))
	}
	// The file store (as the README offers): the real keyring is shared by
	// the whole test run, and the tours' profile names are the scripts' too.
	cli := cmd.NewCLI(t)
	cli.SetProcessEnv()
	dir := cli.Dir
	// The server picks its port and hands it over (--addr-file): no free
	// port is guessed, closed and hoped for.
	addrFile := filepath.Join(dir, "sandbox.addr")
	var addr string
	port := func(s string) string { return strings.ReplaceAll(s, "127.0.0.1:8787", addr) }
	serveLine := func(s string) string {
		return strings.ReplaceAll(s, "--addr 127.0.0.1:8787", "--addr 127.0.0.1:0 --addr-file "+addrFile)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var ran, serve int
	for _, b := range blocks {
		if b.notRun != "" || !strings.Contains(b.text, "sandbox serve") {
			continue
		}
		// The server block: its `&` job is this bash's child; bash waits.
		if !strings.Contains(serveLine(b.text), "--addr-file") {
			t.Fatalf("the README's server block no longer starts with --addr 127.0.0.1:8787:\n%s", b.text)
		}
		c := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", serveLine(b.text)+"wait\n")
		c.Dir = dir
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		// bash starts `&` jobs with SIGINT ignored: stop the whole group.
		c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		c.WaitDelay = 5 * time.Second
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			syscall.Kill(-c.Process.Pid, syscall.SIGTERM)
			c.Wait()
		}()
		// A reader types the next command later than the server needs to
		// start: wait for the address it writes once it listens.
		deadline := time.Now().Add(15 * time.Second)
		for {
			if b, err := os.ReadFile(addrFile); err == nil && len(bytes.TrimSpace(b)) > 0 {
				addr = string(bytes.TrimSpace(b))
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("README.md:%d: the sandbox never wrote its address: %s", b.line, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		serve++
		ran++
	}
	if serve != 1 {
		t.Fatalf("want exactly one `sandbox serve` block, found %d", serve)
	}
	for _, b := range blocks {
		if b.notRun != "" {
			t.Logf("README.md:%d not run: %s", b.line, b.notRun)
			continue
		}
		if strings.Contains(b.text, "sandbox serve") {
			continue
		}
		work := filepath.Join(dir, "block"+strconv.Itoa(b.line))
		if err := os.MkdirAll(work, 0o700); err != nil {
			t.Fatal(err)
		}
		c := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", port(b.text))
		c.Dir = work
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		if err := c.Run(); err != nil {
			t.Errorf("README.md:%d: %v\n--- block\n%s--- output\n%s", b.line, err, b.text, out.String())
		}
		ran++
	}
	if ran < 5 {
		t.Errorf("only %d README blocks ran", ran)
	}
}

// TestReadmeStartsWithTheTwoCommands: the first block is `make demo` and
// `make test`, both Makefile targets, and .ci/run calls the test one.
func TestReadmeStartsWithTheTwoCommands(t *testing.T) {
	blocks := readmeBlocks(t)
	if len(blocks) == 0 || blocks[0].line > 6 {
		t.Fatalf("README.md does not open with its commands")
	}
	first := blocks[0].text
	mk, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile("../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"demo", "test"} {
		if !strings.Contains(first, "make "+target) {
			t.Errorf("the first README block lacks `make %s`", target)
		}
		if !regexp.MustCompile(`(?m)^` + target + `:`).Match(mk) {
			t.Errorf("the Makefile has no %s target", target)
		}
	}
	if !regexp.MustCompile(`(?m)^(exec )?make test\s*$`).Match(ci) {
		t.Errorf(".ci/run does not call `make test`:\n%s", ci)
	}
}

// TestReadmeExitCodes: the exit codes README.md lists
// near its top are every code `hookctl help exit-codes` documents (9, a
// declined confirmation, was missing).
func TestReadmeExitCodes(t *testing.T) {
	io, _, out, errOut := output.Test()
	if code := cmd.Main([]string{"help", "exit-codes"}, io); code != 0 {
		t.Fatalf("help exit-codes: exit %d: %s", code, errOut)
	}
	var documented []string
	for _, m := range regexp.MustCompile(`(?m)^ {2,4}(\d+)  `).FindAllStringSubmatch(out.String(), -1) {
		documented = append(documented, m[1])
	}
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	item := regexp.MustCompile(`(?s)\n- Exit codes .*?\n(- |\n)`).FindString(string(raw))
	if item == "" {
		t.Fatal("README.md has no \"- Exit codes\" item")
	}
	var listed []string
	for _, m := range regexp.MustCompile(`\b(\d+) [a-z]`).FindAllStringSubmatch(item, -1) {
		listed = append(listed, m[1])
	}
	if len(documented) < 10 || strings.Join(listed, " ") != strings.Join(documented, " ") {
		t.Errorf("README.md lists exit codes %v, help exit-codes documents %v:\n%s", listed, documented, item)
	}
}
