package cmd

import "testing"

func TestListArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdList, []argvCase[ListOptions]{
		{args: []string{"list"}, want: ListOptions{}},
		{args: []string{"ls", "--limit", "5", "--show-secret", "--event", "A,B"}, want: ListOptions{Limit: 5, ShowSecret: true, Events: []string{"A", "B"}}},
		{args: []string{"list", "--all"}, want: ListOptions{All: true}},
		{args: []string{"list", "extra"}, wantErr: true},
		{args: []string{"list", "--limit", "x"}, wantErr: true},
	})
}
