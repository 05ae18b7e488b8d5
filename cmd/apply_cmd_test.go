package cmd

import (
	"testing"

	"github.com/spf13/cobra"
)

func TestApplyArgvToOptions(t *testing.T) {
	// apply keeps its command (for the flags a manifest's profiles are
	// resolved against); checked here, then left out of the comparison.
	build := func(f *Factory, runF func(*ApplyOptions) error) *cobra.Command {
		return NewCmdApply(f, func(o *ApplyOptions) error {
			if o.cmd == nil || o.cmd.Name() != "apply" {
				t.Errorf("apply options without their command: %v", o.cmd)
			}
			o.cmd = nil
			return runF(o)
		})
	}
	checkArgv(t, build, []argvCase[ApplyOptions]{
		{args: []string{"apply", "-f", "webhooks.yaml"}, want: ApplyOptions{File: "webhooks.yaml", Concurrency: 4, Rate: defaultRate}},
		{args: []string{"apply", "-f", "-", "--prune", "--dry-run", "--concurrency", "2", "--rate", "5/s", "--secret-out", "s.jsonl", "--exec", "cat"},
			want: ApplyOptions{File: "-", Prune: true, DryRun: true, Concurrency: 2, Rate: "5/s", SecretOut: "s.jsonl", Exec: "cat"}},
		{args: []string{"apply"}, wantErr: true},
		{args: []string{"apply", "webhooks.yaml"}, wantErr: true},
		{args: []string{"apply", "-f", "m.yaml", "--concurrency", "-1"}, wantErr: true},
		{args: []string{"apply", "-f", "m.yaml", "--rate", "fast"}, wantErr: true},
	})
}
