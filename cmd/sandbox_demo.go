package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// SandboxDemoOptions are `hookctl sandbox demo`'s inputs.
type SandboxDemoOptions struct {
	F *Factory
	// Provider limits the tour to one provider ("" for all).
	Provider string
}

// NewCmdSandboxDemo builds `hookctl sandbox demo`.
func NewCmdSandboxDemo(f *Factory, runF func(*SandboxDemoOptions) error) *cobra.Command {
	opts := &SandboxDemoOptions{F: f}
	c := &cobra.Command{
		Use: "demo [flags]",
		Example: `  $ hookctl sandbox demo
  $ hookctl sandbox demo --provider pexa`,
		Short: "Tour hookctl on a fresh in-process sandbox",
		Long: `Start a fresh sandbox in this process and tour each provider:
register → list → update → rotate-secret → deliver → verify → delete.
Nothing touches your config or keyring: the tour uses a temporary config
and in-memory credentials, as CI would with env variables.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runSandboxDemo(c.Context(), opts)
		},
	}
	c.Flags().StringVar(&opts.Provider, "provider", "", "tour only this provider")
	return c
}

// demoRun runs hookctl commands in-process against a private config and
// in-memory credentials, printing each command before its output.
type demoRun struct {
	f       *Factory
	io      *output.IOStreams
	cfgPath string
	env     map[string]string
	creds   *credentials.Store
}

func (d *demoRun) run(ctx context.Context, capture bool, args ...string) ([]byte, error) {
	args = append(args, "--config", d.cfgPath)
	// The command as it runs, quoted so it can be pasted into a shell.
	fmt.Fprintf(d.f.IO.ErrOut, "\n$ hookctl %s\n", shellQuote(args))
	io := d.io
	var buf bytes.Buffer
	if capture {
		io = &output.IOStreams{In: d.io.In, Out: &buf, ErrOut: d.io.ErrOut}
	}
	getenv := func(k string) string {
		if v, ok := d.env[k]; ok {
			return v
		}
		return d.f.Getenv(k)
	}
	sub := NewFactory(io, getenv, d.f.Version)
	sub.Credentials = func() (*credentials.Store, error) { return d.creds, nil }
	root := NewCmdRoot(sub)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return buf.Bytes(), err
}

func runSandboxDemo(ctx context.Context, opts *SandboxDemoOptions) error {
	f, only := opts.F, opts.Provider
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		return err
	}
	defer srv.Close()
	dir, err := os.MkdirTemp("", "hookctl-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// Tables even when piped: the demo is for reading. They fit the
	// terminal the demo runs in; into a file or a pipe there is no width
	// to fit, and they are printed whole.
	demoIO := &output.IOStreams{In: f.IO.In, Out: f.IO.Out, ErrOut: f.IO.ErrOut}
	demoIO.SetTTY(false, true, f.IO.IsStderrTTY())
	demoIO.SetTerminalWidth(-1)
	if f.IO.IsStdoutTTY() {
		demoIO.SetTerminalWidth(f.IO.TerminalWidth())
		demoIO.SetColor(f.IO.ColorEnabled())
	}
	toured := 0
	for _, e := range sandbox.Entries() {
		if e.Demo == nil || (only != "" && e.Name != only) {
			continue
		}
		spec, err := providers.Lookup(e.Name)
		if err != nil {
			return err
		}
		d := &demoRun{f: f, io: demoIO, cfgPath: filepath.Join(dir, e.Name+".yaml"), env: e.Demo.Env,
			creds: credentials.New(credentials.NewMemory(), func(k string) string { return e.Demo.Env[k] })}
		fmt.Fprintf(f.IO.ErrOut, "\n=== %s ===\n", spec.Title)
		if names := slices.Sorted(maps.Keys(e.Demo.Env)); len(names) > 0 {
			fmt.Fprintf(f.IO.ErrOut, "# credentials: %s, set to the sandbox's (see 'hookctl sandbox --help')\n", strings.Join(names, ", "))
		}
		if err := tourProvider(ctx, d, e.Name, e.Demo, srv, dir); err != nil {
			return fmt.Errorf("demo %s: %w", spec.Name, err)
		}
		toured++
	}
	if toured == 0 {
		return usageErrorf("no provider to tour (known: %s)", strings.Join(srv.Names(), ", "))
	}
	return nil
}

func tourProvider(ctx context.Context, d *demoRun, name string, demo *emulator.Demo, srv *sandbox.Server, dir string) error {
	profile := "sandbox-" + name
	addArgs := append([]string{"profile", "add", profile}, srv.Box(name).ProfileArgs()...)
	if _, err := d.run(ctx, false, addArgs...); err != nil {
		return err
	}
	for _, step := range demo.Setup {
		if _, err := d.run(ctx, false, append(step, "-p", profile)...); err != nil {
			return err
		}
	}
	out, err := d.run(ctx, true, append(append([]string{"register", "-p", profile}, demo.Register...), "-o", "json")...)
	if err != nil {
		return err
	}
	var regs []webhook.Registration
	if err := json.Unmarshal(out, &regs); err != nil || len(regs) == 0 {
		return fmt.Errorf("register printed no registration: %v", err)
	}
	printer := &output.Printer{IO: d.io, Format: output.FormatTable}
	_, table := output.Registrations(regs, false)
	if err := printer.PrintTable(table); err != nil {
		return err
	}
	id := regs[0].ID
	steps := [][]string{
		{"list", "-p", profile},
		{"update", id, "-p", profile, "--url", demo.UpdateURL},
	}
	if demo.Rotate {
		steps = append(steps, []string{"rotate-secret", id, "-p", profile})
	}
	delivery := filepath.Join(dir, name+"-delivery.http")
	steps = append(steps,
		[]string{"sandbox", "deliver", id, "-p", profile, "--event", demo.Event, "--out", delivery},
		[]string{"verify", "-p", profile, "--id", id, "--request-file", delivery},
	)
	for _, ids := range regs {
		steps = append(steps, []string{"delete", ids.ID, "-p", profile, "--yes"})
	}
	for _, s := range steps {
		if _, err := d.run(ctx, false, s...); err != nil {
			return err
		}
	}
	return nil
}

// shellQuote joins args as a POSIX shell would read them back: an argument
// with anything but letters, digits and @%_+=:,./- goes in single quotes.
func shellQuote(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("@%_+=:,./-", r)))
		}) < 0 {
			out[i] = a
			continue
		}
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}
