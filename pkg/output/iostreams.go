// Package output is how hookctl talks to people and programs: the streams and
// whether they are terminals, tables (tablewriter on a terminal, plain
// tab-separated rows when piped), JSON and YAML of our own stable structs,
// --jq filtering, secret masking and terminal escaping of provider data.
package output

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/base/text"
	"golang.org/x/term"
)

// IOStreams are the process's streams plus what we know about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	color                          bool
	// width is the terminal's width in columns, 0 when unknown.
	width int
}

// System returns the process's streams (see NewIOStreams).
func System() *IOStreams { return NewIOStreams(os.Stdin, os.Stdout, os.Stderr, os.Getenv) }

// NewIOStreams returns streams over in, out and errOut with what can be
// learnt about them: which are terminals, the terminal's width, and
// colour, which is on only when out is a terminal, NO_COLOR is unset and
// TERM is not "dumb". getenv reads the environment (tests give a pseudo-
// terminal's files and an environment of their own).
func NewIOStreams(in, out, errOut *os.File, getenv func(string) string) *IOStreams {
	s := &IOStreams{In: in, Out: out, ErrOut: errOut}
	s.stdinTTY = term.IsTerminal(int(in.Fd()))
	s.stdoutTTY = term.IsTerminal(int(out.Fd()))
	s.stderrTTY = term.IsTerminal(int(errOut.Fd()))
	s.color = s.stdoutTTY && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
	if s.stdoutTTY {
		if w, _, err := term.GetSize(int(out.Fd())); err == nil {
			s.width = w
		}
	}
	// COLUMNS, as shells export it, wins: it is also how tests and
	// `COLUMNS=200 hookctl list` ask for another width.
	if w, err := strconv.Atoi(getenv("COLUMNS")); err == nil && w > 0 {
		s.width = w
	}
	return s
}

// TerminalWidth is the width tables on stdout are fitted to: the
// terminal's (or COLUMNS), 80 when a terminal does not say, 0 (no limit)
// when stdout is not a terminal or the width was set below 0.
func (s *IOStreams) TerminalWidth() int {
	switch {
	case !s.stdoutTTY || s.width < 0:
		return 0
	case s.width > 0:
		return s.width
	}
	return 80
}

// SetTerminalWidth sets the width tables are fitted to (tests); below 0,
// none: tables as a terminal shows them, never cut (sandbox demo into a
// file).
func (s *IOStreams) SetTerminalWidth(w int) { s.width = w }

// Test returns in-memory streams (not terminals) for tests.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// SetTTY marks the streams as terminals or not (tests, and `--no-color`).
func (s *IOStreams) SetTTY(stdin, stdout, stderr bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdin, stdout, stderr
}

func (s *IOStreams) IsStdinTTY() bool  { return s.stdinTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// CanPrompt is true only with a terminal on both stdin and stderr.
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY && s.stderrTTY }

// ColorEnabled reports whether to colour stdout.
func (s *IOStreams) ColorEnabled() bool { return s.color }

// SetColor forces colour on or off.
func (s *IOStreams) SetColor(on bool) { s.color = on }

// Sanitize removes what a terminal would interpret from provider data:
// control characters (escape sequences included) become visible \xNN. So
// do bytes that are not UTF-8: a lone 0x9b is CSI on an 8-bit terminal.
func Sanitize(v string) string {
	if !needsEscape(v) {
		return v
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == '\t':
			b.WriteString(" ")
		case (r == utf8.RuneError && size == 1) || text.IsControl(r):
			c := v[i]
			if size > 1 {
				c = byte(r) // a C1 control, U+0080..U+009F
			}
			b.WriteString(`\x`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteString(v[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(v string) bool {
	for _, r := range v {
		if r == utf8.RuneError || text.IsControl(r) {
			return true
		}
	}
	return false
}

// Mask shows a secret as its first 5 and last 4 characters (whsec…a1f9);
// short secrets show only the last characters so little is revealed.
func Mask(secret string) string {
	switch {
	case secret == "":
		return ""
	case len(secret) < 12:
		return "…" + secret[len(secret)-min(2, len(secret)):]
	default:
		return secret[:5] + "…" + secret[len(secret)-4:]
	}
}
