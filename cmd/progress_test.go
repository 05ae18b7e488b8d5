package cmd

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/output"
)

// TestProgress: a bar with count and rate on a terminal's stderr, nothing
// when stderr is piped or with -q (issue 16 item 7).
func TestProgress(t *testing.T) {
	var errOut bytes.Buffer
	ios := &output.IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &errOut}
	ios.SetTTY(false, false, true)
	f := NewFactory(ios, func(string) string { return "" }, "test")
	p := newProgress(f, "rotated")
	if p == nil {
		t.Fatal("no progress on a terminal")
	}
	for i := 1; i <= 4; i++ {
		p(i, 4, i/4)
	}
	got := errOut.String()
	for _, want := range []string{"rotated (1 failed)", "4/4", "items/s", "100%"} {
		if !strings.Contains(got, want) {
			t.Errorf("progress output lacks %q: %q", want, got)
		}
	}
	// A run of --all learns its total page by page: the bar follows.
	errOut.Reset()
	p = newProgress(f, "rotated")
	p(1, 2, 0)
	p(2, 50, 0)
	p(50, 50, 0)
	if got := errOut.String(); !strings.Contains(got, "50/50") || !strings.Contains(got, "100%") {
		t.Errorf("a growing total: %q", got)
	}
	f.Global.Quiet = true
	if newProgress(f, "rotated") != nil {
		t.Error("progress with -q")
	}
	ios.SetTTY(false, false, false)
	f.Global.Quiet = false
	if newProgress(f, "rotated") != nil {
		t.Error("progress with stderr piped")
	}
}
