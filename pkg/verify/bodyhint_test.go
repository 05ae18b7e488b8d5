package verify

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/signature"
)

// TestBodyHint: a failed signature over a body that
// looks re-serialised or is longer than its Content-Length gets a hint;
// other failures and valid results get none.
func TestBodyHint(t *testing.T) {
	failed := signature.Result{FailedStep: signature.StepSignature}
	pretty := "{\n  \"a\": 1\n}\n"
	for _, c := range []struct {
		name   string
		req    signature.Request
		res    signature.Result
		want   []string
		wantNo bool
	}{
		{"compact", signature.Request{Body: []byte(`{"a":1}` + "\n")}, failed, nil, true},
		{"pretty", signature.Request{Body: []byte(pretty)}, failed, []string{"pretty-printed JSON", "re-serialised"}, false},
		{"pretty, digest", signature.Request{Body: []byte(pretty)}, signature.Result{FailedStep: signature.StepDigest}, []string{"pretty-printed"}, false},
		{"pretty, stale", signature.Request{Body: []byte(pretty)}, signature.Result{FailedStep: signature.StepTimestamp}, nil, true},
		{"pretty, valid", signature.Request{Body: []byte(pretty)}, signature.Result{Valid: true}, nil, true},
		{"text with newlines", signature.Request{Body: []byte("a\n b\n")}, failed, nil, true},
		{"excess", signature.Request{Body: []byte(pretty[:5]), Excess: []byte(pretty[5:])}, failed,
			[]string{"is 13 bytes, longer than its Content-Length (5)", "pretty-printed"}, false},
		{"Content-Length mismatch", signature.Request{Body: []byte(`{"a":1}`), Header: http.Header{"Content-Length": {"9"}}}, failed,
			[]string{"7 bytes but its Content-Length says 9"}, false},
	} {
		if c.req.Header == nil {
			c.req.Header = http.Header{}
		}
		got := BodyHint(&c.req, c.res)
		if c.wantNo && got != "" {
			t.Errorf("%s: hint %q, want none", c.name, got)
		}
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: hint %q lacks %q", c.name, got, w)
			}
		}
	}
}
