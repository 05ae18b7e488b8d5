//go:build linux || darwin

package cmd

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/sandbox"
)

// Tests on a real pseudo-terminal: what a person
// sees at 80 and 200 columns.

// sgr matches the colour sequences a table may print.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// width is how many columns line takes on a terminal: its runes without
// the colour sequences.
func width(line string) int { return utf8.RuneCountInString(sgr.ReplaceAllString(line, "")) }

// TestListFitsEightyColumns: at 80 columns `list`
// gives way with the columns that say least (SECRET EXPIRES, empty in
// every row; then ACTIVE, which STATUS repeats) before it cuts the URL;
// at 200 it shows every column; -o wide shows every column uncut at any
// width.
func TestListFitsEightyColumns(t *testing.T) {
	t.Parallel()
	cli := solvimonSandbox(t)
	url := "https://hooks.example.com/s1"
	id := strings.TrimSpace(cli.OK("register", "-p", "s", "--url", url, "--event", "INVOICE.CREATED",
		"--name", "n", "--reference", "r", "-o", "json", "--jq", ".[0].id"))

	out, err := runPTY(t, cli, 80, nil, "list", "-p", "s")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for _, line := range lines {
		if n := width(line); n > 80 {
			t.Errorf("a %d-column line on an 80-column terminal: %q", n, line)
		}
	}
	if len(lines) != 2 || !strings.Contains(lines[1], id) || !strings.Contains(lines[1], url) {
		t.Errorf("at 80 columns, want the id and the URL whole:\n%s", out)
	}
	if h := lines[0]; strings.Contains(h, "SECRET") || !strings.HasPrefix(h, "ID") || !strings.Contains(h, "STATUS") {
		t.Errorf("at 80 columns, want the empty SECRET EXPIRES dropped and STATUS kept: %q", h)
	}

	out, err = runPTY(t, cli, 200, nil, "list", "-p", "s")
	if err != nil {
		t.Fatal(err)
	}
	if h := strings.Join(strings.Fields(strings.SplitN(out, "\n", 2)[0]), " "); h != "ID URL EVENTS ACTIVE SECRET EXPIRES STATUS" || strings.Contains(out, "…") {
		t.Errorf("at 200 columns, want every column uncut:\n%s", out)
	}

	long := "https://hooks.example.com/solvimon/a/very/long/path/that/an/eighty/column/terminal/cannot/hold"
	cli.OK("update", id, "-p", "s", "--url", long)
	out, err = runPTY(t, cli, 80, nil, "list", "-p", "s", "-o", "wide")
	if err != nil {
		t.Fatal(err)
	}
	if h := strings.Join(strings.Fields(strings.SplitN(out, "\n", 2)[0]), " "); h != "ID URL EVENTS ACTIVE SECRET EXPIRES STATUS" ||
		!strings.Contains(out, long) || strings.Contains(out, "…") {
		t.Errorf("-o wide at 80 columns, want every column uncut:\n%s", out)
	}
}

// TestDoctorWrapsFix: doctor's FIX (and DETAIL) wrap
// on a terminal, even a wide one, instead of being cut; piped, each check
// stays one tab-separated line.
func TestDoctorWrapsFix(t *testing.T) {
	t.Parallel()
	cli := solvimonSandbox(t)
	cli.Env["HOOKCTL_API_KEY"] = "wrong"
	piped, _, _ := cli.Run("doctor", "-p", "s")
	var fix string
	for _, line := range strings.Split(strings.TrimSuffix(piped, "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			t.Fatalf("piped doctor: want 4 tab-separated fields a line, got %q", line)
		}
		if f[0] == "FAIL" && f[1] == "credentials" {
			fix = f[3]
		}
	}
	if len(fix) < 100 {
		t.Fatalf("want a long FIX for refused credentials, got %q", fix)
	}
	for _, cols := range []int{80, 200} {
		out, err := runPTY(t, cli, cols, nil, "doctor", "-p", "s", "-q")
		if err == nil {
			t.Fatalf("%d columns: doctor passed with a wrong key", cols)
		}
		if strings.Contains(out, "…") {
			t.Errorf("%d columns: a cell was cut:\n%s", cols, out)
		}
		words := strings.Join(strings.Fields(out), " ")
		for _, w := range strings.Fields(fix) {
			if !strings.Contains(words, w) {
				t.Errorf("%d columns: the fix lost %q:\n%s", cols, w, out)
			}
		}
		for _, line := range strings.Split(out, "\n") {
			if n := width(line); n > cols {
				t.Errorf("%d columns: a line of %d: %q", cols, n, line)
			}
		}
	}
}

