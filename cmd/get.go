package cmd

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
)

// GetOptions are `hookctl get`'s inputs.
type GetOptions struct {
	F          *Factory
	ID         string
	ShowSecret bool
}

// expiryWarning is how early `get` warns about an expiring secret.
const expiryWarning = 7 * 24 * time.Hour

// NewCmdGet builds `hookctl get`.
func NewCmdGet(f *Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{F: f}
	c := &cobra.Command{
		Use:     "get <id> [flags]",
		Aliases: []string{"show"},
		Short:   "Show one webhook registration",
		Example: `  # Solvimon
  $ hookctl get whk_3354cb22cdfe209a3847

  # PEXA, as JSON
  $ hookctl get -p pexa-uk 3f2b8c1e-5d4a-4e6f-9a1b-2c3d4e5f6a7b -o json`,
		Args:              exactArgs(1, "one registration id"),
		ValidArgsFunction: completeIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runGet(c.Context(), opts)
		},
	}
	c.Flags().BoolVar(&opts.ShowSecret, "show-secret", false, "print the secret in full")
	return c
}

func runGet(ctx context.Context, opts *GetOptions) error {
	prov, profile, err := opts.F.Provider()
	if err != nil {
		return err
	}
	printer, err := opts.F.Printer()
	if err != nil {
		return err
	}
	reg, err := prov.Get(ctx, opts.ID)
	if err != nil {
		return err
	}
	stored := ""
	if creds, err := opts.F.Credentials(); err == nil {
		if ws, err := creds.WebhookSecrets(profile.Name, reg.ID); err == nil && ws.Current != nil {
			stored = ws.Current.Value
		}
	}
	if exp := reg.SecretExpiresAt; exp != nil {
		if left := exp.Sub(opts.F.Now()); left < expiryWarning {
			if left <= 0 {
				warn(opts.F, "the secret of %s expired at %s; rotate it: hookctl rotate-secret %s", reg.ID, output.Time(exp), reg.ID)
			} else {
				warn(opts.F, "the secret of %s expires in %s (%s); rotate it: hookctl rotate-secret %s", reg.ID, left.Round(time.Hour), output.Time(exp), reg.ID)
			}
		}
	}
	data, table := output.Detail(*reg, opts.ShowSecret, stored)
	return printer.Print(data, table)
}
