// Package text holds the one definition of a control character hookctl
// uses, and the one way provider text is made printable in messages.
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
