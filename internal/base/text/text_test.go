package text

import (
	"strings"
	"testing"
)

func TestIsControl(t *testing.T) {
	for r, want := range map[rune]bool{0: true, '\n': true, 0x1f: true, ' ': false, 'a': false, 0x7f: true, 0x80: true, 0x9b: true, 0x9f: true, 0xa0: false, 'é': false} {
		if got := IsControl(r); got != want {
			t.Errorf("IsControl(%U) = %v, want %v", r, got, want)
		}
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"ok":                 "ok",
		"  a\x1b[31mb\n":     "a [31mb",
		"x\u009b2Jy":         "x 2Jy",
		"\tbad request\r\n":  "bad request",
		"caf\u00e9 \u00a0ok": "caf\u00e9 \u00a0ok",
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOneLine: a multi-line hint reads as one line of text in a table
// cell (doctor's FIX showed "\x0a" for each newline).
func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"one line":    "one line",
		"first\nnext": "first; next",
		"To run without the OS keyring:\n  - set HOOKCTL_P_API_KEY (env overrides the keyring), or\n  - use a file: HOOKCTL_STORAGE=file, or\n  - start a Secret Service.": "To run without the OS keyring: set HOOKCTL_P_API_KEY (env overrides the keyring), or use a file: HOOKCTL_STORAGE=file, or start a Secret Service.",
		"a.\n\n  b\n": "a. b",
		"- x\n- y":    "x; y",
	} {
		got := OneLine(in)
		if got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
		if strings.ContainsAny(got, "\n\r") {
			t.Errorf("OneLine(%q) keeps a line break: %q", in, got)
		}
	}
}
