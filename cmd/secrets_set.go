package cmd

import (
	"cmp"
	"context"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// secretsSetOptions are `secrets set`'s inputs; --current-secret-file reads
// with them too.
type secretsSetOptions struct {
	SecretFile string
	SecretEnv  string
	// fileFlag names the file flag in messages (default --secret-file).
	fileFlag string
}

func newCmdSecretsSet(f *Factory) *cobra.Command {
	opts := &secretsSetOptions{}
	c := &cobra.Command{
		Use:   "set <id> [flags]",
		Short: "Store the known secret of a registration created elsewhere",
		Long: `Store a registration's current signing secret, for a registration hookctl did not
create (or whose secret it lost). The secret comes from --secret-file, from
--secret-env, from stdin when it is not a terminal, or from a prompt; never from
the command line. A secret hookctl held before is kept as previous, valid for the
provider's overlap. The registration must exist at the provider.`,
		Example: `  # adopt a PwC subscription created by another tool
  $ hookctl secrets set 5f0c... --secret-env PWC_SUBSCRIPTION_SECRET
  $ vault kv get -field=secret secret/hooks/whk_1 | hookctl secrets set whk_1`,
		Args:              exactArgs(1, "one registration id"),
		ValidArgsFunction: completeIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			if opts.SecretFile != "" && opts.SecretEnv != "" {
				return usageErrorf("give one of --secret-file and --secret-env")
			}
			return runSecretsSet(c.Context(), f, opts, args[0])
		},
	}
	c.Flags().StringVar(&opts.SecretFile, "secret-file", "", "read the secret from `FILE` (one trailing newline is dropped)")
	c.Flags().StringVar(&opts.SecretEnv, "secret-env", "", "read the secret from the environment variable `VAR`")
	return c
}

func runSecretsSet(ctx context.Context, f *Factory, opts *secretsSetOptions, id string) error {
	secret, err := readKnownSecret(f, opts)
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
	if _, err := prov.Get(ctx, id); err != nil {
		if webhook.KindOf(err) == webhook.KindNotFound {
			return &webhook.Error{Kind: webhook.KindNotFound, Err: err, Msg: "nothing stored"}
		}
		warn(f, "could not check that %s exists at %s (%v); storing its secret anyway", id, prov.Name(), firstLine(err.Error()))
	}
	creds, err := f.Credentials()
	if err != nil {
		return err
	}
	if err := creds.StoreCurrent(profile.Name, id, secret, spec.SecretOverlap, f.Now()); err != nil {
		return err
	}
	notice(f, "stored the current secret of %s (profile %s)", id, profile.Name)
	return nil
}

// readKnownSecret reads `secrets set`'s secret from its one source.
func readKnownSecret(f *Factory, opts *secretsSetOptions) (string, error) {
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
		s, err := readSecretPrompt(f, "Secret: ", int(os.Stdin.Fd()))
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
