package output

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func wideTable() *Table {
	t := &Table{Headers: []string{"ID", "URL", "EVENTS", "NOTE"}, Wrap: []string{"NOTE"}}
	t.AddRow("158ba73a-7b24-4bd0-8977-eb1a16262d90",
		"https://hooks.example.com/pexa/a/very/long/path/that/no/terminal/of/eighty/columns/holds",
		"SECRET_EXPIRY,WORKSPACE_CLOSED", "set HOOKCTL_CLIENT_SECRET or run hookctl auth login to store it")
	t.AddRow("whk_1", "https://a.example/x", "A", "")
	return t
}

// TestPrintTableFitsTerminal: on a terminal no line is wider than the
// terminal, the id column is whole, the long URL is cut with "…" and the
// note wraps with every word kept; piped rows stay whole.
func TestPrintTableFitsTerminal(t *testing.T) {
	io, _, out, _ := Test()
	io.SetTTY(false, true, false)
	io.SetTerminalWidth(100)
	p := &Printer{IO: io, Format: FormatTable}
	if err := p.PrintTable(wideTable()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if w := utf8.RuneCountInString(line); w > 100 {
			t.Errorf("line of %d columns at width 100: %q", w, line)
		}
	}
	for _, want := range []string{"158ba73a-7b24-4bd0-8977-eb1a16262d90", "https://hooks.exa", "…", "ET or run hookctl", "auth login to store", "whk_1"} {
		if !strings.Contains(got, want) {
			t.Errorf("fitted table lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "holds") {
		t.Errorf("the URL was not cut:\n%s", got)
	}

	// A wide terminal shows everything on one line per row.
	out.Reset()
	io.SetTerminalWidth(400)
	if err := p.PrintTable(wideTable()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "…") || strings.Count(out.String(), "\n") != 3 {
		t.Errorf("a wide terminal cut the table:\n%s", out.String())
	}

	// Piped: never cut, whatever COLUMNS says.
	out.Reset()
	io.SetTTY(false, false, false)
	io.SetTerminalWidth(40)
	if err := p.PrintTable(wideTable()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "eighty/columns/holds\t") {
		t.Errorf("piped rows were cut:\n%s", out.String())
	}
}

// TestFitLeavesOutColumnsFirst: a column empty in every
// row goes before any cell is cut, then the Optional ones in their order;
// a kept column is cut only after the others are as narrow as they get;
// -o wide keeps every column whole.
func TestFitLeavesOutColumnsFirst(t *testing.T) {
	tbl := func() *Table {
		t := &Table{Headers: []string{"ID", "URL", "EVENTS", "ACTIVE", "SECRET EXPIRES", "STATUS"},
			Optional: []string{"ACTIVE", "SECRET EXPIRES"}, Keep: []string{"URL"}}
		t.AddRow("whk_1", "https://hooks.example.com/a/b/c", "INVOICE.CREATED,INVOICE.PAID", "true", "", "ok")
		return t
	}
	for _, c := range []struct {
		width  int
		header string
		cells  []string
	}{
		{200, "ID URL EVENTS ACTIVE SECRET EXPIRES STATUS", []string{"https://hooks.example.com/a/b/c", "INVOICE.CREATED,INVOICE.PAID", "true"}},
		{100, "ID URL EVENTS ACTIVE STATUS", []string{"https://hooks.example.com/a/b/c", "INVOICE.CREATED,INVOICE.PAID", "true"}},
		{80, "ID URL EVENTS STATUS", []string{"https://hooks.example.com/a/b/c", "INVOICE.CREATED,INVOICE.PAID"}},
		{70, "ID URL EVENTS STATUS", []string{"https://hooks.example.com/a/b/c", "INVOICE.CREATED,IN…"}},
		{40, "ID URL EVENTS STATUS", []string{"https://hoo…", "INVOICE…"}},
	} {
		headers, rows := fitTable(tbl(), c.width)
		if h := strings.Join(headers, " "); h != c.header {
			t.Errorf("width %d: headers %q, want %q", c.width, h, c.header)
		}
		for _, want := range c.cells {
			if !slices.Contains(rows[0], want) {
				t.Errorf("width %d: row %q lacks %q", c.width, rows[0], want)
			}
		}
	}
	io, _, out, _ := Test()
	io.SetTTY(false, true, false)
	io.SetTerminalWidth(40)
	if err := (&Printer{IO: io, Format: FormatWide}).PrintTable(tbl()); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); strings.Contains(got, "…") || !strings.Contains(got, "SECRET EXPIRES") || !strings.Contains(got, "INVOICE.CREATED,INVOICE.PAID") {
		t.Errorf("-o wide at 40 columns:\n%s", got)
	}
}
