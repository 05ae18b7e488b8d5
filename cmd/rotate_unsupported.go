package cmd

import (
	"context"
	"errors"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/rotation"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// rotateNotSupported is `rotate-secret --all` over a profile whose
// provider has no webhook secrets (OffBlocks): every registration is
// reported "not supported", with the provider's hint once on stderr, and
// the run succeeds, in --dry-run as in the real run. A job that rotates
// every profile goes on to the next one; naming ids of such a profile is
// still a request that cannot be met (unsupported, exit 2).
func rotateNotSupported(ctx context.Context, opts *RotateOptions, r profileRun, prov webhook.Provider, profile config.Profile, unsupported error) (rotated, error) {
	regs, err := prov.List(ctx, webhook.ListOptions{All: true})
	if err != nil {
		return rotated{}, err
	}
	rep := rotation.NotSupported(regs, prov.Name()+" has no webhook secret to rotate", opts.DryRun)
	msg := unsupported.Error()
	var we *webhook.Error
	if errors.As(unsupported, &we) && we.Hint != "" {
		msg = we.Msg + ": " + we.Hint
	}
	return rotated{profile: profile.Name, rep: rep, notes: []string{r.prefix() + msg, r.prefix() + rotateSummary(rep, opts.Redeliver)}}, nil
}
