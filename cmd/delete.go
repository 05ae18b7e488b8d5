package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

// DeleteOptions are `hookctl delete`'s inputs.
type DeleteOptions struct {
	F  *Factory
	ID string
}

// NewCmdDelete builds `hookctl delete`.
func NewCmdDelete(f *Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{F: f}
	c := &cobra.Command{
		Use:     "delete <id> [flags]",
		Aliases: []string{"unregister", "rm"},
		Short:   "Delete a webhook registration",
		Long: `Delete a registration at the provider and forget its stored secrets.
On a terminal it asks first; without one it needs --yes.`,
		Example: `  $ hookctl delete wh_123
  $ hookctl delete wh_123 --yes`,
		Args:              exactArgs(1, "one registration id"),
		ValidArgsFunction: completeIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runDelete(c.Context(), opts)
		},
	}
	return c
}

func runDelete(ctx context.Context, opts *DeleteOptions) error {
	prov, profile, err := opts.F.Provider()
	if err != nil {
		return err
	}
	if err := confirm(opts.F, fmt.Sprintf("Delete registration %s at %s (profile %s)?", opts.ID, prov.Name(), profile.Name)); err != nil {
		return err
	}
	if err := prov.Delete(ctx, opts.ID); err != nil {
		return err
	}
	if creds, err := opts.F.Credentials(); err == nil {
		if err := creds.DeleteWebhookSecrets(profile.Name, opts.ID); err != nil {
			warn(opts.F, "deleted %s, but its stored secrets could not be removed: %v", opts.ID, err)
		}
	}
	notice(opts.F, "deleted %s", opts.ID)
	return nil
}
