// Command testjson reads `go test -json` on stdin and prints what `go test`
// would (package results, and the output of failed tests), then fails when
// a test was skipped for a reason that make test must never accept: the
// harness installs openssl and runs a real Secret Service, so a test that
// skips for want of either is a broken harness, not a pass.
//
//	go test -json ./... | go run ./scripts/testjson
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// forbidden are skip messages that mean the harness did not do its job.
var forbidden = []string{
	"openssl not installed",
	"needs a real D-Bus and Secret Service",
}

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

type report struct {
	failed     bool
	badSkips   []string
	skipped    int
	passed     int
	failedList []string
}

func main() {
	r, err := run(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testjson:", err)
		os.Exit(1)
	}
	fmt.Printf("tests: %d passed, %d skipped, %d failed\n", r.passed, r.skipped, len(r.failedList))
	if len(r.badSkips) > 0 {
		sort.Strings(r.badSkips)
		fmt.Fprintf(os.Stderr, "testjson: %d test(s) skipped for want of what make test provides:\n  %s\n",
			len(r.badSkips), strings.Join(r.badSkips, "\n  "))
		os.Exit(1)
	}
	if r.failed {
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) (*report, error) {
	r := &report{}
	outputs := map[string]*strings.Builder{}
	key := func(e event) string { return e.Package + " " + e.Test }
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			// Not an event (a build error printed as text): pass it on.
			fmt.Fprintf(out, "%s\n", line)
			continue
		}
		if e.Test == "" {
			switch e.Action {
			case "output":
				// Package lines: "ok  pkg 1.2s", "FAIL", build output.
				if !strings.HasPrefix(e.Output, "=== ") && !strings.HasPrefix(e.Output, "PASS\n") {
					io.WriteString(out, e.Output)
				}
			case "fail":
				r.failed = true
			}
			continue
		}
		k := key(e)
		switch e.Action {
		case "output":
			b := outputs[k]
			if b == nil {
				b = &strings.Builder{}
				outputs[k] = b
			}
			b.WriteString(e.Output)
		case "pass":
			r.passed++
			delete(outputs, k)
		case "skip":
			r.skipped++
			text := ""
			if b := outputs[k]; b != nil {
				text = b.String()
			}
			for _, f := range forbidden {
				if strings.Contains(text, f) {
					r.badSkips = append(r.badSkips, fmt.Sprintf("%s %s: %s", e.Package, e.Test, f))
				}
			}
			delete(outputs, k)
		case "fail":
			r.failed = true
			r.failedList = append(r.failedList, k)
			if b := outputs[k]; b != nil {
				io.WriteString(out, b.String())
			}
			delete(outputs, k)
		}
	}
	return r, sc.Err()
}
