package verify

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/signature"
)

// TestAppendBatchLine: the hand-written encoder writes exactly what
// json.Encoder with SetEscapeHTML(false) writes for a BatchLine.
func TestAppendBatchLine(t *testing.T) {
	// A new JSON field in any of these types must be written by
	// appendBatchLine too; this list is what it writes.
	fields := map[reflect.Type][]string{
		reflect.TypeFor[BatchLine]():        {"line", "error", "Result"},
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
		for range rng.IntN(12) { // long enough for the eight-byte steps
			b = append(b, pieces[rng.IntN(len(pieces))]...)
		}
		return string(b)
	}
	lines := []BatchLine{{}, {Line: 1, Result: signature.Result{Steps: []signature.Step{}}}}
	for range 2000 {
		bl := BatchLine{Line: rng.IntN(1 << 20), Error: str()}
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

// TestSpecial8: the eight-byte test agrees with the byte table, byte by
// byte in every position and on random words.
func TestSpecial8(t *testing.T) {
	want := func(x uint64) bool {
		for i := range 8 {
			if special[byte(x>>(8*i))] {
				return true
			}
		}
		return false
	}
	const plain = 0x7878787878787878 // "xxxxxxxx"
	for pos := range 8 {
		for c := range 256 {
			x := plain&^(0xff<<(8*pos)) | uint64(c)<<(8*pos)
			if special8(x) != special[c] {
				t.Errorf("byte %#x at %d: special8 = %v", c, pos, !special[c])
			}
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 1_000_000 {
		// Mostly printable ASCII, so both answers come up.
		var x uint64
		for i := range 8 {
			c := uint64(0x20 + rng.IntN(0x5f))
			if rng.IntN(16) == 0 {
				c = uint64(rng.IntN(256))
			}
			x |= c << (8 * i)
		}
		if special8(x) != want(x) {
			t.Fatalf("%#016x: special8 = %v", x, !want(x))
		}
	}
}
