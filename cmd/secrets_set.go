package cmd

import (
	"cmp"
	"context"
	"crypto/subtle"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// SecretsSetOptions are `hookctl secrets set`'s inputs; --current-secret-file
// reads with them too.
type SecretsSetOptions struct {
	F          *Factory
	ID         string
	SecretFile string
	SecretEnv  string
	// fileFlag names the file flag in messages (default --secret-file).
	fileFlag string
	// NoVerify stores the secret without asking the provider (secrets set).
	NoVerify bool
}

// NewCmdSecretsSet builds `hookctl secrets set`.
func NewCmdSecretsSet(f *Factory, runF func(*SecretsSetOptions) error) *cobra.Command {
	opts := &SecretsSetOptions{F: f}
	c := &cobra.Command{
		Use:   "set <id> [flags]",
		Short: "Store the known secret of a registration created elsewhere",
		Long: `Store a registration's current signing secret, for a registration hookctl did not
create (or whose secret it lost). The secret comes from --secret-file, from
--secret-env, from stdin when it is not a terminal, or from a prompt; never from
the command line. The registration must exist at the provider.

Where the provider returns the registration's secret (solvimon; pwc when the
subscription's secret is encrypted to this profile's key; pexa), the secret
given must be that one: a mismatch is refused (exit 3) and nothing is stored.
Where it does not, the secret is stored unchecked, with a warning: PwC proves a
secret only when a change is sent with it, and secrets set sends none.
--no-verify stores it without asking the provider at all (e.g. offline).

A previous secret is kept only where the provider reports one, valid for the
provider's overlap from when the provider says it rolled the secret; a secret
hookctl held before is not kept otherwise, as nothing says it is still valid.`,
		Example: `  # adopt a PwC subscription created by another tool
  $ hookctl secrets set 5f0c... --secret-env PWC_SUBSCRIPTION_SECRET
  $ vault kv get -field=secret secret/hooks/whk_1 | hookctl secrets set whk_1`,
		Args:              exactArgs(1, "one registration id"),
		ValidArgsFunction: completeIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			if opts.SecretFile != "" && opts.SecretEnv != "" {
				return usageErrorf("give one of --secret-file and --secret-env")
			}
			opts.ID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runSecretsSet(c.Context(), opts)
		},
	}
	c.Flags().StringVar(&opts.SecretFile, "secret-file", "", "read the secret from `FILE` (one trailing newline is dropped)")
	c.Flags().StringVar(&opts.SecretEnv, "secret-env", "", "read the secret from the environment variable `VAR`")
	c.Flags().BoolVar(&opts.NoVerify, "no-verify", false, "store without asking the provider whether the registration exists and the secret is its own")
	return c
}

func runSecretsSet(ctx context.Context, opts *SecretsSetOptions) error {
	f, id := opts.F, opts.ID
	secret, err := readKnownSecret(ctx, f, opts)
	if err != nil {
		return err
	}
	prov, profile, err := f.Provider()
	if err != nil {
		return err
	}
	_, spec, err := f.Profile()
	if err != nil {
		return err
	}
	var reg *webhook.Registration
	if opts.NoVerify {
		warn(f, "the secret of %s is not checked against %s (--no-verify)", id, prov.Name())
	} else {
		if reg, err = prov.Get(ctx, id); err != nil {
			if webhook.KindOf(err) == webhook.KindNotFound {
				return &webhook.Error{Kind: webhook.KindNotFound, Err: err, Msg: "nothing stored"}
			}
			return &webhook.Error{Kind: webhook.KindOf(err), Err: err,
				Msg: "could not check " + id + " at " + prov.Name() + ", nothing stored (--no-verify stores the secret unchecked)"}
		}
		if err := checkKnownSecret(prov.Name(), profile.Name, id, secret, reg); err != nil {
			return err
		}
		if reg.Secret == "" {
			warn(f, "%s gave no secret of %s that hookctl can read, so the one given is not checked: a wrong one shows at the first verify or change", prov.Name(), id)
		}
	}
	creds, err := f.Credentials()
	if err != nil {
		return err
	}
	dropped := false
	err = creds.UpdateWebhookSecrets(profile.Name, id, func(ws *credentials.WebhookSecrets) error {
		dropped = adoptSecret(ws, secret, reg, spec.SecretOverlap, f.Now())
		return nil
	})
	if err != nil {
		return err
	}
	if reg != nil && reg.Secret != "" {
		notice(f, "the secret of %s is the one %s has (checked against %s)", id, prov.Name(), prov.Name())
	}
	if dropped {
		notice(f, "the secret held before for %s is not kept: %s does not report it as still valid", id, prov.Name())
	}
	notice(f, "stored the current secret of %s (profile %s)", id, profile.Name)
	return nil
}

