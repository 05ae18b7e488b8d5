package cmd

import (
	"slices"
	"testing"
)

func TestListArgvToOptions(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    ListOptions
		wantErr bool
	}{
		{args: []string{"list"}},
		{args: []string{"ls", "--limit", "5", "--show-secret", "--event", "A,B"}, want: ListOptions{Limit: 5, ShowSecret: true, Events: []string{"A", "B"}}},
		{args: []string{"list", "--all"}, want: ListOptions{All: true}},
		{args: []string{"list", "extra"}, wantErr: true},
		{args: []string{"list", "--limit", "x"}, wantErr: true},
	} {
		_, got, err := parseArgv(t, NewCmdList, tc.args)
		if tc.wantErr {
			if err == nil || got != nil {
				t.Errorf("%v: err %v, ran %v; want an error", tc.args, err, got != nil)
			}
			continue
		}
		if err != nil || got == nil {
			t.Fatalf("%v: err %v, ran %v", tc.args, err, got != nil)
		}
		if got.All != tc.want.All || got.Limit != tc.want.Limit || got.ShowSecret != tc.want.ShowSecret || !slices.Equal(got.Events, tc.want.Events) {
			t.Errorf("%v: %+v, want %+v", tc.args, *got, tc.want)
		}
	}
}
