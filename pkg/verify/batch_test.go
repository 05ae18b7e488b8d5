package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// headersLine is a batch line holding req's headers and body.
func headersLine(t testing.TB, req *signature.Request, id string) string {
	t.Helper()
	v := map[string]any{"headers": req.Header, "body": string(req.Body)}
	if id != "" {
		v["id"] = id
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// staticKeys answers every id with keys, counting the calls.
func staticKeys(keys []signature.Key, calls *int) func(context.Context, string) ([]signature.Key, string, error) {
	return func(context.Context, string) ([]signature.Key, string, error) {
		*calls++
		return keys, "", nil
	}
}

// TestBatchRun: one result per entry in each output form, blank and
// comment lines skipped, counts of failed and unchecked entries, and keys
// asked once per id.
func TestBatchRun(t *testing.T) {
	now := time.Now()
	good := delivery(t, signature.HubSignature{}, []signature.Key{current}, `{"a":1}`, now)
	tampered := clone(good)
	tampered.Body = []byte(`{"a":2}`)
	input := strings.Join([]string{
		headersLine(t, good, ""), "", "# a comment", headersLine(t, tampered, ""),
		`{"request": 1}`, headersLine(t, good, "wh_2"),
	}, "\n") + "\n"
	var calls int
	newBatch := func() *Batch {
		calls = 0
		return &Batch{Keys: staticKeys([]signature.Key{current}, &calls), Options: signature.Options{Now: now, Tolerance: time.Minute}}
	}
	wantCounts := BatchCounts{Total: 4, Failed: 1, BadInput: 1}

	var text bytes.Buffer
	counts, err := newBatch().Run(context.Background(), strings.NewReader(input), BatchOutput{W: &text})
	if err != nil || counts != wantCounts || calls != 2 {
		t.Fatalf("text: %+v, %v, %d key lookups; want %+v and 2", counts, err, calls, wantCounts)
	}
	// The id column is the delivery's (Result.ID), not the entry's "id".
	want := regexp.MustCompile(`^1\tvalid\thub-signature\tcurrent\t-\t[0-9a-f]{32}\t-\n` +
		`4\tinvalid\thub-signature\t-\tsignature\t[0-9a-f]{32}\tkey "current": no match\n` +
		`5\tinvalid\t-\t-\tinput\t-\tnot a JSON object: json: cannot unmarshal number [^\n]*\n` +
		`6\tvalid\thub-signature\tcurrent\t-\t[0-9a-f]{32}\t-\n$`)
	if !want.MatchString(text.String()) {
		t.Errorf("text output:\n%s", text.String())
	}

	var js bytes.Buffer
	if _, err := newBatch().Run(context.Background(), strings.NewReader(input), BatchOutput{W: &js, JSON: true}); err != nil {
		t.Fatal(err)
	}
	var each []BatchLine
	if _, err := newBatch().Run(context.Background(), strings.NewReader(input), BatchOutput{W: nil, Each: func(bl BatchLine) error {
		each = append(each, bl)
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&js)
	for i, want := range []struct {
		line  int
		valid bool
		step  string
	}{{1, true, ""}, {4, false, "signature"}, {5, false, "input"}, {6, true, ""}} {
		var bl BatchLine
		if err := dec.Decode(&bl); err != nil {
			t.Fatalf("JSON result %d: %v", i, err)
		}
		if bl.Line != want.line || bl.Valid != want.valid || bl.FailedStep != want.step || bl.Steps == nil {
			t.Errorf("JSON result %d: %+v, want line %d valid %v failed step %q", i, bl, want.line, want.valid, want.step)
		}
		if i < len(each) && (each[i].Line != bl.Line || each[i].Valid != bl.Valid || each[i].FailedStep != bl.FailedStep || each[i].Error != bl.Error) {
			t.Errorf("Each result %d: %+v, JSON %+v", i, each[i], bl)
		}
	}
	if len(each) != 4 || dec.More() {
		t.Errorf("%d results to Each, more JSON: %v; want 4 of each", len(each), dec.More())
	}
}

// TestBatchRunStops: an error that would fail every later entry too
// (credentials refused) stops the run at its line; a key error of one
// entry is that entry's.
func TestBatchRunStops(t *testing.T) {
	good := delivery(t, signature.HubSignature{}, []signature.Key{current}, `{"a":1}`, time.Now())
	input := headersLine(t, good, "missing") + "\n" + headersLine(t, good, "refused") + "\n" + headersLine(t, good, "") + "\n"
	b := &Batch{Keys: func(_ context.Context, id string) ([]signature.Key, string, error) {
		switch id {
		case "missing":
			return nil, "", webhook.Errorf(webhook.KindUsage, "no stored secret for %s", id)
		case "refused":
			return nil, "", webhook.Errorf(webhook.KindAuth, "login refused")
		}
		return []signature.Key{current}, "", nil
	}}
	var out bytes.Buffer
	counts, err := b.Run(context.Background(), strings.NewReader(input), BatchOutput{W: &out})
	var le *LineError
	if !errors.As(err, &le) || le.Line != 2 || webhook.KindOf(err) != webhook.KindAuth || err.Error() != "line 2: login refused" {
		t.Errorf("err = %v (%T), want line 2's auth error", err, err)
	}
	if counts.Total != 1 || counts.BadInput != 1 || out.String() != "1\tinvalid\t-\t-\tinput\t-\tno stored secret for missing\n" {
		t.Errorf("before the stop: %+v\n%s", counts, out.String())
	}
}

// BenchmarkVerifyBatchHMAC1KiB measures one batch entry: JSON decode,
// scheme detection and HMAC verification of a 1 KiB body.
func BenchmarkVerifyBatchHMAC1KiB(b *testing.B) {
	body := `{"data":"` + strings.Repeat("x", 1024-11) + `"}`
	req := delivery(b, signature.HubSignature{}, []signature.Key{current}, body, time.Now())
	line := []byte(headersLine(b, req, ""))
	var calls int
	// Named as cmd names a --secret-env key: the name goes into the
	// steps, so it counts in the bytes allocated.
	bv := &Batch{Keys: staticKeys([]signature.Key{{Name: "env", Secret: current.Secret}}, &calls), Options: signature.Options{Now: time.Now(), Tolerance: 5 * time.Minute}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := bv.Check(ctx, line)
		if err != nil || !res.Valid {
			b.Fatal(err, res)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
}
