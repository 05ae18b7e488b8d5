package cmd

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/spf13/cobra"
)

// helpTopic is a `hookctl help <topic>` page that is not a command.
type helpTopic struct{ name, short, long string }

// helpTopics are the help topics, in help order.
var helpTopics = []helpTopic{
	{"exit-codes", "Exit codes and what they mean", `hookctl exits with:

    0  ok
    1  error (network, provider error, anything not below); with -o json
       the code says which: "network" when the provider could not be
       reached (the message says where the URL came from);
       "storage_unavailable" when the credential store cannot keep or
       give what hookctl keeps itself (a webhook secret, a login being
       stored, the data key that seals webhook secrets): no keyring
       reachable, or a secret db that cannot be opened (the message says
       which store and why, the hint the fixes); else "error"
    2  usage error, invalid input rejected before any request (an unknown
       profile, an event the provider's own list lacks, a key verify needs
       but does not have, a --batch entry that could not be checked), or a
       feature the provider does not support
    3  verification failed: bad signature, stale or future timestamp, digest
       mismatch
    4  not authenticated: login credentials missing, rejected (HTTP
       401/403), or held in a keyring that cannot be read (they can come
       from the environment instead)
    5  not found
    6  partial failure: a bulk command where some items failed (each is
       reported)
    7  rate limited by the provider after retries
    8  changes found: 'hookctl diff --exit-code' when the providers differ
       from the manifest (not an error; nothing is printed on stderr
       beyond the plan's summary)
    9  cancelled: a confirmation was answered no; nothing was changed
  130  interrupted (Ctrl-C or SIGTERM) before the command finished, also
       at a y/N question; a bulk command (rotate-secret, apply, deliveries
       resend) reports the items it had not begun as "not started"

Over several profiles (--all-profiles, --provider P or -p repeated, in
list, secrets list, doctor and rotate-secret) each profile runs in turn and
the codes combine into one: 0 when every profile worked (a profile that
cannot do the operation, such as rotate-secret on OffBlocks, reports "not
supported" and counts as worked); 130 when interrupted; 7 when every failure
was rate limiting; the profiles' own code when every profile failed alike
(4 when no profile's credentials work); otherwise 6. The error names each
profile that failed and why. Flags that contradict, or a profile the config
lacks, are 2 before any profile runs.

With -o json an error is also printed to stderr as
{"error":{"code":"...","message":"...","hint":"..."}}.`},
	{"formatting", "How tables, JSON and YAML are shaped", `Tables (the default) are for people: aligned with headers on a terminal and
fitted to its width (COLUMNS sets the width): first the columns that say
least are left out (those empty in every row, then ones a command names,
such as list's ACTIVE and SECRET EXPIRES), then the widest column is cut
with "…" (a URL last) and prose wraps. -o wide prints the table with every
column and no cell cut, however narrow the terminal. Piped, a table is
plain tab-separated rows of every column without headers, never cut.
On a terminal, status words are coloured as gh colours them: ok and
succeeded green, failed, FAIL and secret-expired red, warn, pending and
penalty-box yellow. A pipe, NO_COLOR (any value), --no-color or TERM=dumb
turns colour off; provider data is never coloured and its control
characters are shown escaped (\x1b).

-o json, -o yaml and --jq are for programs, and follow one set of rules in
every command:
  - keys are snake_case, in the same order in JSON and YAML;
  - every key a command documents is always there: a value hookctl does not
    have is null (never "" and never a missing key);
  - a list is [] when empty, never null; provider-only fields are an object
    under "extra" ({} when none);
  - times are RFC 3339 in UTC;
  - a secret appears (as "secret") only with --show-secret.
Commands that stream (verify --batch, verify listen) print one JSON object
per line. Errors with -o json go to stderr as
{"error":{"code":"...","message":"...","hint":...}} ('hookctl help exit-codes').`},
	{"environment", "Environment variables hookctl reads", `HOOKCTL_PROFILE         profile to use (like -p)
HOOKCTL_CONFIG          config file (like --config)
HOOKCTL_BASE_URL        API base URL override (like --base-url)
HOOKCTL_STORAGE=file    keep credentials in a 0600 file instead of the OS
                        keyring (like --insecure-storage; 'hookctl auth
                        status' shows the file)

Credentials (override the keyring; for CI). Each profile has its own
variables, HOOKCTL_<PROFILE>_<NAME>: the profile name upper-cased, with - and
. as _ (HOOKCTL_BILLING_LIVE_API_KEY for profile billing-live). A profile's own
variable wins over the unscoped HOOKCTL_<NAME> below, which serves every
profile without one; so one job can reach several accounts, also of providers
that name a credential alike (api-key at solvimon and offblocks):
{{CREDENTIAL_ENV}}

Other:
NO_COLOR                disable colour (any value; also --no-color)
COLUMNS                 width tables on a terminal are fitted to (default:
                        the terminal's; piped output is never cut)
XDG_CONFIG_HOME         config directory (default ~/.config)
XDG_STATE_HOME          state directory: journals, locks, caches
                        (default ~/.local/state)`},
	{"credentials", "Where credentials and webhook secrets live", `API credentials and webhook signing secrets live in the OS keyring
(Secret Service on Linux, Keychain on macOS, Credential Manager on Windows),
service "hookctl", one entry per <profile>/<name>. Every keyring call gives
up after 3 seconds with a clear error.

{{CREDENTIALS_BY_PROVIDER}}

Access tokens ({{TOKEN_PROVIDERS}}) are cached until shortly before they
expire, each valid only for the credential that obtained it (the cache is
keyed by a fingerprint of it, never the secret itself): a changed or wrong
secret, in the keyring or the environment, always asks for a new token.

Webhook secrets: 'register' and 'rotate-secret' store each registration's
secret as current; rotation keeps the old one as previous for as long as
the provider still signs with it, so 'verify' accepts both.

CI: set the HOOKCTL_* variables, each profile's own HOOKCTL_<PROFILE>_<NAME>
or the unscoped HOOKCTL_<NAME> ('hookctl help environment'); they win over
the keyring and no prompt is ever shown without a terminal.

No keyring (a server without a Secret Service): login credentials can come
from the env variables, but webhook secrets are never read from the
environment and need a store: opt in to a plain 0600 file with
--insecure-storage or HOOKCTL_STORAGE=file. hookctl never falls back to a
file on its own; until then a command that must keep a secret (register,
rotate-secret, apply, auth login) stops before changing anything, with exit
1 and, with -o json, the code "storage_unavailable".

'hookctl auth status' shows where each credential comes from and asks the
provider whether it accepts them (exit 4 if not); 'hookctl auth login'
asks before it stores anything.`},
}

