package cmd

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/output"
)

// TestProgress: a bar with count and rate on a terminal's stderr, nothing
// when stderr is piped or with -q; "N done, listing…"
// until the total is known, and what the run writes to stderr meanwhile
// goes above the bar, on lines of its own.
func TestProgress(t *testing.T) {
	var errOut bytes.Buffer
	ios := &output.IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &errOut}
	ios.SetTTY(false, false, true)
	f := NewFactory(ios, func(string) string { return "" }, "test")
	p := startProgress(f, "rotated")
	if p == nil {
		t.Fatal("no progress on a terminal")
	}
	if f.IO.ErrOut != p {
		t.Fatal("stderr does not go through the bar while it runs")
	}
	for i := 1; i <= 4; i++ {
		p.update(i, 4, i/4)
	}
	got := errOut.String()
	for _, want := range []string{"rotated (1 failed)", "4/4", "items/s", "100%"} {
		if !strings.Contains(got, want) {
			t.Errorf("progress output lacks %q: %q", want, got)
		}
	}
	if !strings.HasSuffix(got, "\n") {
		t.Errorf("a finished bar does not end its line: %q", got)
	}
	p.stop()
	if f.IO.ErrOut != &errOut {
		t.Fatal("stop did not give stderr back")
	}

	// A run of --all whose provider does not count: no total until the
	// listing ends, and no made-up one.
	errOut.Reset()
	p = startProgress(f, "rotated")
	p.update(1, 0, 0)
	if got := screen(errOut.String()); got[len(got)-1] != "rotated (0 failed)  1 done, listing…" {
		t.Errorf("unknown total: %q", got)
	}
	// A warning: the bar's line is cleared, the warning printed on it,
	// and the bar drawn again below.
	fmt.Fprintf(f.IO.ErrOut, "warning: w1\n")
	if got := screen(errOut.String()); len(got) != 2 || got[0] != "warning: w1" || got[1] != "rotated (0 failed)  1 done, listing…" {
		t.Errorf("a warning during the run: %q", got)
	}
	p.update(2, 50, 0)
	p.update(50, 50, 0)
	got = errOut.String()
	if s := screen(got); !strings.Contains(s[len(s)-2], "50/50") || !strings.Contains(s[len(s)-2], "100%") || s[len(s)-1] != "" {
		t.Errorf("a total learnt late: %q", s)
	}
	if strings.Contains(got, "/0,") || strings.Contains(got, "2/2,") {
		t.Errorf("the bar showed a total it did not have: %q", got)
	}
	p.stop()

	f.Global.Quiet = true
	if p := startProgress(f, "rotated"); p != nil || p.callback() != nil {
		t.Error("progress with -q")
	}
	ios.SetTTY(false, false, false)
	f.Global.Quiet = false
	if startProgress(f, "rotated") != nil {
		t.Error("progress with stderr piped")
	}
}
