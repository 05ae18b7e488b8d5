package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/bulkrun"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// ResendOptions are `hookctl deliveries resend`'s inputs.
type ResendOptions struct {
	DeliveriesOptions
	// Registration narrows a bulk resend to one registration's deliveries.
	Registration string
	DryRun       bool
	Concurrency  int
	Rate         string
}

// defaultResendConcurrency: resends in flight when the provider states no
// limit of its own.
const defaultResendConcurrency = 4

// NewCmdDeliveriesResend builds `hookctl deliveries resend`.
func NewCmdDeliveriesResend(f *Factory, runF func(*ResendOptions) error) *cobra.Command {
	opts := &ResendOptions{DeliveriesOptions: DeliveriesOptions{F: f}}
	c := &cobra.Command{
		Use:   "resend [<delivery-id>] [flags]",
		Short: "Ask the provider to send logged deliveries again",
		Long: `Ask the provider to send a logged delivery again, to the registration's
current URL, signed with its current secret (Solvimon's webhook-events resend).
Name one delivery id (the ID column of 'hookctl deliveries list'), or select
deliveries with --status (and --since) across the profile: every one is resent
(or of one registration, --id) with the bounded concurrency, rate limit and per-item report of bulk rotation,
and a summary line on stderr. A bulk resend asks for confirmation (--yes in
scripts); --dry-run lists what would be resent. A resend the receiver refuses
again exits 1 (one id) or 6 (some of many).`,
		Example: `  # one delivery
  $ hookctl deliveries resend whe_3b9d2f7a1c5e8d4b6a20 -p billing

  # every delivery that failed in the last day, after a receiver outage
  $ hookctl deliveries resend --status failed --since 24h -p billing --dry-run
  $ hookctl deliveries resend --status failed --since 24h -p billing --yes`,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 1 || (len(args) == 1) == (opts.Status != "") {
				return usageErrorf("name one delivery id, or select deliveries with --status (and --since)")
			}
			if len(args) == 1 {
				if opts.Registration != "" {
					return usageErrorf("--id narrows a bulk resend; a delivery id names one delivery already")
				}
				opts.ID = args[0]
			}
			if err := checkDeliveryStatus(opts.Status); err != nil {
				return err
			}
			if opts.Concurrency < 0 {
				return usageErrorf("--concurrency must be positive")
			}
			if _, err := parseRate(opts.Rate); err != nil {
				return usageErrorf("--rate: %v", err)
			}
			if runF != nil {
				return runF(opts)
			}
			return runResend(c.Context(), opts)
		},
	}
	addDeliveryFilters(c, &opts.DeliveriesOptions)
	fl := c.Flags()
	fl.StringVar(&opts.Registration, "id", "", "bulk: only the deliveries of registration `ID`")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "list what would be resent; send nothing")
	fl.IntVar(&opts.Concurrency, "concurrency", 0, fmt.Sprintf("resends in flight (default: the provider's, else %d)", defaultResendConcurrency))
	fl.StringVar(&opts.Rate, "rate", defaultRate, "at most `N/s` provider requests (0: unlimited)")
	return c
}

// resendRow is the JSON shape of one resend.
type resendRow struct {
	ID             string `json:"id"`
	RegistrationID string `json:"registration_id,omitempty"`
	Event          string `json:"event,omitempty"`
	Status         string `json:"status"`
	HTTPStatus     int    `json:"http_status"`
	Error          string `json:"error,omitempty"`
	err            error
}

