package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/itchyny/gojq"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// Format is an -o value.
type Format string

const (
	FormatTable Format = "table"
	// FormatWide is the table with every column and no cell cut, however
	// narrow the terminal (kubectl's -o wide).
	FormatWide Format = "wide"
	FormatJSON Format = "json"
	FormatYAML Format = "yaml"
)

// Formats are the accepted -o values.
var Formats = []string{string(FormatTable), string(FormatWide), string(FormatJSON), string(FormatYAML)}

// ParseFormat validates an -o value.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case FormatTable, FormatWide, FormatJSON, FormatYAML:
		return Format(s), nil
	case "":
		return FormatTable, nil
	}
	return "", webhook.Invalid("unknown output format %q (use table, wide, json or yaml)", s)
}

// Table is rows for the table format.
type Table struct {
	Headers []string
	Rows    [][]string
	// Wrap names the columns (by header) whose cells wrap onto more lines,
	// rather than being truncated, when the table is too wide for the
	// terminal: prose such as notes, which is no use cut short.
	Wrap []string
	// Optional names the columns (by header) a terminal too narrow for
	// the table may leave out, least useful first, once the columns empty
	// in every row are gone. -o wide and piped output keep every column.
	Optional []string
	// Keep names the columns cut last: only once every other column is as
	// narrow as it gets (a registration's URL, which is no use cut short).
	Keep []string
	// Empty is what a list command says, on a terminal, when it has no
	// rows ("no registrations"): on stderr, so stdout stays data. Piped,
	// an empty list prints nothing; as JSON it is [].
	Empty string
}

// AddRow appends a row.
func (t *Table) AddRow(cells ...string) { t.Rows = append(t.Rows, cells) }

// Printer prints command results.
type Printer struct {
	IO     *IOStreams
	Format Format
	// JQ filters the JSON form; it implies JSON output.
	JQ string
	// Quiet silences Table.Empty (-q).
	Quiet bool
}

// Structured reports whether output is JSON/YAML (or --jq).
func (p *Printer) Structured() bool {
	return p.JQ != "" || p.Format == FormatJSON || p.Format == FormatYAML
}

// Print writes data (JSON/YAML/--jq) or its table.
func (p *Printer) Print(data any, table *Table) error {
	if p.JQ != "" {
		return p.printJQ(data)
	}
	switch p.Format {
	case FormatJSON:
		return WriteJSON(p.IO.Out, data)
	case FormatYAML:
		return p.printYAML(data)
	}
	if table != nil && len(table.Rows) == 0 && table.Empty != "" {
		if p.IO.IsStdoutTTY() && !p.Quiet {
			fmt.Fprintln(p.IO.ErrOut, table.Empty)
		}
		return nil
	}
	return p.PrintTable(table)
}

// WriteJSON writes indented JSON with a trailing newline, HTML left alone,
// keys in the struct's order and "" as null (see plain.go).
func WriteJSON(w io.Writer, v any) error {
	o, err := ordered(v)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(o)
}

func (p *Printer) printYAML(data any) error { return writeYAML(p.IO.Out, data) }

// CompileJQ parses a --jq expression early so a typo is a usage error
// before any request is sent.
func CompileJQ(expr string) (*gojq.Code, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, webhook.Invalid("invalid --jq expression: %v", err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, webhook.Invalid("invalid --jq expression: %v", err)
	}
	return code, nil
}

// printJQ prints each result: strings raw (like gh), everything else as
// compact JSON, one per line.
func (p *Printer) printJQ(data any) error {
	code, err := CompileJQ(p.JQ)
	if err != nil {
		return err
	}
	o, err := ordered(data)
	if err != nil {
		return err
	}
	iter := code.Run(generic(o))
	for {
		v, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := v.(error); isErr {
			if h, ok := err.(*gojq.HaltError); ok && h.Value() == nil {
				return nil
			}
			return fmt.Errorf("--jq: %w", err)
		}
		if s, isStr := v.(string); isStr {
			fmt.Fprintln(p.IO.Out, s)
			continue
		}
		b, err := gojq.Marshal(v)
		if err != nil {
			return err
		}
		fmt.Fprintln(p.IO.Out, string(b))
	}
}

// PrintTable renders a table: aligned with headers on a terminal, plain
// tab-separated rows without headers when piped. Cells are sanitised. On a
// terminal the table is fitted to its width (see fitTable), except with
// -o wide; piped rows are never cut. Status words are coloured when
// colour is on (a terminal, no NO_COLOR, no --no-color).
func (p *Printer) PrintTable(t *Table) error {
	if t == nil {
		return nil
	}
	if !p.IO.IsStdoutTTY() {
		var b strings.Builder
		for _, row := range t.Rows {
			for i, c := range row {
				if i > 0 {
					b.WriteByte('\t')
				}
				b.WriteString(strings.ReplaceAll(Sanitize(c), "\t", " "))
			}
			b.WriteByte('\n')
		}
		_, err := io.WriteString(p.IO.Out, b.String())
		return err
	}
	var buf bytes.Buffer
	pad := tw.CellPadding{Global: tw.Padding{Left: "", Right: "   "}}
	tbl := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenRows: tw.Off, BetweenColumns: tw.Off, ShowHeader: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off, ShowTop: tw.Off, ShowBottom: tw.Off},
			},
		})),
		tablewriter.WithConfig(tablewriter.Config{
			Header: tw.CellConfig{Alignment: tw.CellAlignment{Global: tw.AlignLeft}, Formatting: tw.CellFormatting{AutoFormat: tw.Off}, Padding: pad},
			Row:    tw.CellConfig{Alignment: tw.CellAlignment{Global: tw.AlignLeft}, Formatting: tw.CellFormatting{AutoWrap: tw.WrapNone, AutoFormat: tw.Off}, Padding: pad},
		}),
	)
	width := p.IO.TerminalWidth()
	if p.Format == FormatWide {
		width = 0
	}
	headers, rows := fitTable(t, width)
	if p.IO.ColorEnabled() {
		colorStatus(headers, rows)
	}
	tbl.Header(toAny(headers)...)
	for _, row := range rows {
		if err := tbl.Append(row); err != nil {
			return err
		}
	}
	if err := tbl.Render(); err != nil {
		return err
	}
	var out strings.Builder
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if line == "" {
			continue
		}
		line = strings.TrimRight(line, " \n")
		// tablewriter resets colour after a coloured cell's padding too:
		// trailing padding stays trailing, behind one reset.
		if reset := strings.HasSuffix(line, sgrReset); reset {
			for strings.HasSuffix(line, sgrReset) {
				line = strings.TrimRight(strings.TrimSuffix(line, sgrReset), " ")
			}
			line += sgrReset
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	_, err := io.WriteString(p.IO.Out, out.String())
	return err
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// WarningJSON is the -o json shape on stderr of a warning a program may act
// on (e.g. "more_results": a capped list left registrations out).
type WarningJSON struct {
	Warning struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"warning"`
}

// ErrorJSON is the -o json error shape on stderr.
type ErrorJSON struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Hint    string `json:"hint"`
	} `json:"error"`
}
