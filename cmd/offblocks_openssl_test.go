package cmd_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/internal/testkit/openssltest"
	"github.com/hookctl/hookctl/pkg/output"
)

// TestVerifyOpenSSLSignedDelivery: `hookctl verify` accepts an OffBlocks
// style delivery (ecdsa-p384-sha384 over @method, @target-uri,
// content-digest and content-type) that openssl signed over a base
// written here, for an https target with a query and for a loopback http
// one, and refuses it once the target or the body changes. The other
// direction, openssl verifying what hookctl signs, is in
// pkg/providers/offblocks/openssl_test.go.
func TestVerifyOpenSSLSignedDelivery(t *testing.T) {
	openssltest.Require(t)
	cli := cmd.NewCLI(t)
	cli.SetProcessEnv()
	dir := cli.Dir
	key := openssltest.GenerateP384(t)
	const created = 1772366400 // 2026-03-01T12:00:00Z
	body := `{"webhookType":"card.updated","eventId":"6c1f1f3e-9a57-4f7e-9d1e-2b1b1b7b6a01","id":"c-1","status":"ACTIVE"}`
	digest := openssltest.ContentDigestSHA512(t, []byte(body))
	params := fmt.Sprintf(`("@method" "@target-uri" "content-digest" "content-type");created=%d;keyid="ob-vk-1";alg="ecdsa-p384-sha384"`, created)

	for _, target := range []struct{ host, requestTarget, uri string }{
		{"receiver.example.com", "/hooks/offblocks?tenant=7&x=%2F", "https://receiver.example.com/hooks/offblocks?tenant=7&x=%2F"},
		{"127.0.0.1:8099", "/hook", "http://127.0.0.1:8099/hook"},
	} {
		base := openssltest.Base(params,
			[2]string{"@method", "POST"},
			[2]string{"@target-uri", target.uri},
			[2]string{"content-digest", digest},
			[2]string{"content-type", "application/json"})
		sig := base64.StdEncoding.EncodeToString(openssltest.SignP384(t, key, base))
		delivery := "POST " + target.requestTarget + " HTTP/1.1\r\nHost: " + target.host + "\r\n" +
			"Content-Type: application/json\r\nContent-Digest: " + digest + "\r\n" +
			"Signature-Input: sig1=" + params + "\r\nSignature: sig1=:" + sig + ":\r\n" +
			fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body)) + body

		cases := []struct {
			name       string
			old, new   string
			code       int
			failedStep string
		}{
			{"valid", "", "", 0, ""},
			{"other path", " " + target.requestTarget + " ", " /other ", 3, "signature"},
			{"other host", "Host: " + target.host, "Host: elsewhere.example.com", 3, "signature"},
			{"other body", `"ACTIVE"`, `"BLOCKED"`, 3, "digest"},
		}
		for _, tc := range cases {
			t.Run(target.host+"/"+tc.name, func(t *testing.T) {
				file := filepath.Join(dir, "delivery.http")
				if err := os.WriteFile(file, []byte(strings.Replace(delivery, tc.old, tc.new, 1)), 0o600); err != nil {
					t.Fatal(err)
				}
				io, _, out, errOut := output.Test()
				code := cmd.Main([]string{"verify", "--request-file", file, "--public-key-file", key.PublicFile,
					"--now", "2026-03-01T12:00:30Z", "-o", "json"}, io)
				var res struct {
					Valid      bool   `json:"valid"`
					Scheme     string `json:"scheme"`
					FailedStep string `json:"failed_step"`
				}
				if err := json.Unmarshal(out.Bytes(), &res); err != nil {
					t.Fatalf("exit %d, stdout %q: %v\nstderr: %s", code, out, err, errOut)
				}
				if code != tc.code || res.Valid != (tc.code == 0) || res.FailedStep != tc.failedStep || res.Scheme != "http-message-signatures" {
					t.Errorf("exit %d, %+v; want exit %d, failed step %q\n%s%s", code, res, tc.code, tc.failedStep, out, errOut)
				}
			})
		}
	}
}
