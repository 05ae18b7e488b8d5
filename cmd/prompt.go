package cmd

import (
	"bufio"
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

// confirm asks on a terminal; without one it needs --yes.
func confirm(f *Factory, question string) error {
	if f.Global.Yes {
		return nil
	}
	if !f.IO.CanPrompt() {
		return usageErrorf("%s refusing without a terminal; pass --yes to confirm", question)
	}
	fmt.Fprintf(f.IO.ErrOut, "%s [y/N] ", question)
	line, _ := bufio.NewReader(f.IO.In).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return webhook.Errorf(webhook.KindCancelled, "cancelled: nothing was changed")
}

// readSecretPrompt reads a secret with echo off (terminal only).
func readSecretPrompt(f *Factory, prompt string, fd int) (string, error) {
	fmt.Fprint(f.IO.ErrOut, prompt)
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(f.IO.ErrOut)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
