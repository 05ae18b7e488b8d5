package cmd

import "testing"

func TestDiffArgvToOptions(t *testing.T) {
	_, got, err := parseArgv(t, NewCmdDiff, []string{"diff", "-f", "m.yaml", "--exit-code"})
	if err != nil || got == nil || got.File != "m.yaml" || !got.ExitCode {
		t.Fatalf("diff -f m.yaml --exit-code: err %v, opts %+v", err, got)
	}
	if _, got, err := parseArgv(t, NewCmdDiff, []string{"diff", "extra"}); err == nil || got != nil {
		t.Errorf("diff extra: err %v, ran %v; want an error", err, got != nil)
	}
}
