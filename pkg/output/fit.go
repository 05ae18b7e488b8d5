package output

import (
	"slices"
	"strings"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// columnGap is the space PrintTable leaves between columns.
const columnGap = 3

// minColumn is how narrow fitting may make a column; below that a column
// says nothing, and the terminal may as well wrap the line.
const minColumn = 8

// fitTable fits a terminal table to width columns: first it leaves out
// the columns that say least, the ones empty in every row (rightmost
// first) and then t.Optional in its order; then the widest column gives
// way, the columns in t.Keep last and the first column (the id a user
// copies) never, and cells of the shrunk columns are truncated with "…"
// (or wrapped, for the columns named in t.Wrap). width <= 0 leaves t as
// it is (piped output, -o wide).
func fitTable(t *Table, width int) (headers []string, rows [][]string) {
	headers = append([]string(nil), t.Headers...)
	rows = make([][]string, len(t.Rows))
	for i, r := range t.Rows {
		rows[i] = make([]string, len(r))
		for j, c := range r {
			rows[i][j] = Sanitize(c)
		}
	}
	if width <= 0 || len(t.Headers) < 2 {
		return headers, rows
	}
	n := len(t.Headers)
	widths := make([]int, n)
	floor := make([]int, n)
	empty := make([]bool, n)
	for j, h := range t.Headers {
		widths[j] = twwidth.Width(h)
		floor[j] = min(widths[j], minColumn)
		empty[j] = true
	}
	for _, r := range rows {
		for j := 0; j < n && j < len(r); j++ {
			widths[j] = max(widths[j], twwidth.Width(r[j]))
			floor[j] = max(floor[j], min(twwidth.Width(r[j]), minColumn))
			empty[j] = empty[j] && r[j] == ""
		}
	}
	floor[0] = widths[0]
	total := columnGap * (n - 1)
	for _, w := range widths {
		total += w
	}
	dropped := make([]bool, n)
	drop := func(j int) {
		if j > 0 && j < n && !dropped[j] && total > width {
			dropped[j] = true
			total -= widths[j] + columnGap
		}
	}
	for j := n - 1; j > 0; j-- {
		if empty[j] {
			drop(j)
		}
	}
	for _, h := range t.Optional {
		drop(slices.Index(t.Headers, h))
	}
	natural := append([]int(nil), widths...)
	// The columns that give way first, then the kept ones.
	for _, kept := range []bool{false, true} {
		for total > width {
			widest := -1
			for j := 1; j < n; j++ {
				if dropped[j] || slices.Contains(t.Keep, t.Headers[j]) != kept || widths[j] <= floor[j] {
					continue
				}
				if widest < 0 || widths[j] > widths[widest] {
					widest = j
				}
			}
			if widest < 0 {
				break // as narrow as they get
			}
			widths[widest]--
			total--
		}
	}
	for j := 0; j < n; j++ {
		if widths[j] == natural[j] {
			continue
		}
		headers[j] = truncate(headers[j], widths[j])
		for _, r := range rows {
			if j >= len(r) || twwidth.Width(r[j]) <= widths[j] {
				continue
			}
			if slices.Contains(t.Wrap, t.Headers[j]) {
				r[j] = strings.Join(WrapWords(r[j], widths[j]), "\n")
			} else {
				r[j] = truncate(r[j], widths[j])
			}
		}
	}
	if !slices.Contains(dropped, true) {
		return headers, rows
	}
	keep := func(cells []string) []string {
		out := cells[:0:0]
		for j, c := range cells {
			if j >= n || !dropped[j] {
				out = append(out, c)
			}
		}
		return out
	}
	for i, r := range rows {
		rows[i] = keep(r)
	}
	return keep(headers), rows
}

// WrapWords breaks s into lines of at most width columns at spaces; a word
// wider than a line is broken where it must be.
func WrapWords(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		for twwidth.Width(word) > width {
			if line != "" {
				lines, line = append(lines, line), ""
			}
			cut := twwidth.Truncate(word, width)
			lines = append(lines, cut)
			word = word[len(cut):]
		}
		switch {
		case line == "":
			line = word
		case twwidth.Width(line)+1+twwidth.Width(word) <= width:
			line += " " + word
		default:
			lines, line = append(lines, line), word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// truncate cuts s to width columns, the last one "…"; s fits, it is kept.
func truncate(s string, width int) string {
	if twwidth.Width(s) <= width {
		return s
	}
	return twwidth.Truncate(s, width-1) + "…"
}
