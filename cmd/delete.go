package cmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// DeleteOptions are `hookctl delete`'s inputs.
type DeleteOptions struct {
	F              *Factory
	IDs            []string
	IgnoreNotFound bool
	// CurrentSecretFile proves ownership for this call only (PwC).
	CurrentSecretFile string
}

// NewCmdDelete builds `hookctl delete`.
func NewCmdDelete(f *Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{F: f}
	c := &cobra.Command{
		Use:     "delete <id>... [flags]",
		Aliases: []string{"unregister", "rm"},
		Short:   "Delete webhook registrations",
		Long: `Delete registrations at the provider and forget their stored secrets.
On a terminal it asks first; without one it needs --yes. Each id is deleted
in turn and reported; with several ids, the exit code is 6 when some failed.
--ignore-not-found treats an id the provider does not know as deleted (exit 0),
for scripts that must converge.`,
		Example: `  $ hookctl delete whk_8f3a2c1d9e7b6a5f4c3d
  $ hookctl delete whk_8f3a2c1d9e7b6a5f4c3d whk_1a2b3c4d5e6f7a8b9c0d --yes -o json
  $ hookctl delete whk_8f3a2c1d9e7b6a5f4c3d --yes --ignore-not-found

  # PwC: a subscription whose secret hookctl does not hold
  $ hookctl delete 5f0c... --yes --current-secret-file secret.txt`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("expected one or more registration ids")
			}
			return nil
		},
		ValidArgsFunction: completeIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IDs = uniqueIDs(args)
			if opts.CurrentSecretFile != "" && len(opts.IDs) != 1 {
				return usageErrorf("--current-secret-file holds the secret of one registration: name exactly one id")
			}
			if runF != nil {
				return runF(opts)
			}
			return runDelete(c.Context(), opts)
		},
	}
	c.Flags().BoolVar(&opts.IgnoreNotFound, "ignore-not-found", false, "treat an id the provider does not know as already deleted")
	addCurrentSecretFlag(c, &opts.CurrentSecretFile)
	return c
}

// deleteRow is one id's outcome in `delete -o json`.
type deleteRow struct {
	ID     string `json:"id"`
	Status string `json:"status"` // deleted, not_found, failed
	Error  string `json:"error"`
}

func runDelete(ctx context.Context, opts *DeleteOptions) error {
	prov, profile, err := opts.F.Provider()
	if err != nil {
		return err
	}
	if err := useCurrentSecret(ctx, opts.F, prov, opts.IDs[0], opts.CurrentSecretFile); err != nil {
		return err
	}
	printer, err := opts.F.Printer()
	if err != nil {
		return err
	}
	what := opts.IDs[0]
	if len(opts.IDs) > 1 {
		what = fmt.Sprintf("%d registrations (%s)", len(opts.IDs), strings.Join(opts.IDs, ", "))
	}
	if err := confirm(ctx, opts.F, fmt.Sprintf("Delete %s at %s (profile %s)?", what, prov.Name(), profile.Name)); err != nil {
		return err
	}
	creds, credErr := opts.F.Credentials()
	rows := make([]deleteRow, 0, len(opts.IDs))
	var firstErr error
	failed := 0
	for _, id := range opts.IDs {
		err := prov.Delete(ctx, id)
		row := deleteRow{ID: id, Status: "deleted"}
		switch {
		case err == nil:
		case opts.IgnoreNotFound && webhook.KindOf(err) == webhook.KindNotFound:
			row.Status = "not_found"
		default:
			row.Status, row.Error = "failed", err.Error()
			failed++
			if firstErr == nil {
				firstErr = err
			}
			rows = append(rows, row)
			continue
		}
		if credErr == nil {
			if err := creds.DeleteWebhookSecrets(profile.Name, id); err != nil {
				warn(opts.F, "deleted %s, but its stored secrets could not be removed: %v", id, err)
			}
		}
		rows = append(rows, row)
	}
	if len(opts.IDs) == 1 && failed == 1 {
		return firstErr // one id keeps its own error and exit code
	}
	if printer.Structured() || len(opts.IDs) > 1 {
		t := &output.Table{Headers: []string{"ID", "STATUS", "ERROR"}, Wrap: []string{"ERROR"}}
		for _, r := range rows {
			t.AddRow(r.ID, r.Status, firstLine(r.Error))
		}
		if err := printer.Print(rows, t); err != nil {
			return err
		}
	}
	for _, r := range rows {
		switch r.Status {
		case "deleted":
			notice(opts.F, "deleted %s", r.ID)
		case "not_found":
			notice(opts.F, "%s was not found at %s (--ignore-not-found)", r.ID, prov.Name())
		}
	}
	if failed > 0 {
		return webhook.Errorf(webhook.KindPartial, "%d of %d deletions failed", failed, len(opts.IDs))
	}
	return nil
}
