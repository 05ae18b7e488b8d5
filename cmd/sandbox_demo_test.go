package cmd

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestShellQuote(t *testing.T) {
	got := shellQuote([]string{"verify", "-p", "x", "--jq", ".[0].id", "it's", "", "a b", "https://h.example.com/p?q=1"})
	want := `verify -p x --jq '.[0].id' 'it'\''s' '' 'a b' 'https://h.example.com/p?q=1'`
	if got != want {
		t.Fatalf("shellQuote = %s\nwant        %s", got, want)
	}
}

// TestDemoPrintsWhatItRuns: every command the tour prints is the one it
// runs, --config included, quoted for a shell.
func TestDemoPrintsWhatItRuns(t *testing.T) {
	t.Parallel()
	cli := NewCLI(t)
	var errOut bytes.Buffer
	if err := cli.Exec(context.Background(), "", &bytes.Buffer{}, &errOut, "sandbox", "demo", "--provider", "solvimon"); err != nil {
		t.Fatalf("demo: %v\n%s", err, errOut.String())
	}
	var cmds int
	for _, line := range strings.Split(errOut.String(), "\n") {
		if strings.HasPrefix(line, "$ hookctl ") {
			cmds++
			if !strings.Contains(line, " --config /") {
				t.Errorf("printed without the --config it runs with: %s", line)
			}
		}
	}
	if cmds < 7 || !strings.Contains(errOut.String(), "# credentials: HOOKCTL_API_KEY") {
		t.Errorf("%d commands printed:\n%s", cmds, errOut.String())
	}
}

// TestDemoTablesUncutIntoAFile: `make demo > file`
// prints its tables whole (stdout is no terminal, so no width to fit),
// while on a terminal they fit its width.
func TestDemoTablesUncutIntoAFile(t *testing.T) {
	t.Parallel()
	cli := NewCLI(t)
	var out, errOut bytes.Buffer
	if err := cli.Exec(context.Background(), "", &out, &errOut, "sandbox", "demo", "--provider", "pexa"); err != nil {
		t.Fatalf("demo: %v\n%s", err, errOut.String())
	}
	widest := 0
	for _, line := range strings.Split(out.String(), "\n") {
		widest = max(widest, utf8.RuneCountInString(line))
	}
	if strings.Contains(out.String(), "…") || widest <= 80 || !strings.Contains(out.String(), "SECRET EXPIRES") {
		t.Errorf("into a file, want whole tables wider than 80 columns (widest %d):\n%s", widest, out.String())
	}
}
