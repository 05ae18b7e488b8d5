package cmd

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

// versionInfo is `hookctl version -o json`.
type versionInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
}

// VersionOptions are `hookctl version`'s inputs: only the global flags.
type VersionOptions struct {
	F *Factory
}

// NewCmdVersion builds `hookctl version`.
func NewCmdVersion(f *Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{F: f}
	return &cobra.Command{
		Use: "version",
		Example: `  $ hookctl version
  $ hookctl version -o json`,
		Short: "Print the version",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runVersion(opts)
		},
	}
}

func runVersion(opts *VersionOptions) error {
	f := opts.F
	info := versionInfo{Version: f.Version, Commit: commit, Date: date, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if (f.Global.Output == "table" || f.Global.Output == "wide") && f.Global.JQ == "" {
		line := "hookctl " + info.Version
		if info.Commit != "" {
			line += fmt.Sprintf(" (%s, %s)", info.Commit, info.Date)
		}
		fmt.Fprintln(f.IO.Out, line)
		return nil
	}
	printer, err := f.Printer()
	if err != nil {
		return err
	}
	return printer.Print(info, nil)
}
