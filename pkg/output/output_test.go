package output

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// terminalControl reports the first thing in s a terminal would act on: a
// C0 control, DEL, a C1 control (as a rune or as a lone 8-bit byte, which
// is CSI, OSC... on an 8-bit terminal).
func terminalControl(s string) (string, bool) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			if s[i] >= 0x80 && s[i] < 0xa0 {
				return s[i : i+1], true
			}
		} else if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return string(r), true
		}
		i += size
	}
	return "", false
}

// TestSanitize: provider data reaches a terminal with every control
// character made visible as \xNN, whatever encoding it came in.
func TestSanitize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"https://hooks.example.com/ü?a=b", "https://hooks.example.com/ü?a=b"},
		{"red\x1b[31malert\x1b[0m", `red\x1b[31malert\x1b[0m`},
		{"title\x1b]0;pwned\x07", `title\x1b]0;pwned\x07`},
		{"link\x1b]8;;https://evil.example\x1b\\here", `link\x1b]8;;https://evil.example\x1b\here`},
		{"line1\r\nline2", `line1\x0d\x0aline2`},
		{"back\bspace\x7f", `back\x08space\x7f`},
		{"nul\x00", `nul\x00`},
		{"tab\there", "tab here"},
		{"c1 csi \u009b31m", `c1 csi \x9b31m`},
		{"c1 osc \u009d0;x\u009c", `c1 osc \x9d0;x\x9c`},
		// Bytes that are not UTF-8: a lone 0x9b is CSI on an 8-bit terminal.
		{"raw \x9b31m", `raw \x9b31m`},
		{"raw \xff\xfe ok", `raw \xff\xfe ok`},
		{"replacement \uFFFD kept", "replacement \uFFFD kept"},
		{"", ""},
	}
	for _, tc := range cases {
		got := Sanitize(tc.in)
		if got != tc.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if c, bad := terminalControl(got); bad {
			t.Errorf("Sanitize(%q) = %q still holds %q", tc.in, got, c)
		}
	}
	// Every single byte and every rune up to U+00FF, alone and amid text.
	for b := 0; b < 0x100; b++ {
		for _, s := range []string{string([]byte{byte(b)}), string(rune(b)), "a" + string([]byte{byte(b)}) + "b"} {
			if c, bad := terminalControl(Sanitize(s)); bad {
				t.Errorf("Sanitize(%q) lets %q through", s, c)
			}
		}
	}
}

// TestMask: a masked secret never shows more than its first 5 and last 4
// characters, and a short one only its last 2.
func TestMask(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"a", "…a"},
		{"abcdefghijk", "…jk"},
		{"abcdefghijkl", "abcde…ijkl"},
		{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec…LaSw"},
	}
	for _, tc := range cases {
		if got := Mask(tc.in); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	secret := "whsec_" + strings.Repeat("0123456789abcdef", 4)
	m := Mask(secret)
	for i := 0; i+6 <= len(secret); i++ {
		if strings.Contains(m, secret[i:i+6]) {
			t.Fatalf("Mask(%q) = %q shows 6 consecutive characters %q", secret, m, secret[i:i+6])
		}
	}
}

func sampleTable() *Table {
	tb := &Table{Headers: []string{"ID", "URL", "EVENTS"}}
	tb.AddRow("wh_1", "https://a.example/x", "A,B")
	tb.AddRow("wh_22", "https://b\x1b[31m.example/\x07", "C\tD\nE")
	return tb
}

// TestPrintTable: on a terminal, aligned columns under headers with no
// borders and no trailing blanks; piped, the same rows tab-separated with
// no header. Both escape control characters; a tab or newline in a cell
// cannot break a row into more columns or lines.
func TestPrintTable(t *testing.T) {
	io, _, out, errOut := Test()
	p := &Printer{IO: io, Format: FormatTable}

	io.SetTTY(false, true, false)
	if err := p.PrintTable(sampleTable()); err != nil {
		t.Fatal(err)
	}
	wantTTY := "ID      URL                              EVENTS\n" +
		"wh_1    https://a.example/x              A,B\n" +
		`wh_22   https://b\x1b[31m.example/\x07   C D\x0aE` + "\n"
	if out.String() != wantTTY {
		t.Errorf("terminal table:\n%q\nwant\n%q", out.String(), wantTTY)
	}

	out.Reset()
	io.SetTTY(false, false, false)
	if err := p.Print(nil, sampleTable()); err != nil {
		t.Fatal(err)
	}
	wantPiped := "wh_1\thttps://a.example/x\tA,B\n" +
		"wh_22\t" + `https://b\x1b[31m.example/\x07` + "\tC D" + `\x0a` + "E\n"
	if out.String() != wantPiped {
		t.Errorf("piped table:\n%q\nwant\n%q", out.String(), wantPiped)
	}
	for i, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if n := strings.Count(line, "\t"); n != 2 {
			t.Errorf("piped row %d has %d tabs, want 2: %q", i, n, line)
		}
	}
	if errOut.Len() != 0 {
		t.Errorf("a table wrote to stderr: %q", errOut.String())
	}

	out.Reset()
	if err := p.PrintTable(nil); err != nil || out.Len() != 0 {
		t.Errorf("nil table: %v, %q", err, out.String())
	}
}

