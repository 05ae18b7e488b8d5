package cmd

import "testing"

func TestKeysGenerateArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdKeysGenerate, []argvCase[KeysGenerateOptions]{
		{args: []string{"generate"}, want: KeysGenerateOptions{}},
		{args: []string{"generate", "--force"}, want: KeysGenerateOptions{Force: true}},
		{args: []string{"generate", "cards"}, wantErr: true},
	})
}

// The keys commands but generate take no flags of their own: the factory
// is their only input, and an argument is a usage error.
func TestKeysArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdKeysShow, []argvCase[KeysShowOptions]{
		{args: []string{"show"}, want: KeysShowOptions{}},
		{args: []string{"show", "extra"}, wantErr: true},
		{args: []string{"show", "--force"}, wantErr: true},
	})
	checkArgv(t, NewCmdKeysUpload, []argvCase[KeysUploadOptions]{
		{args: []string{"upload"}, want: KeysUploadOptions{}},
		{args: []string{"upload", "extra"}, wantErr: true},
	})
	checkArgv(t, NewCmdKeysRemove, []argvCase[KeysRemoveOptions]{
		{args: []string{"remove"}, want: KeysRemoveOptions{}},
		{args: []string{"remove", "extra"}, wantErr: true},
	})
	checkArgv(t, NewCmdKeysVerificationKey, []argvCase[KeysVerificationKeyOptions]{
		{args: []string{"verification-key"}, want: KeysVerificationKeyOptions{}},
		{args: []string{"verification-key", "extra"}, wantErr: true},
	})
}
