//go:build linux || darwin

package cmd_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/internal/testkit/spectest"
)

// The GitHub Actions job of docs/guides/rotate-in-ci.md, as this test
// reads it: the guide's own YAML, run step by step.
type ghJob struct {
	Env   map[string]string `yaml:"env"`
	Steps []ghStep          `yaml:"steps"`
}

type ghStep struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	If   string            `yaml:"if"`
	Env  map[string]string `yaml:"env"`
	Run  string            `yaml:"run"`
}

// guideJob is the one job of the guide's GitHub Actions block.
func guideJob(t *testing.T) ghJob {
	t.Helper()
	raw, err := os.ReadFile("../docs/guides/rotate-in-ci.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), "\n## GitHub Actions\n")
	_, block, ok2 := strings.Cut(section, "\n```yaml\n")
	block, _, ok3 := strings.Cut(block, "\n```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("rotate-in-ci.md has no ```yaml block under ## GitHub Actions")
	}
	var wf struct {
		Jobs map[string]ghJob `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(block), &wf); err != nil {
		t.Fatalf("the guide's workflow: %v", err)
	}
	if len(wf.Jobs) != 1 {
		t.Fatalf("the guide's workflow has %d jobs, this test runs one", len(wf.Jobs))
	}
	for _, j := range wf.Jobs {
		return j
	}
	panic("unreachable")
}

var ghExpr = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// expand replaces each ${{ expr }} by its value in exprs: the expressions
// the guide uses, each known to this test; any other fails it, so the
// guide cannot grow one this test does not evaluate.
func expand(t *testing.T, s string, exprs map[string]string) string {
	t.Helper()
	return ghExpr.ReplaceAllStringFunc(s, func(m string) string {
		e := ghExpr.FindStringSubmatch(m)[1]
		v, ok := exprs[e]
		if !ok {
			t.Fatalf("the guide's job uses ${{ %s }}, which this test does not know", e)
		}
		return v
	})
}

// stepResult is what one run step did; rows are a rotate-secret step's
// JSON report (id → status).
type stepResult struct {
	name   string
	code   int
	stdout string
	stderr string
	rows   map[string]string
}

// ghRunner is a fresh GitHub-hosted runner: an empty home, state and
// config, no keyring (no D-Bus session), hookctl and a stand-in `vault` on
// PATH. Nothing of one runner is seen by the next.
type ghRunner struct {
	t       *testing.T
	home    string
	vault   string // where the stand-in vault writes each secret
	sandbox string
}

func newRunner(t *testing.T, sandboxURL, vault string) *ghRunner {
	return &ghRunner{t: t, home: t.TempDir(), vault: vault, sandbox: sandboxURL}
}

func (r *ghRunner) env(extra map[string]string) []string {
	env := []string{
		"PATH=" + filepath.Join(r.vault, "..", "bin") + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + r.home,
		"XDG_CONFIG_HOME=" + filepath.Join(r.home, ".config"),
		"XDG_STATE_HOME=" + filepath.Join(r.home, ".local", "state"),
		"FAKE_VAULT=" + r.vault,
	}
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		env = append(env, k+"="+extra[k])
	}
	return env
}

// sandboxFlags point a `profile add` of the guide at the sandbox.
func (r *ghRunner) sandboxFlags(provider string) string {
	switch provider {
	case "pexa":
		return " --base-url " + r.sandbox + "/pexa/uk --token-url " + r.sandbox + "/pexa/uk/oauth/token"
	case "solvimon", "pwc", "offblocks":
		return " --base-url " + r.sandbox + "/" + provider
	}
	r.t.Fatalf("the guide adds a profile of provider %q", provider)
	return ""
}

var profileAddLine = regexp.MustCompile(`(?m)^(.*hookctl profile add .*--provider (\S+).*)$`)