// TestPrintStructured: -o json is indented with HTML left alone, -o yaml
// honours the JSON field names, --jq prints strings raw and anything else
// as compact JSON, and wins over -o.
func TestPrintStructured(t *testing.T) {
	data := []map[string]any{{"id": "wh_1", "url": "https://a.example/?a=1&b=<2>", "events": []string{}, "n": 3}}
	cases := []struct {
		format Format
		jq     string
		want   string
	}{
		{FormatJSON, "", "[\n  {\n    \"events\": [],\n    \"id\": \"wh_1\",\n    \"n\": 3,\n    \"url\": \"https://a.example/?a=1&b=<2>\"\n  }\n]\n"},
		{FormatYAML, "", "- events: []\n  id: wh_1\n  \"n\": 3\n  url: https://a.example/?a=1&b=<2>\n"},
		{FormatTable, ".[0].id", "wh_1\n"},
		{FormatYAML, ".[0] | {id, n}", "{\"id\":\"wh_1\",\"n\":3}\n"},
		{FormatJSON, ".[] | .events, .n", "[]\n3\n"},
		{FormatJSON, "empty", ""},
	}
	for _, tc := range cases {
		io, _, out, _ := Test()
		p := &Printer{IO: io, Format: tc.format, JQ: tc.jq}
		if p.Structured() != true {
			t.Errorf("%s/%q: Structured() = false", tc.format, tc.jq)
		}
		if err := p.Print(data, &Table{Headers: []string{"X"}, Rows: [][]string{{"table!"}}}); err != nil {
			t.Fatalf("%s/%q: %v", tc.format, tc.jq, err)
		}
		if out.String() != tc.want {
			t.Errorf("%s/%q:\n%q\nwant\n%q", tc.format, tc.jq, out.String(), tc.want)
		}
	}
	if (&Printer{Format: FormatTable}).Structured() {
		t.Error("the table format counts as structured")
	}

	// A bad expression is a usage error before anything is printed; a
	// runtime error names --jq.
	if _, err := CompileJQ(".[ | x"); webhook.KindOf(err) != webhook.KindUsage {
		t.Errorf("CompileJQ of a typo: %v, want a usage error", err)
	}
	io, _, out, _ := Test()
	err := (&Printer{IO: io, JQ: ".[0].id | error"}).Print(data, nil)
	if err == nil || !strings.Contains(err.Error(), "--jq") {
		t.Errorf("runtime jq error: %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("printed %q before the error", out.String())
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"": FormatTable, "table": FormatTable, "wide": FormatWide, "json": FormatJSON, "yaml": FormatYAML} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"JSON", "csv", "Wide"} {
		if _, err := ParseFormat(bad); webhook.KindOf(err) != webhook.KindUsage {
			t.Errorf("ParseFormat(%q): %v, want a usage error", bad, err)
		}
	}
}

