package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// RotateOptions are `hookctl rotate-secret`'s inputs.
type RotateOptions struct {
	F          *Factory
	IDs        []string
	ShowSecret bool
}

// rotateResult is one row of the rotation report.
type rotateResult struct {
	ID                  string `json:"id"`
	Status              string `json:"status"`
	OldSecretValidUntil string `json:"old_secret_valid_until,omitempty"`
	OldSecretRevoked    bool   `json:"old_secret_revoked,omitempty"`
	SecretExpiresAt     string `json:"secret_expires_at,omitempty"`
	Secret              string `json:"secret,omitempty"`
	Error               string `json:"error,omitempty"`
}

// NewCmdRotate builds `hookctl rotate-secret`.
func NewCmdRotate(f *Factory, runF func(*RotateOptions) error) *cobra.Command {
	opts := &RotateOptions{F: f}
	c := &cobra.Command{
		Use:   "rotate-secret <id>... [flags]",
		Short: "Rotate the signing secret of registrations",
		Long: `Rotate signing secrets. The new secret is stored in the keyring as current; the
old one is kept as previous for as long as the provider still signs with it.`,
		Example: `  $ hookctl rotate-secret wh_123`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("name at least one registration id")
			}
			return nil
		},
		ValidArgsFunction: completeIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IDs = args
			if runF != nil {
				return runF(opts)
			}
			return runRotate(c.Context(), opts)
		},
	}
	c.Flags().BoolVar(&opts.ShowSecret, "show-secret", false, "print the new secrets")
	return c
}

func runRotate(ctx context.Context, opts *RotateOptions) error {
	prov, profile, err := opts.F.Provider()
	if err != nil {
		return err
	}
	rot, ok := prov.(webhook.SecretRotator)
	if !ok {
		return webhook.Unsupported(prov.Name(), "rotate-secret")
	}
	creds, err := opts.F.Credentials()
	if err != nil {
		return err
	}
	printer, err := opts.F.Printer()
	if err != nil {
		return err
	}
	policy := rot.RotationPolicy()
	results := []rotateResult{}
	t := &output.Table{Headers: []string{"ID", "STATUS", "OLD SECRET", "ERROR"}}
	failed := 0
	for _, id := range opts.IDs {
		res := rotateResult{ID: id, Status: "ok"}
		r, err := rot.RotateSecret(ctx, id, webhook.RotateRequest{})
		if err == nil {
			err = creds.StoreCurrent(profile.Name, id, r.NewSecret, policy.Overlap, opts.F.Now())
		}
		if err != nil {
			failed++
			res.Status, res.Error = "failed", err.Error()
		} else {
			if r.PreviousValidUntil != nil {
				res.OldSecretValidUntil = output.Time(r.PreviousValidUntil)
			} else {
				res.OldSecretRevoked = true
			}
			res.SecretExpiresAt = output.Time(r.NewSecretExpiresAt)
			if opts.ShowSecret {
				res.Secret = r.NewSecret
			}
		}
		results = append(results, res)
		old := "valid until " + res.OldSecretValidUntil
		if res.OldSecretRevoked {
			old = "revoked"
		}
		if res.Status != "ok" {
			old = ""
		}
		t.AddRow(id, res.Status, old, firstLine(res.Error))
	}
	if err := printer.Print(results, t); err != nil {
		return err
	}
	switch {
	case failed == 0:
		return nil
	case failed == len(opts.IDs) && len(opts.IDs) == 1:
		return fmt.Errorf("rotate %s: %s", opts.IDs[0], results[0].Error)
	default:
		return webhook.Errorf(webhook.KindPartial, "%d of %d rotations failed", failed, len(opts.IDs))
	}
}
