package cmd

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/sandbox"
)

// hintProvider is one provider's sandbox profile for TestNoCircularHints:
// its login values in `auth login --stdin` order, right and wrong, and the
// env variable (unscoped) of the credential the wrong value replaces.
type hintProvider struct {
	name         string
	login, wrong string // stdin of auth login --stdin
	envName      string // the credential a wrong env value replaces
	envWrong     string
	register     []string // register's arguments after -p P
	rotates      bool
	setup        [][]string // after login, before register (keys)
}

var hintProviders = []hintProvider{
	{name: "pexa", login: "sandbox-secret\n", wrong: "not-the-secret\n", envName: "CLIENT_SECRET", envWrong: "not-the-secret",
		register: []string{"--url", "https://hooks.example.com/h", "--event", "SECRET_EXPIRY", "--event", "WORKSPACE_CLOSED"}, rotates: true},
	{name: "solvimon", login: "sandbox-api-key\n", wrong: "not-the-key\n", envName: "API_KEY", envWrong: "not-the-key",
		register: []string{"--url", "https://hooks.example.com/h", "--event", "INVOICE.CREATED", "--name", "n", "--reference", "r"}, rotates: true},
	{name: "offblocks", login: "00000000-0000-4000-8000-000000000000\nsandbox-secret\n", wrong: "00000000-0000-4000-8000-000000000000\nnot-the-secret\n",
		envName: "API_SECRET", envWrong: "not-the-secret",
		setup:    [][]string{{"keys", "generate"}, {"keys", "upload"}},
		register: []string{"--url", "https://hooks.example.com/h", "--event", "customer.updated"}},
	{name: "pwc", login: "sandbox\npwc-pass-7c41e9b2d05a3f\n", wrong: "sandbox\nnot-the-password\n", envName: "PASSWORD", envWrong: "not-the-password",
		setup:    [][]string{{"keys", "generate"}},
		register: []string{"--url", "https://hooks.example.com/h", "--event", "ReportFiled", "--name", "hints"}, rotates: true},
}