func runResend(ctx context.Context, opts *ResendOptions) error {
	prog := startProgress(opts.F, "resent")
	defer prog.stop()
	prov, profile, err := rateLimitedProvider(opts.F, opts.Rate)
	if err != nil {
		return err
	}
	rs, ok := prov.(webhook.DeliveryResender)
	if !ok {
		return deliveriesUnsupported(prov, "deliveries resend", true)
	}
	printer, err := opts.F.Printer()
	if err != nil {
		return err
	}
	if opts.ID != "" {
		row := resendOne(ctx, rs, webhook.Delivery{ID: opts.ID})
		if err := printer.Print([]resendRow{row}, resendTable([]resendRow{row})); err != nil {
			return err
		}
		return row.err
	}
	dl, err := deliveryLog(prov)
	if err != nil {
		return err
	}
	ds, err := dl.Deliveries(ctx, opts.Registration, opts.query())
	if err != nil {
		return err
	}
	rows := make([]resendRow, len(ds))
	if opts.DryRun {
		for i, d := range ds {
			rows[i] = resendRow{ID: d.ID, RegistrationID: d.RegistrationID, Event: d.Event, Status: bulkrun.StatusPlanned, HTTPStatus: d.HTTPStatus}
		}
		if err := printer.Print(rows, resendTable(rows)); err != nil {
			return err
		}
		notice(opts.F, "dry run: %d would be resent; nothing was sent", len(rows))
		return nil
	}
	if len(ds) > 0 {
		if err := confirm(ctx, opts.F, fmt.Sprintf("Resend %d deliveries at %s (profile %s)?", len(ds), prov.Name(), profile.Name)); err != nil {
			return err
		}
	}
	conc := opts.Concurrency
	if sr, ok := prov.(webhook.SecretRotator); ok && conc == 0 {
		conc = sr.RotationPolicy().MaxConcurrency
	}
	if conc <= 0 {
		conc = defaultResendConcurrency
	}
	bulkrun.Each(ctx, len(ds), conc, func(i int) bool {
		rows[i] = resendOne(ctx, rs, ds[i])
		return rows[i].Status == bulkrun.StatusFailed
	}, func(i int) {
		rows[i] = resendRow{ID: ds[i].ID, RegistrationID: ds[i].RegistrationID, Event: ds[i].Event, Status: bulkrun.StatusNotStarted, err: ctx.Err()}
	}, prog.callback())
	prog.stop()
	if err := printer.Print(rows, resendTable(rows)); err != nil {
		return err
	}
	err = resendOutcome(opts.F, rows)
	if ctx.Err() != nil {
		return ctx.Err() // interrupted: exit 130, whatever the rows say
	}
	return err
}

// resendOne resends d; a receiver that fails again is a failed row.
func resendOne(ctx context.Context, rs webhook.DeliveryResender, d webhook.Delivery) resendRow {
	row := resendRow{ID: d.ID, RegistrationID: d.RegistrationID, Event: d.Event}
	got, err := rs.ResendDelivery(ctx, d.ID)
	if err == nil && got.Status == webhook.DeliveryFailed {
		msg := "the receiver did not take it"
		if got.Description != "" {
			msg += ": " + got.Description
		}
		err = webhook.Errorf(webhook.KindError, "resend %s: %s", d.ID, msg)
	}
	if got != nil {
		row.RegistrationID, row.Event, row.HTTPStatus = got.RegistrationID, got.Event, got.HTTPStatus
	}
	row.Status = bulkrun.StatusOK
	if err != nil {
		row.Status, row.Error, row.err = bulkrun.StatusFailed, err.Error(), err
	}
	return row
}

// resendOutcome prints the summary line and returns the run's error.
func resendOutcome(f *Factory, rows []resendRow) error {
	failed, limited, notStarted := 0, 0, 0
	for _, r := range rows {
		if r.Status == bulkrun.StatusNotStarted {
			notStarted++
		}
		if r.Status == bulkrun.StatusFailed {
			failed++
			if webhook.KindOf(r.err) == webhook.KindRateLimited {
				limited++
			}
		}
	}
	notice(f, "resent %d, failed %d%s", len(rows)-failed-notStarted, failed, notStartedNote(notStarted))
	switch {
	case failed == 0:
		return nil
	case limited == failed:
		return webhook.Errorf(webhook.KindRateLimited, "%d of %d resends rate limited", failed, len(rows)).
			WithHint("rerun later or lower --rate / --concurrency")
	}
	return webhook.Errorf(webhook.KindPartial, "%d of %d resends failed", failed, len(rows))
}

func resendTable(rows []resendRow) *output.Table {
	t := &output.Table{Headers: []string{"ID", "REGISTRATION", "EVENT", "STATUS", "HTTP", "ERROR"}}
	for _, r := range rows {
		code := "-"
		if r.HTTPStatus != 0 {
			code = fmt.Sprint(r.HTTPStatus)
		}
		t.AddRow(r.ID, r.RegistrationID, r.Event, r.Status, code, firstLine(r.Error))
	}
	return t
}
