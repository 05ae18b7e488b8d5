package cmd

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"golang.org/x/term"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// notice prints a progress or status line to stderr unless --quiet.
func notice(f *Factory, format string, args ...any) {
	if !f.Global.Quiet {
		fmt.Fprintf(f.IO.ErrOut, format+"\n", args...)
	}
}

// warn prints a warning to stderr (even with --quiet: it may matter).
func warn(f *Factory, format string, args ...any) {
	fmt.Fprintf(f.IO.ErrOut, "warning: "+format+"\n", args...)
}

// warnCode is a warning a program may act on: with -o json it is printed
// as {"warning":{"code":..,"message":..}}, the shape of a JSON error, so a
// script reading stderr as JSON sees it; otherwise as warn prints.
func warnCode(f *Factory, code, format string, args ...any) {
	if f.Global.Output != "json" {
		warn(f, format, args...)
		return
	}
	var w output.WarningJSON
	w.Warning.Code = code
	w.Warning.Message = fmt.Sprintf(format, args...)
	output.WriteJSON(f.IO.ErrOut, w)
}

// confirm asks on a terminal; without one it needs --yes. Ctrl-C at the
// question ends it at once with ctx's error (exit 130): the terminal turns
// ^C into a signal, which ends ctx, while the read waits for a line.
func confirm(ctx context.Context, f *Factory, question string) error {
	if f.Global.Yes {
		return nil
	}
	if !f.IO.CanPrompt() {
		return usageErrorf("%s refusing without a terminal; pass --yes to confirm", question)
	}
	fmt.Fprintf(f.IO.ErrOut, "%s [y/N] ", question)
	line, err := untilDone(ctx, func() (string, error) { return bufio.NewReader(f.IO.In).ReadString('\n') })
	if ctx.Err() != nil {
		fmt.Fprintln(f.IO.ErrOut) // after the echoed ^C
		return ctx.Err()
	}
	_ = err // EOF or a read error is no "yes"
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return webhook.Errorf(webhook.KindCancelled, "cancelled: nothing was changed")
}

// readSecretPrompt reads a secret with echo off (terminal only). Ctrl-C
// ends it at once, as at confirm, with the terminal's echo back on.
func readSecretPrompt(ctx context.Context, f *Factory, prompt string, fd int) (string, error) {
	fmt.Fprint(f.IO.ErrOut, prompt)
	state, _ := term.GetState(fd)
	b, err := untilDone(ctx, func() ([]byte, error) { return term.ReadPassword(fd) })
	fmt.Fprintln(f.IO.ErrOut)
	if ctx.Err() != nil {
		if state != nil {
			_ = term.Restore(fd, state) // ReadPassword, still waiting, would restore it only on return
		}
		return "", ctx.Err()
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// untilDone returns what read returns, or as soon as ctx ends, ctx's
// error: a read of the terminal does not end on a signal, and the process
// is about to exit, so the read is left behind.
func untilDone[T any](ctx context.Context, read func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := read()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
