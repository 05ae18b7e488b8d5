package cmd_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/cmd"
	pexaemu "github.com/hookctl/hookctl/internal/emulator/pexa"
	pwcemu "github.com/hookctl/hookctl/internal/emulator/pwc"
	solvimonemu "github.com/hookctl/hookctl/internal/emulator/solvimon"
	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/output"
)

// TestNoSecretLeaks runs a full flow of every provider with --debug and
// checks that no secret hookctl used or stored reaches stdout or stderr.
// Secrets are shown only with --show-secret,
// which this flow never passes.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	cli := cmd.NewCLI(t)
	dir := cli.Dir
	logins := map[string]string{
		"HOOKCTL_API_KEY": solvimonemu.SandboxAPIKey, "HOOKCTL_CLIENT_SECRET": pexaemu.SandboxClientSecret,
		"HOOKCTL_USERNAME": pwcemu.SandboxUsername, "HOOKCTL_PASSWORD": pwcemu.SandboxPassword,
	}
	for k, v := range logins {
		cli.Env[k] = v
	}
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	secrets := map[string]string{}
	for k, v := range logins {
		secrets[k] = v
	}
	var transcript strings.Builder
	step := func(args ...string) string {
		t.Helper()
		out, errOut, err := cli.Run(append(args, "--debug")...)
		transcript.WriteString(out)
		transcript.WriteString(errOut)
		if err != nil {
			t.Fatalf("hookctl %s: %v\n%s", strings.Join(args, " "), err, errOut)
		}
		return out
	}
	flows := map[string][]string{
		"solvimon": {"--url", "https://hooks.example.com/s", "--event", "INVOICE.CREATED", "--name", "n", "--reference", "r"},
		"pexa":     {"--url", "https://hooks.example.com/p", "--event", "SECRET_EXPIRY", "--event", "WORKSPACE_CLOSED"},
		"pwc":      {"--url", "https://hooks.example.com/w", "--event", "ReportFiled", "--name", "leak"},
	}
	for prov, reg := range flows {
		profile := "leak-" + prov
		step(append([]string{"profile", "add", profile}, srv.Box(prov).ProfileArgs()...)...)
		if prov == "pwc" {
			step("keys", "generate", "-p", profile)
		}
		var regs []struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal([]byte(step(append([]string{"register", "-p", profile, "-o", "json"}, reg...)...)), &regs); err != nil || len(regs) == 0 {
			t.Fatalf("%s register: %v", prov, err)
		}
		id := regs[0].ID
		step("list", "-p", profile, "-o", "json")
		step("get", id, "-p", profile)
		step("update", id, "-p", profile, "--url", "https://hooks.example.com/moved")
		step("rotate-secret", id, "-p", profile, "-o", "json")
		file := filepath.Join(dir, prov+".http")
		step("sandbox", "deliver", id, "-p", profile, "--event", reg[3], "--out", file)
		step("verify", "-p", profile, "--id", id, "--request-file", file, "-o", "json")
		step("auth", "status", "-p", profile)
		// Snapshot the store before delete forgets the webhook secrets.
		raw, err := os.ReadFile(filepath.Join(dir, "state", "hookctl", "credentials.json"))
		if err != nil {
			t.Fatalf("the flow stored no credentials: %v", err)
		}
		collectSecrets(t, raw, secrets)
		collectWebhookSecrets(t, filepath.Join(dir, "state", "hookctl"), profile, secrets)
		step("delete", id, "-p", profile, "--yes")
	}
	names := make([]string, 0, len(secrets))
	for k := range secrets {
		names = append(names, k)
	}
	t.Logf("secrets checked: %v", names)
	if len(secrets) < len(logins)+6 {
		t.Fatalf("expected webhook secrets, tokens and keys in the store, found only %d values", len(secrets))
	}
	for name := range secrets {
		// The user name is not secret; "sandbox" is also a word in URLs.
		if name == "HOOKCTL_USERNAME" || notSecret(name) || strings.HasSuffix(name, "_url0") || strings.HasSuffix(name, "_url1") {
			delete(secrets, name)
		}
	}
	all := transcript.String()
	for _, hit := range newLeakIndex(secrets).find([]byte(all)) {
		t.Errorf("secret %s leaked into stdout/stderr", hit)
	}
	if !strings.Contains(all, "[REDACTED]") {
		t.Errorf("--debug trace shows no redaction at all; is the trace on?")
	}
}

// collectSecrets adds every string value of the credential file, and every
// "value" inside stored webhook secret sets, to secrets. A value never
// replaces another under the same name: what a rotation or a logout
// removed from the store stays a secret to look for.
func collectSecrets(t *testing.T, raw []byte, secrets map[string]string) {
	var store map[string]string
	if err := json.Unmarshal(raw, &store); err != nil {
		t.Fatalf("credential file: %v", err)
	}
	valueRE := regexp.MustCompile(`"([A-Za-z_]*(?i:value|token|secret)[A-Za-z_]*)":"([^"]{8,})"`)
	for key, v := range store {
		if strings.Contains(key, "webhook/") || strings.HasSuffix(key, "/token") {
			for i, m := range valueRE.FindAllStringSubmatch(v, -1) {
				addSecret(secrets, fmt.Sprintf("%s#%s%d", key, m[1], i), m[2])
			}
			continue
		}
		if strings.Contains(key, "#") {
			continue // a chunk of a larger value
		}
		if strings.HasSuffix(key, "/.index") {
			continue // the names of the profile's entries, no secret
		}
		addSecret(secrets, key, v)
	}
}

