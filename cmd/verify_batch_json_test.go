package cmd

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/signature"
)

// TestAppendBatchLine: the hand-written encoder writes exactly what
// json.Encoder with SetEscapeHTML(false) writes for a batchLine.
func TestAppendBatchLine(t *testing.T) {
	// A new JSON field in any of these types must be written by
	// appendBatchLine too; this list is what it writes.
	fields := map[reflect.Type][]string{
		reflect.TypeFor[batchLine]():        {"line", "error", "Result"},
		reflect.TypeFor[signature.Result](): {"valid", "scheme", "key", "steps", "failed_step", "id", "-"},
		reflect.TypeFor[signature.Step]():   {"name", "ok", "detail"},
	}
	for typ, want := range fields {
		var got []string
		for f := range typ.Fields() {
			tag, _, _ := bytes.Cut([]byte(f.Tag.Get("json")), []byte(","))
			name := string(tag)
			if name == "" {
				name = f.Name
			}
			got = append(got, name)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%v has JSON fields %q; appendBatchLine writes %q: update it", typ, got, want)
		}
	}

	pieces := []string{"", "a", "valid", `"`, `\`, "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f", "<>&",
		"é", "\u2028", "\u2029", "\xff", "\xe2\x80", "日本", "\U0001F600", "\xed\xa0\x80", " "}
	rng := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		var b []byte
		for range rng.IntN(5) {
			b = append(b, pieces[rng.IntN(len(pieces))]...)
		}
		return string(b)
	}
	lines := []batchLine{{}, {Line: 1, Result: signature.Result{Steps: []signature.Step{}}}}
	for range 2000 {
		bl := batchLine{Line: rng.IntN(1 << 20), Error: str()}
		bl.Valid = rng.IntN(2) == 0
		bl.Scheme, bl.Key, bl.FailedStep, bl.ID = str(), str(), str(), str()
		if rng.IntN(4) > 0 {
			bl.Steps = []signature.Step{}
			for range rng.IntN(4) {
				bl.Steps = append(bl.Steps, signature.Step{Name: str(), OK: rng.IntN(2) == 0, Detail: str()})
			}
		}
		bl.Signed = []signature.Signed{{Parts: [][]byte{[]byte("x")}}}
		lines = append(lines, bl)
	}
	for _, bl := range lines {
		// What every other command's JSON goes through (key order, HTML
		// left alone, "" as null).
		var want bytes.Buffer
		if err := output.WriteJSONLine(&want, bl); err != nil {
			t.Fatal(err)
		}
		if got := appendBatchLine(nil, &bl); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("appendBatchLine(%+v)\n got %s\nwant %s", bl, got, want.Bytes())
		}
	}
}