// TestNoCircularHints: a failed command never names
// itself as its own fix. The rule: when a command fails for a reason that
// running it again unchanged cannot cure (credentials refused or typed
// wrong, a secret the provider refuses), nothing it prints (the error,
// its hint, doctor's DETAIL and FIX columns) names that command
// ("hookctl <verb>", "<verb> again") or says to run "the command again".
// Naming the failed command is right only for a transient failure, where
// a rerun with nothing changed is the fix (no answer from the provider,
// exit 1 code network; rate limited, exit 7; OffBlocks' 409 for an
// Idempotency-Key still in flight); none of the cases here is transient.
//
// Besides, what is said must be true: with a credential in the
// environment, which wins over the keyring, `auth login` cannot help, so
// the hint names the variable in effect (the profile's own, or the
// unscoped one when only that is set) and says to fix or unset it.
func TestNoCircularHints(t *testing.T) {
	t.Parallel()
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for _, p := range hintProviders {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			cli := NewCLI(t)
			const prof = "hint"
			box := srv.Box(p.name).(interface{ ProfileArgs() []string })
			cli.OK(append([]string{"profile", "add", prof}, box.ProfileArgs()...)...)
			if _, errOut, code := cli.Main(p.login, "auth", "login", "-p", prof, "--stdin"); code != 0 {
				t.Fatalf("auth login with the right values: exit %d\n%s", code, errOut)
			}
			for _, s := range p.setup {
				cli.OK(append(s, "-p", prof)...)
			}
			id := strings.TrimSpace(cli.OK(append(append([]string{"register", "-p", prof}, p.register...), "-o", "json", "--jq", ".[0].id")...))

			unscoped, scoped := "HOOKCTL_"+p.envName, "HOOKCTL_HINT_"+p.envName
			type hintCase struct {
				name string
				verb string // the failed command, as a user types it after hookctl
				env  map[string]string
				in   string
				args []string
				// inEffect is the env variable the hint must name as in
				// effect, "" when none is set.
				inEffect string
				want     []string // more the output must say
			}
			cases := []hintCase{
				{name: "auth login typed wrong", verb: "auth login", in: p.wrong, args: []string{"auth", "login", "-p", prof, "--stdin"},
					want: []string{"nothing stored"}},
				{name: "list env unscoped", verb: "list", env: map[string]string{unscoped: p.envWrong}, args: []string{"list", "-p", prof}, inEffect: unscoped},
				{name: "list env scoped", verb: "list", env: map[string]string{scoped: p.envWrong, unscoped: "also-wrong"}, args: []string{"list", "-p", prof}, inEffect: scoped},
				{name: "doctor env", verb: "doctor", env: map[string]string{unscoped: p.envWrong}, args: []string{"doctor", "-p", prof}, inEffect: unscoped},
			}
			if p.rotates {
				cases = append(cases, hintCase{name: "rotate-secret env", verb: "rotate-secret", env: map[string]string{unscoped: p.envWrong},
					args: []string{"rotate-secret", "-p", prof, id}, inEffect: unscoped})
			}
			if p.name == "pwc" {
				cases = append(cases, hintCase{name: "rotate 403", verb: "rotate-secret", args: []string{"rotate-secret", "-p", prof, id},
					want: []string{"hookctl secrets set " + id + " -p " + prof, "--current-secret-file"}})
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					if c.name == "rotate 403" {
						// PwC answers 403 to an update whose current secret
						// is not the subscription's (here the sandbox's
						// fault plan gives that answer).
						fault(t, srv, fmt.Sprintf(`{"provider":"pwc","method":"POST","path":"/sync/webhooks/subscriptions/%s/update","status":403,"count":100}`, id))
						defer fault(t, srv, `{"count":0}`)
					}
					run := *cli
					run.Env = map[string]string{}
					for k, v := range cli.Env {
						run.Env[k] = v
					}
					for k, v := range c.env {
						run.Env[k] = v
					}
					out, errOut, code := run.Main(c.in, c.args...)
					said := out + errOut
					if code == 0 {
						t.Fatalf("hookctl %s passed; want a failure\n%s", strings.Join(c.args, " "), said)
					}
					self := regexp.MustCompile(`hookctl ` + regexp.QuoteMeta(c.verb) + `\b|\b` + regexp.QuoteMeta(c.verb) + `\W* again|(?i)\b(run|try) (it|the command|this command) again`)
					if m := self.FindString(said); m != "" {
						t.Errorf("exit %d: names the failed command as its fix (%q):\n%s", code, m, said)
					}
					if c.inEffect != "" {
						if !strings.Contains(said, c.inEffect+" is set") || !strings.Contains(said, "unset") {
							t.Errorf("exit %d: does not say that %s is in effect and must be fixed or unset:\n%s", code, c.inEffect, said)
						}
						if other := map[string]string{unscoped: scoped, scoped: unscoped}[c.inEffect]; strings.Contains(said, "set "+other) {
							t.Errorf("exit %d: tells to set %s, but %s is the one in effect:\n%s", code, other, c.inEffect, said)
						}
						// A plain auth login asks for every credential,
						// the one env overrides too: only --credential
						// for another one may be suggested.
						for _, m := range regexp.MustCompile("auth login[^`\n]*").FindAllString(said, -1) {
							if !strings.Contains(m, "--credential ") || strings.Contains(m, "--credential "+strings.ToLower(strings.ReplaceAll(p.envName, "_", "-"))) {
								t.Errorf("exit %d: suggests %q, which cannot help while %s wins:\n%s", code, m, c.inEffect, said)
							}
						}
					}
					for _, w := range c.want {
						if !strings.Contains(said, w) {
							t.Errorf("exit %d: does not say %q:\n%s", code, w, said)
						}
					}
				})
			}
		})
	}
}

// fault sets the sandbox's fault plan (PUT /_sandbox/faults).
func fault(t *testing.T, srv *sandbox.Server, plan string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, srv.BaseURL+"/_sandbox/faults", strings.NewReader(plan))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("PUT /_sandbox/faults %s: %s", plan, resp.Status)
	}
}

// TestAuthLoginWarnsWhenEnvWins: `auth login` stores
// the right key, but a variable set to another one still wins over it;
// saying so at once saves the next command's refusal, whose hint would
// then be the only place to learn it.
func TestAuthLoginWarnsWhenEnvWins(t *testing.T) {
	t.Parallel()
	cli := solvimonSandbox(t)
	cli.Env["HOOKCTL_API_KEY"] = "not-the-key"
	_, errOut, code := cli.Main("sandbox-api-key\n", "auth", "login", "-p", "s", "--stdin")
	if code != 0 {
		t.Fatalf("auth login: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "warning: HOOKCTL_API_KEY is set and wins over the api-key just stored") {
		t.Errorf("no warning that the environment still wins:\n%s", errOut)
	}
}
