package cmd

import "testing"

func TestDeleteArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdDelete, []argvCase[DeleteOptions]{
		{args: []string{"delete", "whk_1"}, want: DeleteOptions{IDs: []string{"whk_1"}}},
		{args: []string{"rm", "whk_1", "whk_2", "whk_1", "--ignore-not-found"}, want: DeleteOptions{IDs: []string{"whk_1", "whk_2"}, IgnoreNotFound: true}},
		{args: []string{"delete", "whk_1", "--current-secret-file", "s.txt"}, want: DeleteOptions{IDs: []string{"whk_1"}, CurrentSecretFile: "s.txt"}},
		{args: []string{"delete"}, wantErr: true},
		{args: []string{"delete", "a", "b", "--current-secret-file", "s.txt"}, wantErr: true},
	})
}
