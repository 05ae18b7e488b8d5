package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// SecretsRevokePreviousOptions are `hookctl secrets revoke-previous`'s inputs.
type SecretsRevokePreviousOptions struct {
	F  *Factory
	ID string
}

// NewCmdSecretsRevokePrevious builds `hookctl secrets revoke-previous`.
func NewCmdSecretsRevokePrevious(f *Factory, runF func(*SecretsRevokePreviousOptions) error) *cobra.Command {
	opts := &SecretsRevokePreviousOptions{F: f}
	return &cobra.Command{
		Use:   "revoke-previous <id>",
		Short: "End a rotation's overlap now: the provider stops signing with the previous secret (solvimon)",
		Long: `After 'hookctl rotate-secret', the provider keeps signing deliveries with the
previous secret too until the overlap ends (Solvimon: 24 hours). Once the
receiver has the new secret, revoke-previous ends the overlap at once (Solvimon's
DELETE .../secret-key), and hookctl forgets the previous secret, so 'hookctl
verify' stops accepting it.

Solvimon documents the call as "Remove the webhook secret, this will roll the
existing one" without saying whether the current secret survives. hookctl keeps
what Solvimon's answer reports: when the current secret was rolled as well, the
new one is stored as current and a warning says to give it to the receiver
('hookctl rotate-secret ID --redeliver --secret-out FILE' or '--exec CMD').
On a terminal it asks first; without one it needs --yes.`,
		Example: `  $ hookctl rotate-secret whk_1
  # ... deploy the new secret to the receiver, then:
  $ hookctl secrets revoke-previous whk_1 --yes`,
		Args:              exactArgs(1, "one registration id"),
		ValidArgsFunction: completeIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runSecretsRevokePrevious(c.Context(), opts)
		},
	}
}

func runSecretsRevokePrevious(ctx context.Context, opts *SecretsRevokePreviousOptions) error {
	f, id := opts.F, opts.ID
	prov, profile, err := f.Provider()
	if err != nil {
		return err
	}
	rv, ok := prov.(webhook.PreviousSecretRevoker)
	if !ok {
		return webhook.Unsupported(prov.Name(), "revoking the previous secret")
	}
	_, spec, err := f.Profile()
	if err != nil {
		return err
	}
	creds, err := f.Credentials()
	if err != nil {
		return err
	}
	if err := confirm(ctx, f, fmt.Sprintf("Stop %s signing deliveries of %s with the previous secret (profile %s)?", prov.Name(), id, profile.Name)); err != nil {
		return err
	}
	reg, err := rv.RevokePreviousSecret(ctx, id)
	if err != nil {
		return err
	}
	var rolled bool
	err = creds.UpdateWebhookSecrets(profile.Name, id, func(ws *credentials.WebhookSecrets) error {
		rolled = mirrorSecrets(ws, reg, spec.SecretOverlap, f.Now())
		return nil
	})
	if err != nil {
		return &webhook.Error{Kind: webhook.KindOf(err), Err: err,
			Msg: fmt.Sprintf("%s stopped signing %s with the previous secret, but the stored secrets could not be updated", prov.Name(), id)}
	}
	msg := "previous secret revoked"
	if rolled {
		msg += "; the current secret was rolled too"
		warn(f, "%s rolled the current secret of %s as well: deliveries are now signed with a new secret only, stored as current; "+
			"give it to the receiver now: hookctl rotate-secret %s -p %s --redeliver --secret-out FILE (or --exec CMD)", prov.Name(), id, id, profile.Name)
	}
	if reg.PreviousSecret != "" {
		warn(f, "%s still reports a previous secret for %s; it is kept until its overlap ends", prov.Name(), id)
	}
	return printResult(f, id, msg)
}

// mirrorSecrets makes the stored secrets of a registration what the
// provider reports after revoking the previous one: its current secret
// (new when the provider rolled it, which it reports as true), and a
// previous one only where the provider still has one. A pending secret is
// left alone.
func mirrorSecrets(ws *credentials.WebhookSecrets, reg *webhook.Registration, overlap time.Duration, now time.Time) (rolled bool) {
	if reg.Secret != "" && (ws.Current == nil || ws.Current.Value != reg.Secret) {
		rolled = ws.Current != nil
		ws.Current = &credentials.SecretEntry{Value: reg.Secret, StoredAt: now.UTC()}
	}
	switch {
	case reg.PreviousSecret == "":
		ws.Previous = nil
	case ws.Previous == nil || ws.Previous.Value != reg.PreviousSecret:
		from := now
		if reg.SecretRotatedAt != nil {
			from = *reg.SecretRotatedAt
		}
		until := from.Add(overlap).UTC()
		ws.Previous = &credentials.SecretEntry{Value: reg.PreviousSecret, ValidUntil: &until, StoredAt: now.UTC()}
	}
	return rolled
}
