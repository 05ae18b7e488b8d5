package cmd

import "testing"

func TestDoctorArgvToOptions(t *testing.T) {
	for _, tc := range []struct {
		args        []string
		fix, dryRun bool
		all         bool
		wantErr     bool
	}{
		{args: []string{"doctor"}},
		{args: []string{"doctor", "--fix", "--dry-run"}, fix: true, dryRun: true},
		{args: []string{"doctor", "--all-profiles"}, all: true},
		{args: []string{"doctor", "--dry-run"}, wantErr: true},
		{args: []string{"doctor", "extra"}, wantErr: true},
	} {
		_, got, err := parseArgv(t, NewCmdDoctor, tc.args)
		if tc.wantErr {
			if err == nil || got != nil {
				t.Errorf("%v: err %v, ran %v; want an error", tc.args, err, got != nil)
			}
			continue
		}
		if err != nil || got == nil {
			t.Fatalf("%v: err %v, ran %v", tc.args, err, got != nil)
		}
		if got.Fix != tc.fix || got.DryRun != tc.dryRun || got.Select.All != tc.all {
			t.Errorf("%v: %+v", tc.args, *got)
		}
	}
}
