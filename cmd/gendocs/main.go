// Command gendocs writes docs/ (markdown and man pages) and completions/
// from the cobra tree, docs/guides/provider-assumptions.md from the
// providers' declared assumptions, and docs/webhooks-manifest.schema.json
// from the schema the binary validates manifests with. Output is deterministic: a fixed binary name, no
// dates, so CI can fail when the committed files differ.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/pkg/manifest"
	"github.com/hookctl/hookctl/pkg/output"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run() error {
	io, _, _, _ := output.Test()
	root := cmd.NewCmdRoot(cmd.NewFactory(io, os.Getenv, "dev"))
	root.DisableAutoGenTag = true
	for _, dir := range []string{"docs/reference", "docs/man", "completions"} {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if err := doc.GenMarkdownTree(root, "docs/reference"); err != nil {
		return err
	}
	// A fixed date keeps the pages byte-identical between runs.
	epoch := time.Unix(0, 0).UTC()
	header := &doc.GenManHeader{Title: "HOOKCTL", Section: "1", Date: &epoch, Source: "hookctl", Manual: "hookctl manual"}
	if err := doc.GenManTree(root, header, "docs/man"); err != nil {
		return err
	}
	if err := writeAssumptions(); err != nil {
		return err
	}
	if err := os.WriteFile("docs/webhooks-manifest.schema.json", manifest.Schema(), 0o644); err != nil {
		return err
	}
	return completions(root)
}

func completions(root *cobra.Command) error {
	gens := map[string]func(string) error{
		"hookctl.bash": func(p string) error { return root.GenBashCompletionFileV2(p, true) },
		"_hookctl":     root.GenZshCompletionFile,
		"hookctl.fish": func(p string) error { return root.GenFishCompletionFile(p, true) },
		"hookctl.ps1":  root.GenPowerShellCompletionFileWithDesc,
	}
	for name, gen := range gens {
		if err := gen(filepath.Join("completions", name)); err != nil {
			return err
		}
	}
	return nil
}
