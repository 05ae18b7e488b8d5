package cmd

// --current-secret-file, which delete, rotate-secret and update take.

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// addCurrentSecretFlag adds --current-secret-file to a command that changes
// a registration whose provider wants its current secret as proof (PwC).
func addCurrentSecretFlag(c *cobra.Command, p *string) {
	c.Flags().StringVar(p, "current-secret-file", "", "prove ownership with the registration's current secret read from `FILE` (- for stdin), for this call only, never stored (pwc)")
}

// useCurrentSecret hands the secret of --current-secret-file to the
// provider for id: for one call on a registration whose secret hookctl
// does not hold, without storing it.
func useCurrentSecret(ctx context.Context, f *Factory, prov webhook.Provider, id, file string) error {
	if file == "" {
		return nil
	}
	p, ok := prov.(webhook.CurrentSecretProver)
	if !ok {
		return webhook.Unsupported(prov.Name(), "--current-secret-file")
	}
	opts := &SecretsSetOptions{SecretFile: file, fileFlag: "--current-secret-file"}
	if file == "-" {
		opts.SecretFile = "" // stdin, or a prompt on a terminal
	}
	secret, err := readKnownSecret(ctx, f, opts)
	if err != nil {
		return err
	}
	p.UseCurrentSecret(id, secret)
	return nil
}
