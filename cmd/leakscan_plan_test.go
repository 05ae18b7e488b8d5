//go:build linux

package cmd_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/internal/sandbox"
	"github.com/hookctl/hookctl/internal/testkit/providertest"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/signature"
)

// scanPlan is what the leak scan runs for one provider, all of it from the
// registries: the provider's spec, its emulator's Demo (login values,
// register arguments, the event delivered) and the capabilities
// `profile show` reports. A new provider is scanned with no line here.
type scanPlan struct {
	prov, profile string
	spec          provider.Spec
	demo          *emulator.Demo
	// events are the events the registration gets: the demo's, or its
	// first where a registration has one (Manifest.OneEvent); spare is
	// then the demo's next, for a second registration.
	events []string
	spare  string
	// flags are the demo's other register flags (--name, --reference...).
	flags [][2]string
	// env are the login values as the profile's own variables; login the
	// same, one a line, for `auth login --stdin`.
	env   []string
	login string
	// secrets are the login values by "login <provider>/<credential>".
	secrets map[string]string
	caps    []string // `profile show`'s capabilities
}

// optionalCommands are the commands a capability (webhook.AllCapabilities)
// makes work; ID stands for a registration. A provider without the
// capability refuses them, and that refusal is their whole coverage.
var optionalCommands = []struct {
	capability string
	commands   []string
}{
	{"rotate", []string{"rotate-secret ID"}},
	{"revoke-previous", []string{"secrets revoke-previous ID"}},
	{"send-test", []string{"send-test ID"}},
	{"penalty-box", []string{"penalty-box list", "penalty-box resend ID"}},
	{"deliveries", []string{"deliveries list ID"}},
	{"resend", []string{"deliveries resend ID"}},
	{"ping", []string{"ping ID"}},
	{"keys", []string{"keys generate", "keys show"}},
	{"key-upload", []string{"keys upload"}},
	{"key-remove", []string{"keys remove"}},
	{"verification-key", []string{"keys verification-key"}},
}

func newScanPlan(t *testing.T, spec provider.Spec) *scanPlan {
	t.Helper()
	i := slices.IndexFunc(sandbox.Entries(), func(e emulator.Entry) bool { return e.Name == spec.Name })
	if i < 0 || sandbox.Entries()[i].Demo == nil {
		t.Fatalf("provider %s has no emulator with a Demo in sandbox.Entries(): the leak scan takes its arguments from it", spec.Name)
	}
	p := &scanPlan{prov: spec.Name, profile: "scan-" + spec.Name, spec: spec, demo: sandbox.Entries()[i].Demo, secrets: map[string]string{}}
	r := p.demo.Register
	for j := 0; j+1 < len(r); j += 2 {
		switch {
		case r[j] == "--url":
		case r[j] == "--event" && spec.Manifest.OneEvent && len(p.events) == 1:
			if p.spare == "" {
				p.spare = r[j+1]
			}
		case r[j] == "--event":
			p.events = append(p.events, r[j+1])
		default:
			p.flags = append(p.flags, [2]string{r[j], r[j+1]})
		}
	}
	if len(p.events) == 0 || !slices.Contains(p.events, p.demo.Event) {
		t.Fatalf("%s: Demo.Register's events %v do not include Demo.Event %q", spec.Name, p.events, p.demo.Event)
	}
	for _, c := range spec.Credentials {
		if c.Generated || c.Cache || c.Optional {
			continue
		}
		v := p.demo.Env[credentials.EnvVar(c.Name)]
		if v == "" {
			t.Fatalf("%s: Demo.Env has no %s", spec.Name, credentials.EnvVar(c.Name))
		}
		p.env = append(p.env, credentials.ProfileEnvVar(p.profile, c.Name)+"="+v)
		p.login += v + "\n"
		p.secrets["login "+spec.Name+"/"+c.Name] = v
	}
	return p
}

func (p *scanPlan) has(capability string) bool { return slices.Contains(p.caps, capability) }

// hasInternal: the spec declares an internal capability (one profile show
// does not list, such as CurrentSecretProver).
func (p *scanPlan) hasInternal(capability string) bool {
	return slices.Contains(p.spec.Capabilities, capability)
}

// registerArgs are register's arguments for a registration at url: the
// demo's flags with tag added to each value (so a second registration
// differs), and its events, or event alone.
func (p *scanPlan) registerArgs(url, tag, event string) []string {
	args := []string{"--url", url}
	events := p.events
	if event != "" {
		events = []string{event}
	}
	for _, e := range events {
		args = append(args, "--event", e)
	}
	for _, f := range p.flags {
		args = append(args, f[0], f[1]+tag)
	}
	return args
}

// unsupported are the commands the provider lacks, by its capabilities.
func (p *scanPlan) unsupported() []string {
	var out []string
	for _, o := range optionalCommands {
		if !p.has(o.capability) {
			out = append(out, o.commands...)
		}
	}
	return out
}

func (s *leakScan) plan(prov string) *scanPlan {
	for _, p := range s.plans {
		if p.prov == prov {
			return p
		}
	}
	return nil
}

