package cmd

import "testing"

func TestSecretsListArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdSecretsList, []argvCase[SecretsListOptions]{
		{args: []string{"list"}, want: SecretsListOptions{}},
		{args: []string{"ls", "-p", "a", "-p", "b"}, want: SecretsListOptions{Select: profileSelection{Names: []string{"a", "b"}}}},
		{args: []string{"list", "--all-profiles"}, want: SecretsListOptions{Select: profileSelection{All: true}}},
		{args: []string{"list", "--provider", "pexa"}, want: SecretsListOptions{Select: profileSelection{Providers: []string{"pexa"}}}},
		{args: []string{"list", "whk_1"}, wantErr: true},
		{args: []string{"list", "--all-profiles", "-p", "a"}, wantErr: true},
	})
}

func TestSecretsSetArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdSecretsSet, []argvCase[SecretsSetOptions]{
		{args: []string{"set", "whk_1"}, want: SecretsSetOptions{ID: "whk_1"}},
		{args: []string{"set", "whk_1", "--secret-file", "s.txt", "--no-verify"}, want: SecretsSetOptions{ID: "whk_1", SecretFile: "s.txt", NoVerify: true}},
		{args: []string{"set", "whk_1", "--secret-env", "KNOWN_SECRET"}, want: SecretsSetOptions{ID: "whk_1", SecretEnv: "KNOWN_SECRET"}},
		{args: []string{"set"}, wantErr: true},
		{args: []string{"set", "whk_1", "--secret-file", "s.txt", "--secret-env", "V"}, wantErr: true},
		{args: []string{"set", "whk_1", "--secret", "x"}, wantErr: true},
	})
}

func TestSecretsRemoveArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdSecretsRemove, []argvCase[SecretsRemoveOptions]{
		{args: []string{"remove", "whk_1"}, want: SecretsRemoveOptions{ID: "whk_1"}},
		{args: []string{"rm", "whk_1"}, want: SecretsRemoveOptions{ID: "whk_1"}},
		{args: []string{"remove"}, wantErr: true},
		{args: []string{"remove", "a", "b"}, wantErr: true},
	})
}

func TestSecretsRevokePreviousArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdSecretsRevokePrevious, []argvCase[SecretsRevokePreviousOptions]{
		{args: []string{"revoke-previous", "whk_1"}, want: SecretsRevokePreviousOptions{ID: "whk_1"}},
		{args: []string{"revoke-previous"}, wantErr: true},
	})
}
