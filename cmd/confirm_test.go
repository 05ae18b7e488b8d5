package cmd

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// TestDeclinedConfirmation: answering no at a terminal is its own exit
// code (9, "cancelled"), not 1, which means something failed; `help
// exit-codes` lists it (issue 16 item 3).
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

func helpTopicText(name string) string {
	for _, h := range helpTopics {
		if h.name == name {
			return h.long
		}
	}
	return ""
}