// sh runs script as a step's `run` (bash -e, as GitHub's default shell).
func (r *ghRunner) sh(name, script string, env map[string]string) stepResult {
	script = profileAddLine.ReplaceAllStringFunc(script, func(line string) string {
		return line + r.sandboxFlags(profileAddLine.FindStringSubmatch(line)[2])
	})
	c := exec.Command("bash", "-e", "-c", script)
	c.Dir = r.home
	c.Env = r.env(env)
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	err := c.Run()
	res := stepResult{name: name, stdout: out.String(), stderr: errOut.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	case err != nil:
		r.t.Fatalf("step %s: %v", name, err)
	}
	if strings.Contains(script, "hookctl rotate-secret") {
		var rows []struct{ ID, Status string }
		if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
			r.t.Fatalf("step %s (exit %d): stdout is not the JSON report: %v\nstdout:\n%s\nstderr:\n%s", name, res.code, err, res.stdout, res.stderr)
		}
		res.rows = map[string]string{}
		for _, row := range rows {
			res.rows[row.ID] = row.Status
		}
	}
	return res
}

// runJob runs the job's steps as GitHub does: job env then step env, a
// step without `if` only while nothing failed, `!cancelled()` always; the
// setup of Go and `go install` are what TestMain did (hookctl of this tree
// is on PATH).
func (r *ghRunner) runJob(job ghJob, exprs map[string]string) (steps []stepResult, failed bool) {
	t := r.t
	jobEnv := map[string]string{}
	for k, v := range job.Env {
		jobEnv[k] = expand(t, v, exprs)
	}
	for i, st := range job.Steps {
		name := st.Name
		if name == "" {
			name = "step " + strconv.Itoa(i+1)
		}
		switch {
		case st.Uses != "":
			if !strings.HasPrefix(st.Uses, "actions/setup-go@") && !strings.HasPrefix(st.Uses, "actions/checkout@") {
				t.Fatalf("the guide's job uses %s, which this test cannot stand in for", st.Uses)
			}
			continue
		case strings.HasPrefix(strings.TrimSpace(st.Run), "go install github.com/hookctl/hookctl@"):
			continue
		}
		switch cond := expand(t, st.If, exprs); cond {
		case "":
			if failed {
				continue
			}
		case "true":
		default:
			t.Fatalf("step %s: condition %q", name, st.If)
		}
		env := maps.Clone(jobEnv)
		for k, v := range st.Env {
			env[k] = expand(t, v, exprs)
		}
		res := r.sh(name, expand(t, st.Run, exprs), env)
		if res.code != 0 {
			failed = true
		}
		steps = append(steps, res)
	}
	return steps, failed
}

// rotateSteps are the rotate-secret steps of a run, by name.
func rotateSteps(steps []stepResult) map[string]stepResult {
	out := map[string]stepResult{}
	for _, s := range steps {
		if s.rows != nil {
			out[s.name] = s
		}
	}
	return out
}

// machine is the operator's computer that registered everything: its own
// home, the file store.
type machine struct {
	t   *testing.T
	r   *ghRunner
	env map[string]string
}

