package cmd

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pwcemu "github.com/hookctl/hookctl/internal/emulator/pwc"
	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// sandboxRegistrations starts a sandbox and registers one Solvimon webhook
// (profile "sol") and one PwC subscription (profile "pwc") in it, their
// secrets stored by `register` as a user's would be.
func sandboxRegistrations(t *testing.T, cli *CLI) (srv *sandbox.Server, solID, pwcID string) {
	t.Helper()
	cli.Env["HOOKCTL_API_KEY"] = "sandbox-api-key"
	cli.Env["HOOKCTL_USERNAME"] = pwcemu.SandboxUsername
	cli.Env["HOOKCTL_PASSWORD"] = pwcemu.SandboxPassword
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cli.OK(append([]string{"profile", "add", "sol"}, srv.Box("solvimon").ProfileArgs()...)...)
	cli.OK(append([]string{"profile", "add", "pwc"}, srv.Box("pwc").ProfileArgs()...)...)
	cli.OK("keys", "generate", "-p", "pwc")
	solID = strings.TrimSpace(cli.OK("register", "-p", "sol", "--url", "https://hooks.example.com/in", "--event", "INVOICE.CREATED",
		"--name", "demo", "--reference", "demo-1", "-o", "json", "--jq", ".[0].id"))
	pwcID = strings.TrimSpace(cli.OK("register", "-p", "pwc", "--url", "https://hooks.example.com/pwc", "--event", "ReportFiled",
		"--name", "demo", "-o", "json", "--jq", ".[0].id"))
	return srv, solID, pwcID
}

// rewriteSig replaces the MAC inside a signature header value ("sha1=<hex>",
// "v1=<HEX>") with what f makes of its decoded bytes.
func rewriteSig(t *testing.T, v, prefix string, f func(mac []byte) string) string {
	t.Helper()
	rest, ok := strings.CutPrefix(v, prefix)
	if !ok {
		t.Fatalf("signature %q does not start with %q", v, prefix)
	}
	mac, err := hex.DecodeString(rest)
	if err != nil {
		t.Fatalf("signature %q: %v", v, err)
	}
	return prefix + f(mac)
}

// TestVerifySeenDBReplayVariants replays one captured sandbox delivery,
// altered only where the signature does not reach or in how the same MAC
// is written: every variant still verifies, so each
// must fail as a replay once the original was accepted.
func TestVerifySeenDBReplayVariants(t *testing.T) {
	t.Parallel()
	cli := NewCLI(t)
	srv, solID, pwcID := sandboxRegistrations(t, cli)
	upper := func(m []byte) string { return strings.ToUpper(hex.EncodeToString(m)) }
	lower := func(m []byte) string { return hex.EncodeToString(m) }
	b64 := func(m []byte) string { return base64.StdEncoding.EncodeToString(m) }
	junk := strings.Repeat("ab", 32)
	const hub, sol = "X-Hub-Signature", "X-Payload-Signature"
	tests := []struct {
		name, provider string
		alter          func(t *testing.T, h http.Header)
	}{
		{"pwc new X-Webhook-Delivery", "pwc", func(t *testing.T, h http.Header) {
			h.Set("X-Webhook-Delivery", strings.Repeat("0", 32))
		}},
		{"pwc without X-Webhook-Delivery", "pwc", func(t *testing.T, h http.Header) { h.Del("X-Webhook-Delivery") }},
		{"pwc hex upper-cased", "pwc", func(t *testing.T, h http.Header) { h.Set(hub, rewriteSig(t, h.Get(hub), "sha1=", upper)) }},
		{"pwc hex upper-cased, without X-Webhook-Delivery", "pwc", func(t *testing.T, h http.Header) {
			h.Set(hub, rewriteSig(t, h.Get(hub), "sha1=", upper))
			h.Del("X-Webhook-Delivery")
		}},
		{"pwc base64", "pwc", func(t *testing.T, h http.Header) { h.Set(hub, rewriteSig(t, h.Get(hub), "sha1=", b64)) }},
		{"pwc base64, new X-Webhook-Delivery", "pwc", func(t *testing.T, h http.Header) {
			h.Set(hub, rewriteSig(t, h.Get(hub), "sha1=", b64))
			h.Set("X-Webhook-Delivery", strings.Repeat("1", 32))
		}},
		{"pwc sha256= prefix", "pwc", func(t *testing.T, h http.Header) {
			h.Set(hub, "sha256="+strings.TrimPrefix(h.Get(hub), "sha1="))
			h.Del("X-Webhook-Delivery")
		}},
		{"solvimon lower-case hex", "solvimon", func(t *testing.T, h http.Header) { h.Set(sol, rewriteSig(t, h.Get(sol), "v1=", lower)) }},
		{"solvimon extra junk v1= pair", "solvimon", func(t *testing.T, h http.Header) { h.Set(sol, h.Get(sol)+",v1="+junk) }},
		{"solvimon duplicated pair", "solvimon", func(t *testing.T, h http.Header) { h.Set(sol, h.Get(sol)+","+h.Get(sol)) }},
		{"solvimon trailing space comma", "solvimon", func(t *testing.T, h http.Header) { h.Set(sol, h.Get(sol)+" ,") }},
		{"solvimon base64", "solvimon", func(t *testing.T, h http.Header) { h.Set(sol, rewriteSig(t, h.Get(sol), "v1=", b64)) }},
		{"solvimon junk pair first, in a second header line", "solvimon", func(t *testing.T, h http.Header) {
			v := h.Get(sol)
			h.Set(sol, "v1="+junk)
			h.Add(sol, v)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prof, id, event := "pwc", pwcID, "ReportFiled"
			if tc.provider == "solvimon" {
				prof, id, event = "sol", solID, "INVOICE.CREATED"
			}
			d, err := srv.Deliver(context.Background(), tc.provider, id, event)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			db := filepath.Join(dir, "seen.db")
			verifyFile := func(name string) (string, error) {
				raw, err := d.Raw()
				if err != nil {
					t.Fatal(err)
				}
				file := filepath.Join(dir, name)
				if err := os.WriteFile(file, raw, 0o600); err != nil {
					t.Fatal(err)
				}
				var out bytes.Buffer
				err = cli.Exec(context.Background(), "", &out, io.Discard,
					"verify", "-p", prof, "--id", id, "--request-file", file, "--seen-db", db, "-o", "json")
				return out.String(), err
			}
			if out, err := verifyFile("original.http"); err != nil {
				t.Fatalf("original: %v\n%s", err, out)
			}
			tc.alter(t, d.Header)
			out, err := verifyFile("replay.http")
			if webhook.KindOf(err) != webhook.KindVerify || !strings.Contains(out, `"failed_step": "replay"`) {
				t.Errorf("replayed variant was not refused as a replay: %v\n%s", err, out)
			}
		})
	}
}
