package cmd

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/output"
)

// TestInterruptExitCode: a command cut short by Ctrl-C (its context
// cancelled) exits 130, the code `help exit-codes` lists for it, and says
// so on stderr.
func TestInterruptExitCode(t *testing.T) {
	io, _, out, errOut := output.Test()
	f := NewFactory(io, os.Getenv, "test")
	code := reportError(f, fmt.Errorf("list page 1: %w", context.Canceled))
	if code != 130 {
		t.Fatalf("exit %d, want 130", code)
	}
	if !strings.Contains(errOut.String(), "interrupted") || out.Len() != 0 {
		t.Fatalf("stdout %q, stderr %q", out, errOut)
	}
	var topic string
	for _, h := range helpTopics {
		if h.name == "exit-codes" {
			topic = h.long
		}
	}
	if !strings.Contains(topic, "\n  130  interrupted") {
		t.Fatalf("help exit-codes does not list 130:\n%s", topic)
	}
}