// checkKnownSecret refuses a secret that is not the one the provider
// returned for the registration (exit 3). Nothing to compare with (the
// provider does not return it) passes: the caller warns.
func checkKnownSecret(provider, profile, id, secret string, reg *webhook.Registration) error {
	if reg.Secret == "" || subtle.ConstantTimeCompare([]byte(reg.Secret), []byte(secret)) == 1 {
		return nil
	}
	return webhook.Errorf(webhook.KindVerify, "verification failed: the secret given for %s is not the secret %s has for it; nothing stored", id, provider).
		WithHint("check the source for a typo or a stale copy; `hookctl get %s -p %s --show-secret` prints the one %s has, and --no-verify stores the given one unchecked", id, profile, provider)
}

// adoptSecret makes secret the current one. A previous secret is what the
// provider reports (reg.PreviousSecret), valid for overlap from when the
// provider says it rolled the secret, and only while that lasts: nothing
// else says how long an old secret stays valid, so none is made up. It
// reports whether a secret held before was dropped for that reason.
func adoptSecret(ws *credentials.WebhookSecrets, secret string, reg *webhook.Registration, overlap time.Duration, now time.Time) (dropped bool) {
	if ws.Current != nil && ws.Current.Value == secret {
		return false
	}
	old := ws.Current
	ws.Current = &credentials.SecretEntry{Value: secret, StoredAt: now.UTC()}
	if ws.Pending != nil && ws.Pending.Value == secret {
		ws.Pending = nil
	}
	ws.Previous = nil
	if reg != nil && reg.PreviousSecret != "" && reg.PreviousSecret != secret && reg.SecretRotatedAt != nil && overlap > 0 {
		if until := reg.SecretRotatedAt.Add(overlap).UTC(); now.Before(until) {
			stored := now.UTC()
			if old != nil && old.Value == reg.PreviousSecret {
				stored = old.StoredAt
			}
			ws.Previous = &credentials.SecretEntry{Value: reg.PreviousSecret, ValidUntil: &until, StoredAt: stored}
		}
	}
	return old != nil && (ws.Previous == nil || ws.Previous.Value != old.Value)
}

// readKnownSecret reads `secrets set`'s secret from its one source.
func readKnownSecret(ctx context.Context, f *Factory, opts *SecretsSetOptions) (string, error) {
	flag := cmp.Or(opts.fileFlag, "--secret-file")
	var v string
	switch {
	case opts.SecretFile != "":
		fh, err := os.Open(opts.SecretFile)
		if err != nil {
			return "", usageErrorf("%s: %v", flag, err)
		}
		defer fh.Close()
		b, err := io.ReadAll(io.LimitReader(fh, maxSecretInput+1))
		if err != nil {
			return "", usageErrorf("%s: %v", flag, err)
		}
		v = string(b)
	case opts.SecretEnv != "":
		v = f.Getenv(opts.SecretEnv)
		if v == "" {
			return "", usageErrorf("--secret-env: %s is empty or unset", opts.SecretEnv)
		}
	case !f.IO.IsStdinTTY():
		b, err := io.ReadAll(io.LimitReader(f.IO.In, maxSecretInput+1))
		if err != nil {
			return "", err
		}
		v = string(b)
	case f.IO.CanPrompt():
		s, err := readSecretPrompt(ctx, f, "Secret: ", int(os.Stdin.Fd()))
		if err != nil {
			return "", err
		}
		v = s
	case opts.fileFlag != "":
		return "", usageErrorf("%s -: nothing on stdin and no terminal to ask on", flag)
	default:
		return "", usageErrorf("give the secret with --secret-file, --secret-env or on stdin")
	}
	if len(v) > maxSecretInput {
		return "", usageErrorf("the secret is longer than %d bytes; give only the secret", maxSecretInput)
	}
	v = strings.TrimSuffix(strings.TrimSuffix(v, "\n"), "\r")
	if v == "" || strings.ContainsAny(v, "\r\n") {
		return "", usageErrorf("the secret must be one non-empty line")
	}
	return v, nil
}
