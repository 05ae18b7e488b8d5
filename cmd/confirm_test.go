package cmd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// TestDeclinedConfirmation: answering no at a terminal is its own exit
// code (9, "cancelled"), not 1, which means something failed; `help
// exit-codes` lists it.
func TestDeclinedConfirmation(t *testing.T) {
	cli := solvimonSandbox(t)
	cli.SetProcessEnv() // Main reads the process environment
	id := strings.TrimSpace(cli.OK("register", "-p", "s", "--url", "https://hooks.example.com/c", "--event", "INVOICE.CREATED",
		"--name", "n", "--reference", "r", "-o", "json", "--jq", ".[0].id"))
	var out, errOut bytes.Buffer
	ios := &output.IOStreams{In: strings.NewReader("n\n"), Out: &out, ErrOut: &errOut}
	ios.SetTTY(true, true, true)
	code := Main([]string{"delete", "-p", "s", id}, ios)
	if code != webhook.ExitCancelled || code == 1 {
		t.Fatalf("declined delete: exit %d, want %d; stderr %s", code, webhook.ExitCancelled, errOut.String())
	}
	if !strings.Contains(errOut.String(), "[y/N]") || !strings.Contains(errOut.String(), "cancelled") {
		t.Errorf("stderr %q", errOut.String())
	}
	cli.OK("get", "-p", "s", id) // still there
	if !strings.Contains(helpTopicText("exit-codes"), "\n    9  cancelled") {
		t.Errorf("help exit-codes does not list 9:\n%s", helpTopicText("exit-codes"))
	}
}

// TestConfirmEndsWithItsContext: Ctrl-C (the command's context ending)
// while confirm waits for a line ends it at once with the context's error,
// which Main maps to 130, not with a "no" once a line comes; the same for
// a secret prompt. TestCtrlCAtConfirmExits130 does it
// on a real pseudo-terminal.
func TestConfirmEndsWithItsContext(t *testing.T) {
	in, w := io.Pipe() // a terminal nobody types on
	defer w.Close()
	var errOut bytes.Buffer
	ios := &output.IOStreams{In: in, Out: io.Discard, ErrOut: &errOut}
	ios.SetTTY(true, true, true)
	f := NewFactory(ios, func(string) string { return "" }, "test")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- confirm(ctx, f, "Delete it?") }()
	time.AfterFunc(50*time.Millisecond, cancel)
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || webhook.KindOf(err) == webhook.KindCancelled {
			t.Fatalf("confirm after Ctrl-C: %v; want the context's cancellation", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("confirm still waits for a line after its context ended")
	}
	if !strings.HasSuffix(errOut.String(), "[y/N] \n") {
		t.Errorf("stderr %q: want the question, then a new line for what follows", errOut.String())
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := readSecretPrompt(ctx2, f, "Secret: ", -1); !errors.Is(err, context.Canceled) {
		t.Errorf("secret prompt after Ctrl-C: %v", err)
	}
}

func helpTopicText(name string) string {
	for _, h := range helpTopics {
		if h.name == name {
			return h.long
		}
	}
	return ""
}