func (m *machine) hookctl(args ...string) string {
	m.t.Helper()
	c := exec.Command("hookctl", args...)
	c.Env = m.r.env(m.env)
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	if err := c.Run(); err != nil {
		m.t.Fatalf("hookctl %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return strings.TrimSpace(out.String())
}

func putJSON(t *testing.T, url, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("PUT %s %s: %s", url, body, resp.Status)
	}
}

// TestRotateInCIGuide runs the GitHub Actions job of
// docs/guides/rotate-in-ci.md against the sandbox on a fresh runner each
// time: it rotates only the secrets older than its
// threshold at PEXA, Solvimon and PwC and hands each new one to Vault; a
// second run rotates nothing; its dry run predicts the real run (exit
// code and ids per status), with and without the PwC key; a redeliver
// run sends every current secret; the same step over an OffBlocks
// profile is "not supported" and succeeds.
func TestRotateInCIGuide(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the guide's job several times")
	}
	job := guideJob(t)
	srv, err := sandbox.Start(sandbox.Options{Wrap: func(name string, h http.Handler) http.Handler {
		return spectest.ForProvider(t, name, h)
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	// The stand-in vault: `vault kv put PATH value=-` keeps stdin at PATH.
	root := t.TempDir()
	vault := filepath.Join(root, "vault")
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o700); err != nil {
		t.Fatal(err)
	}
	fake := "#!/bin/sh\n[ \"$1 $2 $4\" = \"kv put value=-\" ] || { echo \"vault: unexpected $*\" >&2; exit 2; }\n" +
		"mkdir -p \"$FAKE_VAULT/$(dirname \"$3\")\" && cat > \"$FAKE_VAULT/$3\"\n"
	if err := os.WriteFile(filepath.Join(root, "bin", "vault"), []byte(fake), 0o700); err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pwcKey := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))

	// The operator's machine registers: at each provider one secret 25
	// days old and one new; at Solvimon also one never rolled (no date).
	lap := &machine{t: t, r: newRunner(t, srv.BaseURL, vault), env: map[string]string{"HOOKCTL_STORAGE": "file",
		"HOOKCTL_API_KEY": "sandbox-api-key", "HOOKCTL_CLIENT_SECRET": "sandbox-secret", "HOOKCTL_USERNAME": "sandbox",
		"HOOKCTL_PASSWORD": "pwc-pass-7c41e9b2d05a3f", "HOOKCTL_RSA_KEY": pwcKey}}
	s := srv.BaseURL
	lap.hookctl("profile", "add", "pexa-uk", "--provider", "pexa", "--region", "uk", "--client-id", "sandbox-client", "--base-url", s+"/pexa/uk", "--token-url", s+"/pexa/uk/oauth/token")
	lap.hookctl("profile", "add", "solvimon-live", "--provider", "solvimon", "--environment", "live", "--base-url", s+"/solvimon")
	lap.hookctl("profile", "add", "pwc-prod", "--provider", "pwc", "--environment", "prod", "--tax-number", "DE123456789", "--account-id", "1234567890", "--base-url", s+"/pwc")
	register := func(profile string, args ...string) string {
		return lap.hookctl(append([]string{"register", "-p", profile, "-o", "json", "--jq", ".[0].id"}, args...)...)
	}
	backdate := func(provider, id string) {
		putJSON(t, s+"/_sandbox/backdate", `{"provider":"`+provider+`","id":"`+id+`","days":25}`)
	}
	pexaOld := register("pexa-uk", "--url", "https://old.example.com/in", "--event", "SECRET_EXPIRY", "--event", "WORKSPACE_LODGED")
	pexaNew := register("pexa-uk", "--url", "https://new.example.com/in", "--event", "SECRET_EXPIRY", "--event", "WORKSPACE_LODGED")
	backdate("pexa", pexaOld)
	solOld := register("solvimon-live", "--url", "https://old.example.com/in", "--event", "INVOICE.CREATED", "--name", "old", "--reference", "ci-old")
	solNew := register("solvimon-live", "--url", "https://new.example.com/in", "--event", "INVOICE.CREATED", "--name", "new", "--reference", "ci-new")
	solNever := register("solvimon-live", "--url", "https://never.example.com/in", "--event", "INVOICE.CREATED", "--name", "never", "--reference", "ci-never")
	lap.hookctl("rotate-secret", "-p", "solvimon-live", solOld, solNew, "--rate", "0")
	backdate("solvimon", solOld)
	pwcOld := register("pwc-prod", "--url", "https://old.example.com/in", "--event", "ReportFiled", "--name", "old-filed")
	pwcNew := register("pwc-prod", "--url", "https://new.example.com/in", "--event", "ReportRejected", "--name", "new-rejected")
	backdate("pwc", pwcOld)
	profileOf := map[string]string{pexaOld: "pexa-uk", pexaNew: "pexa-uk", solOld: "solvimon-live", solNew: "solvimon-live",
		solNever: "solvimon-live", pwcOld: "pwc-prod", pwcNew: "pwc-prod"}

	exprs := func(dryRun, redeliver bool, rsaKey string) map[string]string {
		m := map[string]string{
			"secrets.VAULT_ADDR": "https://vault.example.com", "secrets.VAULT_TOKEN": "vault-token",
			"secrets.SOLVIMON_API_KEY": "sandbox-api-key", "secrets.PEXA_CLIENT_SECRET": "sandbox-secret",
			"secrets.PWC_USERNAME": "sandbox", "secrets.PWC_PASSWORD": "pwc-pass-7c41e9b2d05a3f", "secrets.PWC_RSA_KEY": rsaKey,
			"vars.PEXA_CLIENT_ID": "sandbox-client", "vars.PWC_TAX_NUMBER": "DE123456789", "vars.PWC_ACCOUNT_ID": "1234567890",
			"!cancelled()":                        "true",
			"inputs.dry_run && '--dry-run' || ''": "",
			"inputs.redeliver && '--redeliver' || '--older-than 21d'": "--older-than 21d",
		}
		if dryRun {
			m["inputs.dry_run && '--dry-run' || ''"] = "--dry-run"
		}
		if redeliver {
			m["inputs.redeliver && '--redeliver' || '--older-than 21d'"] = "--redeliver"
		}
		return m
	}
	// fresh runs the job on a runner that keeps nothing.
	fresh := func(e map[string]string) ([]stepResult, bool) {
		return newRunner(t, s, vault).runJob(job, e)
	}
	// predicts checks a dry run against the real run that followed it.
	predicts := func(dry, real []stepResult) {
		t.Helper()
		real1 := rotateSteps(real)
		dry1 := rotateSteps(dry)
		if len(dry1) != len(real1) || len(real1) == 0 {
			t.Fatalf("the dry run ran %d rotate steps, the real run %d", len(dry1), len(real1))
		}
		as := map[string]string{"planned": "ok", "would fail": "failed", "skipped": "skipped", "not supported": "not supported"}
		for name, r := range real1 {
			d := dry1[name]
			if d.code != r.code {
				t.Errorf("step %s: the dry run exited %d, the real run %d\ndry stderr:\n%s\nreal stderr:\n%s", name, d.code, r.code, d.stderr, r.stderr)
			}
			want := map[string]string{}
			for id, st := range d.rows {
				want[id] = as[st]
			}
			if !maps.Equal(want, r.rows) {
				t.Errorf("step %s: the dry run said %v, the real run did %v", name, d.rows, r.rows)
			}
		}
	}
	// vaultHolds checks that Vault holds each provider's current secret of ids.
	vaultHolds := func(ids ...string) {
		t.Helper()
		for _, id := range ids {
			p := profileOf[id]
			got, err := os.ReadFile(filepath.Join(vault, "secret", "hooks", p, id))
			want := lap.hookctl("get", "-p", p, id, "--show-secret", "-o", "json", "--jq", ".secret")
			if err != nil || string(got) != want || want == "" {
				t.Errorf("vault %s/%s: %q (%v), the provider signs with %q", p, id, got, err, want)
			}
		}
	}
	wantRows := func(steps []stepResult, want map[string]map[string]string) {
		t.Helper()
		got := rotateSteps(steps)
		for name, rows := range want {
			if !maps.Equal(got[name].rows, rows) {
				t.Errorf("step %s: %v, want %v\nstderr:\n%s", name, got[name].rows, rows, got[name].stderr)
			}
		}
	}

	// 1. The dry run on one fresh runner, then the real run on another.
	dry, dryFailed := fresh(exprs(true, false, pwcKey))
	real, realFailed := fresh(exprs(false, false, pwcKey))
	predicts(dry, real)
	if dryFailed || realFailed {
		t.Errorf("the job failed: dry run %v, real run %v", dryFailed, realFailed)
	}
	wantRows(real, map[string]map[string]string{
		"pexa":     {pexaOld: "ok", pexaNew: "skipped"},
		"solvimon": {solOld: "ok", solNever: "ok", solNew: "skipped"},
		"pwc":      {pwcOld: "ok", pwcNew: "skipped"},
	})
	vaultHolds(pexaOld, solOld, solNever, pwcOld)

	// 2. A week later nothing is due: nothing is rotated, nothing sent.
	if err := os.RemoveAll(vault); err != nil {
		t.Fatal(err)
	}
	again, failed := fresh(exprs(false, false, pwcKey))
	if failed {
		t.Errorf("the second run failed")
	}
	wantRows(again, map[string]map[string]string{
		"pexa":     {pexaOld: "skipped", pexaNew: "skipped"},
		"solvimon": {solOld: "skipped", solNever: "skipped", solNew: "skipped"},
		"pwc":      {pwcOld: "skipped", pwcNew: "skipped"},
	})
	if _, err := os.Stat(vault); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the second run wrote to vault: %v", err)
	}

	// 3. After a lost runner: redeliver sends every current secret, read
	// from the providers, without rotating.
	redeliver, failed := fresh(exprs(false, true, pwcKey))
	if failed {
		t.Errorf("the redeliver run failed: %+v", redeliver)
	}
	vaultHolds(slices.Collect(maps.Keys(profileOf))...)
	if n := len(rotateSteps(redeliver)); n != 3 {
		t.Errorf("%d rotate steps ran", n)
	}

	// 4. Without the PwC key the proof of ownership is missing: the dry run
	// says "would fail" and exits 6 as the real run does, and the job's
	// other steps are not held up.
	backdate("pwc", pwcOld)
	dry, _ = fresh(exprs(true, false, ""))
	real, realFailed = fresh(exprs(false, false, ""))
	predicts(dry, real)
	if !realFailed {
		t.Error("the job succeeded without the PwC key")
	}
	steps := rotateSteps(real)
	if steps["pwc"].code != 6 || steps["pwc"].rows[pwcOld] != "failed" || steps["pwc"].rows[pwcNew] != "skipped" {
		t.Errorf("pwc without its key: exit %d, %v", steps["pwc"].code, steps["pwc"].rows)
	}
	if !strings.Contains(rotateSteps(dry)["pwc"].stdout, "no stored secret for subscription "+pwcOld) {
		t.Errorf("the dry run does not say why:\n%s", rotateSteps(dry)["pwc"].stdout)
	}
	if steps["solvimon"].code != 0 || steps["pexa"].code != 0 {
		t.Errorf("the other steps: solvimon %d, pexa %d", steps["solvimon"].code, steps["pexa"].code)
	}

	// 5. The guide's step over an OffBlocks profile: nothing to rotate,
	// "not supported", and no failure.
	obEnv := map[string]string{"HOOKCTL_API_KEY": "00000000-0000-4000-8000-000000000000", "HOOKCTL_API_SECRET": "sandbox-secret"}
	ob := &machine{t: t, r: lap.r, env: maps.Clone(lap.env)}
	maps.Copy(ob.env, obEnv)
	ob.hookctl("profile", "add", "ob", "--provider", "offblocks", "--environment", "sandbox", "--base-url", s+"/offblocks")
	ob.hookctl("keys", "generate", "-p", "ob")
	ob.hookctl("keys", "upload", "-p", "ob")
	obID := ob.hookctl("register", "-p", "ob", "--url", "https://hooks.example.com/ob", "--event", "customer.updated", "-o", "json", "--jq", ".[0].id")
	var stored map[string]string
	b, err := os.ReadFile(filepath.Join(lap.r.home, ".local", "state", "hookctl", "credentials.json"))
	if err != nil || json.Unmarshal(b, &stored) != nil || stored["ob/signing-key"] == "" || stored["ob/signing-key-id"] == "" {
		t.Fatalf("the OffBlocks signing key on the operator's machine: %v", err)
	}
	obEnv["HOOKCTL_SIGNING_KEY"] = stored["ob/signing-key"]
	var uploaded struct {
		KeyID string `json:"key_id"`
	}
	if err := json.Unmarshal([]byte(stored["ob/signing-key-id"]), &uploaded); err != nil || uploaded.KeyID == "" {
		t.Fatalf("the uploaded OffBlocks key's id: %v", err)
	}
	var step ghStep
	for _, st := range job.Steps {
		if st.Name == "solvimon" {
			step = st
		}
	}
	if !strings.Contains(step.Run, "-p solvimon-live ") {
		t.Fatalf("the guide's solvimon step does not name its profile with -p solvimon-live: %q", step.Run)
	}
	for _, dryRun := range []bool{true, false} {
		r := newRunner(t, s, vault)
		e := exprs(dryRun, false, pwcKey)
		if res := r.sh("profile", "hookctl profile add ob --provider offblocks --environment live --key-id "+uploaded.KeyID, nil); res.code != 0 {
			t.Fatalf("offblocks profile: %s", res.stderr)
		}
		env := map[string]string{}
		for k, v := range job.Env {
			env[k] = expand(t, v, e)
		}
		maps.Copy(env, obEnv)
		res := r.sh("offblocks", expand(t, strings.Replace(step.Run, "-p solvimon-live ", "-p ob ", 1), e), env)
		if res.code != 0 || !maps.Equal(res.rows, map[string]string{obID: "not supported"}) {
			t.Errorf("offblocks (dry run %v): exit %d, %v\n%s", dryRun, res.code, res.rows, res.stderr)
		}
	}
}
