package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/verify"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// `hookctl verify --batch`: the flags become a verify.Batch, which reads,
// checks and writes the lines; what is left here is the exit status.

func runVerifyBatch(ctx context.Context, opts *VerifyOptions) error {
	var in io.Reader = opts.F.IO.In
	if opts.BatchFile != "-" {
		fh, err := os.Open(opts.BatchFile)
		if err != nil {
			return usageErrorf("--batch: %v", err)
		}
		defer fh.Close()
		in = fh
	}
	b, err := newBatch(opts)
	if err != nil {
		return err
	}
	defer verify.RaiseBatchGC(opts.F.Getenv)()
	printer, err := opts.F.Printer()
	if err != nil {
		return err
	}
	out := verify.BatchOutput{W: opts.F.IO.Out, JSON: printer.Structured()}
	if printer.JQ != "" {
		out.Each = func(bl verify.BatchLine) error { return printer.Print(bl, nil) }
	}
	counts, err := b.Run(ctx, in, out)
	var le *verify.LineError
	if errors.As(err, &le) {
		return fmt.Errorf("--batch %w", err) // "--batch line N: ..."
	}
	if err != nil {
		return err
	}
	if err := batchStatus(counts); err != nil {
		return err
	}
	if !printer.Structured() {
		notice(opts.F, "all %d deliveries valid", counts.Total)
	}
	return nil
}

// newBatch is the batch verifier for the flags: keys from the key flags,
// else from each entry's "id" in the profile.
func newBatch(opts *VerifyOptions) (*verify.Batch, error) {
	now := opts.F.Now()
	if opts.Now != "" {
		var err error
		if now, err = parseTimeFlag(opts.Now); err != nil {
			return nil, usageErrorf("--now: %v", err)
		}
	}
	keys := func(ctx context.Context, id string) ([]signature.Key, string, error) {
		o := *opts
		if id != "" && !o.keyFlag() {
			o.ID = id
		}
		if o.ID == "" && !o.keyFlag() {
			return nil, "", usageErrorf("no key for this entry: give it an \"id\" (with -p), or pass a key flag")
		}
		return verifyKeys(ctx, &o)
	}
	return &verify.Batch{Scheme: opts.Scheme, TargetURIScheme: opts.TargetURIScheme,
		Options: signature.Options{Now: now, Tolerance: opts.Tolerance},
		Keys:    keys, Refresh: newKeyRefresher(opts)}, nil
}

// batchStatus is the exit status of a batch: 3 when any delivery failed
// verification, else 2 when any entry could not be checked.
func batchStatus(c verify.BatchCounts) error {
	if c.Failed > 0 {
		msg := fmt.Sprintf("%d of %d deliveries failed verification", c.Failed, c.Total)
		if c.BadInput > 0 {
			msg += fmt.Sprintf("; %d could not be checked (input errors)", c.BadInput)
		}
		return webhook.Errorf(webhook.KindVerify, "%s", msg)
	}
	if c.BadInput > 0 {
		return webhook.Errorf(webhook.KindUsage, "%d of %d entries could not be checked (input errors: see each line's error); the others are valid", c.BadInput, c.Total)
	}
	return nil
}
