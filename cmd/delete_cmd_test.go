package cmd

import (
	"slices"
	"testing"
)

func TestDeleteArgvToOptions(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    DeleteOptions
		wantErr bool
	}{
		{args: []string{"delete", "whk_1"}, want: DeleteOptions{IDs: []string{"whk_1"}}},
		{args: []string{"rm", "whk_1", "whk_2", "whk_1", "--ignore-not-found"}, want: DeleteOptions{IDs: []string{"whk_1", "whk_2"}, IgnoreNotFound: true}},
		{args: []string{"delete", "whk_1", "--current-secret-file", "s.txt"}, want: DeleteOptions{IDs: []string{"whk_1"}, CurrentSecretFile: "s.txt"}},
		{args: []string{"delete"}, wantErr: true},
		{args: []string{"delete", "a", "b", "--current-secret-file", "s.txt"}, wantErr: true},
	} {
		_, got, err := parseArgv(t, NewCmdDelete, tc.args)
		if tc.wantErr {
			if err == nil || got != nil {
				t.Errorf("%v: err %v, ran %v; want an error", tc.args, err, got != nil)
			}
			continue
		}
		if err != nil || got == nil {
			t.Fatalf("%v: err %v, ran %v", tc.args, err, got != nil)
		}
		if !slices.Equal(got.IDs, tc.want.IDs) || got.IgnoreNotFound != tc.want.IgnoreNotFound || got.CurrentSecretFile != tc.want.CurrentSecretFile {
			t.Errorf("%v: %+v, want %+v", tc.args, *got, tc.want)
		}
	}
}
