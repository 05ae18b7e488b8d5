package cmd_test

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// Package initialisation runs at every start of hookctl, --version
// included, and each heap page it touches is a page fault.
// hookctl's own packages build nothing at init (a regexp, a computed
// table: sync.OnceValue instead), and everything linked in together stays
// within a budget, so a new dependency with a heavy init is a decision
// rather than an accident. Bytes, not time: allocations do not depend on
// the machine.
func TestInitAllocatesLittle(t *testing.T) {
	c := exec.Command(hookctlPath, "--version")
	c.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	const ownMax, allMax = 4 << 10, 1536 << 10 // all: about 1.2 MiB, two thirds of it tablewriter's and gojq's
	line := regexp.MustCompile(`(?m)^init (\S+) @.* ([0-9]+) bytes, ([0-9]+) allocs$`)
	own := regexp.MustCompile(`^github\.com/hookctl/hookctl(/|$)`)
	total, n := 0, 0
	for _, m := range line.FindAllStringSubmatch(string(out), -1) {
		b, _ := strconv.Atoi(m[2])
		total += b
		n++
		if own.MatchString(m[1]) && b > ownMax {
			t.Errorf("init of %s allocates %d bytes (%s allocs); at most %d", m[1], b, m[3], ownMax)
		}
	}
	if n < 50 {
		t.Fatalf("read only %d init lines from GODEBUG=inittrace=1:\n%s", n, out)
	}
	if total > allMax {
		t.Errorf("package inits allocate %d bytes in all; at most %d", total, allMax)
	}
}
