package cmd

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
	"github.com/spf13/cobra"
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

// TestProviderErrorKeepsItsKind: a provider error whose words happen to
// look like cobra's ("... the event types PEXA accepts in UK") keeps its
// own exit code; only untyped cobra errors are read by their words.
func TestProviderErrorKeepsItsKind(t *testing.T) {
	io, _, _, _ := output.Test()
	f := NewFactory(io, os.Getenv, "test")
	err := (&webhook.Error{Kind: webhook.KindError, Msg: "pexa: Invalid eventTypes (HTTP 400)"}).WithHint("see `hookctl events` for the event types PEXA accepts in UK")
	if code := reportError(f, err); code != 1 {
		t.Fatalf("provider error: exit %d, want 1", code)
	}
	// cobra's own argument errors are typed where they arise, not
	// recognised by their words.
	c := &cobra.Command{Use: "x", Args: cobra.MaximumNArgs(1), RunE: func(*cobra.Command, []string) error { return nil }}
	typeUsageErrors(c)
	c.SetArgs([]string{"a", "b"})
	c.SilenceErrors, c.SilenceUsage = true, true
	if code := reportError(f, c.Execute()); code != 2 {
		t.Fatalf("cobra usage error: exit %d, want 2", code)
	}
	if code := reportError(f, fmt.Errorf(`accepts 1 arg(s), received 2`)); code != 1 {
		t.Fatalf("an untyped error that reads like cobra's: exit %d, want 1", code)
	}
}
