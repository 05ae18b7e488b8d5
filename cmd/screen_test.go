package cmd

import (
	"strings"
	"testing"
)

// screen replays what a terminal received onto a grid of lines, as the
// terminal shows it: \r returns to the line's start, \n starts the next
// line, ESC[2K and ESC[K erase (the whole line, to its end), other escape
// sequences (colour) are dropped; text overwrites what is under it.
func screen(raw string) []string {
	var lines [][]rune
	row, col := 0, 0
	line := func() []rune {
		for len(lines) <= row {
			lines = append(lines, nil)
		}
		return lines[row]
	}
	rs := []rune(raw)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\r':
			col = 0
		case r == '\n':
			row, col = row+1, 0
			line()
		case r == 0x1b && i+1 < len(rs) && rs[i+1] == '[':
			j := i + 2
			for j < len(rs) && (rs[j] < 0x40 || rs[j] > 0x7e) {
				j++
			}
			if j < len(rs) && rs[j] == 'K' {
				l := line()
				switch string(rs[i+2 : j]) {
				case "2":
					lines[row] = nil
				case "", "0":
					if col < len(l) {
						lines[row] = l[:col]
					}
				}
			}
			i = j
		default:
			l := line()
			for len(l) <= col {
				l = append(l, ' ')
			}
			l[col] = r
			lines[row] = l
			col++
		}
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimRight(string(l), " ")
	}
	return out
}

// TestScreen: the replay the progress tests rely on.
func TestScreen(t *testing.T) {
	got := screen("bar 1/2\r       \rwarning\nbar 2/2\r\x1b[2Kdone\x1b[31m!\x1b[0m\nab\rX\n")
	want := []string{"warning", "done!", "Xb", ""}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("screen = %q, want %q", got, want)
	}
}
