package cmd

import (
	"testing"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
)

// parseArgv builds a command with a runF that captures its options,
// under the bare root so the global flags parse, runs args and returns
// the options runF saw (nil when it did not run) and Execute's error.
func parseArgv[O any](t *testing.T, build func(*Factory, func(*O) error) *cobra.Command, args []string) (*Factory, *O, error) {
	t.Helper()
	io, _, _, _ := output.Test()
	f := NewFactory(io, func(string) string { return "" }, "test")
	root := newCmdRootBare(f)
	var got *O
	root.AddCommand(build(f, func(o *O) error { got = o; return nil }))
	root.SetArgs(args)
	err := root.Execute()
	return f, got, err
}
