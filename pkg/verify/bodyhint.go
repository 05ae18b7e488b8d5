package verify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/hookctl/hookctl/pkg/signature"
)

// BodyHint says, for a delivery whose signature (or digest) failed, what
// about its body commonly explains it: the body is longer than its
// Content-Length, or it is pretty-printed JSON, re-serialised after it
// was signed (by a log viewer, jq, an editor), when providers sign the
// bytes they send, compact JSON as a rule. "" when nothing stands out or
// the result is not such a failure.
func BodyHint(req *signature.Request, res signature.Result) string {
	if res.Valid || (res.FailedStep != signature.StepSignature && res.FailedStep != signature.StepDigest) {
		return ""
	}
	full := append(append([]byte(nil), req.Body...), req.Excess...)
	var hints []string
	switch cl, err := strconv.Atoi(req.Header.Get("Content-Length")); {
	case len(req.Excess) > 0:
		hints = append(hints, fmt.Sprintf("the captured body is %d bytes, longer than its Content-Length (%d): the first %d were checked, and a body changed after it was sent no longer matches its signature",
			len(full), len(req.Body), len(req.Body)))
	case err == nil && cl != len(req.Body):
		hints = append(hints, fmt.Sprintf("the body is %d bytes but its Content-Length says %d: it is not the body that was sent", len(req.Body), cl))
	}
	if prettyJSON(full) {
		hints = append(hints, "the body is pretty-printed JSON (newlines and indentation): it looks re-serialised, and providers sign the bytes they send, compact as a rule; verify the body as received (saved by `hookctl verify listen`, or sent with curl --data-binary @FILE)")
	}
	return strings.Join(hints, "; ")
}

// prettyJSON: b is JSON with whitespace, newlines among it, between its
// tokens.
func prettyJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	if !bytes.Contains(b, []byte("\n")) || !json.Valid(b) {
		return false
	}
	var c bytes.Buffer
	return json.Compact(&c, b) == nil && c.Len() < len(b)
}
