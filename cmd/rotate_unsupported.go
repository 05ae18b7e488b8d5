package cmd

import (
	"context"
	"errors"

	"github.com/hookctl/hookctl/pkg/rotation"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// rotateNotSupported is `rotate-secret --all` over a profile whose
// provider has no webhook secrets (OffBlocks): every registration is
// reported "not supported", with the provider's hint once on stderr, and
// the run succeeds, in --dry-run as in the real run. A job that rotates
// every profile goes on to the next one; naming ids of such a profile is
// still a request that cannot be met (unsupported, exit 2).
func rotateNotSupported(ctx context.Context, opts *RotateOptions, prov webhook.Provider, unsupported error) error {
	printer, err := opts.F.Printer()
	if err != nil {
		return err
	}
	regs, err := prov.List(ctx, webhook.ListOptions{All: true})
	if err != nil {
		return err
	}
	rep := rotation.NotSupported(regs, prov.Name()+" has no webhook secret to rotate", opts.DryRun)
	if err := printer.Print(rotateRows(rep), rotateTable(rep, false)); err != nil {
		return err
	}
	msg := unsupported.Error()
	var we *webhook.Error
	if errors.As(unsupported, &we) && we.Hint != "" {
		msg = we.Msg + ": " + we.Hint
	}
	notice(opts.F, "%s", msg)
	notice(opts.F, "%s", rotateSummary(rep, opts.Redeliver))
	return nil
}