// TestRegistrationsHideSecrets: the list and get views drop or mask the
// secret unless --show-secret, print RFC 3339 UTC times and never a null
// event list; every provider shares the list columns.
func TestRegistrationsHideSecrets(t *testing.T) {
	local := time.FixedZone("CET", 3600)
	exp := time.Date(2026, 3, 1, 13, 0, 0, 999, local)
	reg := webhook.Registration{Provider: "solvimon", Profile: "p", ID: "wh_1", URL: "https://a.example/x",
		Active: true, SecretExpiresAt: &exp, Status: "active", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}

	regs, tb := Registrations([]webhook.Registration{reg}, false)
	if regs[0].Secret != "" {
		t.Errorf("Registrations kept the secret without --show-secret")
	}
	if regs[0].Events == nil {
		t.Errorf("events are nil, which prints as null")
	}
	if got := strings.Join(tb.Headers, ","); got != "ID,URL,EVENTS,ACTIVE,SECRET EXPIRES,STATUS" {
		t.Errorf("list headers %s", got)
	}
	if got := strings.Join(tb.Rows[0], "|"); got != "wh_1|https://a.example/x||true|2026-03-01T12:00:00Z|active" {
		t.Errorf("list row %s", got)
	}
	if reg.Secret == "" {
		t.Fatal("Registrations changed its input")
	}
	regs, tb = Registrations([]webhook.Registration{reg}, true)
	if regs[0].Secret != reg.Secret || tb.Headers[len(tb.Headers)-1] != "SECRET" || tb.Rows[0][len(tb.Rows[0])-1] != reg.Secret {
		t.Errorf("--show-secret: %+v %v", regs[0], tb)
	}

	// get: the provider's secret, or the stored one, masked.
	for _, tc := range []struct{ provider, stored string }{{reg.Secret, ""}, {"", reg.Secret}} {
		r := reg
		r.Secret = tc.provider
		shown, tb := Detail(r, false, tc.stored)
		var buf bytes.Buffer
		for _, row := range tb.Rows {
			buf.WriteString(strings.Join(row, "=") + "\n")
		}
		if shown.Secret != "" || strings.Contains(buf.String(), reg.Secret[5:20]) {
			t.Errorf("Detail without --show-secret shows the secret:\n%s", buf.String())
		}
		if !strings.Contains(buf.String(), "secret_masked=whsec…LaSw\n") || !strings.Contains(buf.String(), "secret_expires_at=2026-03-01T12:00:00Z\n") {
			t.Errorf("Detail rows:\n%s", buf.String())
		}
		if v, tb := Detail(r, true, tc.stored); v.Secret != reg.Secret || !slices.ContainsFunc(tb.Rows, func(row []string) bool { return row[0] == "secret" && row[1] == reg.Secret }) {
			t.Errorf("Detail with --show-secret: %v", tb.Rows)
		}
	}
}

// TestErrorJSONShape is the -o json error contract on stderr.
func TestErrorJSONShape(t *testing.T) {
	var e ErrorJSON
	e.Error.Code, e.Error.Message = "not_found", "gone"
	var b bytes.Buffer
	if err := WriteJSON(&b, e); err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"error\": {\n    \"code\": \"not_found\",\n    \"message\": \"gone\",\n    \"hint\": null\n  }\n}\n"; b.String() != want {
		t.Errorf("%q, want %q", b.String(), want)
	}
	if err := WriteJSON(&b, func() {}); err == nil {
		t.Errorf("an unencodable value: %v", err)
	}
}

// TestStructuredOneShape: YAML lists keys in the order
// JSON does (the struct's), and an empty value is null in JSON, YAML and
// --jq alike, never "".
func TestStructuredOneShape(t *testing.T) {
	type row struct {
		Zeta  string   `json:"zeta"`
		Alpha string   `json:"alpha"`
		List  []string `json:"list"`
		Mid   int      `json:"mid"`
	}
	data := []row{{Zeta: "z", List: []string{}, Mid: 1}}
	for _, tc := range []struct {
		format Format
		jq     string
		want   string
	}{
		{FormatJSON, "", "[\n  {\n    \"zeta\": \"z\",\n    \"alpha\": null,\n    \"list\": [],\n    \"mid\": 1\n  }\n]\n"},
		{FormatYAML, "", "- zeta: z\n  alpha: null\n  list: []\n  mid: 1\n"},
		{FormatJSON, ".[0].alpha", "null\n"},
	} {
		io, _, out, _ := Test()
		if err := (&Printer{IO: io, Format: tc.format, JQ: tc.jq}).Print(data, nil); err != nil {
			t.Fatal(err)
		}
		if out.String() != tc.want {
			t.Errorf("%s %q:\n%q\nwant\n%q", tc.format, tc.jq, out.String(), tc.want)
		}
	}
}

// TestEmptyList: an empty list looks the same in every command: on a terminal one line on stderr saying so, piped nothing at
// all, as JSON [] and as YAML [].
func TestEmptyList(t *testing.T) {
	for _, tc := range []struct {
		name            string
		format          Format
		tty, quiet      bool
		wantOut, wantEr string
	}{
		{"terminal", FormatTable, true, false, "", "no registrations\n"},
		{"terminal -q", FormatTable, true, true, "", ""},
		{"piped", FormatTable, false, false, "", ""},
		{"json", FormatJSON, true, false, "[]\n", ""},
		{"yaml", FormatYAML, false, false, "[]\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			io, _, out, errOut := Test()
			io.SetTTY(false, tc.tty, tc.tty)
			p := &Printer{IO: io, Format: tc.format, Quiet: tc.quiet}
			if err := p.Print([]string{}, &Table{Headers: []string{"ID"}, Empty: "no registrations"}); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.wantOut || errOut.String() != tc.wantEr {
				t.Errorf("stdout %q stderr %q; want %q %q", out, errOut, tc.wantOut, tc.wantEr)
			}
		})
	}
}