// newHelpTopic builds the command that shows topic t: it has only help,
// listed under "Additional help topics".
func newHelpTopic(t helpTopic) *cobra.Command {
	long := t.long
	for _, r := range []struct {
		key string
		val func() string
	}{
		{"{{CREDENTIAL_ENV}}", credentialEnvHelp},
		{"{{CREDENTIALS_BY_PROVIDER}}", credentialsByProviderHelp},
		{"{{TOKEN_PROVIDERS}}", func() string { return strings.Join(tokenProviders(), ", ") }},
	} {
		if strings.Contains(long, r.key) {
			long = strings.ReplaceAll(long, r.key, r.val())
		}
	}
	return &cobra.Command{Use: t.name, Short: t.short, Long: long}
}

// loginCredentialsByProvider are the credentials a user gives (not cached tokens),
// by provider, from the provider specs.
func loginCredentialsByProvider() map[string][]provider.Credential {
	out := map[string][]provider.Credential{}
	for _, spec := range providers.All() {
		for _, c := range spec.Credentials {
			if !c.Cache {
				out[spec.Name] = append(out[spec.Name], c)
			}
		}
	}
	return out
}

// credentialEnvHelp lists the HOOKCTL_* variable of every login credential
// with what it holds at each provider, from the provider specs.
func credentialEnvHelp() string {
	var order []string
	what := map[string][]string{}
	by := loginCredentialsByProvider()
	for _, spec := range providers.All() {
		for _, c := range by[spec.Name] {
			v := credentials.EnvVar(c.Name)
			if what[v] == nil {
				order = append(order, v)
			}
			what[v] = append(what[v], spec.Name+": "+c.Prompt)
		}
	}
	var b strings.Builder
	for _, v := range order {
		fmt.Fprintf(&b, "%-23s %s\n", v, strings.Join(what[v], "; "))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// credentialsByProviderHelp lists each provider's credential names.
func credentialsByProviderHelp() string {
	var b strings.Builder
	by := loginCredentialsByProvider()
	for _, spec := range providers.All() {
		var names []string
		for _, c := range by[spec.Name] {
			switch {
			case c.Optional:
				names[len(names)-1] += " (or " + c.Name + ")"
				continue
			case c.Generated:
				names = append(names, c.Name+" (from 'hookctl keys generate')")
			default:
				names = append(names, c.Name)
			}
		}
		fmt.Fprintf(&b, "  %-10s %s\n", spec.Name, strings.Join(names, ", "))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// tokenProviders are the providers whose access tokens hookctl caches.
func tokenProviders() []string {
	var out []string
	for _, spec := range providers.All() {
		if slices.ContainsFunc(spec.Credentials, func(c provider.Credential) bool { return c.Cache && c.Name == "token" }) {
			out = append(out, spec.Name)
		}
	}
	return out
}

// generatedKeysHelp lists the providers that need a client key pair and
// what it is for, from the provider specs.
func generatedKeysHelp() string {
	var b strings.Builder
	for _, spec := range providers.All() {
		for _, c := range spec.Credentials {
			if c.Generated {
				fmt.Fprintf(&b, "\n  %-10s %s", spec.Name, c.Prompt)
			}
		}
	}
	return b.String()
}
