package cmd

import (
	"testing"
	"time"
)

func TestRotateArgvToOptions(t *testing.T) {
	// rate fills in the default --rate. Without ids, IDs is the empty
	// argument list cobra passes, not nil.
	rate := func(o RotateOptions) RotateOptions {
		if o.Rate == "" {
			o.Rate = defaultRate
		}
		return o
	}
	checkArgv(t, NewCmdRotate, []argvCase[RotateOptions]{
		{args: []string{"rotate-secret", "whk_1", "whk_2"}, want: rate(RotateOptions{IDs: []string{"whk_1", "whk_2"}})},
		{args: []string{"rotate-secret", "--all", "--older-than", "30d", "--expiring-within", "36h", "--event", "A,B", "--url-match", "^https://", "--dry-run"},
			want: rate(RotateOptions{IDs: []string{}, All: true, OlderThan: 30 * 24 * time.Hour, ExpiringWithin: 36 * time.Hour, Events: []string{"A", "B"}, URLMatch: "^https://", DryRun: true})},
		{args: []string{"rotate-secret", "--all", "--redeliver", "--exec", "vault kv put x value=-", "--secret-out", "s.jsonl", "--concurrency", "3", "--rate", "0", "--show-secret"},
			want: RotateOptions{IDs: []string{}, All: true, Redeliver: true, Exec: "vault kv put x value=-", SecretOut: "s.jsonl", Concurrency: 3, Rate: "0", ShowSecret: true}},
		{args: []string{"rotate-secret", "5f0c", "--current-secret-file", "old.txt"}, want: rate(RotateOptions{IDs: []string{"5f0c"}, CurrentSecretFile: "old.txt"})},
		{args: []string{"rotate-secret", "--all", "--all-profiles"}, want: rate(RotateOptions{IDs: []string{}, All: true, Select: profileSelection{All: true}})},
		{args: []string{"rotate-secret", "--all", "-p", "a", "-p", "b"}, want: rate(RotateOptions{IDs: []string{}, All: true, Select: profileSelection{Names: []string{"a", "b"}}})},
		{args: []string{"rotate-secret"}, wantErr: true},
		{args: []string{"rotate-secret", "whk_1", "--all"}, wantErr: true},
		{args: []string{"rotate-secret", "whk_1", "--all-profiles"}, wantErr: true},
		{args: []string{"rotate-secret", "--all", "--concurrency", "-1"}, wantErr: true},
		{args: []string{"rotate-secret", "--all", "--rate", "fast"}, wantErr: true},
		{args: []string{"rotate-secret", "a", "b", "--current-secret-file", "old.txt"}, wantErr: true},
		{args: []string{"rotate-secret", "--all", "--redeliver"}, wantErr: true},
		{args: []string{"rotate-secret", "--all", "--url-match", "("}, wantErr: true},
	})
}