// scanProvider runs every command that works on a profile for p: those
// its capabilities make work successfully, the others refused. It
// returns the registration it leaves for the end of the scan to delete.
func (s *leakScan) scanProvider(p *scanPlan, profileAdd []string, recv, pings *providertest.Receiver) string {
	t, prof := s.t, p.profile
	s.run(0, "", append([]string{"profile", "add", prof}, profileAdd...)...)
	s.extra = p.env
	var shown struct {
		Capabilities []string `json:"capabilities"`
	}
	if err := json.Unmarshal([]byte(s.run(0, "", "profile", "show", prof, "-o", "json")), &shown); err != nil {
		t.Fatalf("profile show %s: %v", prof, err)
	}
	p.caps = shown.Capabilities
	s.keys(p)
	s.run(0, "", "auth", "status", "-p", prof)
	s.run(0, "", "events", "-p", prof)
	id := strings.TrimSpace(s.run(0, "", append([]string{"register", "-p", prof, "-o", "json", "--jq", ".[0].id"},
		p.registerArgs("https://hooks.example.com/"+p.prov, "", "")...)...))
	if id == "" {
		t.Fatalf("%s register printed no id", p.prov)
	}
	// doctor reads the registration and asks for fresh tokens.
	s.run(0, "", "doctor", "-p", prof, "-o", "json")
	s.run(0, "", "list", "-p", prof, "-o", "json")
	s.run(0, "", "__complete", "get", "-p", prof, "")
	s.run(0, "", "get", id, "-p", prof) // the table shows the secret masked
	s.run(0, "", "update", id, "-p", prof, "--url", "https://hooks.example.com/moved")
	if p.has("rotate") {
		s.run(0, "", "rotate-secret", id, "-p", prof, "-o", "json")
	}
	file := p.prov + ".http"
	s.run(0, "", "sandbox", "deliver", id, "-p", prof, "--event", p.demo.Event, "--out", file)
	s.run(0, "", "verify", "-p", prof, "--id", id, "--request-file", file, "--seen-db", "seen.db", "-o", "json")
	s.run(0, "", "verify", "-p", prof, "--id", id, "--request-file", file)
	s.verifyListen(p, id)
	if p.has("ping") {
		s.run(0, "", "ping", id, "-p", prof, "--to", pings.URL+"/ping", "-o", "json")
		s.run(0, "", "ping", id, "-p", prof, "--dry-run", "--out", "-")
	}
	if p.has("deliveries") {
		s.run(0, "", "deliveries", "list", id, "-p", prof, "-o", "json")
	}
	s.run(0, "", "secrets", "list", "-p", prof, "-o", "json")
	s.manifest(p)
	s.adopt(p, id)
	if p.has("revoke-previous") {
		s.run(0, "", "secrets", "revoke-previous", id, "-p", prof, "--yes")
	}
	if p.has("penalty-box") {
		s.penaltyBox(p, recv)
	}
	if p.has("rotate") {
		// Bulk rotation with both sinks: --exec children are sampled from
		// /proc, and they dump their own argv and environment too.
		s.run(0, "", "rotate-secret", "-p", prof, "--all", "--rate", "0", "--secret-out", "secrets.jsonl",
			"--exec", `cat >/dev/null; cat /proc/$$/cmdline /proc/$$/environ > exec-$HOOKCTL_ID.dump; sleep 0.05`, "-o", "json")
		s.run(0, "", "rotate-secret", "-p", prof, "--all", "--dry-run")
	}
	s.refuse(p, id)
	s.run(0, "", "profile", "show", prof)
	s.extra = nil
	return id
}

// keys runs the key commands p's capabilities make work. Where the key is
// uploaded to sign the provider's API requests, auth status first finds
// it missing (exit 4).
func (s *leakScan) keys(p *scanPlan) {
	prof := p.profile
	if p.has("key-upload") {
		s.run(4, "", "auth", "status", "-p", prof)
	}
	if p.has("keys") {
		s.run(0, "", "keys", "generate", "-p", prof)
		s.run(0, "", "keys", "show", "-p", prof)
	}
	if p.has("key-upload") {
		s.run(0, "", "keys", "upload", "-p", prof)
	}
	if p.has("key-remove") {
		s.run(0, "", "keys", "remove", "-p", prof, "--yes")
		s.run(0, "", "keys", "upload", "-p", prof)
	}
	if p.has("verification-key") {
		s.run(0, "", "keys", "verification-key", "-p", prof, "-o", "json")
	}
}

// adopt stores a secret for a registration by hand: a wrong one is
// refused where the provider returns the real one (the refusal's message
// is scanned too), then stored unchecked, then forgotten.
func (s *leakScan) adopt(p *scanPlan, id string) {
	adopt, secret := id, "adopted-secret-for-the-leak-scan-"+p.prov+"\n"
	if p.hasInternal("CurrentSecretProver") {
		// The provider's delete proves ownership with the real secret:
		// adopt a second registration instead, and forget it again.
		adopt = strings.TrimSpace(s.run(0, "", append([]string{"register", "-p", p.profile, "-o", "json", "--jq", ".[0].id"},
			p.registerArgs("https://hooks.example.com/"+p.prov+"2", "2", p.spare)...)...))
	}
	if p.has("rotate") {
		s.run(3, secret, "secrets", "set", adopt, "-p", p.profile)
	}
	s.run(0, secret, "secrets", "set", adopt, "-p", p.profile, "--no-verify")
	s.run(0, "", "secrets", "remove", adopt, "-p", p.profile, "--yes")
}

// signsTargetURI: the provider's signature covers the URI a delivery is
// sent to, so a delivery verifies only where its registration points.
func (p *scanPlan) signsTargetURI() bool {
	return p.spec.Scheme == signature.HTTPMessageSignatures{}.Name()
}