// TestStatusColour: on a terminal the status words are
// coloured as gh colours them (ok green, FAIL red, warn yellow); piped,
// with NO_COLOR or with --no-color no escape sequence is printed at all.
// Provider data stays escaped with colour on: the only escape sequences
// that reach the terminal are hookctl's own.
func TestStatusColour(t *testing.T) {
	t.Parallel()
	cli := NewCLI(t, "HOOKCTL_API_KEY", "sandbox-api-key")
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	box := srv.Box("solvimon")
	cli.OK(append([]string{"profile", "add", "s"}, box.ProfileArgs()...)...)
	cli.OK("register", "-p", "s", "--url", "https://hooks.example.com/c1", "--event", "INVOICE.CREATED", "--name", "n", "--reference", "r")
	// A provider whose data carries a terminal escape (clear screen).
	state, err := box.State()
	if err != nil {
		t.Fatal(err)
	}
	evil := strings.Replace(string(state), "https://hooks.example.com/c1", `https://hooks.example.com/c1\u001b[2J`, 1)
	if evil == string(state) {
		t.Fatal("the URL is not in the sandbox's state")
	}
	if err := box.LoadState(json.RawMessage(evil)); err != nil {
		t.Fatal(err)
	}
	ours := regexp.MustCompile(`\x1b\[(3[123]|0)m`)

	out, err := runPTY(t, cli, 200, nil, "list", "-p", "s")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "\x1b[32mok\x1b[0m") {
		t.Errorf("list on a terminal: ok is not green: %q", out)
	}
	if rest := ours.ReplaceAllString(out, ""); strings.ContainsFunc(rest, func(r rune) bool { return r < 0x20 && r != '\n' }) ||
		!strings.Contains(rest, `c1\x1b[2J`) {
		t.Errorf("provider data reached the terminal unescaped: %q", out)
	}

	cli.Env["HOOKCTL_API_KEY"] = "wrong"
	out, _ = runPTY(t, cli, 200, nil, "doctor", "-p", "s", "-q")
	for _, want := range []string{"\x1b[31mFAIL\x1b[0m", "\x1b[32mok\x1b[0m", "\x1b[33mwarn\x1b[0m"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor on a terminal lacks %q: %q", want, out)
		}
	}
	cli.Env["HOOKCTL_API_KEY"] = "sandbox-api-key"

	for name, run := range map[string]func() string{
		"piped": func() string { out, errOut, _ := cli.Run("list", "-p", "s"); return out + errOut },
		"NO_COLOR": func() string {
			out, _ := runPTY(t, cli, 200, []string{"NO_COLOR", "1"}, "list", "-p", "s")
			return out
		},
		"--no-color": func() string { out, _ := runPTY(t, cli, 200, nil, "list", "-p", "s", "--no-color"); return out },
		"TERM=dumb": func() string {
			out, _ := runPTY(t, cli, 200, []string{"TERM", "dumb"}, "list", "-p", "s")
			return out
		},
	} {
		if out := run(); strings.Contains(out, "\x1b") || !strings.Contains(out, "ok") {
			t.Errorf("%s: want no escape sequence: %q", name, out)
		}
	}
}

