package cmd

import "testing"

func TestExportArgvToOptions(t *testing.T) {
	_, got, err := parseArgv(t, NewCmdExport, []string{"export", "--pin-ids"})
	if err != nil || got == nil || !got.PinIDs {
		t.Fatalf("export --pin-ids: err %v, opts %+v", err, got)
	}
	if _, got, err := parseArgv(t, NewCmdExport, []string{"export", "extra"}); err == nil || got != nil {
		t.Errorf("export extra: err %v, ran %v; want an error", err, got != nil)
	}
}
