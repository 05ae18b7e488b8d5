package cmd

import "testing"

func TestGetArgvToOptions(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    GetOptions
		wantErr bool
	}{
		{args: []string{"get", "whk_1"}, want: GetOptions{ID: "whk_1"}},
		{args: []string{"show", "whk_1", "--show-secret"}, want: GetOptions{ID: "whk_1", ShowSecret: true}},
		{args: []string{"get"}, wantErr: true},
		{args: []string{"get", "a", "b"}, wantErr: true},
	} {
		f, got, err := parseArgv(t, NewCmdGet, tc.args)
		if tc.wantErr {
			if err == nil || got != nil {
				t.Errorf("%v: err %v, ran %v; want an error", tc.args, err, got != nil)
			}
			continue
		}
		if err != nil || got == nil {
			t.Fatalf("%v: err %v, ran %v", tc.args, err, got != nil)
		}
		tc.want.F = f
		if *got != tc.want {
			t.Errorf("%v: %+v, want %+v", tc.args, *got, tc.want)
		}
	}
}