// TestBulkProgressOnTerminal: a 200-registration
// `rotate-secret --all` on a terminal. The bar's total is the listing's
// total from PEXA's first page (totalRecords), not the registrations
// read so far; with a filter, whose count no provider knows, the bar says
// "N done, listing…" until the listing ends. A warning printed during the
// run (here --exec's output) gets a line of its own above the bar, never
// the bar's line.
func TestBulkProgressOnTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("registers 200 registrations")
	}
	t.Parallel()
	cli := NewCLI(t, "HOOKCTL_CLIENT_SECRET", "sandbox-secret")
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cli.OK(append([]string{"profile", "add", "px"}, srv.Box("pexa").ProfileArgs()...)...)
	const n = 200
	for i := range n {
		cli.OK("register", "-p", "px", "--url", fmt.Sprintf("https://hooks.example.com/p%03d", i), "--event", "SECRET_EXPIRY", "--event", "WORKSPACE_CLOSED")
	}
	counts := regexp.MustCompile(`\((\d+)/(\d+),`)
	for _, run := range []struct {
		name    string
		args    []string
		listing bool // whether "done, listing…" must show
	}{
		{"all", nil, false},
		{"filtered", []string{"--url-match", "example"}, true},
	} {
		// Each page of the listing takes 100 ms, as a real API's do: the
		// rotations of the first pages run while later ones are read.
		fault := `{"provider":"pexa","method":"GET","path":"/uk/partner/api/notification/v2/notification-registrations","kind":"slow","delay_ms":100,"count":10}`
		req, _ := http.NewRequest(http.MethodPut, srv.BaseURL+"/_sandbox/faults", strings.NewReader(fault))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusNoContent {
			t.Fatalf("fault plan: %v %v", resp, err)
		}
		resp.Body.Close()
		args := append([]string{"rotate-secret", "-p", "px", "--all", "--rate", "0", "--concurrency", "4",
			"--exec", `echo "warn-$HOOKCTL_ID" >&2`}, run.args...)
		raw, err := runPTY(t, cli, 120, nil, args...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", run.name, err, raw)
		}
		m := counts.FindAllStringSubmatch(raw, -1)
		if len(m) == 0 {
			t.Fatalf("%s: no bar on the terminal: %q", run.name, raw)
		}
		for _, c := range m {
			if c[2] != strconv.Itoa(n) {
				t.Errorf("%s: the bar showed %s/%s: its total is not the listing's %d", run.name, c[1], c[2], n)
				break
			}
		}
		if last := m[len(m)-1]; last[1] != strconv.Itoa(n) {
			t.Errorf("%s: the bar ended at %s/%s", run.name, last[1], last[2])
		}
		if got := strings.Contains(raw, "done, listing…"); got != run.listing {
			t.Errorf("%s: \"done, listing…\" shown: %v, want %v", run.name, got, run.listing)
		}
		warned := 0
		for _, line := range screen(raw) {
			if i := strings.Index(line, "warn-"); i >= 0 {
				warned++
				if !strings.HasPrefix(line, "exec ") || strings.Contains(line, "%") || strings.Count(line, "warn-") != 1 {
					t.Errorf("%s: a warning shares its line with the bar: %q", run.name, line)
				}
			}
		}
		if warned != n {
			t.Errorf("%s: %d warnings on the screen, want %d", run.name, warned, n)
		}
	}
}

// TestDemoFitsItsTerminal: on a terminal, `sandbox
// demo`'s tables fit the terminal it runs in (into a file they are
// whole: TestDemoTablesUncutIntoAFile).
func TestDemoFitsItsTerminal(t *testing.T) {
	t.Parallel()
	cli := NewCLI(t)
	out, err := runPTY(t, cli, 100, nil, "sandbox", "demo", "--provider", "pexa")
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	tables := 0
	row := regexp.MustCompile(`^(ID |[0-9a-f]{8}-)`) // a table's header or rows, not stderr's lines
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "ID ") {
			tables++
		}
		if !row.MatchString(line) {
			continue
		}
		if n := width(line); n > 100 {
			t.Errorf("a %d-column line on a 100-column terminal: %q", n, line)
		}
	}
	if tables == 0 {
		t.Errorf("no table:\n%s", out)
	}
}
