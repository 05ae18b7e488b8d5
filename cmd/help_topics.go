package cmd

import (
	"github.com/spf13/cobra"
)

// helpTopics are `hookctl help <topic>` pages that are not commands.
var helpTopics = []struct{ name, short, long string }{
	{"exit-codes", "Exit codes and what they mean", `hookctl exits with:

    0  ok
    1  error (network, provider error, anything not below)
    2  usage error, invalid input rejected before any request, or a feature
       the provider does not support
    3  verification failed: bad signature, stale or future timestamp, digest
       mismatch
    4  not authenticated: credentials missing, rejected (HTTP 401/403), or
       the keyring unreachable
    5  not found
    6  partial failure: a bulk command where some items failed (each is
       reported)
    7  rate limited by the provider after retries
  130  interrupted (Ctrl-C or SIGTERM) before the command finished

With -o json an error is also printed to stderr as
{"error":{"code":"...","message":"...","hint":"..."}}.`},
	{"environment", "Environment variables hookctl reads", `HOOKCTL_PROFILE         profile to use (like -p)
HOOKCTL_CONFIG          config file (like --config)
HOOKCTL_BASE_URL        API base URL override (like --base-url)
HOOKCTL_STORAGE=file    keep credentials in a 0600 file instead of the OS
                        keyring (like --insecure-storage; announced on stderr)

Credentials (override the keyring; for CI):
HOOKCTL_API_KEY         solvimon API key; offblocks API key
HOOKCTL_TOKEN           solvimon Bearer token (instead of an API key)
HOOKCTL_CLIENT_SECRET   pexa OAuth2 client secret
HOOKCTL_API_SECRET      offblocks API secret
HOOKCTL_SIGNING_KEY     offblocks request-signing private key (PEM)
HOOKCTL_USERNAME        pwc user name
HOOKCTL_PASSWORD        pwc password
HOOKCTL_RSA_KEY         pwc RSA private key (PEM)

Other:
NO_COLOR                disable colour
XDG_CONFIG_HOME         config directory (default ~/.config)
XDG_STATE_HOME          state directory: journals, locks, caches
                        (default ~/.local/state)`},
	{"credentials", "Where credentials and webhook secrets live", `API credentials and webhook signing secrets live in the OS keyring
(Secret Service on Linux, Keychain on macOS, Credential Manager on Windows),
service "hookctl", one entry per <profile>/<name>. Every keyring call gives
up after 3 seconds with a clear error.

  solvimon   api-key (or token)
  pexa       client-secret
  offblocks  api-key, api-secret, signing-key (from 'hookctl keys generate')
  pwc        username, password, rsa-key (from 'hookctl keys generate')

Access tokens (pexa, offblocks, pwc) are cached until shortly before they
expire, each valid only for the credential that obtained it (the cache is
keyed by a fingerprint of it, never the secret itself): a changed or wrong
secret, in the keyring or the environment, always asks for a new token.

Webhook secrets: 'register' and 'rotate-secret' store each registration's
secret as current; rotation keeps the old one as previous for as long as
the provider still signs with it, so 'verify' accepts both.

CI: set the HOOKCTL_* variables ('hookctl help environment'); they win over
the keyring and no prompt is ever shown without a terminal.

No keyring (a server without a Secret Service): use the env variables, or
opt in to a plain 0600 file with --insecure-storage or HOOKCTL_STORAGE=file.
hookctl never falls back to a file on its own.

'hookctl auth status' shows where each credential comes from and asks the
provider whether it accepts them (exit 4 if not); 'hookctl auth login'
asks before it stores anything.`},
}

func addHelpTopics(root *cobra.Command) {
	for _, t := range helpTopics {
		root.AddCommand(&cobra.Command{
			Use:   t.name,
			Short: t.short,
			Long:  t.long,
			// A help topic: listed under "Additional help topics".
			Run: nil,
		})
	}
}
