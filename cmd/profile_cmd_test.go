package cmd

import "testing"

func TestProfileAddArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdProfileAdd, []argvCase[ProfileAddOptions]{
		{args: []string{"add", "billing"}, want: ProfileAddOptions{Name: "billing", Settings: map[string]string{}}},
		{args: []string{"add", "pexa-uk", "--provider", "pexa", "--region", "uk", "--client-id", "abc123", "--use"},
			want: ProfileAddOptions{Name: "pexa-uk", Provider: "pexa", Region: "uk", Settings: map[string]string{"client-id": "abc123"}, Use: true}},
		{args: []string{"add", "b", "--provider", "solvimon", "--environment", "live", "--base-url", "http://127.0.0.1:1/", "--token-url", "http://t", "--force"},
			want: ProfileAddOptions{Name: "b", Provider: "solvimon", Environment: "live", BaseURL: "http://127.0.0.1:1/", TokenURL: "http://t", Settings: map[string]string{}, Force: true}},
		// A boolean field given is "true" or "false"; one not given is absent.
		{args: []string{"add", "b", "--strict-events", "--client-id="}, want: ProfileAddOptions{Name: "b", Settings: map[string]string{"strict-events": "true", "client-id": ""}}},
		{args: []string{"add", "b", "--strict-events=false"}, want: ProfileAddOptions{Name: "b", Settings: map[string]string{"strict-events": "false"}}},
		{args: []string{"add"}, wantErr: true},
		{args: []string{"add", "a", "b"}, wantErr: true},
		{args: []string{"add", "b", "--no-such-field", "x"}, wantErr: true},
	})
}

func TestProfileArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdProfileList, []argvCase[ProfileListOptions]{
		{args: []string{"list"}, want: ProfileListOptions{}},
		{args: []string{"ls"}, want: ProfileListOptions{}},
		{args: []string{"list", "billing"}, wantErr: true},
	})
	checkArgv(t, NewCmdProfileUse, []argvCase[ProfileUseOptions]{
		{args: []string{"use", "billing"}, want: ProfileUseOptions{Name: "billing"}},
		{args: []string{"use"}, wantErr: true},
		{args: []string{"use", "a", "b"}, wantErr: true},
	})
	checkArgv(t, NewCmdProfileShow, []argvCase[ProfileShowOptions]{
		{args: []string{"show"}, want: ProfileShowOptions{}},
		{args: []string{"show", "billing"}, want: ProfileShowOptions{Name: "billing"}},
		{args: []string{"show", "a", "b"}, wantErr: true},
	})
	checkArgv(t, NewCmdProfileRemove, []argvCase[ProfileRemoveOptions]{
		{args: []string{"remove", "billing"}, want: ProfileRemoveOptions{Name: "billing"}},
		{args: []string{"rm", "billing"}, want: ProfileRemoveOptions{Name: "billing"}},
		{args: []string{"remove"}, wantErr: true},
	})
}
