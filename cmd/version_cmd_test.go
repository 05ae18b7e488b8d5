package cmd

import "testing"

func TestVersionArgvToOptions(t *testing.T) {
	f, got, err := parseArgv(t, NewCmdVersion, []string{"version", "-o", "json"})
	if err != nil || got == nil || got.F != f || f.Global.Output != "json" {
		t.Fatalf("version -o json: err %v, opts %+v", err, got)
	}
	if _, got, err := parseArgv(t, NewCmdVersion, []string{"version", "extra"}); err == nil || got != nil {
		t.Errorf("version extra: err %v, ran %v; want an error", err, got != nil)
	}
}
