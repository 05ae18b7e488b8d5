// Package text holds the one definition of a control character hookctl
// uses, the one way provider text is made printable in messages, and
// the one way a duration is printed for people (Duration).
package text

import (
	"strings"
	"unicode"
)

// IsControl reports C0 controls, DEL and C1 controls (U+0080..U+009F): the
// characters a terminal may act on.
func IsControl(r rune) bool { return unicode.IsControl(r) }

// Printable makes provider text safe in a one-line message: every control
// character becomes a space, and the ends are trimmed.
func Printable(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if IsControl(r) {
			return ' '
		}
		return r
	}, s))
}

// OneLine puts hookctl's own multi-line text (a hint that lists its ways
// out one a line, "  - ..., or") on one line, for a table cell, where a
// newline would be escaped as \x0a: each line is trimmed and loses a
// leading "- " bullet, and the lines are joined with a space after one
// that ends in punctuation or in "or" or "and", else with "; ". Provider text is not for this:
// it keeps its control characters visible (Printable, output.Sanitize).
func OneLine(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(l, "- "); ok {
			l = strings.TrimSpace(rest)
		}
		if l == "" {
			continue
		}
		if b.Len() > 0 {
			if prev := b.String(); strings.ContainsAny(prev[len(prev)-1:], ":,;.") || strings.HasSuffix(prev, " or") || strings.HasSuffix(prev, " and") {
				b.WriteString(" ")
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(l)
	}
	return b.String()
}
