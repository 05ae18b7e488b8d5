package cmd

import "testing"

func TestDoctorArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdDoctor, []argvCase[DoctorOptions]{
		{args: []string{"doctor"}, want: DoctorOptions{}},
		{args: []string{"doctor", "--fix", "--dry-run"}, want: DoctorOptions{Fix: true, DryRun: true}},
		{args: []string{"doctor", "--all-profiles"}, want: DoctorOptions{Select: profileSelection{All: true}}},
		{args: []string{"doctor", "--dry-run"}, wantErr: true},
		{args: []string{"doctor", "extra"}, wantErr: true},
	})
}