// addSecret records v under name, never replacing another value: what a
// rotation or a logout removed from the store stays a secret to look for.
func addSecret(secrets map[string]string, name, v string) {
	for i := 2; secrets[name] != "" && secrets[name] != v; i++ {
		name = fmt.Sprintf("%s~%d", strings.Split(name, "~")[0], i)
	}
	secrets[name] = v
}

// collectWebhookSecrets adds every webhook secret the secret db holds for
// profile (sealed on disk, so read through the store) to secrets.
func collectWebhookSecrets(t *testing.T, stateDir, profile string, secrets map[string]string) {
	store, err := credentials.OpenIn(credentials.StorageFile, stateDir)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := store.WebhookIDs(profile)
	if err != nil {
		t.Fatalf("secret db: %v", err)
	}
	for _, id := range ids {
		ws, err := store.WebhookSecrets(profile, id)
		if err != nil {
			t.Fatalf("secret db: %v", err)
		}
		for slot, e := range map[string]*credentials.SecretEntry{"current": ws.Current, "previous": ws.Previous, "pending": ws.Pending} {
			if e != nil {
				addSecret(secrets, profile+"/webhook/"+id+"#"+slot, e.Value)
			}
		}
	}
}

// TestNoSecretFlags checks that no command takes a secret as a flag value:
// secrets come from files, env variables, stdin, prompts or the keyring;
// and that no flag switches TLS off.
func TestNoSecretFlags(t *testing.T) {
	io, _, _, _ := output.Test()
	root := cmd.NewCmdRoot(cmd.NewFactory(io, os.Getenv, "test"))
	secretish := regexp.MustCompile(`(?i)(secret|password|token|api-key|private)`)
	allowed := regexp.MustCompile(`(-file|-env|-url|^show-secret|^secret-out|^insecure-storage)$`)
	tlsOff := regexp.MustCompile(`(?i)^(insecure|insecure-skip-tls-verify|skip-tls.*|no-tls.*|allow-http|tls-skip.*|k)$`)
	var walk func(c *cobra.Command)
	checked := 0
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			checked++
			if secretish.MatchString(f.Name) && !allowed.MatchString(f.Name) && f.Value.Type() != "bool" {
				t.Errorf("%s --%s looks like a secret taken from argv", c.CommandPath(), f.Name)
			}
			// TLS is not optional for real providers: no flag
			// turns certificate checks or the https rule off.
			if tlsOff.MatchString(f.Name) {
				t.Errorf("%s --%s would weaken TLS", c.CommandPath(), f.Name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if checked < 50 {
		t.Fatalf("walked only %d flags", checked)
	}
}

// TestAuthLoginWithoutKeyring: with no Secret Service reachable, `auth
// login` fails fast (exit 4) naming the alternatives, and writes nothing.
func TestAuthLoginWithoutKeyring(t *testing.T) {
	// cmd.Main and the keyring backend (which finds the session bus there)
	// read the process environment, so this test cannot run in parallel.
	cli := cmd.NewCLI(t, "HOOKCTL_STORAGE", "", "DBUS_SESSION_BUS_ADDRESS", "")
	dir := cli.Dir
	cli.Env["XDG_RUNTIME_DIR"] = dir
	cli.SetProcessEnv()
	if _, _, err := cli.Run("profile", "add", "s1", "--provider", "solvimon", "--base-url", "http://127.0.0.1:1/solvimon"); err != nil {
		t.Fatal(err)
	}
	before := listFiles(t, dir)

	io, in, _, errOut := output.Test()
	in.WriteString("a-secret-api-key\n")
	start := time.Now()
	code := cmd.Main([]string{"auth", "login", "-p", "s1", "--stdin"}, io)
	took := time.Since(start)
	// The store's problem, not the credentials': exit 1.
	if code != 1 || !strings.Contains(errOut.String(), "so none were asked for") {
		t.Errorf("exit code %d, want 1; stderr: %s", code, errOut)
	}
	if took > 4*time.Second {
		t.Errorf("took %s, want under 4s", took)
	}
	for _, want := range []string{"HOOKCTL_S1_API_KEY", "--insecure-storage", "HOOKCTL_STORAGE=file"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr does not name %s: %s", want, errOut)
		}
	}
	if after := listFiles(t, dir); !bytes.Equal([]byte(strings.Join(after, "\n")), []byte(strings.Join(before, "\n"))) {
		t.Errorf("auth login wrote files: before %v, after %v", before, after)
	}
}

func listFiles(t *testing.T, dir string) []string {
	var out []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil {
			out = append(out, p)
		}
		return nil
	})
	return out
}
