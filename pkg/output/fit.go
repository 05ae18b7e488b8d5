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
	f := measure(t, rows, width)
	for j := f.n - 1; j > 0; j-- {
		if f.empty[j] {
			f.drop(j)
		}
	}
	for _, h := range t.Optional {
		f.drop(slices.Index(t.Headers, h))
	}
	natural := append([]int(nil), f.widths...)
	// The columns that give way first, then the kept ones.
	f.shrink(false)
	f.shrink(true)
	f.cut(headers, rows, natural)
	if !slices.Contains(f.dropped, true) {
		return headers, rows
	}
	for i, r := range rows {
		rows[i] = f.keep(r)
	}
	return f.keep(headers), rows
}

// fitting is a table being fitted to width: each column's width, how
// narrow it may become, whether it is empty or left out, and the width of
// the whole line.
type fitting struct {
	t              *Table
	n, width       int
	total          int
	widths, floor  []int
	empty, dropped []bool
}

// measure is the fitting of t's sanitised rows before any column gives
// way.
func measure(t *Table, rows [][]string, width int) *fitting {
	n := len(t.Headers)
	f := &fitting{t: t, n: n, width: width, widths: make([]int, n), floor: make([]int, n), empty: make([]bool, n), dropped: make([]bool, n)}
	for j, h := range t.Headers {
		f.widths[j] = twwidth.Width(h)
		f.floor[j] = min(f.widths[j], minColumn)
		f.empty[j] = true
	}
	for _, r := range rows {
		for j := 0; j < n && j < len(r); j++ {
			f.widths[j] = max(f.widths[j], twwidth.Width(r[j]))
			f.floor[j] = max(f.floor[j], min(twwidth.Width(r[j]), minColumn))
			f.empty[j] = f.empty[j] && r[j] == ""
		}
	}
	f.floor[0] = f.widths[0]
	f.total = columnGap * (n - 1)
	for _, w := range f.widths {
		f.total += w
	}
	return f
}

// drop leaves column j out while the line is too wide (never the first).
func (f *fitting) drop(j int) {
	if j > 0 && j < f.n && !f.dropped[j] && f.total > f.width {
		f.dropped[j] = true
		f.total -= f.widths[j] + columnGap
	}
}

// shrink narrows the widest column, of those in t.Keep or not as kept
// says, a column at a time until the line fits or none can give way.
func (f *fitting) shrink(kept bool) {
	for f.total > f.width {
		widest := -1
		for j := 1; j < f.n; j++ {
			if f.dropped[j] || slices.Contains(f.t.Keep, f.t.Headers[j]) != kept || f.widths[j] <= f.floor[j] {
				continue
			}
			if widest < 0 || f.widths[j] > f.widths[widest] {
				widest = j
			}
		}
		if widest < 0 {
			return // as narrow as they get
		}
		f.widths[widest]--
		f.total--
	}
}

// cut truncates (or wraps, for t.Wrap) the header and cells of every
// column narrower than its natural width.
func (f *fitting) cut(headers []string, rows [][]string, natural []int) {
	for j := 0; j < f.n; j++ {
		if f.widths[j] == natural[j] {
			continue
		}
		headers[j] = truncate(headers[j], f.widths[j])
		for _, r := range rows {
			if j >= len(r) || twwidth.Width(r[j]) <= f.widths[j] {
				continue
			}
			if slices.Contains(f.t.Wrap, f.t.Headers[j]) {
				r[j] = strings.Join(WrapWords(r[j], f.widths[j]), "\n")
			} else {
				r[j] = truncate(r[j], f.widths[j])
			}
		}
	}
}

// keep is cells without the dropped columns.
func (f *fitting) keep(cells []string) []string {
	out := cells[:0:0]
	for j, c := range cells {
		if j >= f.n || !f.dropped[j] {
			out = append(out, c)
		}
	}
	return out
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
