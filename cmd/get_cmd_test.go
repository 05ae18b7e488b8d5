package cmd

import "testing"

func TestGetArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdGet, []argvCase[GetOptions]{
		{args: []string{"get", "whk_1"}, want: GetOptions{ID: "whk_1"}},
		{args: []string{"show", "whk_1", "--show-secret"}, want: GetOptions{ID: "whk_1", ShowSecret: true}},
		{args: []string{"get"}, wantErr: true},
		{args: []string{"get", "a", "b"}, wantErr: true},
	})
}
